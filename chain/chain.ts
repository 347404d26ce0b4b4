// The Chain: block index in memory (chain/block-index.ts), UTXO set, tx index and extension
// state in LevelDB (chain/chaindb.ts owns every key and write), bodies in the blockstore;
// always on the most-work valid chain. Contract: docs/ARCHITECTURE.md.
//
// Pipeline (as Core's ProcessNewBlock → AcceptBlock → ActivateBestChain):
//   processBlock: header checks (PoW, parent known and not failed, contextual header rules)
//     → CheckBlock + ContextualCheckBlock → body fsynced to the blockstore → index entry with
//     HAVE_DATA → activateBestChain.
//   activateBestChain: pick the candidate with most work (ties: first to arrive, Core's
//     nSequenceId), then reorganizeTo it in two phases (btcd's reorganizeChain):
//       1. validate the whole move in scratch state; nothing is written. The old branch is
//          disconnected and the new one connected in a scratch CoinView layered over the
//          database, and every extension works on an OverlayState over its own namespace:
//          the disconnected blocks' undo writes first, then each connected block's verdict
//          writes, so block k+1's extension checks see block k's state. A block that fails
//          (consensus or extension rule) is marked FAILED before anything of the old branch
//          is touched, and the loop picks the next best candidate; a block an extension
//          lacks data for (MissingDataError, or missingData()) is parked instead.
//       2. write: one atomic LevelDB batch per disconnected and per connected block, each
//          carrying its UTXO changes, tx-index changes, entry status, the extension writes
//          computed in phase 1 (not recomputed) and the tip pointer R; a connected block's
//          undo file (coins + each extension's undo bytes) is fsynced before its batch.
//   So after kill -9 at any moment the database is exactly the state of some tip.
//
// Extensions (chain/extension.ts): checkBlock(ctx, state) → verdict { writes, undo } in
// phase 1; connectBlock(ctx, verdict) in phase 2 for side effects that must precede the batch;
// disconnectBlock(ctx, undo) → the writes restoring the prior state. They never see the
// Chain or its database, only a BlockContext (txids computed once here) and their state.
//
// Orphans: a block whose parent header is unknown is rejected with "prev-blk-not-found"
// (ban score 0), as modern Core does; P2P answers with getheaders. A block whose parent
// header is known but body missing is stored and connected once the parent body arrives.
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Block, decodeBlock, outpointKey } from './block.js';
import type { Coin } from './coin.js';
import { CoinView, decodeUndo, encodeUndo, type BlockUndo } from './coins.js';
import { ChainDB } from './chaindb.js';
import { BlockStore } from './blockstore.js';
import { TxCounts } from './tx-counts.js';
import { BlockIndex, type ChainTip } from './block-index.js';
import { BlockStatus, FAILED_MASK, entryFromHeader, isFailed, type BlockEntry, type CostRecord } from './entry.js';
import { decodeHeader, encodeHeader, hashToHex, headerHash, hexToHash, type BlockHeader } from './header.js';
import { headerPrevContext, requiredBitsAfter } from './header-context.js';
import { assembleCostAware, blockBaseFee, checkCostAwareBlock } from './cost-aware-block.js';
import { checkBlock, checkBlockHeader, contextualCheckBlock, contextualCheckBlockHeader, storageProofsActive, type PrevContext } from './check-block.js';
import { connectBlock, disconnectBlock, type ConnectParams } from './connect.js';
import { OverlayState, type BlockContext, type ChainExtension, type ExtensionState, type ExtensionVerdict, type KvChange, type StorageMiner } from './extension.js';
import { MissingDataError, VerifyError } from './errors.js';
import { genesisBlock, type NetworkParams } from './params.js';
import { AsyncLock } from './lock.js';
import { getBlockSubsidy } from './tx-checks.js';
import { ByteWriter } from '../util/bytes.js';
import { BAN_SCORE_INVALID } from './consensus.js';

/** A block's ODA CU: the sum of the `cu` its extensions' verdicts report (ODA-BIP-0003). */
function verdictCu(verdicts: ReadonlyMap<string, ExtensionVerdict>): bigint {
  let cu = 0n;
  for (const v of verdicts.values()) if (v.cu !== undefined) cu += v.cu;
  return cu;
}

