// What an RPC handler sees of the node: small typed handles, never the FullNode itself
// (btcd's rpcserverConfig). Optional parts are absent when disabled (-disablewallet,
// -listen=0 without connections still has a P2P manager).
import type { NetworkParams } from '../chain/params.js';
import type { Logger } from '../util/logger.js';

export interface NodeContext {
  params: NetworkParams;
  // Typed loosely here to avoid an import cycle while modules land; each method table
  // narrows with its module's own type (e.g. `ctx.chain as Chain`).
  chain: any;
  mempool: any;
  miner: any;
  wallet?: any;
  wallets?: any;
  store?: any;
  p2p?: any;
  /** ODA transaction layer (registry, decoding); absent until it is wired. */
  oda?: any;
  config: any;
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
