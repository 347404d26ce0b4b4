// The block index in memory (btcd's blockindex.go + chainview.go, Core's CBlockIndex tree and
// CChain): every known header, its children, the main-chain view, the arrival order that
// breaks chainwork ties (Core's nSequenceId) and the candidate tips. Pure data: no database,
// no blockstore, no extensions, so a header-only (lite) node can use it as is.
import { BlockStatus, FAILED_MASK, isFailed, type BlockEntry } from './entry.js';

export type ChainTipStatus = 'active' | 'valid-fork' | 'valid-headers' | 'headers-only' | 'invalid';
export interface ChainTip { height: number; hash: string; branchlen: number; status: ChainTipStatus }

export class BlockIndex {
  private readonly entries = new Map<string, BlockEntry>();
  private readonly children = new Map<string, BlockEntry[]>();
  /** The main chain by height; main[tip.height] is the tip. */
  private main: BlockEntry[] = [];
  private readonly sequence = new Map<BlockEntry, number>();
  private nextSequence = 1;
  private candidates = new Set<BlockEntry>();
  private bestHeaderCache: BlockEntry | undefined;

  get tip(): BlockEntry {
    return this.main[this.main.length - 1];
  }

  get size(): number {
    return this.entries.size;
  }

  values(): IterableIterator<BlockEntry> {
    return this.entries.values();
  }

  add(e: BlockEntry): void {
    this.bestHeaderCache = undefined;
    this.entries.set(e.hash, e);
    if (e.height > 0) {
      const list = this.children.get(e.prevHash);
      if (list) list.push(e);
      else this.children.set(e.prevHash, [e]);
    }
  }

  get(hash: string): BlockEntry | undefined {
    return this.entries.get(hash);
  }

  getByHeight(height: number): BlockEntry | undefined {
    return this.main[height];
  }

  isMainChain(e: BlockEntry): boolean {
    return this.main[e.height] === e;
  }

  parent(e: BlockEntry): BlockEntry | undefined {
    return e.height === 0 ? undefined : this.entries.get(e.prevHash);
  }

  childrenOf(e: BlockEntry): readonly BlockEntry[] {
    return this.children.get(e.hash) ?? [];
  }

  // ---- main-chain view ------------------------------------------------------------------

  /** Makes `tip` the main chain's tip, rebuilding the view down to genesis. */
  setTip(tip: BlockEntry): void {
    const main: BlockEntry[] = new Array(tip.height + 1);
    for (let e: BlockEntry | undefined = tip; e; e = this.parent(e)) main[e.height] = e;
    this.main = main;
  }

  /** The tip's child `e` becomes the tip. */
  connectTip(e: BlockEntry): void {
    this.main[e.height] = e;
    this.main.length = e.height + 1;
  }

  /** The tip `e` leaves the main chain; returns its parent, the new tip. */
  disconnectTip(e: BlockEntry): BlockEntry {
    this.main.length = e.height;
    return this.tip;
  }

  // ---- ancestry -------------------------------------------------------------------------

  /** Ancestor of `e` at `height` (Core's GetAncestor); jumps to the main chain when it can. */
  getAncestor(e: BlockEntry, height: number): BlockEntry | undefined {
    if (height < 0 || height > e.height) return undefined;
    let x: BlockEntry | undefined = e;
    while (x && x.height > height) {
      if (this.main[x.height] === x) return this.main[height];
      x = this.parent(x);
    }
    return x;
  }

  /**
   * Ancestor lookup for a caller asking at falling heights one after another (the
   * min-difficulty rule): a cursor walking down keeps that linear for headers off the main
   * chain, where getAncestor from `from` each time made header sync cubic.
   */
  ancestorCursor(from: BlockEntry): (height: number) => BlockEntry {
    let cur = from;
    return (h) => {
      if (h > cur.height) cur = from;
      while (cur.height > h) {
        if (this.main[cur.height] === cur) return this.main[h];
        cur = this.parent(cur)!;
      }
      return cur;
    };
  }

