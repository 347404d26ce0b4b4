// The lite node's header chain: every header checked as a full node checks it before it has
// the body (Core's CheckBlockHeader + ContextualCheckBlockHeader: proof of work against the
// bits, the difficulty rule, time above the median of 11, not too far in the future, version),
// through the very functions odad uses (chain/check-block.ts, chain/difficulty.ts), kept in
// the same BlockIndex. The best chain is the most-work valid header chain (ties: first seen);
// a heavier branch replaces it at once (a header reorg costs only the new main-chain view).
import { genesisBlock, type NetworkParams } from '../chain/params.js';
import { BlockIndex } from '../chain/block-index.js';
import { entryFromHeader, type BlockEntry } from '../chain/entry.js';
import { decodeHeader, hashToHex, headerHash, headerLength, HEADER_SIZE } from '../chain/header.js';
import { checkBlockHeader, contextualCheckBlockHeader } from '../chain/check-block.js';
import { headerPrevContext } from '../chain/header-context.js';
import { VerifyError, isVerifyError } from '../chain/errors.js';
import { HeaderStore } from './header-store.js';
import type { Logger } from '../util/logger.js';
import { nullLogger } from '../util/logger.js';


export interface LiteChainOptions {
  params: NetworkParams;
  /** Directory of headers.dat (<datadir>/<network>/lite). */
  dir: string;
  logger?: Logger;
  /** Seconds since the epoch (tests pin it); the future-time rule compares against it. */
  now?: () => number;
}

export interface AcceptResult {
  /** Headers new to this chain, in order. */
  added: BlockEntry[];
  /** The best header moved to another branch (not just forward). */
  reorg?: { oldTip: BlockEntry; newTip: BlockEntry; fork: BlockEntry };
}

export class LiteChain {
  readonly index = new BlockIndex();
  /** Hashes refused as invalid: a child of one is refused too (bad-prevblk). */
  private readonly invalid = new Set<string>();
  private readonly now: () => number;
  private readonly logger: Logger;

  private constructor(readonly params: NetworkParams, private readonly store: HeaderStore, opts: LiteChainOptions) {
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.logger = opts.logger ?? nullLogger;
    const g = genesisBlock(params).toBuffer(true);
    const genesis = entryFromHeader(new Uint8Array(g.subarray(0, headerLength(g))), 0, 0n);
    if (genesis.hash !== params.genesis.hash) throw new Error(`genesis ${genesis.hash} is not ${params.genesis.hash}`);
    this.index.add(genesis);
    this.index.setTip(genesis);
  }

  /** Opens (or creates) the store and re-validates every stored header, as if received again. */
  static open(opts: LiteChainOptions): LiteChain {
    const store = new HeaderStore(opts.dir, opts.logger);
    const chain = new LiteChain(opts.params, store, opts);
    const stored = store.load();
    for (let i = 0; i < stored.length; i++) {
      try {
        chain.accept(stored[i]);
      } catch (e) {
        if (!isVerifyError(e)) throw e;
        // A record that no longer validates (a damaged file): keep what came before it.
        chain.logger.warn(`${store.file}: header ${i} refused on reload (${e.reason}); dropping it and the ${stored.length - i - 1} after it`);
        store.truncate(i);
        break;
      }
    }
    return chain;
  }

  close(): void {
    this.store.close();
  }

  /** The best header (most work). */
  get tip(): BlockEntry { return this.index.tip; }
  get height(): number { return this.index.tip.height; }
  getEntry(hash: string): BlockEntry | undefined { return this.index.get(hash); }
  getEntryByHeight(h: number): BlockEntry | undefined { return this.index.getByHeight(h); }
  isMainChain(e: BlockEntry): boolean { return this.index.isMainChain(e); }
  getLocator(from: BlockEntry = this.tip): string[] { return this.index.getLocator(from); }
  isInvalid(hash: string): boolean { return this.invalid.has(hash); }

