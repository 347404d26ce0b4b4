// Headers-first block download. Peers' headers are validated and stored by the chain
// (Chain.processHeader); the blocks on the most-work header chain whose bodies we lack are
// fetched in height order from the peers whose best header has them, at most
// `maxInFlightPerPeer` per peer within a window of `windowSize` blocks past the main chain;
// blocks may arrive in any order (the chain stores a body whose ancestors lack theirs and
// connects it when they arrive). A request not answered within `stallTimeout` goes to
// another peer; a peer that stalls three times is disconnected (peer rotation). An invalid
// block costs its sender the VerifyError's score; the chain marks it and its descendants
// failed, so no peer is asked for them again and the best header falls back.
import { hashToHex } from '../chain/block.js';
import type { Block } from '../chain/block.js';
import { isVerifyError } from '../chain/errors.js';
import type { Logger } from '../util/logger.js';
import type { ChainView } from './chain-view.js';
import { HeaderIndex, hasData, isFailedEntry } from './headers.js';
import type { EntryView } from './chain-view.js';
import type { Peer } from './peer.js';
import { guessVerificationProgress, progressLine, recentTxPerBlock, syncRate, TX_RATE_WINDOW, type TxProgress } from './progress.js';
import { InvType, MAX_HEADERS, Services, ZERO_HASH, type MessageOf } from './wire/messages.js';

interface InFlight { peer: Peer; hash: string; deadline: number }

export interface SyncOptions {
  windowSize?: number;
  maxInFlightPerPeer?: number;
  stallTimeout?: number;
  /** Unconnecting headers messages tolerated before scoring (Core's MAX_NUM_UNCONNECTING_HEADERS_MSGS). */
  maxUnconnecting?: number;
  /** Blocks per second the network makes (1 / target spacing; 0 on regtest): verificationprogress. */
  blockRate?: number;
}

/** The IBD progress line goes to the log at most this often (ms). */
const PROGRESS_LINE_MS = 10_000;

type SyncPeer = Peer & { sync?: { best?: EntryView; unconnecting: number; stalls: number; inFlight: number; headersPending: boolean; reach?: number; reachFor?: string } };

export class BlockSync {
  readonly headers: HeaderIndex;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly peers = new Set<SyncPeer>();
  private timer: NodeJS.Timeout;
  private readonly o: Required<SyncOptions>;
  private lastLoggedHeight = -1;

  constructor(private readonly chain: ChainView, private readonly logger: Logger, opts: SyncOptions = {}) {
    this.o = { windowSize: 1024, maxInFlightPerPeer: 16, stallTimeout: 15_000, maxUnconnecting: 10, blockRate: 0, ...opts };
    this.headers = new HeaderIndex(chain);
    this.timer = setInterval(() => this.checkStalls(), Math.min(1000, this.o.stallTimeout / 2));
    this.timer.unref();
  }

  stop(): void { clearInterval(this.timer); }

  /** Blocks still to download onto the best header chain. */
  get blocksBehind(): number { return Math.max(0, this.headers.best.height - this.chain.height); }
  get bestHeaderHeight(): number { return this.headers.best.height; }
  private leftIbd = false;
  /** Core's IsInitialBlockDownload: tip far behind the best header or older than a day; latches off. */
  isInitialBlockDownload(): boolean {
    if (this.leftIbd) return false;
    if (this.catchingUp() || this.chain.tip.time < Date.now() / 1000 - 24 * 3600) return true;
    this.leftIbd = true;
    return false;
  }
  /** Far behind the best header: relay of new blocks and transactions waits (Core does not relay in IBD). */
  catchingUp(): boolean { return this.blocksBehind > 24; }

  private state(p: SyncPeer) {
    return (p.sync ??= { unconnecting: 0, stalls: 0, inFlight: 0, headersPending: false });
  }

  addPeer(p: SyncPeer): void {
    this.peers.add(p);
    this.state(p);
    // From the parent of our best header (Core does the same): if the peer's tip is our best
    // header we still get one header back, and so learn which blocks it can serve.
    const best = this.headers.best;
    this.requestHeaders(p, best.height > 0 ? this.headers.get(best.prevHash) ?? best : best);
  }

