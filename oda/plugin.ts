// ODA as a node plugin (bcoin's `node.use(plugin)`): the chain extension that validates ODA
// transactions, the storage index (ODA-BIP-0006, kept from genesis), the mempool's ODA check,
// the P2P gate for model data, the retry of blocks parked for model data, the -storemodels
// policy run in the background, and the `oda` service RPC handlers use. FullNode knows none of it.
// The host is typed structurally here (oda/ does not import node/); node/plugin.ts's
// NodePlugin contract is checked where the plugin is used (node/main.ts).
import type { Block, Transaction } from '../chain/block.js';
import type { Chain, ChainExtension } from '../chain/chain.js';
import type { NetworkParams } from '../chain/params.js';
import type { Mempool } from '../mempool/mempool.js';
import type { MempoolExtension } from '../mempool/accept.js';
import type { BlobStore } from '../model-store/store.js';
import type { Wallet } from '../wallet/wallet.js';
import type { OdaContext } from './apply.js';
import { createOdaExtension, payloadBlobs, type OdaExtension } from './extension.js';
import { createOdaMempoolExtension, modelsUpdatedBy, odaModelOf, type OdaMempoolExtension } from './mempool-check.js';
import type { RegistryReader } from './registry.js';
import type { BlobRef } from './payload.js';
import { OdaWallet } from './wallet.js';
import { EvaluationTracker } from './evaluations.js';
import { createStorageIndexExtension, STORAGE_EXTENSION, type MemoryIndex } from './storage-index.js';
import { heldShare, storageInfo, type StorageInfo, type StoreModelsMode } from './storage-policy.js';
import { StoreKeeper } from './storage-keeper.js';
import { UnverifiedLedger, capabilityClass, type CapabilityClass } from './unverified.js';
import { join } from 'node:path';

/** What RPC handlers get of ODA (NodeContext.oda). */
export interface OdaService {
  /** Registry queries at the chain's tip. */
  registry(): RegistryReader;
  /** This node's capability class (-maxvalidationcost, ODA-BIP-0007b). */
  capability: CapabilityClass;
  /** Inference txids of a block this node connected without re-executing them. */
  unverified(blockHash: string): readonly string[];
  /** Blob access, loaded models and the validation cache shared with the mempool and blocks. */
  readonly context: OdaContext;
  /** The mempool's ODA policy (pending conflicts). */
  readonly policy: OdaMempoolExtension;
  /** The ODA side of a wallet (one per wallet object). */
  wallet(w: Wallet): OdaWallet;
  /** The -storemodels policy running in the background (its mode; idle() for tests). */
  readonly keeper: StoreKeeper;
  /** ODA-BIP-0006 storage index at the tip: every registered blob with its byte offset. */
  storageIndex(): Promise<MemoryIndex>;
  /** Registered against held model data, in total and per model (getstorageinfo). */
  storageInfo(): Promise<StorageInfo>;
  /** The share of registered bytes this node holds, 0..1 (getmininginfo.storageheld). */
  storageHeld(): Promise<number>;
}

export interface OdaPluginOptions {
  /** -storemodels (storage-policy.ts parseStoreModels); default `pinned`. */
  storeModels?: StoreModelsMode;
}

