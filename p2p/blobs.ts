// Model-data exchange (BIP oda-0004 §Model data): peers learn what others hold (getblobhave/
// blobhave, then havepiece as pieces arrive), fetch the manifest (whose piece layer must fold
// to the root: checked by the store), then fetch 1 MiB pieces from several peers at once:
// pipelined (up to `maxInFlightPerPeer` requests per peer), rarest piece first, and in the
// endgame the last outstanding pieces are also asked of a second peer. Every piece is
// hashed against the piece layer before it is stored (BlobStore.writePiece re-derives the
// piece's 64 16-KiB leaf hashes and the subtree root), so each 16 KiB block is checked against
// the committed root on arrival; a peer that sends a piece that does not hash, a manifest for
// another root, or data nobody asked for is punished (ban score 100, or 20 for unsolicited).
// Corrupt local pieces (found by readPiece or verify) are refetched the same way.
import { decodeManifest, encodeManifest, type Manifest } from '../model-store/manifest.js';
import { StoreError, type BlobStore } from '../model-store/store.js';
import type { Logger } from '../util/logger.js';
import type { Peer } from './peer.js';
import { NO_BLOB, Services, type Message } from './wire/messages.js';

export interface BlobExchangeOptions {
  maxInFlightPerPeer?: number;
  /** A piece request not answered in this time goes to another peer. */
  requestTimeout?: number;
  /** Default time fetchBlob waits before giving up. */
  fetchTimeout?: number;
}

interface Request { peer: Peer; sent: number }

interface Download {
  root: string;
  manifest?: Manifest;
  have: Uint8Array;
  /** Outstanding requests per piece (two peers per piece in the endgame). */
  requests: Map<number, Request[]>;
  /** Pieces received and being verified/written: not to be requested again meanwhile. */
  writing: Set<number>;
  askedManifest: Set<Peer>;
  askedHave: Set<Peer>;
  waiters: { resolve: (m: Manifest) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[];
  /** Progress reporting (getmodeldownloads, the log): ms timestamps and bytes this run. */
  started: number;
  bytesReceived: number;
  lastLog: number;
}

/** One download as getmodeldownloads shows it. */
export interface DownloadProgress {
  root: string;
  /** Blob length in bytes (0 until the manifest arrived). */
  length: number;
  pieces: number;
  piecesHave: number;
  /** Fraction of pieces held, 0..1 (0 until the manifest arrived). */
  progress: number;
  bytesReceived: number;
  /** Unix seconds when this node started fetching the blob. */
  started: number;
  /** Bytes per second since the start, and the seconds left at that rate (undefined until measurable). */
  rate: number;
  eta?: number;
  peers: number;
}

/** A download's progress line goes to the log at most this often. */
const PROGRESS_LOG_MS = 10_000;

function popcount(b: Uint8Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if ((b[i >> 3] & (1 << (i & 7))) !== 0) c++;
  return c;
}

type BlobPeer = Peer & { blobHave?: Map<string, Uint8Array>; blobInterest?: Set<string>; blobInFlight?: number; blobStalls?: number };

const bit = (b: Uint8Array, i: number) => (b[i >> 3] & (1 << (i & 7))) !== 0;

export class BlobExchange {
  private readonly downloads = new Map<string, Download>();
  private readonly o: Required<BlobExchangeOptions>;
  private readonly timer: NodeJS.Timeout;
  /** Pieces received from peers and stored (for tests and logs). */
  piecesReceived = 0;

  constructor(private readonly store: BlobStore, private readonly peers: () => Peer[], private readonly logger: Logger, opts: BlobExchangeOptions = {}) {
    this.o = { maxInFlightPerPeer: 8, requestTimeout: 20_000, fetchTimeout: 120_000, ...opts };
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const d of this.downloads.values()) this.finish(d, new Error('shutting down'));
  }

  /** Roots being fetched now. */
  active(): string[] { return [...this.downloads.keys()]; }

  /** Every running download with its progress, in root order (getmodeldownloads). */
  progress(now = Date.now()): DownloadProgress[] {
    return [...this.downloads.values()].sort((a, b) => (a.root < b.root ? -1 : 1)).map((d) => {
      const pieces = d.manifest?.pieceLayer.length ?? 0;
      const piecesHave = pieces ? popcount(d.have, pieces) : 0;
      const length = d.manifest?.length ?? 0;
      const secs = (now - d.started) / 1000;
      const rate = secs > 0 ? d.bytesReceived / secs : 0;
      const left = length * (1 - (pieces ? piecesHave / pieces : 0));
      return {
        root: d.root, length, pieces, piecesHave, progress: pieces ? piecesHave / pieces : 0, bytesReceived: d.bytesReceived,
        started: Math.floor(d.started / 1000), rate, eta: rate > 0 && length > 0 ? Math.ceil(left / rate) : undefined,
        peers: this.candidates().filter((p) => p.blobHave?.has(d.root)).length,
      };
    });
  }

