// ODA-BIP-0005 applied to one block: the body rule a node checks when it connects a block at
// or after activation, and its mirror image, what a miner must put into a template. Pure
// functions over what the chain computed once for the block (its CU from the extensions'
// verdicts, its fees from connectBlock, its base bits from the header chain).
import type { CostRecord } from './entry.js';
import { encodeCuCommitmentScript, findCuCommitment, hasCuCommitmentPrefix } from './cu-commitment.js';
import { nextBaseFee, requiredBurn, targetBlockCu } from './cu-fee.js';
import { blockDiscountPpm, costAwareBits } from './difficulty.js';
import { COST_AWARE, type CostAwareParams } from './cost-aware.js';

export type CostAwareReason = 'bad-blk-cu-commitment' | 'bad-cb-burn' | 'bad-diffbits';
export type CostVerdict = { ok: true; record: CostRecord } | { ok: false; reason: CostAwareReason; detail: string };

/**
 * Base fee of a block whose parent's record is `parent`; undefined when the parent is before
 * activation, which counts as (minBaseFee, target): the first base fee is the floor.
 */
export function blockBaseFee(parent: CostRecord | undefined, maxBlockCu: bigint, p: CostAwareParams = COST_AWARE): bigint {
  const target = targetBlockCu(maxBlockCu, p);
  return parent ? nextBaseFee(parent.baseFee, parent.cu, target, p) : nextBaseFee(p.minBaseFee, target, target, p);
}

export interface CostAwareBlock {
  /** The coinbase's outputs. */
  outputs: readonly { script: Uint8Array; value: bigint }[];
  /** The header's bits. */
  bits: number;
  /** The block's base bits (difficulty rule over ancestors' base bits). */
  baseBits: number;
  /** The block's ODA CU as the extensions computed it. */
  cu: bigint;
  /** blockBaseFee(parent record). */
  baseFee: bigint;
  maxBlockCu: bigint;
  /** Subsidy + all fees of the block. */
  reward: bigint;
}

/**
 * The body rule (BIP §2, §3). A block with no CU and no commitment output needs none: it burns
 * nothing, earns no discount and must carry its base bits — so blocks without ODA
 * transactions are built exactly as before activation. Any commitment present must be valid.
 */
export function checkCostAwareBlock(b: CostAwareBlock, p: CostAwareParams = COST_AWARE): CostVerdict {
  let cu = 0n;
  let burn = 0n;
  if (b.cu > 0n || b.outputs.some((o) => hasCuCommitmentPrefix(o.script))) {
    const found = findCuCommitment(b.outputs);
    if (!found.ok) return { ok: false, reason: found.reason, detail: found.detail };
    const c = found.commitment;
    if (c.cu !== b.cu) return { ok: false, reason: 'bad-blk-cu-commitment', detail: `commitment claims ${c.cu} CU, block has ${b.cu}` };
    if (c.baseFee !== b.baseFee) return { ok: false, reason: 'bad-blk-cu-commitment', detail: `commitment base fee ${c.baseFee}, required ${b.baseFee}` };
    const need = requiredBurn(b.baseFee, c.cu, p);
    if (found.burn < need) return { ok: false, reason: 'bad-cb-burn', detail: `burn ${found.burn} below the required ${need}` };
    cu = c.cu;
    burn = found.burn;
  }
  const discountPpm = blockDiscountPpm(cu, b.maxBlockCu, burn, b.reward, p);
  const bits = costAwareBits(b.baseBits, discountPpm, p);
  if (b.bits !== bits) {
    return { ok: false, reason: 'bad-diffbits', detail: `bits 0x${hex8(b.bits)}, required 0x${hex8(bits)} (base 0x${hex8(b.baseBits)}, discount ${discountPpm} ppm)` };
  }
  return { ok: true, record: { cu, baseFee: b.baseFee, burn, discountPpm } };
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export interface CostAwareAssembly {
  /** The commitment output (value = burn), or undefined for a block without CU. */
  output?: { script: Uint8Array; value: bigint };
  bits: number;
  record: CostRecord;
}

/**
 * A template's part (BIP §2, miner side): commit the CU, burn exactly the required burn and
 * take the discount it buys. Burning more would buy more discount, but never enough to pay
 * for itself ((1 + b/R)(R − b) < R, BIP Rationale), so a rational miner burns the minimum.
 */
export function assembleCostAware(a: { cu: bigint; baseFee: bigint; baseBits: number; maxBlockCu: bigint; reward: bigint }, p: CostAwareParams = COST_AWARE): CostAwareAssembly {
  if (a.cu <= 0n) return { bits: a.baseBits, record: { cu: 0n, baseFee: a.baseFee, burn: 0n, discountPpm: 0n } };
  const burn = requiredBurn(a.baseFee, a.cu, p);
  const discountPpm = blockDiscountPpm(a.cu, a.maxBlockCu, burn, a.reward, p);
  return {
    output: { script: encodeCuCommitmentScript({ cu: a.cu, baseFee: a.baseFee }), value: burn },
    bits: costAwareBits(a.baseBits, discountPpm, p),
    record: { cu: a.cu, baseFee: a.baseFee, burn, discountPpm },
  };
}
