// The difficulty rule: the ONE place that decides the next block's bits (a later ODA BIP
// makes it cost-aware). Core's GetNextWorkRequired + CalculateNextWorkRequired (pow.cpp):
// retarget every powTargetTimespan/powTargetSpacing blocks, timespan clamped to ×¼..×4,
// never easier than powLimit; test networks may mine a powLimit block after 20 minutes;
// regtest (powNoRetargeting) keeps the previous bits forever.
import { compactToTarget, targetToCompact } from './header.js';
import type { NetworkParams } from './params.js';

/** What the rule needs to know about a block in the index. */
export interface HeaderInfo { height: number; time: number; bits: number }

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
