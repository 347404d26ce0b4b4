// The lite node (ODA-BIP-0007 "Lite node"): header-only sync over P2P from the peers given
// with -connect, model proofs asked of them and checked against its own best header chain,
// and model data fetched piece by piece (p2p/blobs.ts: every 1 MiB piece re-hashed over its
// 64 16-KiB blocks against the manifest, whose piece layer folds to the proven root). It has
// no mempool, wallet, UTXO set or block store, and never serves blocks (service NODE_LITE).
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { NetworkParams } from '../chain/params.js';
import { hashToHex } from '../chain/header.js';
import { isVerifyError } from '../chain/errors.js';
import { BlobStore } from '../model-store/store.js';
import type { Manifest } from '../model-store/manifest.js';
import { Peer, BAN_THRESHOLD } from '../p2p/peer.js';
import { BlobExchange, type DownloadProgress } from '../p2p/blobs.js';
import { parseHostPort } from '../p2p/pool.js';
import { MAX_FRAME } from '../p2p/wire/frame.js';
import { InvType, MAX_HEADERS, NO_VERSION, PROTOCOL_VERSION, Services, ZERO_HASH, type Message, type MessageOf } from '../p2p/wire/messages.js';
import type { Logger } from '../util/logger.js';
import { LiteChain } from './header-chain.js';
import { verifyPeerProof, ProofRefused, type ProvenModel } from './proof.js';
import { FilterHeaderStore } from './filter-header-store.js';

export const LITE_USER_AGENT = '/oda-lite:0.1.0/';
const BLOB_COMMANDS = new Set(['getmanifest', 'manifest', 'getblobhave', 'blobhave', 'havepiece', 'getpiece', 'piece', 'nopiece']);
/** Every 10th unconnecting headers message scores 20 (ODA-BIP-0004 §6.3). */
const MAX_UNCONNECTING = 10;

export interface LiteNodeOptions {
  params: NetworkParams;
  /** <datadir>/<network>/lite: headers.dat, filterheaders.dat and models/ (the verified blobs). */
  dir: string;
  logger: Logger;
  now?: () => number;
  /** Piece request timeout (ms) for the blob exchange. */
  pieceTimeout?: number;
}

/** Proof requests waiting for an answer, per `modelId:version`, oldest first (a peer answers in order). */
type ProofWaiters = Map<string, Array<(m: Message) => void>>;
type LitePeer = Peer & { lite?: { headersDone: boolean; unconnecting: number; proofs: ProofWaiters } };
const proofKey = (modelId: string, version: number) => `${modelId}:${version}`;

export class LiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiteError';
  }
}

export class LiteNode extends EventEmitter {
  readonly peers = new Map<number, LitePeer>();
  /** host:port of peers that misbehaved: not dialled again this session (local peers are not banned, ODA-BIP-0004 §10). */
  readonly discouraged = new Set<string>();
  private stopped = false;
  private readonly nonce = BigInt.asUintN(64, BigInt(Date.now()) * 2654435761n + BigInt(process.pid));

  private constructor(readonly opts: LiteNodeOptions, readonly chain: LiteChain, readonly store: BlobStore, readonly blobs: BlobExchange,
    /** Filter headers earlier scans verified (lite/filter-header-store.ts). */
    readonly filterHeaders: FilterHeaderStore) {
    super();
  }

  static async open(opts: LiteNodeOptions): Promise<LiteNode> {
    const chain = LiteChain.open({ params: opts.params, dir: opts.dir, logger: opts.logger, now: opts.now });
    const store = await BlobStore.open(join(opts.dir, 'models'));
    const filterHeaders = FilterHeaderStore.open(opts.dir, chain);
    let node: LiteNode | undefined;
    const blobs = new BlobExchange(store, () => (node ? node.readyPeers() : []), opts.logger, { requestTimeout: opts.pieceTimeout ?? 20_000 });
    node = new LiteNode(opts, chain, store, blobs, filterHeaders);
    return node;
  }

  readyPeers(): Peer[] { return [...this.peers.values()].filter((p) => p.ready && !p.closed); }

  private versionMessage(peer: Peer): MessageOf<'version'> {
    return {
      cmd: 'version', version: PROTOCOL_VERSION, services: Services.NODE_LITE, timestamp: BigInt(Math.floor(Date.now() / 1000)),
      addrRecv: { time: 0, services: 0n, host: peer.host, port: peer.port },
      addrFrom: { time: 0, services: Services.NODE_LITE, host: '0.0.0.0', port: 0 },
      nonce: this.nonce, userAgent: LITE_USER_AGENT, startHeight: this.chain.height, relay: false, maxCostUnits: 0n,
    };
  }

