// Replacement rules (Core's policy/rbf.cpp, full-RBF as Core 28+): a transaction that
// spends outputs already spent in the pool may evict those spenders if it pays more.
// Each check returns Core's debug string on failure; the caller attaches the reject reason
// ("insufficient fee", "too many potential replacements", "replacement-adds-unconfirmed").
import { hashToHex } from '../chain/block.js';
import type { Transaction } from '../chain/block.js';
import type { MempoolEntry } from './entry.js';
import { feeRateCompare, feeRatePerKvB } from './entry.js';
import { MAX_REPLACEMENT_CANDIDATES, feeForSize } from './policy.js';

function btcPerKvB(rate: bigint): string {
  // CFeeRate::ToString(): "%d.%08d BTC/kvB".
  const neg = rate < 0n;
  const a = neg ? -rate : rate;
  return `${neg ? '-' : ''}${a / 100_000_000n}.${(a % 100_000_000n).toString().padStart(8, '0')} BTC/kvB`;
}

function btc(sats: bigint): string {
  const neg = sats < 0n;
  const a = neg ? -sats : sats;
  return `${neg ? '-' : ''}${a / 100_000_000n}.${(a % 100_000_000n).toString().padStart(8, '0')}`;
}

/** BIP125 rule 6: the replacement's feerate must beat every directly conflicting tx's own feerate. */
export function paysMoreThanConflicts(direct: MempoolEntry[], fee: bigint, vsize: number, txid: string): string | undefined {
  for (const e of direct) {
    if (feeRateCompare(fee, vsize, e.modifiedFee, e.vsize) <= 0) {
      return `rejecting replacement ${txid}; new feerate ${btcPerKvB(feeRatePerKvB(fee, vsize))} <= old feerate ${btcPerKvB(feeRatePerKvB(e.modifiedFee, e.vsize))}`;
    }
  }
  return undefined;
}

/** BIP125 rule 5: at most 100 transactions (conflicts and their descendants) may be evicted. */
export function checkReplacementCount(direct: MempoolEntry[], all: Set<string>, txid: string): string | undefined {
  // Core first bounds the sum of descendant counts, then the deduplicated set; both use 100.
  const upper = direct.reduce((a, e) => a + e.descendantCount, 0);
  if (upper > MAX_REPLACEMENT_CANDIDATES || all.size > MAX_REPLACEMENT_CANDIDATES) {
    return `rejecting replacement ${txid}; too many potential replacements (${Math.max(upper, all.size)} > ${MAX_REPLACEMENT_CANDIDATES})\n`;
  }
  return undefined;
}

/**
 * BIP125 rule 2: the replacement may only spend unconfirmed outputs the replaced
 * transactions already spent. `inPool(txid)` says whether a txid is in the mempool.
 */
export function hasNoNewUnconfirmed(
  tx: Transaction,
  conflicts: MempoolEntry[],
  inPool: (txid: string) => boolean,
): string | undefined {
  const parents = new Set<string>();
  for (const e of conflicts) for (const input of e.tx.ins) parents.add(hashToHex(input.hash));
  for (let j = 0; j < tx.ins.length; j++) {
    const prev = hashToHex(tx.ins[j].hash);
    if (!parents.has(prev) && inPool(prev)) return `replacement ${tx.getId()} adds unconfirmed input, idx ${j}`;
  }
  return undefined;
}

/**
 * BIP125 rules 3 and 4: the replacement pays at least the replaced fees, and the extra pays
 * for its own relay at the incremental relay feerate.
 */
export function paysForRbf(originalFees: bigint, replacementFees: bigint, replacementVsize: number, incrementalRelayFee: bigint, txid: string): string | undefined {
  if (replacementFees < originalFees) {
    return `rejecting replacement ${txid}, less fees than conflicting txs; ${btc(replacementFees)} < ${btc(originalFees)}`;
  }
  const additional = replacementFees - originalFees;
  const required = feeForSize(incrementalRelayFee, replacementVsize);
  if (additional < required) {
    return `rejecting replacement ${txid}, not enough additional fees to relay; ${btc(additional)} < ${btc(required)}`;
  }
  return undefined;
}
