// One mempool transaction with the package statistics Core keeps per entry
// (CTxMemPoolEntry): sizes are virtual sizes (sigop-adjusted), fees are modified fees
// (base fee plus any prioritisetransaction delta), counts include the entry itself.
import type { Transaction } from '../chain/block.js';

export interface MempoolEntry {
  tx: Transaction;
  txid: string;
  wtxid: string;
  /** Base fee paid (inputs minus outputs). */
  fee: bigint;
  /** fee + prioritisetransaction delta: what selection and eviction use. */
  modifiedFee: bigint;
  weight: number;
  /** Sigop-adjusted virtual size (Core's GetTxSize). */
  vsize: number;
  sigOpCost: number;
  /** Unix seconds when it entered the pool. */
  time: number;
  /** Chain height when it entered the pool. */
  height: number;
  spendsCoinbase: boolean;
  ancestorCount: number;
  ancestorSize: number;
  ancestorFees: bigint;
  ancestorSigOps: number;
  descendantCount: number;
  descendantSize: number;
  descendantFees: bigint;
  /** In-mempool parents' txids (sorted). */
  depends: string[];
  /** In-mempool children's txids (sorted). */
  spentBy: string[];
  /** Estimated memory this entry costs the pool (Core's DynamicMemoryUsage share). */
  usage: number;
}

/**
 * Memory estimate per entry: the transaction's serialized bytes counted three times (the
 * parsed object, its input/output arrays and buffers) plus a fixed overhead for the
 * indexes (txid, wtxid, outpoint map, links). Core measures malloc usage; an estimate of
 * the same order keeps -maxmempool meaningful.
 */
export const ENTRY_OVERHEAD = 400;
export function entryUsage(tx: Transaction): number {
  return 3 * tx.byteLength() + 64 * (tx.ins.length + tx.outs.length) + ENTRY_OVERHEAD;
}

/** Fee rate comparison a/b > c/d without division (Core's CFeeRate comparisons). */
export function feeRateCompare(feeA: bigint, sizeA: number, feeB: bigint, sizeB: number): number {
  const l = feeA * BigInt(sizeB);
  const r = feeB * BigInt(sizeA);
  return l < r ? -1 : l > r ? 1 : 0;
}

/** Fee rate in sat/kvB (Core's CFeeRate(fee, size)). */
export function feeRatePerKvB(fee: bigint, vsize: number): bigint {
  return vsize > 0 ? (fee * 1000n) / BigInt(vsize) : 0n;
}
