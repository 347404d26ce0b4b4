// The Chain: block index in memory, UTXO set and tx index in LevelDB, bodies in the
// blockstore; always on the most-work valid chain. Contract: docs/ARCHITECTURE.md.
//
// Pipeline (as Core's ProcessNewBlock → AcceptBlock → ActivateBestChain):
//   processBlock: header checks (PoW, parent known and not failed, contextual header rules)
//     → CheckBlock + ContextualCheckBlock → body fsynced to the blockstore → index entry with
//     HAVE_DATA → activateBestChain.
//   activateBestChain: pick the candidate with most work (ties: first to arrive, Core's
//     nSequenceId), then reorganizeTo it in two phases (btcd's reorganizeChain):
//       1. disconnect the old branch and connect the new one in a scratch CoinView layered
//          over the database; nothing is written. A block that fails is marked FAILED and
//          the loop picks the next best candidate.
//       2. write: one atomic LevelDB batch per disconnected and per connected block, each
//          carrying its UTXO changes, tx-index changes, entry status, extension state and the
//          tip pointer R; a connected block's undo file is fsynced before its batch.
//   So after kill -9 at any moment the database is exactly the state of some tip.
//
// Extensions (ChainExtension): checkBlock runs in phase 2 right before the block's batch is
// built (so it sees the extension state of the parent), connectBlock/disconnectBlock add to
// that same batch, and their undo bytes are stored in the block's undo file. A rejection in
// phase 2 marks the block FAILED and the best-chain loop reorganizes back if needed.
//
// Orphans: a block whose parent header is unknown is rejected with "prev-blk-not-found"
// (ban score 0), as modern Core does; P2P answers with getheaders. A block whose parent
// header is known but body missing is stored and connected once the parent body arrives.
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Block, decodeBlock } from './block.js';
import type { Coin } from './coin.js';
import { CoinView, decodeUndo, encodeCoin, encodeUndo, type BlockUndo } from './coins.js';
import { ChainDB, type DbBatch } from './chaindb.js';
import { BlockStore } from './blockstore.js';
import { BlockStatus, FAILED_MASK, encodeEntry, entryFromHeader, isFailed, type BlockEntry } from './entry.js';
import { decodeHeader, encodeHeader, hashToHex, headerHash, hexToHash, type BlockHeader } from './header.js';
import { nextWorkRequired as difficultyRule } from './difficulty.js';
import { checkBlock, checkBlockHeader, contextualCheckBlock, contextualCheckBlockHeader, type PrevContext } from './check-block.js';
import { outpointKey } from './block.js';
import { connectBlock, disconnectBlock, type ConnectParams } from './connect.js';
import { layout, outpointBytes } from './layout.js';
import { VerifyError } from './errors.js';
import { genesisBlock, type NetworkParams } from './params.js';
import { AsyncLock } from './lock.js';

export type { BlockEntry } from './entry.js';
export { BlockStatus } from './entry.js';
export type { Coin } from './coin.js';
export type { DbBatch } from './chaindb.js';

export interface ConnectContext {
  chain: Chain;
  params: NetworkParams;
  height: number;
}

/** Consensus extension point (ODA transactions, later storage proofs). See ARCHITECTURE.md. */
export interface ChainExtension {
  name: string;
  /** Called before the block's batch is built; throw VerifyError to reject the block. */
  checkBlock?(block: Block, entry: BlockEntry, ctx: ConnectContext): Promise<void>;
  /** Adds the extension's state changes to the block's batch; returns its undo bytes. */
  connectBlock?(block: Block, entry: BlockEntry, batch: DbBatch): Promise<Uint8Array>;
  /** Reverts connectBlock inside the disconnect batch, given the undo bytes it returned. */
  disconnectBlock?(block: Block, entry: BlockEntry, undo: Uint8Array, batch: DbBatch): Promise<void>;
  /**
   * Data the block needs that this node does not hold yet (e.g. model blobs). A block with
   * missing data is neither connected nor marked invalid: it waits (see retryWaiting).
   */
  missingData?(block: Block): Promise<unknown[]>;
}

/** Thrown by an extension when data vanished between the check and the write: not a verdict. */
export function isMissingDataError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'MissingBlobError' || e.name === 'MissingDataError');
}