  /** Median of the last 11 block times ending at `e` (BIP113). */
  medianTimePast(e: BlockEntry): number {
    const times: number[] = [];
    for (let x: BlockEntry | undefined = e; x && times.length < 11; x = this.parent(x)) times.push(x.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  }

  /** Core's block locator: the last 10 hashes, then exponentially sparser, ending at genesis. */
  getLocator(from: BlockEntry): string[] {
    const out: string[] = [];
    let step = 1;
    let e: BlockEntry | undefined = from;
    while (e) {
      out.push(e.hash);
      if (e.height === 0) break;
      const h = Math.max(e.height - step, 0);
      e = this.getAncestor(e, h);
      if (out.length > 10) step *= 2;
    }
    return out;
  }

  /** Last common ancestor of `a` and `b`. */
  findFork(a: BlockEntry, b: BlockEntry): BlockEntry {
    let x = a;
    let y = b;
    while (x.height > y.height) x = this.parent(x)!;
    while (y.height > x.height) y = this.parent(y)!;
    while (x !== y) {
      x = this.parent(x)!;
      y = this.parent(y)!;
    }
    return x;
  }

  descendants(e: BlockEntry): BlockEntry[] {
    const out: BlockEntry[] = [];
    const stack = [...this.childrenOf(e)];
    while (stack.length) {
      const x = stack.pop()!;
      out.push(x);
      stack.push(...this.childrenOf(x));
    }
    return out;
  }

  // ---- arrival order and best header ----------------------------------------------------

  /** Gives `e` the next arrival number (Core's nSequenceId), once its body is stored. */
  assignSequence(e: BlockEntry): void {
    this.sequence.set(e, this.nextSequence++);
  }

  /** Entries loaded from disk share sequence order by height (Core gives them all id 0). */
  assignLoadedSequence(): void {
    [...this.entries.values()].sort((a, b) => a.height - b.height).forEach((e) => this.assignSequence(e));
  }

  /** `a` beats `b`: more work, or equal work and arrived first. */
  private better(a: BlockEntry, b: BlockEntry): boolean {
    return a.chainwork > b.chainwork || (a.chainwork === b.chainwork && this.sequence.get(a)! < this.sequence.get(b)!);
  }

  /** Status flags changed somewhere: the best header must be recomputed. */
  statusChanged(): void {
    this.bestHeaderCache = undefined;
  }

  /** The most-work header not known to be invalid (getblockchaininfo "headers"). */
  get bestHeader(): BlockEntry {
    if (!this.bestHeaderCache) {
      let best = this.tip;
      for (const e of this.entries.values()) if (!isFailed(e) && this.better(e, best)) best = e;
      this.bestHeaderCache = best;
    }
    return this.bestHeaderCache;
  }

  // ---- candidates -------------------------------------------------------------------------

  /** Adds `e` and any stored descendants (which were waiting for e's body) as candidates. */
  addCandidates(e: BlockEntry): void {
    const stack = [e];
    while (stack.length) {
      const x = stack.pop()!;
      if (!(x.status & BlockStatus.HAVE_DATA) || isFailed(x)) continue;
      this.candidates.add(x);
      stack.push(...this.childrenOf(x));
    }
  }

  removeCandidate(e: BlockEntry): void {
    this.candidates.delete(e);
  }

  rebuildCandidates(): void {
    this.candidates = new Set([...this.entries.values()].filter((e) => e.status & BlockStatus.HAVE_DATA && !isFailed(e)));
  }

  /**
   * Every block from `e` down to the main chain has its body, is not failed and is not
   * `parked` (waiting for data an extension lacks).
   */
  pathHasData(e: BlockEntry, parked: (hash: string) => boolean = () => false): boolean {
    for (let x: BlockEntry | undefined = e; x && !this.isMainChain(x); x = this.parent(x)) {
      if (!(x.status & BlockStatus.HAVE_DATA) || isFailed(x) || parked(x.hash)) return false;
    }
    return true;
  }

  /** The candidate with most work above the tip whose path is complete (ties: first to arrive). */
  findBestCandidate(parked?: (hash: string) => boolean): BlockEntry | undefined {
    let best: BlockEntry | undefined;
    for (const c of this.candidates) {
      if (isFailed(c) || c.chainwork <= this.tip.chainwork) {
        this.candidates.delete(c);
        continue;
      }
      if (!this.pathHasData(c, parked)) continue;
      if (!best || this.better(c, best)) best = c;
    }
    return best;
  }

  /** Core's getchaintips. */
  getChainTips(parked?: (hash: string) => boolean): ChainTip[] {
    const tip = this.tip;
    const tips = [...this.entries.values()].filter((e) => !this.children.get(e.hash)?.length);
    if (!tips.includes(tip)) tips.push(tip);
    const out = tips.map((t) => {
      let fork = t;
      while (!this.isMainChain(fork)) fork = this.parent(fork)!;
      let status: ChainTipStatus;
      if (this.isMainChain(t)) status = 'active';
      else if (t.status & FAILED_MASK) status = 'invalid';
      else if (!this.pathHasData(t, parked)) status = 'headers-only';
      else if (t.status & BlockStatus.VALID) status = 'valid-fork';
      else status = 'valid-headers';
      return { height: t.height, hash: t.hash, branchlen: t.height - fork.height, status };
    });
    return out.sort((a, b) => b.height - a.height || a.hash.localeCompare(b.hash));
  }
}