export type { BlockEntry, CostRecord } from './entry.js';
export { BlockStatus } from './entry.js';
export type { Coin } from './coin.js';
export type { DbBatch } from './chaindb.js';
export type { ChainTip, ChainTipStatus } from './block-index.js';
export type { AssemblyContext, BlockContext, ChainExtension, CoinbaseOutput, ExtensionState, ExtensionVerdict, KvChange, KvSource, StorageMiner } from './extension.js';

/** The Chain's events and their arguments (listeners get these types). */
export interface ChainEvents {
  /** `entry` became the tip (one per block, in order). */
  connect: [entry: BlockEntry, block: Block];
  /** `entry` left the main chain (tip first). */
  disconnect: [entry: BlockEntry, block: Block];
  /** The tip after a processBlock / invalidate / reconsider that changed it. */
  tip: [entry: BlockEntry];
  /** The main chain left `oldTip` for `newTip`, forking at `fork`. */
  reorganize: [oldTip: BlockEntry, newTip: BlockEntry, fork: BlockEntry];
  /** `entry` is parked: an extension lacks `missing` (e.g. ODA BlobRefs). */
  'missing-data': [entry: BlockEntry, missing: readonly unknown[]];
}

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

interface DisconnectStep { ctx: BlockContext; undo: BlockUndo; view: CoinView; extWrites: Map<string, readonly KvChange[]> }
interface ConnectStep { ctx: BlockContext; view: CoinView; spent: Coin[]; verdicts: Map<string, ExtensionVerdict>; cost?: CostRecord }

interface Failure { entry: BlockEntry; error: VerifyError }

export class Chain extends EventEmitter<ChainEvents> {
  readonly params: NetworkParams;
  readonly db: ChainDB;
  readonly blocks: BlockStore;
  private readonly index = new BlockIndex();
  private readonly txCounts = new TxCounts();
  private readonly extensions: ChainExtension[];
  /** Blocks whose connection waits for data an extension lacks: hash → what is missing. */
  private readonly waiting = new Map<string, readonly unknown[]>();
  private readonly parked = (hash: string) => this.waiting.has(hash);
  private readonly now: () => number;
  private mockTime = 0;
  private readonly lock = new AsyncLock();

