// Discrete-event mining simulator for ODA-BIP-0005. Deterministic for a seed. Every consensus
// quantity (base fee, burn, discount, bits, chainwork) comes from the node's own functions in
// chain/; only time, hash shares and user demand are modelled here.
import { rng } from '../util/rng.js';
import { blockDiscountPpm, costAwareBits, blockWork } from '../chain/difficulty.js';
import { nextBaseFee, requiredBurn, targetBlockCu } from '../chain/cu-fee.js';
import { COST_AWARE } from '../chain/cost-aware.js';
import { compactToTarget } from '../chain/header.js';

/** 'rule': ODA-BIP-0005; 'burn': the base fee is burned but no discount; 'none': today (fees to the miner). */
export type Mode = 'rule' | 'burn' | 'none';

export interface MinerSpec {
  share: number;
  /** Validates a block before mining on it (false: skips validation, mines on it at once). */
  validates: boolean;
  /** Fraction of the offered CU-heavy transactions this miner includes (0 = skips costly txs). */
  heavyFill: number;
  /** Fills its own blocks to maxBlockCu with its own heavy transactions, burning `stuffBurn` at least. */
  stuff?: boolean;
  /** Satoshis the stuffer burns (at least the required burn); lets it buy up to the cap. */
  stuffBurn?: bigint;
}

export interface SimConfig {
  miners: MinerSpec[];
  /** Blocks to find in total (all branches). */
  blocks: number;
  spacing: number;
  /** Seconds for a block to reach every other miner. */
  propagation: number;
  nsPerCu: number;
  /** A validating miner stops hashing while it validates (Luu et al.'s single-CPU miner) instead of hashing on the old tip. */
  validationStalls?: boolean;
  maxBlockCu: bigint;
  /** CU offered by CU-heavy transactions per block, as a fraction of maxBlockCu. */
  heavyDemand: number;
  /** What heavy-transaction users pay per COST_AWARE.cuPerFeeUnit CU (base fee + tip); they wait while the base fee is higher. */
  userFee: bigint;
  /** Ordinary (non-ODA) fees per block, satoshis. */
  lightFees: bigint;
  subsidy: bigint;
  baseBits: number;
  mode: Mode;
  seed: number;
}

export interface SimBlock {
  id: number; parent: number; miner: number; height: number; time: number;
  cu: bigint; heavyCu: bigint; baseFee: bigint; burn: bigint; coinbase: bigint; discountPpm: bigint; bits: number; chainwork: bigint;
}

export interface MinerResult {
  /** Blocks found (all branches) and those on the main chain. */
  found: number; blocks: number; revenue: number;
  /** Expected revenue per unit time per unit of hash share: hashing effort (the integral of the
   *  miner's block rate, so the luck of the draw cancels) × main-chain fraction × mean coinbase. */
  revenuePerShare: number;
  heavyCuMined: number;
}
export interface SimResult {
  miners: MinerResult[];
  mainChain: number; stale: number; staleRate: number; time: number;
  heavyCuOffered: number; heavyCuMined: number; meanDiscountPpm: number; meanBaseFee: number; burned: number;
}

interface Template { cu: bigint; heavyCu: bigint; baseFee: bigint; burn: bigint; coinbase: bigint; discountPpm: bigint; bits: number; rate: number }

