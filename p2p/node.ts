// P2PNode: the P2P subsystem as the full node sees it. Joins the connection pool, headers-
// first sync and inventory relay to the chain and mempool by events:
//   chain 'tip'  → announce the block to peers, schedule more downloads, retry orphan txs
//   mempool 'tx' → announce the transaction
// and answers the Network RPCs (rpc/methods/network.ts) with Core's shapes.
import { answerModelProof } from './model-proofs.js';
import { CompactFilterServer, CFILTER_COMMANDS, type FilterSource } from './cfilters.js';
import { Block, type Transaction } from '../chain/block.js';
import type { NetworkParams } from '../chain/params.js';
import type { Logger } from '../util/logger.js';
import type { ChainView, EntryView, MempoolView } from './chain-view.js';
import { Pool, parseHostPort } from './pool.js';
import type { Peer } from './peer.js';
import { Relay } from './relay.js';
import { BlockSync, type SyncOptions } from './sync.js';
import { BlobExchange, type BlobExchangeOptions } from './blobs.js';
import type { BlobStore } from '../model-store/store.js';
import type { Manifest } from '../model-store/manifest.js';
import { NO_BLOB, PROTOCOL_VERSION, serviceNames, Services, type Message } from './wire/messages.js';

const BLOB_COMMANDS = new Set(['getmanifest', 'manifest', 'getblobhave', 'blobhave', 'havepiece', 'getpiece', 'piece', 'nopiece']);

export const USER_AGENT = '/oda:0.1.0/';

export interface P2PNodeOptions {
  params: NetworkParams;
  chain: ChainView;
  mempool?: MempoolView;
  /** Model-data store; when present the node advertises NODE_MODEL_STORE and exchanges pieces. */
  store?: BlobStore;
  blobs?: BlobExchangeOptions;
  /**
   * The blob roots a block's ODA transactions reference (supplied by the ODA validation
   * layer). When set, a block is handed to the chain only once all of them are held.
   */
  blobsForBlock?: (block: Block) => string[];
  /** BIP 157/158 basic filters; when present the node advertises NODE_COMPACT_FILTERS and serves them. */
  filters?: FilterSource;
  /** How long a block waits for its model data before it is requested again (ms). */
  blobWaitTimeout?: number;
  logger: Logger;
  /** Network data dir: peers.json and banlist.json live here. */
  dataDir?: string;
  listen?: boolean;
  bind?: string;
  port?: number;
  connect?: string[];
  addnode?: string[];
  maxConnections?: number;
  /** Cost units this node will execute to validate one ODA transaction (NODE_ODA_VALIDATE). */
  maxCostUnits?: bigint;
  userAgentComment?: string;
  sync?: SyncOptions;
  peerOptions?: ConstructorParameters<typeof Pool>[0]['peerOptions'];
  maintainInterval?: number;
}

export interface PeerInfo {
  id: number; addr: string; addrbind?: string; network: string; services: string; servicesnames: string[];
  relaytxes: boolean; lastsend: number; lastrecv: number; last_transaction: number; last_block: number;
  bytessent: number; bytesrecv: number; conntime: number; timeoffset: number; pingtime?: number; minping?: number; pingwait?: number;
  version: number; subver: string; inbound: boolean; bip152_hb_to: boolean; bip152_hb_from: boolean;
  startingheight: number; presynced_headers: number; synced_headers: number; synced_blocks: number; inflight: number[];
  addr_relay_enabled: boolean; addr_processed: number; addr_rate_limited: number; permissions: string[]; minfeefilter: number;
  bytessent_per_msg: Record<string, number>; bytesrecv_per_msg: Record<string, number>;
  connection_type: string; transport_protocol_type: string; session_id: string; banscore: number;
}

const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

export class P2PNode {
  readonly pool: Pool;
  readonly sync: BlockSync;
  readonly relay: Relay;
  readonly blobs?: BlobExchange;
  private readonly cfilters?: CompactFilterServer;
  readonly services: bigint;
  readonly maxCostUnits: bigint;
  private readonly onTip: (e: EntryView) => void;
  private readonly onTx: (e: { txid: string; fee: bigint; vsize: number }) => void;