  private constructor(opts: ChainOptions) {
    super();
    this.params = opts.params;
    const fsync = opts.fsync ?? true;
    this.db = new ChainDB(join(opts.dir, 'chainstate'), fsync);
    this.blocks = new BlockStore(join(opts.dir, 'blocks'), fsync);
    this.extensions = opts.extensions ?? [];
    const names = new Set(this.extensions.map((x) => x.name));
    if (names.size !== this.extensions.length) throw new Error('two chain extensions share a name (their state namespaces would collide)');
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

  get tip(): BlockEntry {
    return this.index.tip;
  }

  get height(): number {
    return this.tip.height;
  }

  // ---- startup -------------------------------------------------------------------------

  private async load(): Promise<void> {
    await this.db.open(this.params.magic);
    await this.blocks.open();
    for await (const e of this.db.entries()) this.index.add(e);
    await this.loadTxCounts();
    await this.loadCostAware();
    const tipHash = await this.db.getTip();
    if (!tipHash) {
      await this.writeGenesis();
    } else {
      const tip = this.index.get(hashToHex(tipHash));
      if (!tip || !(tip.status & BlockStatus.VALID)) throw new Error('chainstate tip marker does not name a validated block: database corrupt');
      this.index.setTip(tip);
    }
    const genesis = this.index.getByHeight(0);
    if (genesis?.hash !== this.params.genesis.hash) throw new Error(`chainstate genesis ${genesis?.hash} is not ${this.params.name}'s genesis`);
    this.index.assignLoadedSequence();
    await this.lock.run(async () => {
      await this.disconnectFailedTip();
      this.index.rebuildCandidates();
      await this.activateBestChain();
    });
  }

  /**
   * Base bits are not stored: derive them from the headers again (parents first), then attach
   * each connected block's ODA-BIP-0005 record.
   */
  private async loadCostAware(): Promise<void> {
    const act = this.params.activation.costAwareDifficulty;
    const later = [...this.index.values()].filter((e) => e.height >= act).sort((a, b) => a.height - b.height);
    for (const e of later) {
      const parent = this.index.parent(e);
      if (parent) e.baseBits = this.nextWorkRequired(parent, e.time);
    }
    for await (const [hash, record] of this.db.costRecords()) {
      const e = this.index.get(hashToHex(hash));
      if (e) e.cost = record;
    }
  }

  private async writeGenesis(): Promise<void> {
    const block = genesisBlock(this.params);
    const hash = block.getId();
    if (hash !== this.params.genesis.hash) throw new Error(`genesis hash ${hash} does not match params ${this.params.genesis.hash}`);
    await this.blocks.writeBlock(hash, block.toBuffer());
    const entry = entryFromHeader(block.toBuffer(true), 0, 0n, BlockStatus.HAVE_DATA | BlockStatus.VALID);
    const batch = this.db.batch();
    this.db.putVersion(batch, this.params.magic);
    this.db.putEntry(batch, entry);
    this.db.putTxCount(batch, hash, block.transactions!.length);
    this.db.setTip(batch, hash);
    await this.db.write(batch);
    this.index.add(entry);
    this.index.setTip(entry);
    this.txCounts.set(hash, block.transactions!.length);
  }

  /**
   * nTx of every stored body (layout n). A data dir from before the key has bodies without a
   * count: they are counted once from the blockstore and written in one batch.
   */
  private async loadTxCounts(): Promise<void> {
    for await (const [hash, n] of this.db.txCounts()) this.txCounts.set(hash, n);
    const missing = [...this.index.values()].filter((e) => e.status & BlockStatus.HAVE_DATA && this.txCounts.get(e.hash) === undefined);
    if (missing.length === 0) return;
    const batch = this.db.batch();
    for (const e of missing) {
      const block = await this.getBlock(e.hash);
      if (!block) throw new Error(`block ${e.hash} missing from the blockstore`);
      this.db.putTxCount(batch, e.hash, block.transactions!.length);
      this.txCounts.set(e.hash, block.transactions!.length);
    }
    await this.db.write(batch);
  }

  // ---- queries ---------------------------------------------------------------------------

  getEntry(hash: string): BlockEntry | undefined {
    return this.index.get(hash);
  }

  getEntryByHeight(height: number): BlockEntry | undefined {
    return this.index.getByHeight(height);
  }

  isMainChain(e: BlockEntry): boolean {
    return this.index.isMainChain(e);
  }

  /** Ancestor of `e` at `height` (Core's GetAncestor). */
  getAncestor(e: BlockEntry, height: number): BlockEntry | undefined {
    return this.index.getAncestor(e, height);
  }

  /** Median of the last 11 block times ending at `e` (BIP113). */
  medianTimePast(e: BlockEntry): number {
    return this.index.medianTimePast(e);
  }

  /** The base bits of a block after `prev` at `time` (ODA-BIP-0005: a discount may ease them). */
  nextWorkRequired(prev: BlockEntry, time: number): number {
    return requiredBitsAfter(this.index, prev, time, this.params);
  }

  /** ODA-BIP-0005 applies to a block at `height`. */
  isCostAware(height: number): boolean {
    return height >= this.params.activation.costAwareDifficulty;
  }

  /**
   * ODA-BIP-0005 base fee of the block after `prev` (undefined before activation); `prev`
   * must be connected (its record known).
   */
  nextBaseFee(prev: BlockEntry = this.tip): bigint | undefined {
    if (!this.isCostAware(prev.height + 1)) return undefined;
    return blockBaseFee(this.costRecordOf(prev), this.params.maxBlockCu);
  }

  /** The ODA-BIP-0005 record of a connected block (undefined before activation). */
  costRecordOf(e: BlockEntry): CostRecord | undefined {
    // Genesis is never connected through the rules, so it has no record even when the rule is
    // active from height 0: the block after it starts from the initial base fee.
    if (!this.isCostAware(e.height) || e.height === 0) return undefined;
    if (!e.cost) throw new Error(`no ODA-BIP-0005 record for block ${e.hash} at height ${e.height}: database corrupt, or the data dir was made with a higher costawaredifficulty activation height (-testactivationheight)`);
    return e.cost;
  }

  /**
   * The body rule of ODA-BIP-0005 for a block judged on its parent: its CU is the sum of the
   * extensions' verdicts' `cu`, its reward subsidy + `fees`. Throws VerifyError; returns the
   * record to store (undefined before activation).
   */
  private checkCostAware(ctx: BlockContext, fees: bigint, verdicts: ReadonlyMap<string, ExtensionVerdict>): CostRecord | undefined {
    if (!this.isCostAware(ctx.height)) return undefined;
    const parent = this.index.parent(ctx.entry) ?? this.index.get(hashToHex(ctx.block.prevHash!))!;
    const v = checkCostAwareBlock({
      outputs: ctx.block.transactions![0].outs, bits: ctx.block.bits, baseBits: ctx.entry.baseBits,
      cu: verdictCu(verdicts), baseFee: blockBaseFee(this.costRecordOf(parent), this.params.maxBlockCu),
      maxBlockCu: this.params.maxBlockCu, reward: getBlockSubsidy(ctx.height, this.params) + fees,
    });
    if (!v.ok) throw new VerifyError('block', v.reason, BAN_SCORE_INVALID, v.detail);
    return v.record;
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
    const e = this.index.get(hash);
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

  /**
   * Extension `name`'s state at the tip, read-only and confined to its namespace (an
   * extension's queries, e.g. the ODA registry, read through it, never the raw database).
   */
  extensionState(name: string): ExtensionState {
    return this.db.extensionState(name);
  }

  /** Transactions in the block (Core's CBlockIndex::nTx); undefined while only its header is known. */
  getTxCount(hash: string): number | undefined {
    return this.txCounts.get(hash);
  }

  /** Core's nChainTx: transactions in `e` and its ancestors; undefined while one of them is header-only. */
  chainTxCount(e: BlockEntry): number | undefined {
    return this.txCounts.chainTx(e, (x) => this.index.parent(x));
  }

  /** The most-work header not known to be invalid (getblockchaininfo "headers"). */
  get bestHeader(): BlockEntry {
    return this.index.bestHeader;
  }

  /** Spent coins of a connected block, grouped per non-coinbase transaction (Core's CBlockUndo). */
  async getBlockUndo(hash: string): Promise<Coin[][] | undefined> {
    const e = this.index.get(hash);
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
      if (opts.checkPoW) checkBlockHeader(headerHash(raw), block.bits, this.params, block.storage);
      const ctx = this.prevContext(prev, block.timestamp);
      contextualCheckBlockHeader(decodeHeader(raw), ctx, this.adjustedTime(), this.params);
      checkBlock(block, this.params);
      contextualCheckBlock(block, ctx, this.params);
      const entry = entryFromHeader(raw, prev.height + 1, prev.chainwork, 0, ctx.requiredBits);
      const res = await connectBlock(block, new CoinView(this.db), this.connectParams(entry));
      // Without PoW there is no final header for ODA-BIP-0006's proof to be checked against.
      const bctx = { ...this.blockContext(block, entry, res.txids), unmined: !opts.checkPoW };
      this.checkCostAware(bctx, res.fees, await this.checkExtensions(bctx, new Map()));
    });
  }

