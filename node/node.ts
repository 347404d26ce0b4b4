// FullNode: opens every part in dependency order, joins them by events (bcoin's fullnode.js)
// and closes them in reverse. The only place that knows all modules.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkParams } from '../chain/params.js';
import { Chain } from '../chain/chain.js';
import { Mempool } from '../mempool/mempool.js';
import { WalletManager } from '../wallet/manager.js';
import { CpuMiner } from '../miner/cpuminer.js';
import { BlobStore } from '../model-store/store.js';
import { RpcServer } from '../rpc/server.js';
import type { NodeContext } from '../rpc/context.js';
import type { RpcMethod } from '../rpc/types.js';
import { allMethods } from '../rpc/methods/index.js';
import { DirLock } from './lockfile.js';
import { FileLogger, type Logger } from './logger.js';
import { addressToScript } from '../chain/address.js';
import {
  createOdaExtension, createOdaMempoolExtension, decorateTx, modelsUpdatedBy, odaModelOf, payloadBlobs, type OdaExtension,
} from '../oda/index.js';

export interface NodeOptions {
  params: NetworkParams;
  /** <datadir>/<network>: every file of this node lives below it. */
  networkDir: string;
  rpc: { host: string; port: number; user?: string; password?: string; cookieFile?: string; workQueue?: number } | false;
  p2p: { listen: boolean; port: number; bind: string; connect: string[]; addnode: string[]; maxConnections: number } | false;
  mine?: { address?: string; interval: number };
  wallet: boolean;
  fallbackFee: bigint;
  maxMempool: number;
  printToConsole: boolean;
  debug: string[];
  /** Raw config, passed to modules that read their own options. */
  config: unknown;
}

export class FullNode {
  readonly logger: Logger;
  chain!: Chain;
  mempool!: Mempool;
  store!: BlobStore;
  wallets?: WalletManager;
  miner?: CpuMiner;
  p2p?: any;
  oda!: OdaExtension;
  rpc?: RpcServer<NodeContext>;
  private lock?: DirLock;
  private parkedTimer?: NodeJS.Timeout;
  private retrying = false;
  private stopping?: Promise<void>;
  readonly startTime = Math.floor(Date.now() / 1000);

  constructor(readonly opts: NodeOptions) {
    mkdirSync(opts.networkDir, { recursive: true });
    this.logger = new FileLogger(join(opts.networkDir, 'debug.log'), opts.printToConsole, opts.debug);
  }

  async start(): Promise<void> {
    const { opts, logger } = this;
    const params = opts.params;
    this.lock = DirLock.acquire(opts.networkDir);
    logger.info(`ODA node starting: chain=${params.chain} datadir=${opts.networkDir}`);

    this.store = await BlobStore.open(join(opts.networkDir, 'models'));
    // ODA transactions are consensus: their extension validates every block against the
    // registry and the model data in the store, inside the block's atomic batch.
    this.oda = createOdaExtension({ store: this.store });
    this.chain = await Chain.open({ params, dir: opts.networkDir, extensions: [this.oda] });
    logger.info(`Loaded best chain: height=${this.chain.height} hash=${this.chain.tip.hash}`);

    const odaPolicy = createOdaMempoolExtension({ chain: this.chain, context: this.oda.context });
    this.mempool = new Mempool({
      chain: this.chain, params, file: join(opts.networkDir, 'mempool.dat'), maxSize: opts.maxMempool,
      extensions: [odaPolicy], log: (m: string) => logger.info(m),
    });
    this.mempool.on('removed', (e: { txid: string }) => odaPolicy.forget(e.txid));
    const loaded = await this.mempool.load();
    logger.info(`Imported mempool transactions from disk: ${loaded.accepted} succeeded, ${loaded.failed} failed, ${loaded.expired} expired`);
    // Also written periodically, so a kill -9 loses at most a few minutes of unconfirmed txs.
    this.mempool.startPeriodicSave(15 * 60);

    // Chain → mempool: confirmed txs leave the pool, disconnected ones come back. A block that
    // moves a model's version (either way) makes pending txs naming the old one stale: recheck them.
    // On a disconnect the block's own ODA txs of those models are offered first: entries that
    // were accepted against the newer version (a reorg disconnects tip-first) must not shut out
    // the reveal that the older state needs back.
    const recheckModels = (block: any, disconnected: boolean) => {
      const models = modelsUpdatedBy(block);
      if (models.size === 0) return;
      const first = disconnected ? (block.transactions ?? []).slice(1).filter((t: any) => models.has(odaModelOf(t) ?? '')) : [];
      this.mempool.recheck((e: any) => models.has(odaModelOf(e.tx) ?? ''), first)
        .catch((e: Error) => logger.error(`mempool ODA recheck failed: ${e.message}`));
    };
    this.chain.on('connect', (_entry: unknown, block: any) => {
      this.mempool.handleConnect(block);
      recheckModels(block, false);
    });
    this.chain.on('disconnect', (_entry: unknown, block: any) => {
      this.mempool.handleDisconnect(block).catch((e: Error) => logger.error(`mempool re-add failed: ${e.message}`));
      recheckModels(block, true);
    });

    if (opts.wallet) {
      this.wallets = await WalletManager.open({ dir: join(opts.networkDir, 'wallets'), chain: this.chain, mempool: this.mempool, params, fallbackFee: opts.fallbackFee, logger });
      await this.resubmitWalletTransactions();
    }

    if (opts.p2p) {
      const { P2PNode } = await import('../p2p/node.js');
      this.p2p = new P2PNode({
        params, chain: this.chain, mempool: this.mempool, store: this.store, logger, dataDir: opts.networkDir, ...opts.p2p,
        // A block from a peer reaches the chain only once the model data it names is here.
        blobsForBlock: (block: any) => payloadBlobs(block).map((b) => b.root),
      });
      await this.p2p.start();
    }
    // A block that arrived without its model data (submitblock, or data that vanished) is parked
    // by the chain: fetch what it lacks from peers, now and every 30 s until it is connectable.
    this.chain.on('missing-data', (entry, missing) => {
      logger.info(`block ${entry.hash} waits for model data: ${(missing as Array<{ root: string }>).map((b) => b.root).join(', ')}`);
      void this.retryParked();
    });
    this.parkedTimer = setInterval(() => void this.retryParked(), 30_000);
    this.parkedTimer.unref();

    if (opts.mine) {
      // Without -mineaddress every block pays a fresh wallet address: a fixed payout would let
      // a fast regtest miner rebuild, byte for byte, a block that was just invalidated.
      const script = opts.mine.address
        ? addressToScript(opts.mine.address, params)
        : async () => addressToScript(await this.defaultWallet().getNewAddress('mining'), params);
      this.miner = new CpuMiner({ chain: this.chain, mempool: this.mempool, outputScript: script, interval: opts.mine.interval, log: (m: string) => logger.info(m) });
      this.miner.start();
      logger.info(`Mining every ${opts.mine.interval}s to ${opts.mine.address ?? 'a wallet address'}`);
    }

    if (opts.rpc) {
      const ctx = this.context();
      const auth = opts.rpc.password !== undefined && opts.rpc.user !== undefined
        ? { user: opts.rpc.user, password: opts.rpc.password }
        : { cookieFile: opts.rpc.cookieFile ?? join(opts.networkDir, '.cookie') };
      this.rpc = new RpcServer<NodeContext>({ methods: this.methods(), context: ctx, host: opts.rpc.host, port: opts.rpc.port, auth, logger, startTime: this.startTime, workQueue: opts.rpc.workQueue });
      await this.rpc.start();
      logger.info(`RPC server listening on ${opts.rpc.host}:${this.rpc.port}`);
    }
    logger.info('init message: Done loading');
  }

