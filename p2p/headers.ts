// The header tree as sync sees it: headers are validated and stored by the chain itself
// (Chain.processHeader: PoW, difficulty, time rules, persisted, so a restarted node resumes
// downloading where it stopped); this class keeps track of the most-work header that is not
// known to be invalid, and builds block locators.
import { isVerifyError, type VerifyError } from '../chain/errors.js';
import { BlockStatus } from '../chain/entry.js';
import type { ChainView, EntryView } from './chain-view.js';

const FAILED = BlockStatus.FAILED | BlockStatus.FAILED_CHILD;
export const hasData = (e: EntryView) => (e.status & BlockStatus.HAVE_DATA) !== 0;
export const isFailedEntry = (e: EntryView) => (e.status & FAILED) !== 0;

export class HeaderIndex {
  best: EntryView;

  constructor(private readonly chain: ChainView) {
    this.best = chain.tip;
    this.recompute();
  }

  get(hash: string): EntryView | undefined { return this.chain.getEntry(hash); }

  /** Best header from the chain's tips (startup, and after an invalid block). */
  recompute(): void {
    let best = this.chain.tip;
    for (const t of this.chain.getChainTips()) {
      if (t.status === 'invalid') continue;
      const e = this.chain.getEntry(t.hash);
      if (e && !isFailedEntry(e) && e.chainwork > best.chainwork) best = e;
    }
    this.best = best;
  }

  /** The tip may pass our best header (blocks from RPC or the miner); a failed best is replaced. */
  refresh(): void {
    if (isFailedEntry(this.best)) this.recompute();
    if (this.chain.tip.chainwork > this.best.chainwork) this.best = this.chain.tip;
  }

  ancestor(e: EntryView, height: number): EntryView | undefined { return this.chain.getAncestor(e, height); }

  /** Validates and stores a header; returns its entry or the VerifyError. */
  async add(raw: Uint8Array): Promise<EntryView | VerifyError> {
    try {
      const e = await this.chain.processHeader(raw);
      if (!isFailedEntry(e) && e.chainwork > this.best.chainwork) this.best = e;
      return e;
    } catch (err) {
      if (isVerifyError(err)) return err;
      throw err;
    }
  }

  locator(from: EntryView = this.best): string[] { return this.chain.getLocator(from); }
}