  /**
   * Block assembly on the tip (the miner's seam): runs each extension's checkBlock on the
   * template (with `assembling` set, so commitments are not required yet), asks the
   * extensions with an `assemble` hook for their coinbase outputs, appends them to the
   * coinbase and takes their value from the miner's payout (output 0). The caller recomputes
   * the witness commitment and merkle root afterwards. A template on another parent than the
   * tip is left as it is (only tests build those). Returns the verdicts, e.g. for the CU.
   */
  assembleBlock(block: Block, opts: { fees: bigint }): Promise<ReadonlyMap<string, ExtensionVerdict>> {
    return this.lock.run(async () => {
      const out = new Map<string, ExtensionVerdict>();
      const assemblers = this.extensions.filter((x) => x.assemble);
      const prev = this.tip;
      const costAware = this.isCostAware(prev.height + 1);
      if ((assemblers.length === 0 && !costAware) || !block.prevHash || hashToHex(block.prevHash) !== prev.hash) return out;
      // The merkle root is not final until the coinbase is: the entry only carries the height.
      const header = encodeHeader({
        version: block.version, prevHash: block.prevHash, merkleRoot: block.merkleRoot ?? new Uint8Array(32),
        time: block.timestamp, bits: block.bits, nonce: block.nonce, storage: block.storage,
      });
      const baseBits = this.nextWorkRequired(prev, block.timestamp);
      const entry = entryFromHeader(header, prev.height + 1, prev.chainwork, 0, baseBits);
      const txids = block.transactions!.map((tx) => tx.getHash());
      const ctx = { ...this.blockContext(block, entry, txids), assembling: true };
      const verdicts = await this.checkExtensions(ctx, new Map());
      const subsidy = getBlockSubsidy(entry.height, this.params);
      const coinbase = block.transactions![0];
      const add = (who: string, o: { script: Uint8Array; value: bigint }) => {
        if (o.value < 0n || o.value > coinbase.outs[0].value) throw new Error(`${who}: coinbase output of ${o.value} exceeds the payout`);
        coinbase.outs[0].value -= o.value;
        coinbase.addOutput(o.script, o.value);
      };
      for (const ext of assemblers) {
        const outputs = await ext.assemble!({ ...ctx, fees: opts.fees, subsidy }, verdicts.get(ext.name)!);
        for (const o of outputs) add(ext.name, o);
      }
      // ODA-BIP-0005 is the chain's own rule: commitment and burn, then the discounted bits
      // (before grinding, which works on whatever bits the template carries).
      if (costAware) {
        const a = assembleCostAware({
          cu: verdictCu(verdicts), baseFee: blockBaseFee(this.costRecordOf(prev), this.params.maxBlockCu),
          baseBits, maxBlockCu: this.params.maxBlockCu, reward: subsidy + opts.fees,
        });
        if (a.output) add('ODA-BIP-0005', a.output);
        block.bits = a.bits;
      }
      for (const [k, v] of verdicts) out.set(k, v);
      return out;
    });
  }