export interface OdaPluginHost {
  readonly params: NetworkParams;
  readonly networkDir?: string;
  readonly maxValidationCost?: bigint;
  readonly store: BlobStore;
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly wallets: { list(): string[]; get(name: string): Wallet | undefined } | undefined;
  readonly p2p: { relayTransaction(tx: Transaction): void; fetchBlob(root: string, opts: { timeout?: number }): Promise<unknown> } | undefined;
  readonly logger: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

/**
 * How often blocks parked for model data are retried (their data is fetched from peers first)
 * and the store policy's pass runs again (a fetch that failed for want of peers is retried).
 */
const PARKED_RETRY_MS = 30_000;
/** One registered blob's background fetch; it resumes from the pieces held at the next pass. */
const STORE_FETCH_TIMEOUT_MS = 300_000;

/** The ODA plugin with its node options (node/main.ts passes odad's). */
export function createOdaPlugin(opts: OdaPluginOptions = {}) {
  return {
    id: 'oda',
    init: (host: OdaPluginHost) => initOda(host, opts),
  };
}

/** The plugin with default options (in-process nodes of tests and tools). */
export const odaPlugin = createOdaPlugin();

function initOda(host: OdaPluginHost, opts: OdaPluginOptions) {
  const { params, logger } = host;
  // ODA transactions are consensus: the extension validates every block against the registry
  // and the model data in the store, inside the block's atomic batch.
  const ext: OdaExtension = createOdaExtension({ store: host.store, params });
  ext.context.maxValidationCost = host.maxValidationCost;
  const ledger = new UnverifiedLedger(host.networkDir && join(host.networkDir, 'oda-unverified.txt'));
  ext.onUnverified = (hash, txids) => ledger.record(hash, txids);
  if (host.maxValidationCost !== undefined) logger.info(`oda: capability class limited: inference above ${host.maxValidationCost} CU is not re-executed (-maxvalidationcost)`);
  // Long evaluations log a progress line every few seconds (getevaluations lists them too).
  ext.context.evaluations = new EvaluationTracker({ logger });
  // The storage index is state only until params.activation.storageProofs: every node keeps
  // it from genesis, so activation needs no rebuild. It runs after the ODA extension, whose
  // verdict decides whether the block's registrations happen at all.
  const storage = createStorageIndexExtension({ store: host.store });
  // The tip's index from the per-block cache when the proof check put it there (read-only; the
  // RPCs and the keeper only read it), else from the state.
  const storageIndex = async () => storage.cache.get(host.chain.tip.hash) ?? storage.index(host.chain.extensionState(STORAGE_EXTENSION));
  const keeper = new StoreKeeper({
    mode: opts.storeModels ?? 'pinned',
    store: host.store,
    index: storageIndex,
    fetchBlob: () => {
      const p2p = host.p2p;
      return p2p ? (root: string) => p2p.fetchBlob(root, { timeout: STORE_FETCH_TIMEOUT_MS }) : undefined;
    },
    busy: () => host.chain.waitingBlocks().length > 0,
    log: (m) => logger.info(m),
  });
  let policy: OdaMempoolExtension | undefined;
  const wallets = new WeakMap<Wallet, OdaWallet>();
  let parkedTimer: NodeJS.Timeout | undefined;
  let retrying = false;
  let closing = false;

  const service: OdaService = {
    registry: () => ext.registry(host.chain),
    capability: capabilityClass(host.maxValidationCost),
    unverified: (hash) => ledger.of(hash),
    context: ext.context,
    get policy() {
      if (!policy) throw new Error('oda: the mempool is not open yet');
      return policy;
    },
    wallet(w: Wallet): OdaWallet {
      let ow = wallets.get(w);
      if (!ow) {
        ow = new OdaWallet({
          chain: host.chain, mempool: host.mempool, policy: service.policy, context: ext.context,
          registry: () => ext.registry(host.chain),
          relay: (tx) => host.p2p?.relayTransaction(tx),
          log: logger,
        }, w);
        wallets.set(w, ow);
        ow.resume().catch((e: Error) => logger.error(`oda: resuming reveals of wallet "${w.name}": ${e.message}`));
      }
      return ow;
    },
    keeper,
    storageIndex,
    storageInfo: async () => storageInfo(keeper.mode, await storageIndex(), host.store, ext.registry(host.chain)),
    storageHeld: async () => heldShare(await storageIndex(), host.store),
  };

  // A block that moves a model's version (either way) makes pending txs naming the old one
  // stale: recheck them. On a disconnect the block's own ODA txs of those models are offered
  // first: entries accepted against the newer version (a reorg disconnects tip-first) must
  // not shut out the reveal that the older state needs back.
  const recheckModels = (block: Block, disconnected: boolean) => {
    const models = modelsUpdatedBy(block);
    if (models.size === 0) return;
    const first = disconnected ? (block.transactions ?? []).slice(1).filter((t) => models.has(odaModelOf(t) ?? '')) : [];
    host.mempool.recheck((e) => models.has(odaModelOf(e.tx) ?? ''), first)
      .catch((e: Error) => logger.error(`mempool ODA recheck failed: ${e.message}`));
  };

  /** Fetches the model data parked blocks lack (from peers), then lets the chain retry them. */
  const retryParked = async (): Promise<void> => {
    if (retrying || closing) return;
    retrying = true;
    try {
      const parked = host.chain.waitingBlocks();
      if (parked.length === 0) return;
      const roots = new Set(parked.flatMap((p) => (p.missing as Array<{ root: string }>).map((b) => b.root)));
      const absent: string[] = [];
      for (const r of roots) if (!(await host.store.has(r))) absent.push(r);
      const p2p = host.p2p;
      if (absent.length > 0 && p2p) await Promise.allSettled(absent.map((r) => p2p.fetchBlob(r, { timeout: 25_000 })));
      await host.chain.retryWaiting();
    } catch (e) {
      logger.warn(`retrying blocks parked for model data: ${(e as Error)?.message ?? e}`);
    } finally {
      retrying = false;
    }
  };

  return {
    chainExtensions: [ext, storage] as ChainExtension[],
    mempoolExtensions(): MempoolExtension[] {
      policy = createOdaMempoolExtension({ chain: host.chain, context: ext.context });
      return [policy];
    },
    // A block from a peer reaches the chain only once the model data it names is here.
    blobsForBlock: (block: Block) => payloadBlobs(block).map((b) => b.root),
    context: { oda: service },
    async open(): Promise<void> {
      host.mempool.on('removed', (e: { txid: string }) => policy?.forget(e.txid));
      host.chain.on('connect', (_entry, block) => recheckModels(block, false));
      host.chain.on('disconnect', (_entry, block) => recheckModels(block, true));
      // A block that arrived without its model data (submitblock, or data that vanished) is
      // parked by the chain: fetch what it lacks, now and every 30 s until it is connectable.
      // The ODA extension's missingData answers BlobRefs, so that is what the chain passes on.
      host.chain.on('missing-data', (entry, missing) => {
        logger.info(`block ${entry.hash} waits for model data: ${(missing as readonly BlobRef[]).map((b) => b.root).join(', ')}`);
        void retryParked();
      });
      // The store policy acts on what each new tip registered (pruning needs no peers).
      host.chain.on('tip', () => keeper.kick());
      parkedTimer = setInterval(() => { void retryParked(); keeper.kick(); }, PARKED_RETRY_MS);
      parkedTimer.unref();
    },
    async ready(): Promise<void> {
      // Peers can be asked from now on: catch up with the data registered so far.
      logger.info(`storemodels=${keeper.mode}`);
      keeper.kick();
      // Automatic reveals kept by the loaded wallets resume (updateweights before a restart).
      for (const name of host.wallets?.list() ?? []) {
        const w = host.wallets!.get(name);
        if (w) service.wallet(w);
      }
    },
    async close(): Promise<void> {
      closing = true;
      keeper.close();
      if (parkedTimer) clearInterval(parkedTimer);
      for (const name of host.wallets?.list() ?? []) {
        const w = host.wallets!.get(name);
        if (w) wallets.get(w)?.close();
      }
    },
  };
}