  /** The log's progress line of each download, at most every PROGRESS_LOG_MS. */
  private logProgress(now: number): void {
    for (const p of this.progress(now)) {
      const d = this.downloads.get(p.root)!;
      if (now - d.lastLog < PROGRESS_LOG_MS) continue;
      d.lastLog = now;
      const eta = p.eta !== undefined ? `, ETA ${p.eta} s` : '';
      this.logger.info(`blob ${p.root}: ${p.pieces ? `${p.piecesHave}/${p.pieces} pieces (${(p.progress * 100).toFixed(1)}%)` : 'waiting for a manifest'}, ${(p.rate / 1024).toFixed(1)} KiB/s from ${p.peers} peer(s)${eta}`);
    }
  }

  /**
   * Resolves with the manifest once every piece of `root` is held and verified; rejects after
   * `timeout` ms (the download goes on being retried only while someone waits for it).
   */
  async fetchBlob(root: string, opts: { timeout?: number } = {}): Promise<Manifest> {
    const status = await this.store.getStatus(root);
    if (status?.complete) return status.manifest;
    let d = this.downloads.get(root);
    if (!d) {
      d = {
        root, manifest: status?.manifest, have: status?.have ?? new Uint8Array(0), requests: new Map(), writing: new Set(), askedManifest: new Set(), askedHave: new Set(), waiters: [],
        started: Date.now(), bytesReceived: 0, lastLog: Date.now(),
      };
      this.downloads.set(root, d);
    }
    const dl = d;
    const p = new Promise<Manifest>((resolve, reject) => {
      const timer = setTimeout(() => {
        dl.waiters = dl.waiters.filter((w) => w.timer !== timer);
        if (dl.waiters.length === 0) this.downloads.delete(root);
        reject(new Error(`blob ${root} not received within ${opts.timeout ?? this.o.fetchTimeout} ms`));
      }, opts.timeout ?? this.o.fetchTimeout);
      timer.unref();
      dl.waiters.push({ resolve, reject, timer });
    });
    this.discover(dl);
    this.schedule(dl);
    return p;
  }

  /** Re-hashes a local blob; corrupt pieces are dropped by the store and fetched again. */
  async repair(root: string, opts: { timeout?: number } = {}): Promise<{ badPieces: number[]; manifest: Manifest }> {
    const r = await this.store.verify(root);
    if (r.badPieces.length > 0) this.logger.info(`blob ${root}: ${r.badPieces.length} corrupt piece(s) dropped, refetching`);
    return { badPieces: r.badPieces, manifest: await this.fetchBlob(root, opts) };
  }

  /** A new peer: ask it about every blob we are fetching. */
  onPeer(p: Peer): void {
    for (const d of this.downloads.values()) { this.discover(d); this.schedule(d); }
    void p;
  }

  onPeerClosed(p: BlobPeer): void {
    for (const d of this.downloads.values()) {
      for (const [i, reqs] of d.requests) {
        const left = reqs.filter((r) => r.peer !== p);
        if (left.length) d.requests.set(i, left); else d.requests.delete(i);
      }
      d.askedHave.delete(p);
      d.askedManifest.delete(p);
      this.schedule(d);
    }
  }

  private candidates(): BlobPeer[] {
    return this.peers().filter((p) => p.ready && !p.closed && (p.services & Services.NODE_MODEL_STORE) !== 0n) as BlobPeer[];
  }

  /** Asks peers not yet asked for the manifest and their have-bitfield (peer rotation). */
  private discover(d: Download): void {
    for (const p of this.candidates()) {
      if (!d.manifest && !d.askedManifest.has(p)) { d.askedManifest.add(p); p.send({ cmd: 'getmanifest', root: d.root }); }
      if (!d.askedHave.has(p)) { d.askedHave.add(p); p.send({ cmd: 'getblobhave', root: d.root }); }
    }
  }