  /**
   * ODA-BIP-0006: the per-attempt storage work for a block on the tip (undefined before
   * activation, or without an extension that mines storage). Read once per template.
   */
  storageMiner(height: number = this.tip.height + 1): Promise<StorageMiner | undefined> {
    return this.lock.run(async () => {
      if (!storageProofsActive(height, this.params)) return undefined;
      for (const x of this.extensions) {
        const m = await x.storageMiner?.(height, this.db.extensionState(x.name), this.tip.hash);
        if (m) return m;
      }
      return undefined;
    });
  }

  /** Core's block locator: the last 10 hashes, then exponentially sparser, ending at genesis. */
  getLocator(from: BlockEntry = this.tip): string[] {
    return this.index.getLocator(from);
  }

  getChainTips(): ChainTip[] {
    return this.index.getChainTips(this.parked);
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
        // Core's TxOutSer: outpoint | u32 height*2+coinbase | CTxOut (value, var script).
        const b = new ByteWriter(48 + 9 + len)
          .bytes(op.subarray(0, 32)).u32(Buffer.from(op).readUInt32BE(32))
          .u32(coin.height * 2 + (coin.coinbase ? 1 : 0)).i64(coin.value).varBytes(coin.script);
        sha.update(b.finish());
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
    return headerPrevContext(this.index, prev, time, this.params);
  }