  removePeer(p: SyncPeer): void {
    this.peers.delete(p);
    for (const [h, f] of this.inFlight) if (f.peer === p) this.inFlight.delete(h);
    this.schedule();
  }

  requestHeaders(p: SyncPeer, from?: EntryView): void {
    if (p.closed) return;
    this.state(p).headersPending = true;
    p.send({ cmd: 'getheaders', version: 0, locator: this.headers.locator(from ?? this.headers.best), stop: ZERO_HASH });
  }

  async onHeaders(p: SyncPeer, m: MessageOf<'headers'>): Promise<void> {
    const st = this.state(p);
    st.headersPending = false;
    if (m.headers.length === 0) { this.schedule(); return; }
    let last: EntryView | undefined;
    for (const h of m.headers) {
      const raw = h.toBuffer(true);
      if (last && hashToHex(h.prevHash!) !== last.hash) { p.misbehave(20, 'non-continuous headers sequence'); return; }
      const res = await this.headers.add(raw);
      if (!('hash' in res)) {
        if (res.reason === 'prev-blk-not-found' && last === undefined) {
          // An announcement of a block whose parent we lack: we are behind; ask (BIP130).
          if (++st.unconnecting % this.o.maxUnconnecting === 0) p.misbehave(20, `${st.unconnecting} non-connecting headers`);
          this.requestHeaders(p);
          return;
        }
        p.misbehave(res.score, `invalid header: ${res.reason}`);
        return;
      }
      last = res;
    }
    st.unconnecting = 0;
    if (last && (!st.best || last.chainwork > st.best.chainwork)) st.best = last;
    if (last) p.syncedHeaders = Math.max(p.syncedHeaders, last.height);
    if (m.headers.length === MAX_HEADERS && last) this.requestHeaders(p, last);
    if (last) this.logHeaders(last);
    this.schedule();
  }

  private lastHeaderLog = 0;
  private logHeaders(last: EntryView): void {
    const now = Date.now();
    if (now - this.lastHeaderLog < 1000 && last.height < this.headers.best.height) return;
    this.lastHeaderLog = now;
    this.logger.info(`Synchronizing blockheaders, height: ${last.height} (~${(this.progress() * 100).toFixed(2)}% blocks)`);
  }

  /** An inv for a block we do not know: ask that peer for the headers leading to it. */
  onBlockInv(p: SyncPeer, hash: string): void {
    const n = this.headers.get(hash);
    if (n) {
      const st = this.state(p);
      if (!st.best || n.chainwork > st.best.chainwork) st.best = n;
      this.schedule();
      return;
    }
    if (!this.state(p).headersPending) this.requestHeaders(p);
  }

  /** Picks block requests for every peer with free slots. */
  // The best header chain beyond the main chain, rebuilt only when the best header changes
  // (a walk of its length), with a cursor past the blocks already stored: each schedule()
  // then costs O(window + peers), not O(chain length).
  private path: EntryView[] = [];
  private pathHeights = new Map<string, number>();
  private pathBest = '';
  private cursor = 0;

  private rebuildPath(): void {
    const best = this.headers.best;
    if (best.hash === this.pathBest) return;
    const p: EntryView[] = [];
    for (let e: EntryView | undefined = best; e && !this.chain.isMainChain(e); e = this.chain.getEntry(e.prevHash)) p.push(e);
    p.reverse();
    this.path = p;
    this.pathHeights = new Map(p.map((e) => [e.hash, e.height]));
    this.pathBest = best.hash;
    this.cursor = 0;
  }