  /**
   * Core's ResubmitWalletTransactions at startup: a kill -9 can lose mempool.dat's latest
   * state, and the wallet counts an unconfirmed payment only while it is in the mempool.
   */
  private async resubmitWalletTransactions(): Promise<void> {
    let resubmitted = 0;
    for (const name of this.wallets!.list()) {
      for (const t of this.wallets!.get(name)!.transactions()) {
        if (t.height !== -1 || t.coinbase || this.mempool.has(t.txid)) continue;
        try {
          await this.mempool.addTransaction(t.tx);
          resubmitted++;
        } catch {
          // Conflicted or no longer valid: the wallet already treats it as inactive.
        }
      }
    }
    if (resubmitted) this.logger.info(`Resubmitted ${resubmitted} unconfirmed wallet transactions`);
  }

  /** Fetches the model data parked blocks lack (from peers), then lets the chain retry them. */
  private async retryParked(): Promise<void> {
    if (this.retrying || this.stopping) return;
    this.retrying = true;
    try {
      const parked = this.chain.waitingBlocks();
      if (parked.length === 0) return;
      const roots = new Set(parked.flatMap((p) => (p.missing as Array<{ root: string }>).map((b) => b.root)));
      const absent: string[] = [];
      for (const r of roots) if (!(await this.store.has(r))) absent.push(r);
      if (absent.length > 0 && this.p2p) {
        await Promise.allSettled(absent.map((r) => this.p2p.fetchBlob(r, { timeout: 25_000 })));
      }
      await this.chain.retryWaiting();
    } catch (e: any) {
      this.logger.warn(`retrying blocks parked for model data: ${e?.message ?? e}`);
    } finally {
      this.retrying = false;
    }
  }

  private defaultWallet(): any {
    const w = this.wallets?.get('');
    if (!w) throw new Error('-mine without -mineaddress needs the wallet');
    return w;
  }

  methods(): RpcMethod<NodeContext>[] {
    return allMethods();
  }

  context(): NodeContext {
    // Getters so handlers always see the live objects (e.g. after a wallet loads).
    const node = this;
    return {
      params: this.opts.params,
      get chain() { return node.chain; },
      get mempool() { return node.mempool; },
      get miner() { return node.miner; },
      get wallets() { return node.wallets; },
      get wallet() { return node.wallets?.get(''); },
      get store() { return node.store; },
      get p2p() { return node.p2p; },
      get oda() { return { registry: node.oda.registry(node.chain), extension: node.oda, decorateTx }; },
      config: this.opts.config,
      logger: this.logger,
      startTime: this.startTime,
      networkDir: this.opts.networkDir,
      shutdown: () => { setImmediate(() => { this.stop().then(() => process.exit(0)); }); },
    } as NodeContext;
  }

  /** Clean shutdown in reverse order; safe to call twice. */
  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const log = this.logger;
    log.info('Shutdown: In progress...');
    const step = async (name: string, fn: () => unknown) => {
      try { await fn(); } catch (e: any) { log.error(`shutdown ${name}: ${e?.message ?? e}`); }
    };
    if (this.parkedTimer) clearInterval(this.parkedTimer);
    await step('miner', () => this.miner?.stop());
    await step('rpc', () => this.rpc?.stop());
    await step('p2p', () => this.p2p?.stop());
    await step('mempool', () => this.mempool?.close()); // drains queued work, then writes mempool.dat
    await step('wallet', () => this.wallets?.close());
    await step('chain', () => this.chain?.close());
    await step('store', () => this.store?.close());
    this.lock?.release();
    log.info('Shutdown: done');
  }
}
