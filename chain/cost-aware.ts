// ODA-BIP-0005 constants: cost-aware difficulty and the CU fee market. The activation height
// and maxBlockCu are per network (NetworkParams.activation.costAwareDifficulty, maxBlockCu);
// these are the same on every network. Every value is derived in the BIP's Rationale.

export interface CostAwareParams {
  /** Parts per million: the unit of every discount below. */
  ppm: bigint;
  /** Discount per full block of CU (α), in ppm: worst-case validation time / block interval. */
  alphaPpm: bigint;
  /** Upper bound of the discount, in ppm. */
  capPpm: bigint;
  /** Base fee unit: the base fee is satoshis per this many CU. */
  cuPerFeeUnit: bigint;
  /** Floor of the base fee (satoshis per cuPerFeeUnit CU) and its value at activation. */
  minBaseFee: bigint;
  /** Target CU per block = maxBlockCu / elasticity (EIP-1559's ELASTICITY_MULTIPLIER). */
  elasticity: bigint;
  /** Largest base-fee change per block is 1/this (EIP-1559's BASE_FEE_MAX_CHANGE_DENOMINATOR). */
  maxChangeDenominator: bigint;
}

export const COST_AWARE: Readonly<CostAwareParams> = Object.freeze({
  ppm: 1_000_000n,
  alphaPpm: 25_000n,
  capPpm: 25_000n,
  cuPerFeeUnit: 1_000_000n,
  minBaseFee: 1_000n,
  elasticity: 2n,
  maxChangeDenominator: 8n,
});