  /** Dials a full node; resolves once the handshake completed (rejects if the connection ends first). */
  connect(addr: string): Promise<Peer> {
    const { host, port } = parseHostPort(addr, this.opts.params.port);
    const key = `${host}:${port}`;
    if (this.stopped) return Promise.reject(new LiteError('lite node is stopped'));
    if (this.discouraged.has(key)) return Promise.reject(new LiteError(`peer ${key} misbehaved earlier; not dialling it again`));
    const url = host.includes(':') ? `ws://[${host}]:${port}/` : `ws://${host}:${port}/`;
    const ws = new WebSocket(url, { maxPayload: MAX_FRAME, perMessageDeflate: false, handshakeTimeout: 10_000 });
    const peer: LitePeer = new Peer(ws, false, host, port, {
      magic: this.opts.params.magic, logger: this.opts.logger,
      localVersion: (p) => this.versionMessage(p),
      checkVersion: (v) => (v.nonce === this.nonce ? 'connected to self' : (v.services & Services.NODE_NETWORK) === 0n ? 'peer is not a full node (no NODE_NETWORK)' : undefined),
    });
    peer.lite = { headersDone: false, unconnecting: 0, proofs: new Map() };
    this.peers.set(peer.id, peer);
    peer.on('misbehaving', (reason: string) => {
      this.discouraged.add(key);
      this.opts.logger.info(`peer=${peer.id} ${key} misbehaved (${reason}); disconnected and not dialled again`);
      this.emit('misbehaving', peer, reason);
    });
    peer.on('close', (reason: string) => {
      this.peers.delete(peer.id);
      this.blobs.onPeerClosed(peer);
      for (const [key, waiters] of peer.lite?.proofs ?? []) {
        const [modelId, version] = key.split(':');
        for (const w of [...waiters]) w({ cmd: 'nomodproof', modelId, version: Number(version), reason: `peer disconnected: ${reason}` });
      }
      this.emit('peer-closed', peer, reason);
    });
    ws.on('error', () => { /* reported through 'close' */ });
    ws.once('open', () => peer.start((m) => this.onMessage(peer, m)));
    return new Promise((resolve, reject) => {
      peer.once('ready', () => {
        this.opts.logger.info(`connected to ${key} peer=${peer.id} ${peer.version!.userAgent} height=${peer.version!.startHeight}`);
        peer.send({ cmd: 'sendheaders' });
        this.requestHeaders(peer);
        this.blobs.onPeer(peer);
        resolve(peer);
      });
      peer.once('close', (reason: string) => reject(new LiteError(`connection to ${key} failed: ${reason}`)));
    });
  }

  private requestHeaders(p: LitePeer): void {
    p.lite!.headersDone = false;
    p.send({ cmd: 'getheaders', version: PROTOCOL_VERSION, locator: this.chain.getLocator(), stop: ZERO_HASH });
  }

  private async onMessage(p: LitePeer, m: Message): Promise<void> {
    if (BLOB_COMMANDS.has(m.cmd)) return this.blobs.onMessage(p, m);
    switch (m.cmd) {
      case 'headers': return this.onHeaders(p, m);
      case 'inv':
        // A block we lack announced by inv: our headers are behind that peer's.
        if (m.items.some((i) => i.type === InvType.MSG_BLOCK && !this.chain.getEntry(i.hash))) this.requestHeaders(p);
        return;
      case 'modproof': case 'nomodproof':
        // Concurrent requests (oda-lite serve) each get the answer to their own question; an
        // answer nobody waits for (late, after a timeout) is harmless and dropped.
        p.lite!.proofs.get(proofKey(m.modelId, m.version))?.[0]?.(m);
        return;
      case 'cfheaders': case 'cfcheckpt': case 'cfilter': case 'block': case 'notfound':
        // Answers to a wallet scan (lite/scan.ts), which listens for them; unasked ones are dropped.
        this.emit('scan-data', p, m);
        return;
      default:
        // getheaders, getdata, mempool, addr, tx…: a lite node serves no chain data.
        return;
    }
  }

  private onHeaders(p: LitePeer, m: MessageOf<'headers'>): void {
    const st = p.lite!;
    if (m.headers.length === 0) { this.markDone(p); return; }
    const raws = m.headers.map((h) => new Uint8Array(h.toBuffer(true)));
    for (let i = 1; i < m.headers.length; i++) {
      if (hashToHex(m.headers[i].prevHash!) !== m.headers[i - 1].getId()) { p.misbehave(20, 'non-continuous headers sequence'); return; }
    }
    try {
      const r = this.chain.acceptHeaders(raws);
      st.unconnecting = 0;
      const last = this.chain.getEntry(m.headers[m.headers.length - 1].getId());
      if (last) p.syncedHeaders = Math.max(p.syncedHeaders, last.height);
      if (r.reorg) this.filterHeaders.matchChain(this.chain);
      if (r.added.length || r.reorg) this.emit('tip', this.chain.tip, r.reorg);
    } catch (e) {
      if (!isVerifyError(e)) throw e;
      if (e.reason === 'prev-blk-not-found' && this.chain.getEntry(hashToHex(m.headers[0].prevHash!)) === undefined) {
        if (++st.unconnecting % MAX_UNCONNECTING === 0) p.misbehave(20, `${st.unconnecting} non-connecting headers`);
        this.requestHeaders(p);
        return;
      }
      p.misbehave(e.score, `invalid header: ${e.reason}`);
      this.markDone(p);
      return;
    }
    if (m.headers.length === MAX_HEADERS) {
      p.send({ cmd: 'getheaders', version: PROTOCOL_VERSION, locator: this.chain.getLocator(this.chain.getEntry(m.headers[MAX_HEADERS - 1].getId())), stop: ZERO_HASH });
      return;
    }
    // A short batch ends the answer to our getheaders (or is an announcement: we are level).
    this.markDone(p);
  }