  constructor(readonly opts: P2PNodeOptions) {
    const { params, chain, logger } = opts;
    this.maxCostUnits = opts.maxCostUnits ?? 1_000_000_000n;
    this.services = Services.NODE_NETWORK | Services.NODE_WITNESS | Services.NODE_ODA_VALIDATE | (opts.store ? Services.NODE_MODEL_STORE : 0n)
      | (opts.filters ? Services.NODE_COMPACT_FILTERS : 0n);
    if (opts.filters) this.cfilters = new CompactFilterServer(chain, opts.filters);
    const ua = opts.userAgentComment ? USER_AGENT.replace(/\/$/, `(${opts.userAgentComment})/`) : USER_AGENT;
    this.pool = new Pool({
      magic: params.magic, defaultPort: params.port, services: this.services, maxCostUnits: this.maxCostUnits, userAgent: ua,
      listen: opts.listen ?? true, bind: opts.bind ?? '0.0.0.0', port: opts.port ?? params.port, connect: opts.connect ?? [], addnode: opts.addnode ?? [],
      maxConnections: opts.maxConnections ?? 125, dataDir: opts.dataDir, logger, startHeight: () => chain.height,
      peerOptions: opts.peerOptions, maintainInterval: opts.maintainInterval,
    });
    // Blocks a main-style network makes per second (regtest: 0, as Core's zero ChainTxData).
    this.sync = new BlockSync(chain, logger, { blockRate: params.chain === 'main' ? 1 / params.powTargetSpacing : 0, ...opts.sync });
    this.relay = new Relay(chain, opts.mempool, this.sync, () => this.pool.readyPeers(), logger);
    if (opts.store) this.blobs = new BlobExchange(opts.store, () => this.pool.readyPeers(), logger, opts.blobs);
    if (this.blobs && opts.blobsForBlock) {
      const blobs = this.blobs, roots = opts.blobsForBlock;
      this.sync.blobGate = async (block) => {
        await Promise.all(roots(block).map((r) => blobs.fetchBlob(r, { timeout: opts.blobWaitTimeout ?? 60_000 })));
      };
    }
    this.pool.on('peer', (p: Peer) => { this.sync.addPeer(p); this.relay.onReady(p); this.blobs?.onPeer(p); });
    this.pool.on('close', (p: Peer) => { this.sync.removePeer(p); this.relay.onPeerClosed(p); this.blobs?.onPeerClosed(p); });
    this.pool.messageHandler = (p: Peer, m: Message) => {
      if (BLOB_COMMANDS.has(m.cmd)) {
        if (this.blobs) return this.blobs.onMessage(p, m);
        if (m.cmd === 'getmanifest' || m.cmd === 'getblobhave' || m.cmd === 'getpiece') p.send({ cmd: 'nopiece', root: m.root, index: NO_BLOB });
        return;
      }
      if (m.cmd === 'getmodproof') {
        return answerModelProof(chain, m).then((r) => p.send(r), (err: Error) => logger.error(`getmodelproof: ${err.message}`));
      }
      if (m.cmd === 'modproof' || m.cmd === 'nomodproof') return; // answers to lite clients' requests; a full node asks none
      if (CFILTER_COMMANDS.has(m.cmd)) {
        if (this.cfilters) return this.cfilters.onMessage(p, m);
        // Core: a node without NODE_COMPACT_FILTERS disconnects a peer that asks for filters.
        return p.misbehave(100, 'cfilter request to a node without NODE_COMPACT_FILTERS');
      }
      return this.relay.onMessage(p, m);
    };
    this.onTip = (e) => {
      this.relay.onTip();
      this.relay.announceBlock(e);
      this.sync.schedule();
      this.relay.requestMempools();
      this.relay.retryOrphans().catch((err: Error) => logger.error(`orphan retry: ${err.message}`));
    };
    this.onTx = (e) => this.relay.announceTx(e.txid, e.fee, e.vsize);
  }

  async start(): Promise<void> {
    this.opts.chain.on('tip', this.onTip);
    this.opts.mempool?.on('tx', this.onTx);
    await this.pool.start();
  }

  async stop(): Promise<void> {
    this.opts.chain.off('tip', this.onTip);
    this.opts.mempool?.off('tx', this.onTx);
    this.sync.stop();
    this.blobs?.stop();
    await this.pool.stop();
  }

  get port(): number { return this.pool.port; }
  peers(): Peer[] { return [...this.pool.peers.values()]; }

  /** Announces a transaction already in our mempool (sendrawtransaction, wallet). */
  relayTransaction(tx: Transaction): void {
    const e = this.opts.mempool?.get(tx.getId());
    if (e) this.relay.announceTx(tx.getId(), e.fee, e.vsize);
  }

  /** Announces a block the chain has connected (the miner calls this; 'tip' covers it too). */
  announceBlock(block: Block): void {
    const e = this.opts.chain.getEntry(block.getId());
    if (e) this.relay.announceBlock(e);
  }

  /** Fetches a blob's missing pieces from peers; resolves when it is complete and verified. */
  fetchBlob(root: string, opts: { timeout?: number } = {}): Promise<Manifest> {
    if (!this.blobs) return Promise.reject(new Error('no model store: this node does not fetch model data'));
    return this.blobs.fetchBlob(root, opts);
  }

  bestHeaderHeight(): number { return this.sync.bestHeaderHeight; }
  isInitialBlockDownload(): boolean { return this.sync.isInitialBlockDownload(); }
  verificationProgress(): number { return this.sync.progress(); }

  // ---- Network RPC backends (Core shapes) ----

