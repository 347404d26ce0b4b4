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
import { startExplorer, type Explorer } from '../explorer/server.js';
import { FileLogger, type Logger } from '../util/logger.js';
import { addressToScript } from '../chain/address.js';
import type { Block } from '../chain/block.js';
import type { P2PNode } from '../p2p/node.js';
import type { Wallet } from '../wallet/wallet.js';
import type { NodePlugin, Plugin, PluginContext, PluginHost } from './plugin.js';
import { BlockFilterIndex } from '../chain/filter-index.js';

export interface NodeOptions {
  params: NetworkParams;
  /** <datadir>/<network>: every file of this node lives below it. */
  networkDir: string;
  rpc: { host: string; port: number; user?: string; password?: string; cookieFile?: string; workQueue?: number } | false;
  p2p: { listen: boolean; port: number; bind: string; connect: string[]; addnode: string[]; maxConnections: number } | false;
  /** -explorer: read-only web explorer (explorer/server.ts). */
  explorer?: { host: string; port: number } | false;
  mine?: { address?: string; interval: number };
  wallet: boolean;
  fallbackFee: bigint;
  maxMempool: number;
  /** -maxvalidationcost: this node's capability class (CU above which inference is not re-executed). */
  maxValidationCost?: bigint;
  printToConsole: boolean;
  debug: string[];
  /** Raw config, passed to modules that read their own options. */
  config: unknown;
}

export class FullNode {
  readonly logger: Logger;
  chain!: Chain;
  /** BIP 157/158 basic filters of connected blocks (getblockfilter, cfilter messages). */
  filters!: BlockFilterIndex;
  mempool!: Mempool;
  store!: BlobStore;
  wallets?: WalletManager;
  miner?: CpuMiner;
  p2p?: P2PNode;
  rpc?: RpcServer<NodeContext>;
  explorer?: Explorer;
  private lock?: DirLock;
  private readonly pluginTypes: NodePlugin[] = [];
  private plugins: Plugin[] = [];
  private stopping?: Promise<void>;
  readonly startTime = Math.floor(Date.now() / 1000);

  constructor(readonly opts: NodeOptions) {
    mkdirSync(opts.networkDir, { recursive: true });
    this.logger = new FileLogger(join(opts.networkDir, 'debug.log'), opts.printToConsole, opts.debug);
  }

  /** Adds a plugin (bcoin's node.use); call before start(). Plugins start in this order. */
  use(plugin: NodePlugin): this {
    if (this.chain) throw new Error(`plugin ${plugin.id}: use() after start()`);
    if (this.pluginTypes.some((p) => p.id === plugin.id)) throw new Error(`plugin ${plugin.id} is already in use`);
    this.pluginTypes.push(plugin);
    return this;
  }

  /** What a plugin sees of the node: each part from the step of start() that opens it. */
  private pluginHost(): PluginHost {
    const node = this;
    const added: PluginContext = Object.assign({}, ...this.plugins.map((p) => p.context ?? {}));
    return {
      ...added,
      params: this.opts.params,
      networkDir: this.opts.networkDir,
      maxValidationCost: this.opts.maxValidationCost,
      get store() { return node.store; },
      get chain() { return node.chain; },
      get mempool() { return node.mempool; },
      get wallets() { return node.wallets; },
      get p2p() { return node.p2p; },
      logger: this.logger,
    };
  }

  async start(): Promise<void> {
    const { opts, logger } = this;
    const params = opts.params;
    this.lock = DirLock.acquire(opts.networkDir);
    logger.info(`ODA node starting: chain=${params.chain} datadir=${opts.networkDir}`);

    this.store = await BlobStore.open(join(opts.networkDir, 'models'));
    const host = this.pluginHost();
    this.plugins = this.pluginTypes.map((p) => p.init(host));
    this.chain = await Chain.open({ params, dir: opts.networkDir, extensions: this.plugins.flatMap((p) => p.chainExtensions ?? []) });
    logger.info(`Loaded best chain: height=${this.chain.height} hash=${this.chain.tip.hash}`);
    this.filters = new BlockFilterIndex(this.chain);

    this.mempool = new Mempool({
      chain: this.chain, params, file: join(opts.networkDir, 'mempool.dat'), maxSize: opts.maxMempool,
      extensions: this.plugins.flatMap((p) => p.mempoolExtensions?.() ?? []), log: (m: string) => logger.info(m),
    });
    // Chain → mempool: confirmed txs leave the pool, disconnected ones come back (registered
    // before the plugins' listeners, which see the pool after this block).
    this.chain.on('connect', (_entry: unknown, block: Block) => this.mempool.handleConnect(block));
    this.chain.on('disconnect', (_entry: unknown, block: Block) => {
      this.mempool.handleDisconnect(block).catch((e: Error) => logger.error(`mempool re-add failed: ${e.message}`));
    });
    for (const p of this.plugins) await p.open?.();
    const loaded = await this.mempool.load();
    logger.info(`Imported mempool transactions from disk: ${loaded.accepted} succeeded, ${loaded.failed} failed, ${loaded.expired} expired`);
    // Also written periodically, so a kill -9 loses at most a few minutes of unconfirmed txs.
    this.mempool.startPeriodicSave(15 * 60);

    if (opts.wallet) {
      this.wallets = await WalletManager.open({ dir: join(opts.networkDir, 'wallets'), chain: this.chain, mempool: this.mempool, params, fallbackFee: opts.fallbackFee, logger });
      await this.resubmitWalletTransactions();
    }

    if (opts.p2p) {
      const { P2PNode } = await import('../p2p/node.js');
      const gates = this.plugins.flatMap((p) => (p.blobsForBlock ? [p.blobsForBlock.bind(p)] : []));
      this.p2p = new P2PNode({
        params, chain: this.chain, mempool: this.mempool, store: this.store, filters: this.filters, logger, dataDir: opts.networkDir, ...opts.p2p,
        ...(gates.length ? { blobsForBlock: (block: Block) => gates.flatMap((g) => g(block)) } : {}),
      });
      await this.p2p.start();
    }

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
    for (const p of this.plugins) await p.ready?.();
    // -explorer: the web explorer calls the RPC handlers in-process with the same context.
    if (opts.explorer) this.explorer = await startExplorer({ context: this.context(), host: opts.explorer.host, port: opts.explorer.port, logger });
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

  private defaultWallet(): Wallet {
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
    const added: PluginContext = Object.assign({}, ...this.plugins.map((p) => p.context ?? {}));
    return {
      ...added,
      params: this.opts.params,
      get chain() { return node.chain; },
      get mempool() { return node.mempool; },
      get miner() { return node.miner; },
      get wallets() { return node.wallets; },
      get wallet() { return node.wallets?.get(''); },
      get store() { return node.store; },
      get p2p() { return node.p2p; },
      get filters() { return node.filters; },
      config: this.opts.config,
      logger: this.logger,
      startTime: this.startTime,
      networkDir: this.opts.networkDir,
      shutdown: () => { setImmediate(() => { this.stop().then(() => process.exit(0)); }); },
    };
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
    await step('miner', () => this.miner?.stop());
    await step('explorer', () => this.explorer?.close());
    await step('rpc', () => this.rpc?.stop());
    await step('p2p', () => this.p2p?.stop());
    for (const p of [...this.plugins].reverse()) await step('plugin', () => p.close?.());
    await step('mempool', () => this.mempool?.close()); // drains queued work, then writes mempool.dat
    await step('wallet', () => this.wallets?.close());
    await step('chain', () => this.chain?.close());
    await step('store', () => this.store?.close());
    this.lock?.release();
    log.info('Shutdown: done');
  }
}