  /** Highest height of our download path the peer can serve (-1: none). Cached per peer best header. */
  private peerReach(st: NonNullable<SyncPeer['sync']>): number {
    const b = st.best;
    if (!b) return -1;
    if (this.pathHeights.has(b.hash)) return b.height;
    if (st.reachFor === b.hash + this.pathBest) return st.reach ?? -1;
    // Peer on another branch (or ahead of our best): where does its chain meet our path?
    let e: EntryView | undefined = b;
    const top = this.path.length ? this.path[this.path.length - 1].height : -1;
    if (e.height > top && top >= 0) e = this.headers.ancestor(e, top);
    while (e && !this.pathHeights.has(e.hash) && !this.chain.isMainChain(e)) e = this.chain.getEntry(e.prevHash);
    st.reach = e && this.pathHeights.has(e.hash) ? e.height : -1;
    st.reachFor = b.hash + this.pathBest;
    return st.reach;
  }

  schedule(): void {
    this.headers.refresh();
    if (this.headers.best.hash === this.chain.tip.hash) return;
    this.rebuildPath();
    while (this.cursor < this.path.length && (hasData(this.path[this.cursor]) || this.chain.isMainChain(this.path[this.cursor]))) this.cursor++;
    // Only peers that serve blocks (NODE_NETWORK; a NODE_LITE peer keeps headers only).
    const peers = [...this.peers].filter((p) => !p.closed && p.ready && (p.services & Services.NODE_NETWORK) !== 0n).map((p) => ({ p, st: this.state(p), reach: this.peerReach(this.state(p)) })).filter((x) => x.reach >= 0);
    if (peers.length === 0) return;
    const end = Math.min(this.path.length, this.cursor + this.o.windowSize);
    for (let i = this.cursor; i < end; i++) {
      const node = this.path[i];
      if (hasData(node) || isFailedEntry(node) || this.inFlight.has(node.hash) || this.waitingForBlobs.has(node.hash)) continue;
      let pick: (typeof peers)[number] | undefined;
      for (const x of peers) {
        if (x.reach < node.height || x.st.inFlight >= this.o.maxInFlightPerPeer) continue;
        if (!pick || x.st.inFlight < pick.st.inFlight) pick = x;
      }
      if (!pick) {
        if (peers.every((x) => x.st.inFlight >= this.o.maxInFlightPerPeer)) return;
        continue;
      }
      this.request(pick.p, node.hash);
    }
  }

  private request(p: SyncPeer, hash: string): void {
    this.inFlight.set(hash, { peer: p, hash, deadline: Date.now() + this.o.stallTimeout });
    this.state(p).inFlight++;
    p.send({ cmd: 'getdata', items: [{ type: InvType.MSG_BLOCK, hash }] });
  }

  onNotFound(p: SyncPeer, hashes: string[]): void {
    for (const h of hashes) {
      const f = this.inFlight.get(h);
      if (f?.peer === p) { this.inFlight.delete(h); this.state(p).inFlight--; }
    }
    // This peer evidently lacks blocks it announced: stop treating its best header as available.
    this.state(p).best = undefined;
    this.schedule();
  }

  private checkStalls(): void {
    const now = Date.now();
    for (const [h, f] of this.inFlight) {
      if (f.deadline > now) continue;
      this.inFlight.delete(h);
      const st = this.state(f.peer);
      st.inFlight--;
      st.stalls++;
      this.logger.info(`Block ${h} from peer=${f.peer.id} stalled (${st.stalls}); requesting elsewhere`);
      if (st.stalls >= 3) f.peer.disconnect('block download stalled');
    }
    this.schedule();
  }

  /**
   * Set by the node when ODA transactions reference model data: resolves once every blob the
   * block needs is held, rejects if one does not arrive in time. Until then the block is
   * neither processed nor marked invalid; after a failure it is requested again (from the
   * least busy peer, so another one when several have it).
   */
  blobGate?: (block: Block) => Promise<void>;
  private readonly waitingForBlobs = new Set<string>();