  getPeerInfo(): PeerInfo[] {
    return this.peers().filter((p) => p.version).map((p) => {
      const v = p.version!;
      const pt = p as Peer & { connectionType?: string };
      return {
        id: p.id, addr: p.addr, network: p.host.includes(':') ? 'ipv6' : 'ipv4', services: hex16(v.services), servicesnames: serviceNames(v.services),
        relaytxes: v.relay, lastsend: p.lastSend, lastrecv: p.lastRecv, last_transaction: 0, last_block: 0,
        bytessent: p.bytesSent, bytesrecv: p.bytesRecv, conntime: p.connTime, timeoffset: Number(v.timestamp) - p.connTime,
        ...(p.pingTime !== undefined ? { pingtime: round6(p.pingTime) } : {}),
        ...(p.minPing !== undefined ? { minping: round6(p.minPing) } : {}),
        ...(p.pingNonce !== 0n ? { pingwait: round6((performance.now() - p.pingStart) / 1000) } : {}),
        version: v.version, subver: v.userAgent, inbound: p.inbound, bip152_hb_to: false, bip152_hb_from: false,
        startingheight: v.startHeight, presynced_headers: -1, synced_headers: p.syncedHeaders, synced_blocks: p.syncedBlocks, inflight: [],
        addr_relay_enabled: true, addr_processed: 0, addr_rate_limited: 0, permissions: [], minfeefilter: Number(p.feeFilter) / 1e8,
        bytessent_per_msg: sortKeys(p.bytesSentPerMsg), bytesrecv_per_msg: sortKeys(p.bytesRecvPerMsg),
        connection_type: pt.connectionType ?? 'inbound', transport_protocol_type: 'v1', session_id: '', banscore: p.banScore,
      };
    });
  }

  connectionCount(): { total: number; inbound: number; outbound: number } {
    const ps = this.pool.readyPeers();
    const inbound = ps.filter((p) => p.inbound).length;
    return { total: ps.length, inbound, outbound: ps.length - inbound };
  }

  netTotals(): { totalbytesrecv: number; totalbytessent: number; timemillis: number } {
    return { totalbytesrecv: this.pool.totalBytesRecv, totalbytessent: this.pool.totalBytesSent, timemillis: Date.now() };
  }

  networkInfoCore(): { version: number; subversion: string; protocolversion: number; localservices: string; localservicesnames: string[]; localrelay: boolean; networkactive: boolean; connections: number; connections_in: number; connections_out: number; localaddresses: { address: string; port: number; score: number }[] } {
    const c = this.connectionCount();
    return {
      version: 100, subversion: USER_AGENT, protocolversion: PROTOCOL_VERSION, localservices: hex16(this.services), localservicesnames: serviceNames(this.services),
      localrelay: true, networkactive: this.pool.networkActive, connections: c.total, connections_in: c.inbound, connections_out: c.outbound,
      localaddresses: this.pool.listening ? [{ address: this.opts.bind ?? '0.0.0.0', port: this.pool.port, score: 1 }] : [],
    };
  }

  /** addnode: "add" | "remove" | "onetry". Returns an error code string for the RPC layer. */
  addNode(node: string, command: string): 'ok' | 'already-added' | 'not-added' | 'bad-command' {
    if (command === 'onetry') { this.pool.connect(node, 'manual'); return 'ok'; }
    if (command === 'add') return this.pool.addNode(node) ? 'ok' : 'already-added';
    if (command === 'remove') return this.pool.removeNode(node) ? 'ok' : 'not-added';
    return 'bad-command';
  }

  /** disconnectnode by address or id; false if no such peer. */
  disconnectNode(address?: string, nodeid?: number): boolean {
    let target: Peer | undefined;
    if (nodeid !== undefined) target = this.pool.peers.get(nodeid);
    else if (address !== undefined) {
      let want: string;
      try { const { host, port } = parseHostPort(address, this.opts.params.port); want = `${host}:${port}`; } catch { return false; }
      target = this.peers().find((p) => `${p.host}:${p.port}` === want || p.addr === address);
    }
    if (!target) return false;
    target.disconnect('disconnectnode');
    return true;
  }

  /** Sends a ping to every peer now (the `ping` RPC). */
  pingAll(): void { for (const p of this.pool.readyPeers()) p.ping(); }

  getAddedNodeInfo(): { addednode: string; connected: boolean; addresses: { address: string; connected: string }[] }[] {
    return this.pool.addedNodes.map((a) => {
      let key = a;
      try { const { host, port } = parseHostPort(a, this.opts.params.port); key = `${host}:${port}`; } catch { /* keep */ }
      const p = this.peers().find((q) => `${q.host}:${q.port}` === key && q.ready);
      return { addednode: a, connected: !!p, addresses: p ? [{ address: p.addr, connected: p.inbound ? 'inbound' : 'outbound' }] : [] };
    });
  }
}

function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }
function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}
