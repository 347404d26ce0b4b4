// The difficulty rule: the ONE place that decides a block's bits. Core's GetNextWorkRequired +
// CalculateNextWorkRequired (pow.cpp) give the base bits: retarget every
// powTargetTimespan/powTargetSpacing blocks, timespan clamped to ×¼..×4, never easier than
// powLimit; test networks may mine a powLimit block after 20 minutes; regtest
// (powNoRetargeting) keeps the previous bits forever. ODA-BIP-0005's cost-aware discount of
// those bits, its PoW limit and the chainwork of base bits are here too (below).
import { compactToTarget, targetToCompact, getBlockProof } from './header.js';
import type { NetworkParams } from './params.js';
import { COST_AWARE, type CostAwareParams } from './cost-aware.js';

/** What the rule needs to know about a block in the index. */
export interface HeaderInfo { height: number; time: number; bits: number }

/**
 * What the difficulty rule reads of a block: its base bits (ODA-BIP-0005 §1: a discount
 * never feeds into the next target); before activation they are its bits.
 */
export function baseHeaderInfo(e: HeaderInfo & { baseBits: number }): HeaderInfo {
  return e.baseBits === e.bits ? e : { height: e.height, time: e.time, bits: e.baseBits };
}

export function difficultyAdjustmentInterval(params: NetworkParams): number {
  return Math.floor(params.powTargetTimespan / params.powTargetSpacing);
}

/**
 * Bits required for the block after `prev` whose timestamp is `blockTime`.
 * `getAncestor(h)` returns the ancestor of `prev` at height h (h ≤ prev.height).
 */
export function nextWorkRequired(
  prev: HeaderInfo,
  blockTime: number,
  params: NetworkParams,
  getAncestor: (height: number) => HeaderInfo,
): number {
  const limitBits = targetToCompact(params.powLimit);
  const interval = difficultyAdjustmentInterval(params);

  if ((prev.height + 1) % interval !== 0) {
    if (params.powAllowMinDifficultyBlocks) {
      // Testnet rule: a block more than 2 spacings after its parent may use the minimum difficulty.
      if (blockTime > prev.time + params.powTargetSpacing * 2) return limitBits;
      // Otherwise use the last bits that were not such a special min-difficulty block.
      let walk = prev;
      while (walk.height > 0 && walk.height % interval !== 0 && walk.bits === limitBits) walk = getAncestor(walk.height - 1);
      return walk.bits;
    }
    return prev.bits;
  }
  const first = getAncestor(prev.height - (interval - 1));
  return calculateNextWorkRequired(prev, first.time, params);
}

/** Core's CalculateNextWorkRequired: scale the last target by actual/expected timespan. */
export function calculateNextWorkRequired(prev: HeaderInfo, firstBlockTime: number, params: NetworkParams): number {
  if (params.powNoRetargeting) return prev.bits;
  let actual = prev.time - firstBlockTime;
  const span = params.powTargetTimespan;
  // Core divides with int64 semantics: timespan/4 truncates.
  if (actual < Math.trunc(span / 4)) actual = Math.trunc(span / 4);
  if (actual > span * 4) actual = span * 4;
  let target = compactToTarget(prev.bits).target;
  // Exact integer arithmetic. Core's arith_uint256 would wrap at 2^256 if powLimit × 4 ×
  // timespan exceeded it; Bitcoin's limits (≤ 2^224) never do, ODA main's 2^236 would, so
  // ODA specifies the unbounded product (identical to Core wherever Core does not overflow).
  target = (target * BigInt(actual)) / BigInt(span);
  if (target > params.powLimit) target = params.powLimit;
  return targetToCompact(target);
}

// ---- ODA-BIP-0005: cost-aware difficulty ----
// After activation a block's bits may be easier than its *base* bits (what the rule above
// gives when every ancestor's bits are read as its base bits) by a discount paid for with
// burned base fee. The block index keeps each entry's base bits (derived from headers alone),
// so the discount never feeds into the next block's or the next period's target.

const MAX_UINT256 = (1n << 256n) - 1n;

/**
 * The discount a block earns, in ppm: min(cap, α·CU/maxBlockCu, burn/reward), floored.
 * `reward` is subsidy + all fees of the block (what the coinbase could claim with no burn);
 * the burn/reward term keeps the discount's value below its cost, so that stuffing a block
 * with one's own heavy transactions never pays (BIP, Rationale).
 */
export function blockDiscountPpm(cu: bigint, maxBlockCu: bigint, burn: bigint, reward: bigint, p: CostAwareParams = COST_AWARE): bigint {
  if (cu <= 0n || burn <= 0n || reward <= 0n || maxBlockCu <= 0n) return 0n;
  let d = (p.alphaPpm * cu) / maxBlockCu;
  const paid = (burn * p.ppm) / reward;
  if (paid < d) d = paid;
  return d < p.capPpm ? d : p.capPpm;
}

/** target × (1 + ppm/10^6), floored; never above 2^256 − 1. */
export function discountedTarget(baseTarget: bigint, discountPpm: bigint, p: CostAwareParams = COST_AWARE): bigint {
  if (discountPpm < 0n || discountPpm > p.capPpm) throw new Error(`discount ${discountPpm} ppm outside 0..${p.capPpm}`);
  const t = (baseTarget * (p.ppm + discountPpm)) / p.ppm;
  return t > MAX_UINT256 ? MAX_UINT256 : t;
}

/** The bits a block must carry: its base bits discounted by `discountPpm` (the base bits themselves at 0). */
export function costAwareBits(baseBits: number, discountPpm: bigint, p: CostAwareParams = COST_AWARE): number {
  if (discountPpm === 0n) return baseBits;
  return targetToCompact(discountedTarget(compactToTarget(baseBits).target, discountPpm, p));
}

/**
 * The easiest target a header may carry after activation. checkBlockHeader uses it as the PoW
 * limit at every height on a network with an activation height (the height is not known
 * there); before activation the exact-bits rule still holds headers to powLimit (BIP §3).
 */
export function costAwarePowLimit(powLimit: bigint, p: CostAwareParams = COST_AWARE): bigint {
  return discountedTarget(powLimit, p.capPpm, p);
}

/**
 * Headers-first check (no body needed): the header's bits decode to a valid target between
 * the base target and the largest discount. The exact value is checked when the body arrives.
 */
export function headerBitsInRange(bits: number, baseBits: number, p: CostAwareParams = COST_AWARE): boolean {
  const t = compactToTarget(bits);
  if (t.negative || t.overflow || t.target === 0n) return false;
  const base = compactToTarget(baseBits).target;
  return t.target >= base && t.target <= discountedTarget(base, p.capPpm, p);
}

/**
 * Chainwork of a block: the work of its *base* bits, not of its discounted bits, so that CU
 * never changes which of two sibling blocks is heavier (first seen wins, as without the rule).
 * The price is that a discounted block is credited up to 1 + cap times the hashes it took
 * (BIP, Rationale: bounded and paid for by the burn).
 */
export function blockWork(baseBits: number): bigint {
  return getBlockProof(baseBits);
}