  async onMessage(p: BlobPeer, m: Message): Promise<void> {
    switch (m.cmd) {
      case 'getmanifest': return this.serveManifest(p, m.root);
      case 'getblobhave': return this.serveHave(p, m.root);
      case 'getpiece': return this.servePiece(p, m.root, m.index);
      case 'manifest': return this.onManifest(p, m.manifest);
      case 'blobhave': {
        const d = this.downloads.get(m.root);
        if (!d) return; // an answer that arrived after we finished: harmless
        (p.blobHave ??= new Map()).set(m.root, new Uint8Array(m.bitfield));
        this.schedule(d);
        return;
      }
      case 'havepiece': {
        const bf = p.blobHave?.get(m.root);
        if (bf && m.index >> 3 < bf.length) bf[m.index >> 3] |= 1 << (m.index & 7);
        else if (this.downloads.has(m.root)) (p.blobHave ??= new Map()).set(m.root, Object.assign(new Uint8Array((m.index >> 3) + 1), { [m.index >> 3]: 1 << (m.index & 7) }));
        const d = this.downloads.get(m.root);
        if (d) this.schedule(d);
        return;
      }
      case 'piece': return this.onPiece(p, m.root, m.index, m.data);
      case 'nopiece': {
        if (m.index === NO_BLOB) p.blobHave?.delete(m.root);
        else { const bf = p.blobHave?.get(m.root); if (bf && m.index >> 3 < bf.length) bf[m.index >> 3] &= ~(1 << (m.index & 7)); }
        const d = this.downloads.get(m.root);
        if (d) { this.dropRequest(d, p, m.index === NO_BLOB ? undefined : m.index); this.schedule(d); }
        return;
      }
      default: return;
    }
  }

  // ---- serving ----

  private async serveManifest(p: BlobPeer, root: string): Promise<void> {
    const m = await this.store.getManifest(root).catch(() => undefined);
    p.send(m ? { cmd: 'manifest', manifest: encodeManifest(m) } : { cmd: 'nopiece', root, index: NO_BLOB });
  }

  private async serveHave(p: BlobPeer, root: string): Promise<void> {
    const s = await this.store.getStatus(root).catch(() => undefined);
    if (!s) { p.send({ cmd: 'nopiece', root, index: NO_BLOB }); return; }
    (p.blobInterest ??= new Set()).add(root);
    p.send({ cmd: 'blobhave', root, length: BigInt(s.manifest.length), bitfield: s.have });
  }

  private async servePiece(p: BlobPeer, root: string, index: number): Promise<void> {
    // Answer only as fast as the peer reads (Core's fPauseSend for blocks).
    while (p.sendBlocked && !p.closed) await new Promise((r) => p.once('drain', r).once('close', r));
    if (p.closed) return;
    try {
      const data = await this.store.readPiece(root, index);
      p.send({ cmd: 'piece', root, index, data });
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      p.send({ cmd: 'nopiece', root, index });
      if (e.code === 'corrupt') {
        // Our copy is bad: the store dropped the piece; fetch it again from others.
        this.logger.info(`blob ${root} piece ${index} corrupt on disk; repairing from peers`);
        this.fetchBlob(root).catch((err: Error) => this.logger.info(`repair of ${root}: ${err.message}`));
      }
    }
  }

  // ---- fetching ----