export type ChainTipStatus = 'active' | 'valid-fork' | 'valid-headers' | 'headers-only' | 'invalid';
export interface ChainTip { height: number; hash: string; branchlen: number; status: ChainTipStatus }

/** Core's gettxoutsetinfo fields (hash_serialized_3 computed exactly as Core's TxOutSer + HashWriter). */
export interface TxOutSetInfo {
  height: number;
  bestblock: string;
  txouts: number;
  bogosize: number;
  hash_serialized_3: string;
  total_amount: bigint;
}

export interface ChainOptions {
  params: NetworkParams;
  /** Network data dir: chainstate/ and blocks/ are created inside. */
  dir: string;
  extensions?: ChainExtension[];
  /** fsync block/undo files and LevelDB batches (default true). */
  fsync?: boolean;
  /** Clock for the future-time rule (seconds); default the wall clock. */
  now?: () => number;
}

interface DisconnectStep { entry: BlockEntry; block: Block; undo: BlockUndo; view: CoinView }
interface ConnectStep { entry: BlockEntry; block: Block; view: CoinView; spent: Coin[] }
interface Failure { entry: BlockEntry; error: VerifyError }

export class Chain extends EventEmitter {
  readonly params: NetworkParams;
  tip!: BlockEntry;
  readonly db: ChainDB;
  readonly blocks: BlockStore;
  private readonly extensions: ChainExtension[];
  /** Blocks whose connection waits for data an extension lacks: hash → what is missing. */
  private readonly waiting = new Map<string, unknown[]>();
  private readonly now: () => number;
  private mockTime = 0;
  private readonly entries = new Map<string, BlockEntry>();
  private readonly children = new Map<string, BlockEntry[]>();
  private main: BlockEntry[] = [];
  private readonly sequence = new Map<BlockEntry, number>();
  private nextSequence = 1;
  private candidates = new Set<BlockEntry>();
  private bestHeaderCache: BlockEntry | undefined;
  private readonly lock = new AsyncLock();

