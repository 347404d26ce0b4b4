// ODA-BIP-0005 fields of the RPC (getblock, getblockheader, getmininginfo, getblocktemplate,
// estimatecost) and the CU fee estimator behind estimatecufee. Fees are in coins per the
// base fee unit (COST_AWARE.cuPerFeeUnit CU) as printed amounts, and in raw satoshis where a
// miner builds outputs from them.
import type { Chain } from '../chain/chain.js';
import type { BlockEntry } from '../chain/entry.js';
import type { Mempool } from '../mempool/mempool.js';
import { COST_AWARE } from '../chain/cost-aware.js';
import { nextBaseFee, requiredBurn, targetBlockCu } from '../chain/cu-fee.js';
import { amount } from './amount.js';

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/** getblock/getblockheader: what a connected block after activation carried. */
export function blockCostFields(chain: Chain, e: BlockEntry): Record<string, unknown> {
  if (!chain.isCostAware(e.height)) return {};
  const out: Record<string, unknown> = { base_bits: hex8(e.baseBits) };
  if (e.cost) {
    Object.assign(out, {
      cu: Number(e.cost.cu),
      cu_burned: amount(e.cost.burn),
      cu_base_fee: Number(e.cost.baseFee),
      cu_discount_ppm: Number(e.cost.discountPpm),
    });
  }
  return out;
}

/** getmininginfo / getblocktemplate / estimatecost: the next block's CU market. */
export function nextCostFields(chain: Chain): Record<string, unknown> | undefined {
  const baseFee = chain.nextBaseFee();
  if (baseFee === undefined) return undefined;
  const tip = chain.tip;
  return {
    base_fee: Number(baseFee),
    cu_per_fee_unit: Number(COST_AWARE.cuPerFeeUnit),
    target_cu: Number(targetBlockCu(chain.params.maxBlockCu)),
    max_cu: Number(chain.params.maxBlockCu),
    tip_cu: tip.cost ? Number(tip.cost.cu) : 0,
    tip_discount_ppm: tip.cost ? Number(tip.cost.discountPpm) : 0,
  };
}

/** CU of a pool entry as the pool's CU budget (ODA's extension) counts it. */
function cuCounter(mempool: Mempool): ((e: ReturnType<Mempool['entries']>[number]) => number) | undefined {
  const r = mempool.extensions.map((x) => x.blockResource).find((b) => b?.cu);
  return r ? (e) => r.cost(e) : undefined;
}

export interface CuFeeEstimate {
  /** Base fee of the next block, satoshis per cuPerFeeUnit CU. */
  baseFee: bigint;
  /** Highest base fee `blocks` blocks from now if every block until then is full. */
  baseFeeMax: bigint;
  /** Priority fee per cuPerFeeUnit CU that ranks within `blocks` × target CU of pending ODA demand. */
  priorityFee: bigint;
  /** Pending ODA CU in the pool. */
  pendingCu: bigint;
  blocks: number;
}

/**
 * estimatecufee: the base fee cannot rise more than 1/8 per block, so paying the
 * `blocks`-block worst case base fee plus the priority fee of the marginal pending ODA
 * transaction within `blocks` blocks' target CU gets mined within `blocks` blocks unless
 * demand grows. The priority fee floor is 0 (the burn alone is mined when there is room).
 */
export function estimateCuFee(chain: Chain, mempool: Mempool, blocks: number): CuFeeEstimate | undefined {
  const baseFee = chain.nextBaseFee();
  if (baseFee === undefined) return undefined;
  const max = chain.params.maxBlockCu;
  const target = targetBlockCu(max);
  let baseFeeMax = baseFee;
  for (let i = 1; i < blocks; i++) baseFeeMax = nextBaseFee(baseFeeMax, max, target);
  const cuOf = cuCounter(mempool);
  const pending: Array<{ cu: bigint; rate: bigint }> = [];
  let pendingCu = 0n;
  if (cuOf) {
    for (const e of mempool.entries()) {
      const cu = BigInt(cuOf(e));
      if (cu <= 0n) continue;
      const tip = e.modifiedFee - requiredBurn(baseFee, cu);
      pending.push({ cu, rate: tip > 0n ? (tip * COST_AWARE.cuPerFeeUnit) / cu : 0n });
      pendingCu += cu;
    }
  }
  pending.sort((a, b) => (a.rate > b.rate ? -1 : a.rate < b.rate ? 1 : 0));
  const room = target * BigInt(blocks);
  let filled = 0n;
  let priorityFee = 0n;
  for (const p of pending) {
    filled += p.cu;
    if (filled > room) {
      priorityFee = p.rate + 1n;
      break;
    }
  }
  return { baseFee, baseFeeMax, priorityFee, pendingCu, blocks };
}

/** The fee that estimate asks of a transaction of `cu` CU (satoshis, rounded up). */
export function feeForCu(est: CuFeeEstimate, cu: bigint): bigint {
  return requiredBurn(est.baseFeeMax + est.priorityFee, cu);
}