  private markDone(p: LitePeer): void {
    p.lite!.headersDone = true;
    this.emit('headers-done', p);
  }

  /**
   * Resolves once every connected peer has answered our latest getheaders to the end (its
   * chain has nothing past ours), or `timeout` ms passed; throws when no peer is connected.
   */
  async syncHeaders(timeout = 60_000): Promise<void> {
    const done = () => {
      const ready = this.readyPeers() as LitePeer[];
      return ready.length > 0 && ready.every((p) => p.lite!.headersDone);
    };
    if (this.readyPeers().length === 0) throw new LiteError('no peer connected');
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => { if (done()) { cleanup(); resolve(); } else if (this.readyPeers().length === 0) { cleanup(); reject(new LiteError('every peer disconnected during header sync')); } };
      const timer = setTimeout(() => { cleanup(); reject(new LiteError(`header sync did not finish within ${timeout} ms (best header ${this.chain.height})`)); }, timeout);
      const cleanup = () => { clearTimeout(timer); this.off('headers-done', check); this.off('peer-closed', check); };
      this.on('headers-done', check);
      this.on('peer-closed', check);
    });
  }

  /** Sends getmodproof to one peer and waits for its answer (modproof/nomodproof). */
  private askProof(p: LitePeer, modelId: string, version: number | undefined, timeout: number): Promise<Message> {
    const v = version ?? NO_VERSION;
    const key = proofKey(modelId, v);
    return new Promise((resolve) => {
      const waiters = p.lite!.proofs.get(key) ?? [];
      p.lite!.proofs.set(key, waiters);
      const finish = (m: Message) => {
        clearTimeout(timer);
        const i = waiters.indexOf(finish);
        if (i < 0) return; // already answered
        waiters.splice(i, 1);
        if (waiters.length === 0 && p.lite!.proofs.get(key) === waiters) p.lite!.proofs.delete(key);
        resolve(m);
      };
      const timer = setTimeout(() => finish({ cmd: 'nomodproof', modelId, version: v, reason: `no answer within ${timeout} ms` }), timeout);
      waiters.push(finish);
      p.send({ cmd: 'getmodproof', modelId, version: v });
    });
  }

  /**
   * Asks peers in turn for a proof of `modelId` (and `version`) and checks each answer against
   * our best header chain. A proof that does not verify is the peer's fault: ban score 100
   * (ODA-BIP-0004 §9), and the next peer is asked; a proof against a header we lack is retried
   * after a header sync with that peer. Throws LiteError listing every peer's failure.
   */
  async proveModel(modelId: string, version?: number, opts: { timeout?: number } = {}): Promise<ProvenModel> {
    const failures: string[] = [];
    for (const p of this.readyPeers() as LitePeer[]) {
      for (let attempt = 0; attempt < 2 && !p.closed; attempt++) {
        const m = await this.askProof(p, modelId, version, opts.timeout ?? 30_000);
        if (m.cmd === 'nomodproof') { failures.push(`peer=${p.id}: ${m.reason}`); break; }
        if (m.cmd !== 'modproof') break;
        try {
          return verifyPeerProof(this.chain, m, modelId, version);
        } catch (e) {
          if (!(e instanceof ProofRefused)) throw e;
          if (e.unknownHeader && attempt === 0) {
            // The peer is ahead of us: catch up with it, then ask again.
            this.requestHeaders(p);
            await this.syncHeaders(opts.timeout ?? 30_000).catch(() => undefined);
            continue;
          }
          failures.push(`peer=${p.id}: ${e.message}`);
          this.opts.logger.info(`model proof from peer=${p.id} refused: ${e.message}`);
          if (e.score > 0) p.misbehave(e.score >= BAN_THRESHOLD ? BAN_THRESHOLD : e.score, `bad model proof: ${e.message}`);
          this.emit('proof-refused', p, e);
          break;
        }
      }
    }
    throw new LiteError(failures.length ? `no verified proof of model ${modelId}: ${failures.join('; ')}` : 'no peer connected');
  }

  /** Fetches a blob whose root was proven, from every peer that has it; `onProgress` about once a second. */
  async fetchBlob(root: string, opts: { timeout?: number; onProgress?: (p: DownloadProgress) => void } = {}): Promise<Manifest> {
    const timer = opts.onProgress ? setInterval(() => { for (const d of this.blobs.progress()) if (d.root === root) opts.onProgress!(d); }, 500) : undefined;
    try {
      return await this.blobs.fetchBlob(root, { timeout: opts.timeout });
    } finally {
      if (timer) clearInterval(timer);
    }
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.blobs.stop();
    for (const p of this.peers.values()) p.disconnect('shutdown');
    this.chain.close();
    this.filterHeaders.close();
    await this.store.close();
  }
}
