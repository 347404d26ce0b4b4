// What the header rules need to know about a new header's parent (check-block.ts PrevContext),
// derived from a BlockIndex alone: the full node and the lite node (lite/header-chain.ts) judge
// headers through this one function, so their contextual header checks cannot drift apart.
import type { BlockIndex } from './block-index.js';
import type { BlockEntry } from './entry.js';
import type { NetworkParams } from './params.js';
import type { PrevContext } from './check-block.js';
import { baseHeaderInfo, nextWorkRequired } from './difficulty.js';

/** The base bits of a header after `prev` at `time` (ODA-BIP-0005: a discount may ease them). */
export function requiredBitsAfter(index: BlockIndex, prev: BlockEntry, time: number, params: NetworkParams): number {
  const cursor = index.ancestorCursor(prev);
  return nextWorkRequired(baseHeaderInfo(prev), time, params, (h) => baseHeaderInfo(cursor(h)));
}

/** The context of a header after `prev` with timestamp `time`. */
export function headerPrevContext(index: BlockIndex, prev: BlockEntry, time: number, params: NetworkParams): PrevContext {
  const height = prev.height + 1;
  return {
    height,
    medianTimePast: index.medianTimePast(prev),
    requiredBits: requiredBitsAfter(index, prev, time, params),
    costAware: height >= params.activation.costAwareDifficulty,
  };
}