  private async acceptHeader(raw: Uint8Array): Promise<BlockEntry> {
    const hashBytes = headerHash(raw);
    const hash = hashToHex(hashBytes);
    const known = this.index.get(hash);
    if (known) {
      if (isFailed(known)) throw new VerifyError('block', 'duplicate-invalid', 100, hash);
      return known;
    }
    const h = decodeHeader(raw);
    checkBlockHeader(hashBytes, h.bits, this.params, h.storage);
    const prev = this.index.get(hashToHex(h.prevHash));
    if (!prev) throw new VerifyError('block', 'prev-blk-not-found', 0, `previous block ${hashToHex(h.prevHash)} unknown`);
    if (isFailed(prev)) throw new VerifyError('block', 'bad-prevblk', 100, 'previous block is invalid');
    const pctx = this.prevContext(prev, h.time);
    contextualCheckBlockHeader(h, pctx, this.adjustedTime(), this.params);
    const entry = entryFromHeader(raw, prev.height + 1, prev.chainwork, 0, pctx.requiredBits);
    const batch = this.db.batch();
    this.db.putEntry(batch, entry);
    await this.db.write(batch);
    this.index.add(entry);
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
      const known = this.index.get(hash);
      if (known && known.status & BlockStatus.HAVE_DATA) {
        throw new VerifyError('block', isFailed(known) ? 'duplicate-invalid' : 'duplicate', 0, hash);
      }
      const entry = await this.acceptHeader(block.toBuffer(true));
      const prev = this.index.parent(entry)!;
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
      this.db.putEntry(batch, entry);
      this.db.putTxCount(batch, hash, block.transactions!.length);
      await this.db.write(batch);
      this.txCounts.set(hash, block.transactions!.length);
      this.index.assignSequence(entry);
      this.index.addCandidates(entry);
      const failures = await this.activateBestChain();
      const own = failures.get(hash);
      if (own) throw own;
      return entry;
    });
  }

  // ---- best chain ---------------------------------------------------------------------------

  /** Moves to the best candidate until none has more work; returns the blocks that failed. */
  private async activateBestChain(): Promise<Map<string, VerifyError>> {
    const failures = new Map<string, VerifyError>();
    for (;;) {
      const best = this.index.findBestCandidate(this.parked);
      if (!best) break;
      const failure = await this.reorganizeTo(best);
      if (failure) failures.set(failure.entry.hash, failure.error);
    }
    return failures;
  }

  private connectParams(e: BlockEntry): ConnectParams {
    const prev = this.index.parent(e)!;
    return {
      height: e.height,
      params: this.params,
      prevMedianTimePast: this.medianTimePast(prev),
      mtpAt: (h) => this.medianTimePast(this.getAncestor(e, h)!),
    };
  }

  private blockContext(block: Block, entry: BlockEntry, txids: Uint8Array[]): BlockContext {
    return { block, entry, height: entry.height, params: this.params, txids };
  }

  private async readBlock(e: BlockEntry): Promise<Block> {
    const raw = await this.blocks.readBlock(e.hash);
    if (!raw) throw new Error(`block ${e.hash} missing from the blockstore`);
    return decodeBlock(raw);
  }

  /** A fresh scratch state per extension, over its namespace at the tip. */
  private overlays(): Map<string, OverlayState> {
    return new Map(this.extensions.map((x) => [x.name, new OverlayState(this.db.extensionState(x.name))]));
  }

  /** Takes `e` off `source` in a child view; extension undo writes go onto `overlays` too. */
  private async prepareDisconnect(e: BlockEntry, source: CoinView | ChainDB, overlays: Map<string, OverlayState>): Promise<DisconnectStep> {
    const block = await this.readBlock(e);
    const raw = await this.blocks.readUndo(e.hash);
    if (!raw) throw new Error(`undo data for ${e.hash} missing`);
    const undo = decodeUndo(hexToHash(e.hash), raw);
    const view = new CoinView(source);
    const txids = await disconnectBlock(block, undo.spent, view);
    const ctx = this.blockContext(block, e, txids);
    const extWrites = new Map<string, readonly KvChange[]>();
    for (const ext of [...this.extensions].reverse()) {
      if (!ext.disconnectBlock) continue;
      const writes = await ext.disconnectBlock(ctx, undo.extensions.get(ext.name) ?? new Uint8Array(0));
      this.db.checkExtensionKeys(ext.name, writes);
      overlays.get(ext.name)?.apply(writes);
      extWrites.set(ext.name, writes);
    }
    return { ctx, undo, view, extWrites };
  }

  /**
   * Every extension's checkBlock on the state before the block (`overlays`, or the tip's
   * state when an extension has none there); each verdict's writes then go onto its overlay.
   */
  private async checkExtensions(ctx: BlockContext, overlays: Map<string, OverlayState>): Promise<Map<string, ExtensionVerdict>> {
    const verdicts = new Map<string, ExtensionVerdict>();
    for (const ext of this.extensions) {
      if (!ext.checkBlock) continue;
      const overlay = overlays.get(ext.name);
      const verdict = await ext.checkBlock(ctx, overlay ?? this.db.extensionState(ext.name));
      this.db.checkExtensionKeys(ext.name, verdict.writes);
      overlay?.apply(verdict.writes);
      verdicts.set(ext.name, verdict);
    }
    return verdicts;
  }

  private park(e: BlockEntry, missing: readonly unknown[]): void {
    this.waiting.set(e.hash, missing);
    this.emit('missing-data', e, missing);
  }

  /**
   * Two-phase reorganization to `target`. Phase 1 validates everything, extension rules
   * included, in scratch state; phase 2 writes one batch per block. Returns the failing
   * block if the new branch is invalid (then nothing was written).
   */
  private async reorganizeTo(target: BlockEntry): Promise<Failure | undefined> {
    const oldTip = this.tip;
    const fork = this.index.findFork(oldTip, target);
    const detach: BlockEntry[] = [];
    for (let x = oldTip; x !== fork; x = this.index.parent(x)!) detach.push(x);
    const attach: BlockEntry[] = [];
    for (let x = target; x !== fork; x = this.index.parent(x)!) attach.unshift(x);

    // Phase 1: nothing below touches the database.
    const scratch = new CoinView(this.db);
    const overlays = this.overlays();
    const detachSteps: DisconnectStep[] = [];
    for (const e of detach) {
      const step = await this.prepareDisconnect(e, scratch, overlays);
      scratch.merge(step.view);
      detachSteps.push(step);
    }
    const connectSteps: ConnectStep[] = [];
    for (const e of attach) {
      const block = await this.readBlock(e);
      const missing = await this.missingData(block);
      if (missing.length > 0) {
        // No verdict without the data: park the block; the best chain is re-chosen without it.
        this.park(e, missing);
        return undefined;
      }
      const view = new CoinView(scratch);
      try {
        const res = await connectBlock(block, view, this.connectParams(e));
        const ctx = this.blockContext(block, e, res.txids);
        const verdicts = await this.checkExtensions(ctx, overlays);
        const cost = this.checkCostAware(ctx, res.fees, verdicts);
        // The next block of this branch reads it; it is the block's own fact, so keeping it
        // in memory when a later block fails and nothing is written is harmless.
        if (cost) e.cost = cost;
        scratch.merge(view);
        connectSteps.push({ ctx, view, spent: res.spent, verdicts, cost });
      } catch (err) {
        if (err instanceof MissingDataError) {
          this.park(e, err.missing);
          return undefined;
        }
        if (!(err instanceof VerifyError)) throw err;
        // A body a relayer could have mangled (ODA-BIP-0006's proof in the uncommitted
        // coinbase witness) says nothing about the header: forget the body, keep the header
        // valid, so an unmangled copy can still be accepted.
        if (err.malleated) await this.forgetBody(e);
        else await this.markInvalid(e);
        return { entry: e, error: err };
      }
    }

    // Phase 2: one atomic batch per block, nothing left to decide.
    for (const step of detachSteps) await this.writeDisconnect(step);
    for (const step of connectSteps) {
      try {
        await this.writeConnect(step);
      } catch (err) {
        // A side effect of an extension's connectBlock found its data gone: park, stay valid.
        if (!(err instanceof MissingDataError)) throw err;
        this.park(step.ctx.entry, err.missing);
        this.index.addCandidates(oldTip);
        if (detach.length) this.emit('reorganize', oldTip, this.tip, fork);
        this.emit('tip', this.tip);
        return undefined;
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
  waitingFor(hash: string): readonly unknown[] | undefined {
    return this.waiting.get(hash);
  }

  /** Blocks parked for missing data, e.g. for the P2P layer to fetch it. */
  waitingBlocks(): Array<{ hash: string; missing: readonly unknown[] }> {
    return [...this.waiting].map(([hash, missing]) => ({ hash, missing }));
  }

  /** New data arrived (blobs fetched or imported): reconsider every parked block. */
  retryWaiting(): Promise<void> {
    return this.lock.run(async () => {
      if (this.waiting.size === 0) return;
      const parked = [...this.waiting.keys()];
      this.waiting.clear();
      for (const h of parked) {
        const e = this.index.get(h);
        if (e) this.index.addCandidates(e);
      }
      await this.activateBestChain();
    });
  }

  private async writeConnect(step: ConnectStep): Promise<void> {
    const { ctx, view, spent, verdicts, cost } = step;
    const { entry, block } = ctx;
    for (const ext of this.extensions) {
      const verdict = verdicts.get(ext.name);
      if (ext.connectBlock && verdict) await ext.connectBlock(ctx, verdict);
    }
    const batch = this.db.batch();
    let written = false;
    try {
      this.db.putCoins(batch, view.changes);
      this.db.indexTxs(batch, ctx.txids, entry.hash);
      const status = entry.status | BlockStatus.VALID;
      this.db.putEntry(batch, { ...entry, status });
      if (cost) this.db.putCostRecord(batch, entry.hash, cost);
      this.db.setTip(batch, entry.hash);
      const extUndo = new Map<string, Uint8Array>();
      for (const [name, verdict] of verdicts) {
        this.db.putExtensionState(batch, name, verdict.writes);
        extUndo.set(name, verdict.undo);
      }
      // The undo file must be durable before the batch that makes this block the tip.
      await this.blocks.writeUndo(entry.hash, encodeUndo(hexToHash(entry.hash), { spent, extensions: extUndo }));
      await this.db.write(batch);
      written = true;
      entry.status = status;
    } finally {
      if (!written) await this.db.discard(batch);
    }
    this.index.connectTip(entry);
    this.emit('connect', entry, block);
  }

  private async writeDisconnect(step: DisconnectStep): Promise<void> {
    const { ctx, view, extWrites } = step;
    const { entry, block } = ctx;
    const prev = this.index.parent(entry)!;
    const batch = this.db.batch();
    let written = false;
    try {
      this.db.putCoins(batch, view.changes);
      this.db.unindexTxs(batch, ctx.txids);
      this.db.setTip(batch, prev.hash);
      for (const [name, writes] of extWrites) this.db.putExtensionState(batch, name, writes);
      await this.db.write(batch);
      written = true;
    } finally {
      if (!written) await this.db.discard(batch);
    }
    this.index.disconnectTip(entry);
    this.index.addCandidates(entry);
    this.emit('disconnect', entry, block);
  }

  /** Marks `e` FAILED and its descendants FAILED_CHILD, persisted in one batch. */
  private async markInvalid(e: BlockEntry): Promise<void> {
    this.index.statusChanged();
    const batch = this.db.batch();
    e.status |= BlockStatus.FAILED;
    this.db.putEntry(batch, e);
    this.index.removeCandidate(e);
    for (const d of this.index.descendants(e)) {
      d.status |= BlockStatus.FAILED_CHILD;
      this.db.putEntry(batch, d);
      this.index.removeCandidate(d);
    }
    await this.db.write(batch);
  }

  /** Drops `e`'s stored body (not its header): it is no candidate until a body arrives again. */
  private async forgetBody(e: BlockEntry): Promise<void> {
    this.index.statusChanged();
    e.status &= ~BlockStatus.HAVE_DATA;
    this.index.removeCandidate(e);
    const batch = this.db.batch();
    this.db.putEntry(batch, e);
    await this.db.write(batch);
  }

  /** Disconnects (one batch each) while the tip is marked failed. */
  private async disconnectFailedTip(): Promise<void> {
    const oldTip = this.tip;
    while (isFailed(this.tip) && this.tip.height > 0) {
      await this.writeDisconnect(await this.prepareDisconnect(this.tip, this.db, new Map()));
    }
    if (this.tip !== oldTip) this.emit('tip', this.tip);
  }

  // ---- invalidateblock / reconsiderblock -----------------------------------------------

  /** Core's invalidateblock: mark failed, disconnect it if active, move to the best valid chain. */
  invalidateBlock(hash: string): Promise<void> {
    return this.lock.run(async () => {
      const e = this.index.get(hash);
      if (!e) throw new Error('Block not found');
      if (e.height === 0) throw new Error('Genesis block cannot be invalidated');
      await this.markInvalid(e);
      await this.disconnectFailedTip();
      this.index.rebuildCandidates();
      await this.activateBestChain();
    });
  }

  /** Core's reconsiderblock: clear failure flags on the block, its descendants and ancestors. */
  reconsiderBlock(hash: string): Promise<void> {
    return this.lock.run(async () => {
      const e = this.index.get(hash);
      if (!e) throw new Error('Block not found');
      const batch = this.db.batch();
      const clear = (x: BlockEntry) => {
        if (!(x.status & FAILED_MASK)) return;
        x.status &= ~FAILED_MASK;
        this.db.putEntry(batch, x);
      };
      clear(e);
      for (const d of this.index.descendants(e)) clear(d);
      for (let a = this.index.parent(e); a; a = this.index.parent(a)) clear(a);
      await this.db.write(batch);
      this.index.statusChanged();
      this.index.rebuildCandidates();
      await this.activateBestChain();
    });
  }

  async close(): Promise<void> {
    await this.lock.run(() => this.db.close());
  }
}