  /**
   * Validates one header against its parent and adds it; moves the best chain if it now has
   * more work. Returns the entry and whether it was new. Throws VerifyError (Core's reasons and
   * ban scores; `prev-blk-not-found` with score 0 when the parent is unknown).
   */
  private accept(raw: Uint8Array): { entry: BlockEntry; isNew: boolean; moved?: AcceptResult['reorg'] } {
    // 80 bytes, or 113 when the version announces the ODA-BIP-0006 extension (the height
    // decides, in contextualCheckBlockHeader, whether it must be there).
    if (raw.length < HEADER_SIZE || raw.length !== headerLength(raw)) throw new VerifyError('block', 'bad-header-size', 100, `header of ${raw.length} bytes`);
    const hashBytes = headerHash(raw);
    const hash = hashToHex(hashBytes);
    if (this.invalid.has(hash)) throw new VerifyError('block', 'duplicate-invalid', 100, hash);
    const known = this.index.get(hash);
    if (known) return { entry: known, isNew: false };
    const h = decodeHeader(raw);
    try {
      checkBlockHeader(hashBytes, h.bits, this.params, h.storage);
      const prevHash = hashToHex(h.prevHash);
      if (this.invalid.has(prevHash)) throw new VerifyError('block', 'bad-prevblk', 100, 'previous block is invalid');
      const prev = this.index.get(prevHash);
      if (!prev) throw new VerifyError('block', 'prev-blk-not-found', 0, `previous block ${prevHash} unknown`);
      // Under ODA-BIP-0005 a header may carry bits discounted up to the cap; the exact
      // discount depends on the body, which a lite node never sees (BIP-0007 "Lite node").
      const ctx = headerPrevContext(this.index, prev, h.time, this.params);
      contextualCheckBlockHeader(h, ctx, this.now(), this.params);
      // Chainwork counts the base bits, as the full node's index does (entryFromHeader).
      const entry = entryFromHeader(raw, prev.height + 1, prev.chainwork, 0, ctx.requiredBits);
      this.index.add(entry);
      let moved: AcceptResult['reorg'];
      const oldTip = this.tip;
      // Strictly more work: on a tie the header seen first stays best (Core's nSequenceId).
      if (entry.chainwork > oldTip.chainwork) {
        if (entry.prevHash === oldTip.hash) this.index.connectTip(entry);
        else {
          const fork = this.index.findFork(oldTip, entry);
          this.index.setTip(entry);
          if (fork !== oldTip) moved = { oldTip, newTip: entry, fork };
        }
      }
      return { entry, isNew: true, moved };
    } catch (e) {
      // Not remembered: errors a relayer or the clock can cause (a mutated header hashes
      // differently; a future time may become valid; an unknown parent may arrive later).
      if (isVerifyError(e) && e.score > 0 && !e.malleated) this.invalid.add(hash);
      throw e;
    }
  }

  /**
   * Accepts a run of headers (a `headers` message) and stores the new ones durably. Stops at
   * the first invalid header: the ones before it are kept, and the error is thrown after.
   */
  acceptHeaders(raws: readonly Uint8Array[]): AcceptResult {
    const added: BlockEntry[] = [];
    let reorg: AcceptResult['reorg'];
    let failure: unknown;
    for (const raw of raws) {
      try {
        const r = this.accept(raw);
        if (r.isNew) added.push(r.entry);
        if (r.moved) reorg = reorg ? { ...r.moved, oldTip: reorg.oldTip, fork: this.index.findFork(reorg.oldTip, r.moved.newTip) } : r.moved;
      } catch (e) {
        failure = e;
        break;
      }
    }
    this.store.append(added.map((e) => e.header));
    if (reorg) this.logger.info(`header reorg: ${reorg.oldTip.hash} (height ${reorg.oldTip.height}) -> ${reorg.newTip.hash} (height ${reorg.newTip.height}), fork at ${reorg.fork.height}`);
    if (failure) throw failure;
    return { added, reorg };
  }
}