  private async onManifest(p: BlobPeer, raw: Uint8Array): Promise<void> {
    let m: Manifest;
    try { m = decodeManifest(raw); } catch (e) { p.misbehave(100, `bad manifest: ${(e as Error).message}`); return; }
    const d = this.downloads.get(m.root);
    if (!d || !d.askedManifest.has(p)) { p.misbehave(20, `unsolicited manifest ${m.root}`); return; }
    if (d.manifest) return;
    try {
      await this.store.addManifest(m, { pin: 'p2p' });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'bad-manifest') { p.misbehave(100, `bad manifest: ${e.message}`); return; }
      throw e;
    }
    const s = await this.store.getStatus(m.root);
    d.manifest = m;
    d.have = s?.have ?? new Uint8Array(Math.ceil(m.pieceLayer.length / 8));
    this.logger.info(`blob ${m.root}: manifest from peer=${p.id}, ${m.pieceLayer.length} piece(s), ${m.length} bytes`);
    if (s?.complete) { this.finish(d); return; }
    this.schedule(d);
  }

  private dropRequest(d: Download, p: Peer, index?: number): void {
    for (const [i, reqs] of d.requests) {
      if (index !== undefined && i !== index) continue;
      const left = reqs.filter((r) => r.peer !== p);
      if (left.length !== reqs.length) (p as BlobPeer).blobInFlight = Math.max(0, ((p as BlobPeer).blobInFlight ?? 0) - (reqs.length - left.length));
      if (left.length) d.requests.set(i, left); else d.requests.delete(i);
    }
  }

  private async onPiece(p: BlobPeer, root: string, index: number, data: Uint8Array): Promise<void> {
    const d = this.downloads.get(root);
    const mine = d?.requests.get(index)?.some((r) => r.peer === p);
    if (!d || !mine) {
      // Endgame duplicates arrive after completion; anything else was never asked for.
      if (d === undefined && (await this.store.has(root).catch(() => false))) return;
      p.misbehave(20, `unsolicited piece ${root}:${index}`);
      return;
    }
    this.dropRequest(d, p, index);
    p.blobStalls = 0;
    if (bit(d.have, index) || d.writing.has(index)) return; // endgame duplicate
    let completed: boolean;
    d.writing.add(index);
    try {
      completed = await this.store.writePiece(root, index, data);
    } catch (e) {
      d.writing.delete(index);
      if (e instanceof StoreError && e.code === 'bad-piece') {
        this.logger.info(`blob ${root} piece ${index} from peer=${p.id} does not hash: ${e.message}`);
        p.misbehave(100, `piece ${root}:${index} does not hash`);
        this.schedule(d);
        return;
      }
      throw e;
    }
    d.writing.delete(index);
    this.piecesReceived++;
    d.bytesReceived += data.length;
    d.have[index >> 3] |= 1 << (index & 7);
    // Tell peers interested in this blob that we now have the piece, so data spreads through us.
    for (const q of this.peers() as BlobPeer[]) if (q !== p && q.ready && q.blobInterest?.has(root)) q.send({ cmd: 'havepiece', root, index });
    if (completed || this.isComplete(d)) { this.finish(d); return; }
    this.schedule(d);
  }

  private isComplete(d: Download): boolean {
    if (!d.manifest) return false;
    for (let i = 0; i < d.manifest.pieceLayer.length; i++) if (!bit(d.have, i)) return false;
    return true;
  }

  private finish(d: Download, err?: Error): void {
    this.downloads.delete(d.root);
    for (const w of d.waiters) {
      clearTimeout(w.timer);
      if (err) w.reject(err); else w.resolve(d.manifest!);
    }
    d.waiters = [];
    if (!err) this.logger.info(`blob ${d.root}: complete`);
  }

  /** Rarest-first assignment of missing pieces to peers with free request slots; endgame duplicates. */
  private schedule(d: Download): void {
    if (!d.manifest || !this.downloads.has(d.root)) return;
    const n = d.manifest.pieceLayer.length;
    const peers = this.candidates().filter((p) => p.blobHave?.has(d.root));
    if (peers.length === 0) return;
    const avail = new Uint16Array(n);
    for (const p of peers) { const bf = p.blobHave!.get(d.root)!; for (let i = 0; i < n; i++) if (bit(bf, i)) avail[i]++; }
    const missing: number[] = [];
    for (let i = 0; i < n; i++) if (!bit(d.have, i) && !d.writing.has(i) && avail[i] > 0) missing.push(i);
    // Rarest first; ties broken randomly so peers fetching the same blob spread out.
    const tiebreak = new Map(missing.map((i) => [i, Math.random()]));
    missing.sort((a, b) => avail[a] - avail[b] || tiebreak.get(a)! - tiebreak.get(b)!);
    const unrequested = missing.filter((i) => !d.requests.has(i));
    const endgame = unrequested.length === 0;
    const order = endgame ? missing.filter((i) => (d.requests.get(i)?.length ?? 0) < 2) : unrequested;
    for (const i of order) {
      const already = d.requests.get(i) ?? [];
      const free = peers.filter((p) => (p.blobInFlight ?? 0) < this.o.maxInFlightPerPeer && bit(p.blobHave!.get(d.root)!, i) && !already.some((r) => r.peer === p));
      if (free.length === 0) continue;
      free.sort((a, b) => (a.blobInFlight ?? 0) - (b.blobInFlight ?? 0));
      const p = free[0];
      p.blobInFlight = (p.blobInFlight ?? 0) + 1;
      d.requests.set(i, [...already, { peer: p, sent: Date.now() }]);
      p.send({ cmd: 'getpiece', root: d.root, index: i });
    }
  }

  private tick(): void {
    const now = Date.now();
    this.logProgress(now);
    for (const d of this.downloads.values()) {
      for (const [i, reqs] of d.requests) {
        for (const r of reqs) {
          if (now - r.sent < this.o.requestTimeout) continue;
          const p = r.peer as BlobPeer;
          this.dropRequest(d, p, i);
          p.blobStalls = (p.blobStalls ?? 0) + 1;
          this.logger.info(`blob ${d.root} piece ${i} from peer=${p.id} timed out (${p.blobStalls})`);
          if (p.blobStalls >= 3) p.disconnect('model data download stalled');
        }
      }
      this.discover(d);
      this.schedule(d);
    }
  }
}
