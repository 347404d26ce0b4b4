// ODA-BIP-0005 CU fee market: an EIP-1559 base fee per CU, adjusted block to block toward
// a target CU and burned in the coinbase's commitment output. Integers only.
import { COST_AWARE, type CostAwareParams } from './cost-aware.js';

/** Target CU per block: half the cap, so the base fee can both rise and fall. */
export function targetBlockCu(maxBlockCu: bigint, p: CostAwareParams = COST_AWARE): bigint {
  return maxBlockCu / p.elasticity;
}

/**
 * Base fee of the child of a block whose base fee was `parentBaseFee` and whose ODA CU was
 * `parentCu` (EIP-1559's formula with its +1 minimum rise, then the floor). The parent of
 * the first block after activation counts as (minBaseFee, target): the first fee is the floor.
 */
export function nextBaseFee(parentBaseFee: bigint, parentCu: bigint, targetCu: bigint, p: CostAwareParams = COST_AWARE): bigint {
  if (targetCu <= 0n) throw new Error('target CU must be positive');
  if (parentBaseFee < 0n || parentCu < 0n) throw new Error('base fee and CU must be non-negative');
  let fee = parentBaseFee;
  if (parentCu > targetCu) {
    const delta = (parentBaseFee * (parentCu - targetCu)) / targetCu / p.maxChangeDenominator;
    fee = parentBaseFee + (delta > 1n ? delta : 1n);
  } else if (parentCu < targetCu) {
    fee = parentBaseFee - (parentBaseFee * (targetCu - parentCu)) / targetCu / p.maxChangeDenominator;
  }
  return fee < p.minBaseFee ? p.minBaseFee : fee;
}

/** Satoshis a block carrying `cu` CU must burn at `baseFee` (rounded up: never under-burn). */
export function requiredBurn(baseFee: bigint, cu: bigint, p: CostAwareParams = COST_AWARE): bigint {
  return (baseFee * cu + p.cuPerFeeUnit - 1n) / p.cuPerFeeUnit;
}

/** The part of a transaction's fee that goes to the miner once its CU's base fee is burned. */
export function priorityFee(fee: bigint, cu: bigint, baseFee: bigint, p: CostAwareParams = COST_AWARE): bigint {
  const tip = fee - requiredBurn(baseFee, cu, p);
  return tip > 0n ? tip : 0n;
}
