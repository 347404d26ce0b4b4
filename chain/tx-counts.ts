// Transactions per block (Core's CBlockIndex::nTx) and their running total along a chain
// (nChainTx): getblockheader's nTx and verificationprogress. A count is known once the
// block's body is stored (HAVE_DATA) and never changes: the body passed CheckBlock, so its
// merkle root, which the block hash commits to, fixes the transaction list.
import type { BlockEntry } from './entry.js';

export class TxCounts {
  private readonly counts = new Map<string, number>();
  /** nChainTx memo; only known totals are kept, and a total never changes (counts are fixed). */
  private readonly totals = new Map<string, number>();

  set(hash: string, n: number): void {
    this.counts.set(hash, n);
  }

  /** nTx of a block whose body is stored; undefined for a header-only entry. */
  get(hash: string): number | undefined {
    return this.counts.get(hash);
  }

  /**
   * Core's nChainTx: transactions in `e` and all its ancestors; undefined while any of them
   * is header-only. Walks back to the nearest known total, so successive tips cost O(1).
   */
  chainTx(e: BlockEntry, parent: (e: BlockEntry) => BlockEntry | undefined): number | undefined {
    const path: BlockEntry[] = [];
    let cur: BlockEntry | undefined = e;
    let base = 0;
    while (cur) {
      const t = this.totals.get(cur.hash);
      if (t !== undefined) {
        base = t;
        break;
      }
      path.push(cur);
      cur = parent(cur);
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const n = this.counts.get(path[i].hash);
      if (n === undefined) return undefined;
      base += n;
      this.totals.set(path[i].hash, base);
    }
    return base;
  }
}