export function simulate(cfg: SimConfig): SimResult {
  const r = rng(cfg.seed);
  const exp = () => -Math.log(1 - r());
  const target = targetBlockCu(cfg.maxBlockCu);
  const baseTarget = compactToTarget(cfg.baseBits).target;
  const unit = COST_AWARE.cuPerFeeUnit;
  const genesis: SimBlock = { id: 0, parent: -1, miner: -1, height: 0, time: 0, cu: target, heavyCu: 0n, baseFee: COST_AWARE.minBaseFee, burn: 0n, coinbase: 0n, discountPpm: 0n, bits: cfg.baseBits, chainwork: 0n };
  const blocks: SimBlock[] = [genesis];
  const n = cfg.miners.length;
  const head = new Array<number>(n).fill(0);
  const busyUntil = new Array<number>(n).fill(0);
  const cached: (Template | undefined)[] = new Array(n).fill(undefined);
  const effort = new Array<number>(n).fill(0);
  const found = new Array<number>(n).fill(0);
  const heavyOffer = BigInt(Math.round(cfg.heavyDemand * 1e6)) * cfg.maxBlockCu / 1_000_000n;

  function template(i: number, parent: SimBlock): Template {
    const m = cfg.miners[i]!;
    const baseFee = cfg.mode === 'none' ? 0n : nextBaseFee(parent.baseFee, parent.cu, target);
    const available = cfg.userFee >= baseFee ? heavyOffer : 0n;
    let heavyCu = BigInt(Math.round(m.heavyFill * 1e6)) * available / 1_000_000n;
    let own = 0n;
    if (m.stuff) own = cfg.maxBlockCu - heavyCu;
    const cu = heavyCu + own;
    const userFees = (cfg.userFee * heavyCu) / unit;
    let burn = cfg.mode === 'none' ? 0n : requiredBurn(baseFee, cu);
    if (m.stuff && m.stuffBurn !== undefined && cfg.mode !== 'none' && m.stuffBurn > burn) burn = m.stuffBurn;
    // The stuffer's own transactions pay the burn beyond what users paid as fee to itself: it
    // appears in the reward and comes back in the coinbase; only the burn is lost.
    const ownFees = m.stuff ? (burn > userFees ? burn - userFees : 0n) : 0n;
    const reward = cfg.subsidy + cfg.lightFees + userFees + ownFees;
    const discountPpm = cfg.mode === 'rule' ? blockDiscountPpm(cu, cfg.maxBlockCu, burn, reward) : 0n;
    const bits = costAwareBits(cfg.baseBits, discountPpm);
    const rate = Number((compactToTarget(bits).target * 1_000_000n) / baseTarget) / 1e6;
    // Net to the miner: the coinbase minus what it paid for its own stuffing transactions.
    const t: Template = { cu, heavyCu, baseFee, burn, coinbase: reward - burn - ownFees, discountPpm, bits, rate };
    return t;
  }

  // Pending head switches, kept sorted by time (a small array: at most n per block in flight).
  const pending: { time: number; miner: number; block: number }[] = [];
  let now = 0;
  const rates = new Array<number>(n).fill(0);
  while (blocks.length <= cfg.blocks) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const t = (cached[i] ??= template(i, blocks[head[i]!]!));
      rates[i] = cfg.validationStalls && busyUntil[i]! > now ? 0 : (cfg.miners[i]!.share * t.rate) / cfg.spacing;
      total += rates[i]!;
    }
    const tFind = total > 0 ? now + exp() / total : Infinity;
    const next = pending.length > 0 && pending[0]!.time <= tFind ? pending[0]!.time : tFind;
    for (let i = 0; i < n; i++) effort[i] += rates[i]! * (next - now);
    if (next < tFind || (pending.length > 0 && pending[0]!.time === tFind)) {
      const ev = pending.shift()!;
      now = ev.time;
      const b = blocks[ev.block]!;
      if (b.chainwork > blocks[head[ev.miner]!]!.chainwork) {
        head[ev.miner] = b.id;
        cached[ev.miner] = undefined;
      }
      continue;
    }
    now = tFind;
    let x = r() * total;
    let w = 0;
    while (w < n - 1 && x >= rates[w]!) x -= rates[w++]!;
    const parent = blocks[head[w]!]!;
    const t = cached[w]!;
    found[w]++;
    const b: SimBlock = { id: blocks.length, parent: parent.id, miner: w, height: parent.height + 1, time: now, cu: t.cu, heavyCu: t.heavyCu, baseFee: t.baseFee, burn: t.burn, coinbase: t.coinbase, discountPpm: t.discountPpm, bits: t.bits, chainwork: parent.chainwork + blockWork(cfg.baseBits) };
    blocks.push(b);
    head[w] = b.id;
    cached[w] = undefined;
    const tau = (Number(t.cu) * cfg.nsPerCu) / 1e9;
    for (let j = 0; j < n; j++) {
      if (j === w) continue;
      const arrive = now + cfg.propagation;
      let at = arrive;
      if (cfg.miners[j]!.validates) {
        at = Math.max(arrive, busyUntil[j]!) + tau;
        busyUntil[j] = at;
      }
      let k = pending.length;
      while (k > 0 && pending[k - 1]!.time > at) k--;
      pending.splice(k, 0, { time: at, miner: j, block: b.id });
    }
  }

  // Main chain: most chainwork, earliest on ties.
  let tip = blocks[0]!;
  for (const b of blocks) if (b.chainwork > tip.chainwork) tip = b;
  const res: MinerResult[] = cfg.miners.map((_, i) => ({ found: found[i]!, blocks: 0, revenue: 0, revenuePerShare: 0, heavyCuMined: 0 }));
  let main = 0, heavy = 0, disc = 0, fee = 0, burned = 0;
  for (let b: SimBlock | undefined = tip; b && b.id !== 0; b = blocks[b.parent]) {
    const m = res[b.miner]!;
    m.blocks++;
    m.revenue += Number(b.coinbase);
    m.heavyCuMined += Number(b.heavyCu);
    main++;
    heavy += Number(b.heavyCu);
    disc += Number(b.discountPpm);
    fee += Number(b.baseFee);
    burned += Number(b.burn);
  }
  const time = tip.time;
  cfg.miners.forEach((m, i) => {
    const x = res[i]!;
    x.revenuePerShare = x.blocks === 0 ? 0 : (effort[i]! * (x.blocks / x.found) * (x.revenue / x.blocks)) / time / m.share;
  });
  return {
    miners: res, mainChain: main, stale: blocks.length - 1 - main, staleRate: (blocks.length - 1 - main) / (blocks.length - 1), time,
    heavyCuOffered: Number(heavyOffer) * main, heavyCuMined: heavy, meanDiscountPpm: disc / Math.max(1, main), meanBaseFee: fee / Math.max(1, main), burned,
  };
}