  private constructor(opts: ChainOptions) {
    super();
    this.params = opts.params;
    const fsync = opts.fsync ?? true;
    this.db = new ChainDB(join(opts.dir, 'chainstate'), fsync);
    this.blocks = new BlockStore(join(opts.dir, 'blocks'), fsync);
    this.extensions = opts.extensions ?? [];
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  static async open(opts: ChainOptions): Promise<Chain> {
    const chain = new Chain(opts);
    try {
      await chain.load();
    } catch (e) {
      await chain.db.close().catch(() => undefined);
      throw e;
    }
    return chain;
  }

  get height(): number {
    return this.tip.height;
  }

  // ---- startup -------------------------------------------------------------------------

  private async load(): Promise<void> {
    await this.db.open(this.params.magic);
    await this.blocks.open();
    for await (const e of this.db.entries()) this.index(e);
    const tipHash = await this.db.getTip();
    if (!tipHash) {
      await this.writeGenesis();
    } else {
      const tip = this.entries.get(hashToHex(tipHash));
      if (!tip || !(tip.status & BlockStatus.VALID)) throw new Error('chainstate tip marker does not name a validated block: database corrupt');
      this.setTip(tip);
    }
    if (this.main[0]?.hash !== this.params.genesis.hash) throw new Error(`chainstate genesis ${this.main[0]?.hash} is not ${this.params.name}'s genesis`);
    // Entries loaded from disk share sequence order by height (Core gives them all id 0).
    [...this.entries.values()].sort((a, b) => a.height - b.height).forEach((e) => this.sequence.set(e, this.nextSequence++));
    await this.lock.run(async () => {
      await this.disconnectFailedTip();
      this.rebuildCandidates();
      await this.activateBestChain();
    });
  }

  private async writeGenesis(): Promise<void> {
    const block = genesisBlock(this.params);
    const hash = block.getId();
    if (hash !== this.params.genesis.hash) throw new Error(`genesis hash ${hash} does not match params ${this.params.genesis.hash}`);
    await this.blocks.writeBlock(hash, block.toBuffer());
    const entry = entryFromHeader(block.toBuffer(true), 0, 0n, BlockStatus.HAVE_DATA | BlockStatus.VALID);
    const batch = this.db.batch();
    batch.put(layout.V, this.db.versionRecord(this.params.magic));
    batch.put(layout.e(hexToHash(hash)), encodeEntry(entry));
    batch.put(layout.R, hexToHash(hash));
    await this.db.write(batch);
    this.index(entry);
    this.setTip(entry);
  }

  private index(e: BlockEntry): void {
    this.bestHeaderCache = undefined;
    this.entries.set(e.hash, e);
    if (e.height > 0) {
      const list = this.children.get(e.prevHash);
      if (list) list.push(e);
      else this.children.set(e.prevHash, [e]);
    }
  }

  private setTip(tip: BlockEntry): void {
    const main: BlockEntry[] = new Array(tip.height + 1);
    for (let e: BlockEntry | undefined = tip; e; e = this.parent(e)) main[e.height] = e;
    this.main = main;
    this.tip = tip;
  }

  // ---- queries ---------------------------------------------------------------------------

  getEntry(hash: string): BlockEntry | undefined {
    return this.entries.get(hash);
  }

  getEntryByHeight(height: number): BlockEntry | undefined {
    return this.main[height];
  }

  isMainChain(e: BlockEntry): boolean {
    return this.main[e.height] === e;
  }

  private parent(e: BlockEntry): BlockEntry | undefined {
    return e.height === 0 ? undefined : this.entries.get(e.prevHash);
  }

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

  /** Median of the last 11 block times ending at `e` (BIP113). */
  medianTimePast(e: BlockEntry): number {
    const times: number[] = [];
    for (let x: BlockEntry | undefined = e; x && times.length < 11; x = this.parent(x)) times.push(x.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  }

  nextWorkRequired(prev: BlockEntry, time: number): number {
    // The min-difficulty rule asks for ancestors at falling heights, one after another; a
    // cursor walking down keeps that linear for headers off the main chain (getAncestor
    // from `prev` each time made header sync cubic).
    let cur = prev;
    return difficultyRule(prev, time, this.params, (h) => {
      if (h > cur.height) cur = prev;
      while (cur.height > h) {
        if (this.main[cur.height] === cur) return this.main[h];
        cur = this.parent(cur)!;
      }
      return cur;
    });
  }

  /** The node's notion of now for the future-time rule (setmocktime overrides). */
  adjustedTime(): number {
    return this.mockTime || this.now();
  }

  private leftIbd = false;
  /**
   * Core's IsInitialBlockDownload: true while the tip has less than the minimum chain work or
   * is older than maxTipAge; once false it stays false (a stalled chain must not send a
   * synced node back into IBD).
   */
  isInitialBlockDownload(): boolean {
    if (this.leftIbd) return false;
    if (this.tip.chainwork < this.params.minimumChainWork) return true;
    if (this.tip.time < this.adjustedTime() - this.params.maxTipAge) return true;
    this.leftIbd = true;
    return false;
  }

  /** Core's setmocktime: 0 returns to the clock. */
  setMockTime(seconds: number): void {
    this.mockTime = seconds;
  }

  async getBlock(hash: string): Promise<Block | undefined> {
    const e = this.entries.get(hash);
    if (!e || !(e.status & BlockStatus.HAVE_DATA)) return undefined;
    const raw = await this.blocks.readBlock(hash);
    return raw ? decodeBlock(raw) : undefined;
  }

  /** Unspent output at the tip; txid in display hex. */
  async getCoin(txid: string, vout: number): Promise<Coin | undefined> {
    const [coin] = await this.db.getCoins([outpointKey(hexToHash(txid), vout)]);
    return coin;
  }

  async getTxLocation(txid: string): Promise<{ blockHash: string; index: number } | undefined> {
    const loc = await this.db.getTxLocation(hexToHash(txid));
    return loc && { blockHash: hashToHex(loc.blockHash), index: loc.index };
  }

  /** The most-work header not known to be invalid (getblockchaininfo "headers"). */
  get bestHeader(): BlockEntry {
    if (!this.bestHeaderCache) {
      let best = this.tip;
      for (const e of this.entries.values()) {
        if (!isFailed(e) && (e.chainwork > best.chainwork || (e.chainwork === best.chainwork && this.sequence.get(e)! < this.sequence.get(best)!))) best = e;
      }
      this.bestHeaderCache = best;
    }
    return this.bestHeaderCache;
  }

  /** Spent coins of a connected block, grouped per non-coinbase transaction (Core's CBlockUndo). */
  async getBlockUndo(hash: string): Promise<Coin[][] | undefined> {
    const e = this.entries.get(hash);
    if (!e || !(e.status & BlockStatus.VALID) || e.height === 0) return undefined;
    const [block, raw] = await Promise.all([this.getBlock(hash), this.blocks.readUndo(hash)]);
    if (!block || !raw) return undefined;
    const { spent } = decodeUndo(hexToHash(hash), raw);
    let cursor = 0;
    return block.transactions!.slice(1).map((tx) => spent.slice(cursor, (cursor += tx.ins.length)));
  }

  /** Bytes used by block and undo files (getblockchaininfo size_on_disk). */
  sizeOnDisk(): Promise<number> {
    return this.blocks.size();
  }

  /**
   * Core's TestBlockValidity: would `block` be valid on top of the current tip? Runs every
   * check including scripts and extensions against a scratch view; writes nothing. PoW is
   * not checked unless asked (templates are validated before grinding).
   */
  testBlockValidity(block: Block, opts: { checkPoW?: boolean } = {}): Promise<void> {
    return this.lock.run(async () => {
      const prev = this.tip;
      if (!block.prevHash || hashToHex(block.prevHash) !== prev.hash) {
        throw new VerifyError('block', 'inconclusive-not-best-prevblk', 0);
      }
      const raw = block.toBuffer(true);
      if (opts.checkPoW) checkBlockHeader(headerHash(raw), block.bits, this.params);
      const ctx = this.prevContext(prev, block.timestamp);
      contextualCheckBlockHeader(decodeHeader(raw), ctx, this.adjustedTime(), this.params);
      checkBlock(block, this.params);
      contextualCheckBlock(block, ctx, this.params);
      const entry = entryFromHeader(raw, prev.height + 1, prev.chainwork, 0);
      await connectBlock(block, new CoinView(this.db), this.connectParams(entry));
      const extCtx: ConnectContext = { chain: this, params: this.params, height: entry.height };
      for (const ext of this.extensions) if (ext.checkBlock) await ext.checkBlock(block, entry, extCtx);
    });
  }

  /** Core's block locator: the last 10 hashes, then exponentially sparser, ending at genesis. */
  getLocator(from: BlockEntry = this.tip): string[] {
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

  getChainTips(): ChainTip[] {
    const tips = [...this.entries.values()].filter((e) => !this.children.get(e.hash)?.length);
    if (!tips.includes(this.tip)) tips.push(this.tip);
    const out = tips.map((t) => {
      let fork = t;
      while (!this.isMainChain(fork)) fork = this.parent(fork)!;
      let status: ChainTipStatus;
      if (this.isMainChain(t)) status = 'active';
      else if (t.status & FAILED_MASK) status = 'invalid';
      else if (!this.pathHasData(t)) status = 'headers-only';
      else if (t.status & BlockStatus.VALID) status = 'valid-fork';
      else status = 'valid-headers';
      return { height: t.height, hash: t.hash, branchlen: t.height - fork.height, status };
    });
    return out.sort((a, b) => b.height - a.height || a.hash.localeCompare(b.hash));
  }

  /**
   * Core's gettxoutsetinfo over the UTXO set at the tip. hash_serialized_3 is SHA256d over
   * every coin's TxOutSer (outpoint | u32 height*2+coinbase | CTxOut) in outpoint order,
   * printed in display (reversed) order, as Core does.
   */
  async getTxOutSetInfo(): Promise<TxOutSetInfo> {
    return this.lock.run(async () => {
      const sha = createHash('sha256');
      let txouts = 0;
      let bogosize = 0;
      let total = 0n;
      for await (const [op, coin] of this.db.coins()) {
        const len = coin.script.length;
        const lenBytes = len < 0xfd ? Buffer.of(len) : len <= 0xffff ? Buffer.from([0xfd, len & 0xff, len >> 8]) : Buffer.from([0xfe, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24]);
        const b = Buffer.alloc(48);
        b.set(op.subarray(0, 32), 0);
        b.writeUInt32LE(Buffer.from(op).readUInt32BE(32), 32);
        b.writeUInt32LE(coin.height * 2 + (coin.coinbase ? 1 : 0), 36);
        b.writeBigInt64LE(coin.value, 40);
        sha.update(b);
        sha.update(lenBytes);
        sha.update(coin.script);
        txouts++;
        bogosize += 50 + len;
        total += coin.value;
      }
      const digest = createHash('sha256').update(sha.digest()).digest();
      return { height: this.tip.height, bestblock: this.tip.hash, txouts, bogosize, hash_serialized_3: hashToHex(digest), total_amount: total };
    });
  }

  // ---- accepting headers and blocks -----------------------------------------------------

  /** Headers-first sync: validates and stores a header (no body). Returns its entry. */
  processHeader(header: Uint8Array | BlockHeader): Promise<BlockEntry> {
    const raw = header instanceof Uint8Array ? header : encodeHeader(header);
    return this.lock.run(() => this.acceptHeader(raw));
  }

  private prevContext(prev: BlockEntry, time: number): PrevContext {
    return { height: prev.height + 1, medianTimePast: this.medianTimePast(prev), requiredBits: this.nextWorkRequired(prev, time) };
  }

  private async acceptHeader(raw: Uint8Array): Promise<BlockEntry> {
    const hashBytes = headerHash(raw);
    const hash = hashToHex(hashBytes);
    const known = this.entries.get(hash);
    if (known) {
      if (isFailed(known)) throw new VerifyError('block', 'duplicate-invalid', 100, hash);
      return known;
    }
    const h = decodeHeader(raw);
    checkBlockHeader(hashBytes, h.bits, this.params);
    const prev = this.entries.get(hashToHex(h.prevHash));
    if (!prev) throw new VerifyError('block', 'prev-blk-not-found', 0, `previous block ${hashToHex(h.prevHash)} unknown`);
    if (isFailed(prev)) throw new VerifyError('block', 'bad-prevblk', 100, 'previous block is invalid');
    contextualCheckBlockHeader(h, this.prevContext(prev, h.time), this.adjustedTime(), this.params);
    const entry = entryFromHeader(raw, prev.height + 1, prev.chainwork, 0);
    const batch = this.db.batch();
    batch.put(layout.e(hashBytes), encodeEntry(entry));
    await this.db.write(batch);
    this.index(entry);
    return entry;
  }

  /**
   * Validates and stores a block, then moves to the most-work valid chain (reorganizing
   * if needed). Throws VerifyError with Core's reason if this block is invalid (including
   * when it failed while being connected); "duplicate" if it is already stored.
   */
  processBlock(block: Block): Promise<BlockEntry> {
    return this.lock.run(async () => {
      if (!block.prevHash || !block.merkleRoot) throw new VerifyError('block', 'bad-blk-length', 100, 'missing header fields');
      const hash = block.getId();
      const known = this.entries.get(hash);
      if (known && known.status & BlockStatus.HAVE_DATA) {
        throw new VerifyError('block', isFailed(known) ? 'duplicate-invalid' : 'duplicate', 0, hash);
      }
      const entry = await this.acceptHeader(block.toBuffer(true));
      const prev = this.parent(entry)!;
      try {
        checkBlock(block, this.params);
        contextualCheckBlock(block, this.prevContext(prev, block.timestamp), this.params);
      } catch (e) {
        if (e instanceof VerifyError && !e.malleated) await this.markInvalid(entry);
        throw e;
      }
      await this.blocks.writeBlock(hash, block.toBuffer());
      entry.status |= BlockStatus.HAVE_DATA;
      const batch = this.db.batch();
      batch.put(layout.e(hexToHash(hash)), encodeEntry(entry));
      await this.db.write(batch);
      this.sequence.set(entry, this.nextSequence++);
      this.addCandidates(entry);
      const failures = await this.activateBestChain();
      const own = failures.get(hash);
      if (own) throw own;
      return entry;
    });
  }

  // ---- best chain ---------------------------------------------------------------------------

  /** Adds `e` and any stored descendants (which were waiting for e's body) as candidates. */
  private addCandidates(e: BlockEntry): void {
    const stack = [e];
    while (stack.length) {
      const x = stack.pop()!;
      if (!(x.status & BlockStatus.HAVE_DATA) || isFailed(x)) continue;
      this.candidates.add(x);
      stack.push(...(this.children.get(x.hash) ?? []));
    }
  }

  private rebuildCandidates(): void {
    this.candidates = new Set([...this.entries.values()].filter((e) => e.status & BlockStatus.HAVE_DATA && !isFailed(e)));
  }

  /** Every block from `e` down to the main chain has its body and is not failed. */
  private pathHasData(e: BlockEntry): boolean {
    for (let x: BlockEntry | undefined = e; x && !this.isMainChain(x); x = this.parent(x)) {
      if (!(x.status & BlockStatus.HAVE_DATA) || isFailed(x) || this.waiting.has(x.hash)) return false;
    }
    return true;
  }

  private findBestCandidate(): BlockEntry | undefined {
    let best: BlockEntry | undefined;
    for (const c of this.candidates) {
      if (isFailed(c) || c.chainwork <= this.tip.chainwork) {
        this.candidates.delete(c);
        continue;
      }
      if (!this.pathHasData(c)) continue;
      if (!best || c.chainwork > best.chainwork ||
          (c.chainwork === best.chainwork && this.sequence.get(c)! < this.sequence.get(best)!)) best = c;
    }
    return best;
  }

  /** Moves to the best candidate until none has more work; returns the blocks that failed. */
  private async activateBestChain(): Promise<Map<string, VerifyError>> {
    const failures = new Map<string, VerifyError>();
    for (;;) {
      const best = this.findBestCandidate();
      if (!best) break;
      const failure = await this.reorganizeTo(best);
      if (failure) failures.set(failure.entry.hash, failure.error);
    }
    return failures;
  }

  private findFork(a: BlockEntry, b: BlockEntry): BlockEntry {
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

  private connectParams(e: BlockEntry): ConnectParams {
    const prev = this.parent(e)!;
    return {
      height: e.height,
      params: this.params,
      prevMedianTimePast: this.medianTimePast(prev),
      mtpAt: (h) => this.medianTimePast(this.getAncestor(e, h)!),
    };
  }

  private async readBlock(e: BlockEntry): Promise<Block> {
    const raw = await this.blocks.readBlock(e.hash);
    if (!raw) throw new Error(`block ${e.hash} missing from the blockstore`);
    return decodeBlock(raw);
  }

  private async prepareDisconnect(e: BlockEntry, source: CoinView | ChainDB): Promise<DisconnectStep> {
    const block = await this.readBlock(e);
    const raw = await this.blocks.readUndo(e.hash);
    if (!raw) throw new Error(`undo data for ${e.hash} missing`);
    const undo = decodeUndo(hexToHash(e.hash), raw);
    const view = new CoinView(source);
    await disconnectBlock(block, undo.spent, view);
    return { entry: e, block, undo, view };
  }

  /**
   * Two-phase reorganization to `target`. Phase 1 validates everything in memory; phase 2
   * writes one batch per block. Returns the failing block if the new branch is invalid.
   */
  private async reorganizeTo(target: BlockEntry): Promise<Failure | undefined> {
    const oldTip = this.tip;
    const fork = this.findFork(oldTip, target);
    const detach: BlockEntry[] = [];
    for (let x = oldTip; x !== fork; x = this.parent(x)!) detach.push(x);
    const attach: BlockEntry[] = [];
    for (let x = target; x !== fork; x = this.parent(x)!) attach.unshift(x);

    // Phase 1: nothing below touches the database.
    const scratch = new CoinView(this.db);
    const detachSteps: DisconnectStep[] = [];
    for (const e of detach) {
      const step = await this.prepareDisconnect(e, scratch);
      scratch.merge(step.view);
      detachSteps.push(step);
    }
    const connectSteps: ConnectStep[] = [];
    for (const e of attach) {
      const block = await this.readBlock(e);
      const missing = await this.missingData(block);
      if (missing.length > 0) {
        // No verdict without the data: park the block; the best chain is re-chosen without it.
        this.waiting.set(e.hash, missing);
        this.emit('missing-data', e, missing);
        return undefined;
      }
      const view = new CoinView(scratch);
      try {
        const res = await connectBlock(block, view, this.connectParams(e));
        scratch.merge(view);
        connectSteps.push({ entry: e, block, view, spent: res.spent });
      } catch (err) {
        if (!(err instanceof VerifyError)) throw err;
        await this.markInvalid(e);
        return { entry: e, error: err };
      }
    }

    // Phase 2: one atomic batch per block.
    for (const step of detachSteps) await this.writeDisconnect(step);
    for (const step of connectSteps) {
      try {
        await this.writeConnect(step);
      } catch (err) {
        if (isMissingDataError(err)) {
          this.waiting.set(step.entry.hash, (err as any).blobs ?? []);
          this.emit('missing-data', step.entry, (err as any).blobs ?? []);
          this.addCandidates(oldTip);
          if (detach.length) this.emit('reorganize', oldTip, this.tip, fork);
          this.emit('tip', this.tip);
          return undefined;
        }
        if (!(err instanceof VerifyError)) throw err;
        // An extension rejected the block: mark it; the caller's loop re-selects the best chain.
        await this.markInvalid(step.entry);
        this.addCandidates(oldTip);
        if (detach.length) this.emit('reorganize', oldTip, this.tip, fork);
        this.emit('tip', this.tip);
        return { entry: step.entry, error: err };
      }
    }
    if (detach.length) this.emit('reorganize', oldTip, this.tip, fork);
    this.emit('tip', this.tip);
    return undefined;
  }

  private async missingData(block: Block): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const ext of this.extensions) if (ext.missingData) out.push(...(await ext.missingData(block)));
    return out;
  }

  /** What a block waits for, if it waits (submitblock answers "inconclusive" then). */
  waitingFor(hash: string): unknown[] | undefined {
    return this.waiting.get(hash);
  }

  /** Blocks parked for missing data, e.g. for the P2P layer to fetch it. */
  waitingBlocks(): Array<{ hash: string; missing: unknown[] }> {
    return [...this.waiting].map(([hash, missing]) => ({ hash, missing }));
  }

  /** New data arrived (blobs fetched or imported): reconsider every parked block. */
  retryWaiting(): Promise<void> {
    return this.lock.run(async () => {
      if (this.waiting.size === 0) return;
      const parked = [...this.waiting.keys()];
      this.waiting.clear();
      for (const h of parked) {
        const e = this.entries.get(h);
        if (e) this.addCandidates(e);
      }
      await this.activateBestChain();
    });
  }

  private putCoins(batch: DbBatch, view: CoinView): void {
    for (const [k, coin] of view.changes) {
      const key = layout.c(Buffer.from(k, 'hex'));
      if (coin) batch.put(key, encodeCoin(coin));
      else batch.del(key);
    }
  }

  private async writeConnect(step: ConnectStep): Promise<void> {
    const { entry, block, view, spent } = step;
    const ctx: ConnectContext = { chain: this, params: this.params, height: entry.height };
    for (const ext of this.extensions) if (ext.checkBlock) await ext.checkBlock(block, entry, ctx);
    const hashBytes = hexToHash(entry.hash);
    const batch = this.db.batch();
    let written = false;
    try {
      this.putCoins(batch, view);
      block.transactions!.forEach((tx, i) => {
        const loc = Buffer.alloc(36);
        loc.set(hashBytes, 0);
        loc.writeUInt32LE(i, 32);
        batch.put(layout.t(tx.getHash()), loc);
      });
      const status = entry.status | BlockStatus.VALID;
      batch.put(layout.e(hashBytes), encodeEntry({ ...entry, status }));
      batch.put(layout.R, hashBytes);
      const extUndo = new Map<string, Uint8Array>();
      for (const ext of this.extensions) if (ext.connectBlock) extUndo.set(ext.name, await ext.connectBlock(block, entry, batch));
      // The undo file must be durable before the batch that makes this block the tip.
      await this.blocks.writeUndo(entry.hash, encodeUndo(hashBytes, { spent, extensions: extUndo }));
      await this.db.write(batch);
      written = true;
      entry.status = status;
    } finally {
      if (!written) await closeBatch(batch);
    }
    this.main[entry.height] = entry;
    this.main.length = entry.height + 1;
    this.tip = entry;
    this.emit('connect', entry, block);
  }

  private async writeDisconnect(step: DisconnectStep): Promise<void> {
    const { entry, block, undo, view } = step;
    const prev = this.parent(entry)!;
    const batch = this.db.batch();
    let written = false;
    try {
      this.putCoins(batch, view);
      for (const tx of block.transactions!) batch.del(layout.t(tx.getHash()));
      batch.put(layout.R, hexToHash(prev.hash));
      for (const ext of [...this.extensions].reverse()) {
        if (ext.disconnectBlock) await ext.disconnectBlock(block, entry, undo.extensions.get(ext.name) ?? new Uint8Array(0), batch);
      }
      await this.db.write(batch);
      written = true;
    } finally {
      if (!written) await closeBatch(batch);
    }
    this.main.length = entry.height;
    this.tip = prev;
    this.addCandidates(entry);
    this.emit('disconnect', entry, block);
  }

  /** Marks `e` FAILED and its descendants FAILED_CHILD, persisted in one batch. */
  private async markInvalid(e: BlockEntry): Promise<void> {
    this.bestHeaderCache = undefined;
    const batch = this.db.batch();
    e.status |= BlockStatus.FAILED;
    batch.put(layout.e(hexToHash(e.hash)), encodeEntry(e));
    this.candidates.delete(e);
    for (const d of this.descendants(e)) {
      d.status |= BlockStatus.FAILED_CHILD;
      batch.put(layout.e(hexToHash(d.hash)), encodeEntry(d));
      this.candidates.delete(d);
    }
    await this.db.write(batch);
  }

  private descendants(e: BlockEntry): BlockEntry[] {
    const out: BlockEntry[] = [];
    const stack = [...(this.children.get(e.hash) ?? [])];
    while (stack.length) {
      const x = stack.pop()!;
      out.push(x);
      stack.push(...(this.children.get(x.hash) ?? []));
    }
    return out;
  }

  /** Disconnects (one batch each) while the tip is marked failed. */
  private async disconnectFailedTip(): Promise<void> {
    const oldTip = this.tip;
    while (isFailed(this.tip) && this.tip.height > 0) {
      await this.writeDisconnect(await this.prepareDisconnect(this.tip, this.db));
    }
    if (this.tip !== oldTip) this.emit('tip', this.tip);
  }

  // ---- invalidateblock / reconsiderblock -----------------------------------------------

  /** Core's invalidateblock: mark failed, disconnect it if active, move to the best valid chain. */
  invalidateBlock(hash: string): Promise<void> {
    return this.lock.run(async () => {
      const e = this.entries.get(hash);
      if (!e) throw new Error('Block not found');
      if (e.height === 0) throw new Error('Genesis block cannot be invalidated');
      await this.markInvalid(e);
      await this.disconnectFailedTip();
      this.rebuildCandidates();
      await this.activateBestChain();
    });
  }

  /** Core's reconsiderblock: clear failure flags on the block, its descendants and ancestors. */
  reconsiderBlock(hash: string): Promise<void> {
    return this.lock.run(async () => {
      const e = this.entries.get(hash);
      if (!e) throw new Error('Block not found');
      const batch = this.db.batch();
      const clear = (x: BlockEntry) => {
        if (!(x.status & FAILED_MASK)) return;
        x.status &= ~FAILED_MASK;
        batch.put(layout.e(hexToHash(x.hash)), encodeEntry(x));
      };
      clear(e);
      for (const d of this.descendants(e)) clear(d);
      for (let a = this.parent(e); a; a = this.parent(a)) clear(a);
      await this.db.write(batch);
      this.bestHeaderCache = undefined;
      this.rebuildCandidates();
      await this.activateBestChain();
    });
  }

  async close(): Promise<void> {
    await this.lock.run(() => this.db.close());
  }
}

async function closeBatch(batch: DbBatch): Promise<void> {
  const b = batch as DbBatch & { close?: () => Promise<void> };
  if (b.close) await b.close().catch(() => undefined);
}

export { outpointBytes };
