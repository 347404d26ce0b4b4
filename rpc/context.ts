// What an RPC handler sees of the node: small typed handles, never the FullNode itself
// (btcd's rpcserverConfig). Optional parts are absent when disabled (-disablewallet,
// -listen=0 without connections still has a P2P manager). Type-only imports: no module
// is loaded, so no import cycle arises.
import type { BlockFilterIndex } from '../chain/filter-index.js';
import type { Transaction } from '../chain/block.js';
import type { NetworkParams } from '../chain/params.js';
import type { Chain } from '../chain/chain.js';
import type { Mempool } from '../mempool/mempool.js';
import type { CpuMiner } from '../miner/cpuminer.js';
import type { BlobStore } from '../model-store/store.js';
import type { Wallet } from '../wallet/wallet.js';
import type { WalletManager } from '../wallet/manager.js';
import type { P2PNode } from '../p2p/node.js';
import type { OdaService } from '../oda/plugin.js';
import type { Logger } from '../util/logger.js';

/** What the Network category and relaying handlers use of the P2P node. */
export type P2PHandle = Pick<P2PNode,
  | 'connectionCount' | 'pingAll' | 'getPeerInfo' | 'addNode' | 'disconnectNode' | 'getAddedNodeInfo'
  | 'netTotals' | 'networkInfoCore' | 'pool' | 'isInitialBlockDownload' | 'verificationProgress' | 'fetchBlob' | 'blobs'
> & { relayTransaction(tx: Transaction): void };

export interface NodeContext {
  params: NetworkParams;
  chain: Chain;
  mempool: Mempool;
  miner: CpuMiner | undefined;
  /** The default wallet (""), when loaded. */
  wallet?: Wallet;
  wallets?: WalletManager;
  store?: BlobStore;
  p2p?: P2PHandle;
  /** ODA transaction layer (oda/plugin.ts); absent when the node runs without the plugin. */
  oda?: OdaService;
  /** BIP 157/158 basic block filters (chain/filter-index.ts). */
  filters?: BlockFilterIndex;
  /** Raw parsed config (node/config.ts); handlers read only what they document. */
  config: unknown;
  logger: Logger;
  /** Unix seconds when the node started (uptime). */
  startTime: number;
  /** Data dir of this network, e.g. ~/.oda/regtest. */
  networkDir: string;
  /** Wallet name from the /wallet/<name> URL, if any. */
  walletName?: string;
  /** Begins a clean shutdown (the `stop` RPC). */
  shutdown(): void;
}
