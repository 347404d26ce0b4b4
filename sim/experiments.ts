// The three ODA-BIP-0005 experiments: (a) the advantage of skipping validation against the
// share of CU-heavy transactions, (b) self-stuffing profit, (c) the share of CU-heavy
// transactions a rational miner includes. Each returns rows of plain numbers.
import { simulate, type MinerSpec, type Mode, type SimConfig } from './engine.js';
import { readFileSync } from 'node:fs';
import { blockDiscountPpm } from '../chain/difficulty.js';
import { requiredBurn } from '../chain/cu-fee.js';
import { COST_AWARE } from '../chain/cost-aware.js';

const MAX_BLOCK_CU = 15_000_000_000n;
const COIN = 100_000_000n;

/** The validator's measured worst ns/CU (bench/ns-per-cu.ts), used as the validation speed. */
export function measuredNsPerCu(): { worst: number; median: number } {
  try {
    const j = JSON.parse(readFileSync(new URL('./ns-per-cu.json', import.meta.url), 'utf8'));
    return { worst: j.worst, median: j.median };
  } catch {
    return { worst: 1, median: 0.1 };
  }
}

export function odaConfig(over: Partial<SimConfig>): SimConfig {
  return {
    miners: [], blocks: 20_000, spacing: 600, propagation: 2, nsPerCu: measuredNsPerCu().worst, maxBlockCu: MAX_BLOCK_CU,
    heavyDemand: 0.5, userFee: 20_000n, lightFees: 10_000_000n, subsidy: 50n * COIN, baseBits: 0x1e0fffff, mode: 'rule', seed: 1, ...over,
  };
}

const honest = (share: number, heavyFill = 1): MinerSpec => ({ share, validates: true, heavyFill });

// ---- (a) ----
export interface SkipRow { heavyShare: number; advantageNone: number; advantageRule: number; staleNone: number; staleRule: number }

function skipAdvantage(cfg: SimConfig): { adv: number; stale: number } {
  const res = simulate(cfg);
  const skipper = res.miners[0]!.revenuePerShare;
  const others = res.miners.slice(1);
  const mean = others.reduce((a, m) => a + m.revenuePerShare, 0) / others.length;
  return { adv: skipper / mean - 1, stale: res.staleRate };
}

/** One skipper of `share` among nine equal validators; heavy demand from 0 to a full block. */
export function experimentA(opts: { blocks: number; seed: number; shares?: number[]; base?: Partial<SimConfig> }): SkipRow[] {
  const share = 0.1;
  const miners: MinerSpec[] = [{ share, validates: false, heavyFill: 1 }, ...Array.from({ length: 9 }, () => honest((1 - share) / 9))];
  return (opts.shares ?? [0, 0.2, 0.4, 0.6, 0.8, 1]).map((p) => {
    const cfg = (mode: Mode) => odaConfig({ miners, blocks: opts.blocks, seed: opts.seed, heavyDemand: p, mode, ...opts.base });
    const none = skipAdvantage(cfg('none'));
    const rule = skipAdvantage(cfg('rule'));
    return { heavyShare: p, advantageNone: none.adv, advantageRule: rule.adv, staleNone: none.stale, staleRule: rule.stale };
  });
}

/** Luu et al.'s setting as we read it: 12 s blocks, a miner's CPU either verifies or mines, a 10 % skipper. */
export function experimentLuu(opts: { blocks: number; seed: number; fullBlockSeconds: number; shares?: number[] }): SkipRow[] {
  const nsPerCu = (opts.fullBlockSeconds * 1e9) / Number(MAX_BLOCK_CU);
  return experimentA({ blocks: opts.blocks, seed: opts.seed, shares: opts.shares, base: { spacing: 12, propagation: 0, validationStalls: true, nsPerCu } });
}

// ---- (b) ----
export interface StuffRow { share: number; others: 'validate' | 'skip'; burn: 'required' | 'cap'; discountPpm: number; analytic: number; simulated: number }

/** Exact expected profit of one stuffed block against an unstuffed one: (1 + d)(S + F − b)/(S + F) − 1. */
export function stuffingAnalytic(burn: bigint, subsidyAndFees: bigint): { d: bigint; profit: number } {
  const reward = subsidyAndFees + burn;
  const d = blockDiscountPpm(MAX_BLOCK_CU, MAX_BLOCK_CU, burn, reward);
  const num = (COST_AWARE.ppm + d) * (subsidyAndFees - burn);
  return { d, profit: Number((num * 1_000_000_000n) / (COST_AWARE.ppm * subsidyAndFees)) / 1e9 - 1 };
}

export function experimentB(opts: { blocks: number; seed: number; shares?: number[] }): StuffRow[] {
  const rows: StuffRow[] = [];
  const base = odaConfig({ heavyDemand: 0, lightFees: 10_000_000n });
  const sf = base.subsidy + base.lightFees;
  for (const share of opts.shares ?? [0.1, 0.3]) {
    for (const others of ['validate', 'skip'] as const) {
      for (const burn of ['required', 'cap'] as const) {
        // At the cap the discount is 2.5 %: the burn must be 2.5 % of the reward it boosts.
        const capBurn = (sf * COST_AWARE.capPpm) / (COST_AWARE.ppm - COST_AWARE.capPpm) + 1n;
        const stuffBurn = burn === 'cap' ? capBurn : 0n;
        const rest = Array.from({ length: 4 }, () => ({ share: (1 - share) / 4, validates: others === 'validate', heavyFill: 1 }));
        const run = (stuff: boolean) => simulate({ ...base, miners: [{ share, validates: true, heavyFill: 1, stuff, stuffBurn }, ...rest], blocks: opts.blocks, seed: opts.seed });
        const plain = run(false).miners[0]!.revenuePerShare;
        const stuffed = run(true);
        const a = stuffingAnalytic(burn === 'cap' ? capBurn : requiredBurn(COST_AWARE.minBaseFee, MAX_BLOCK_CU), sf);
        rows.push({ share, others, burn, discountPpm: stuffed.meanDiscountPpm, analytic: a.profit, simulated: stuffed.miners[0]!.revenuePerShare / plain - 1 });
      }
    }
  }
  return rows;
}

// ---- (c) ----
export interface HeavyRow { userFee: number; mode: Mode; gainHalf: number; gainFull: number; bestFill: number; meanBaseFee: number }

/** A 10 % miner picks how much of the offered heavy CU to include (0, ½, all) against nine validators that include all. */
export function experimentC(opts: { blocks: number; seed: number; fees?: bigint[] }): HeavyRow[] {
  const rows: HeavyRow[] = [];
  for (const userFee of opts.fees ?? [1_000n, 2_000n, 20_000n]) {
    for (const mode of ['none', 'burn', 'rule'] as const) {
      const rev = [0, 0.5, 1].map((fill) => {
        const res = simulate(odaConfig({ miners: [honest(0.1, fill), ...Array.from({ length: 9 }, () => honest(0.1))], blocks: opts.blocks, seed: opts.seed, heavyDemand: 0.5, userFee, mode }));
        return { r: res.miners[0]!.revenuePerShare, fee: res.meanBaseFee };
      });
      const best = [0, 0.5, 1][rev.map((x) => x.r).indexOf(Math.max(...rev.map((x) => x.r)))]!;
      rows.push({ userFee: Number(userFee), mode, gainHalf: rev[1]!.r / rev[0]!.r - 1, gainFull: rev[2]!.r / rev[0]!.r - 1, bestFill: best, meanBaseFee: rev[2]!.fee });
    }
  }
  return rows;
}
