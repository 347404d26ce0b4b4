// The node's plugin contract (bcoin's `node.use(plugin)`): FullNode knows plugins, not what
// they add. A plugin's init() runs once the model store is open and before the chain opens,
// so its chain extensions take part from the first block; the parts it gets from the host
// are read lazily (getters), each available from the step of start() that opens it.
// Only types here: a plugin may satisfy this contract structurally, without importing node/.
import type { Block } from '../chain/block.js';
import type { NetworkParams } from '../chain/params.js';
import type { Chain, ChainExtension } from '../chain/chain.js';
import type { Mempool } from '../mempool/mempool.js';
import type { MempoolExtension } from '../mempool/accept.js';
import type { BlobStore } from '../model-store/store.js';
import type { WalletManager } from '../wallet/manager.js';
import type { NodeContext, P2PHandle } from '../rpc/context.js';
import type { Logger } from '../util/logger.js';

export interface PluginHost {
  readonly params: NetworkParams;
  /** <datadir>/<network>: a plugin's own files live below it. */
  readonly networkDir: string;
  /** -maxvalidationcost (ODA-BIP-0007b capability class); undefined = re-execute everything. */
  readonly maxValidationCost?: bigint;
  readonly store: BlobStore;
  /** Open from Plugin.open() on. */
  readonly chain: Chain;
  /** Open from Plugin.open() on. */
  readonly mempool: Mempool;
  /** Present (when enabled) from Plugin.ready() on. */
  readonly wallets: WalletManager | undefined;
  /** Present (when enabled) from Plugin.ready() on. */
  readonly p2p: P2PHandle | undefined;
  readonly logger: Logger;
}

/** The fields a plugin adds to the RPC handlers' NodeContext. */
export type PluginContext = Partial<Pick<NodeContext, 'oda'>>;

export interface Plugin {
  /** Consensus extensions of the chain (read before it opens). */
  readonly chainExtensions?: readonly ChainExtension[];
  /** Acceptance rules of the mempool (called once, after the chain opened). */
  mempoolExtensions?(): MempoolExtension[];
  /** Blob roots a peer's block names: P2P holds the block until they are here. */
  blobsForBlock?(block: Block): string[];
  /** Added to every RPC handler's context. */
  readonly context?: PluginContext;
  /** Chain and mempool are open (before wallets, P2P, miner and RPC): subscribe to events here. */
  open?(): Promise<void>;
  /** Every part of the node is running. */
  ready?(): Promise<void>;
  /** Called in reverse order of use(), before the node's parts close. */
  close?(): Promise<void>;
}

export interface NodePlugin {
  readonly id: string;
  init(host: PluginHost): Plugin;
}