  /** A block message, solicited or not: the chain stores it and connects it once its ancestors are in. */
  async onBlock(p: SyncPeer | undefined, block: Block): Promise<void> {
    const hash = block.getId();
    const f = this.inFlight.get(hash);
    if (f) { this.inFlight.delete(hash); this.state(f.peer).inFlight--; }
    if (p) this.state(p).stalls = 0;
    const known = this.chain.getEntry(hash);
    if (known && (hasData(known) || isFailedEntry(known))) { this.schedule(); return; }
    if (this.blobGate) {
      if (this.waitingForBlobs.has(hash)) return;
      this.waitingForBlobs.add(hash);
      // Detached: the blob pieces may come from this very peer, whose messages queue behind this one.
      this.blobGate(block).then(
        () => { this.waitingForBlobs.delete(hash); return this.processBlock(p, block); },
        (e: Error) => { this.waitingForBlobs.delete(hash); this.logger.info(`Block ${hash} waits for model data: ${e.message}; will retry`); this.schedule(); },
      ).catch((e: Error) => this.logger.error(`block ${hash}: ${e.stack ?? e.message}`));
      return;
    }
    await this.processBlock(p, block);
  }

  private async processBlock(p: SyncPeer | undefined, block: Block): Promise<void> {
    const hash = block.getId();
    try {
      const e = await this.chain.processBlock(block);
      if (p) p.syncedBlocks = Math.max(p.syncedBlocks, e.height);
      if (!isFailedEntry(e) && e.chainwork > this.headers.best.chainwork) this.headers.best = e;
    } catch (e) {
      if (!isVerifyError(e)) throw e;
      if (e.reason === 'prev-blk-not-found') {
        // An unsolicited block on a branch we have not heard of: fetch its headers first.
        if (p && !this.state(p).headersPending) this.requestHeaders(p);
      } else if (e.reason !== 'duplicate') {
        this.logger.info(`Block ${hash} from peer=${p?.id ?? 'local'} invalid: ${e.reason}`);
        p?.misbehave(e.score, `invalid block: ${e.reason}`);
        this.headers.recompute();
      }
    }
    this.logProgress();
    this.schedule();
  }

  private logProgress(): void {
    const h = this.chain.height;
    if (h === this.lastLoggedHeight) return;
    if (!this.isInitialBlockDownload() && h % 100 !== 0 && this.blocksBehind === 0) { this.lastLoggedHeight = h; return; }
    this.lastLoggedHeight = h;
    this.logger.info(`UpdateTip: new best=${this.chain.tip.hash} height=${h} headers=${this.headers.best.height} progress=${this.progress().toFixed(6)}`);
    this.logSyncLine(h);
  }

  private lastSample?: { height: number; at: number };
  /** While behind the best header: heights, blocks/s over the last interval and an ETA. */
  private logSyncLine(h: number): void {
    const now = Date.now();
    const behind = this.blocksBehind > 0;
    if (!this.lastSample || !behind) { this.lastSample = { height: h, at: now }; if (!behind) return; }
    if (now - this.lastSample.at < PROGRESS_LINE_MS) return;
    const best = this.headers.best.height;
    const { rate, eta } = syncRate(this.lastSample, { height: h, at: now }, best);
    this.logger.info(progressLine(h, best, this.progress(), rate, eta));
    this.lastSample = { height: h, at: now };
  }

  /** verificationprogress: Core's GuessVerificationProgress, per block for the headers ahead (p2p/progress.ts). */
  progress(): number {
    const best = this.headers.best;
    return guessVerificationProgress(this.chain.height, { height: best.height, time: best.time ?? 0 }, Math.floor(Date.now() / 1000), this.o.blockRate, this.txProgress());
  }

  /** The tip's nChainTx and the recent tx rate per block; undefined when the chain keeps no counts. */
  private txProgress(): TxProgress | undefined {
    const tip = this.chain.tip;
    const chainTx = this.chain.chainTxCount?.(tip);
    if (chainTx === undefined) return undefined;
    const blocks = Math.min(TX_RATE_WINDOW, tip.height);
    const start = blocks > 0 ? this.chain.getAncestor(tip, tip.height - blocks) : undefined;
    const startTx = start && this.chain.chainTxCount?.(start);
    return { chainTx, txPerBlock: recentTxPerBlock(chainTx, startTx === undefined ? undefined : { chainTx: startTx, blocks }) };
  }
}
