// Block templates (Core's BlockAssembler::CreateNewBlock with addPackageTxs): mempool
// transactions are taken as packages (a transaction with its unconfirmed ancestors) in
// order of ancestor fee rate, so a high-fee child pulls in its low-fee parent (CPFP).
// When a package is added, its descendants' ancestor totals are reduced by what is already
// in the block ("modified entries") so that they compete with their remaining cost only.
import { Block, type Transaction, hexToHash } from '../chain/block.js';
import type { NetworkParams } from '../chain/params.js';
import type { BlockEntry } from '../chain/entry.js';
import { addWitnessCommitment, createCoinbase } from '../chain/coinbase.js';
import { getBlockSubsidy, isFinalTx } from '../chain/tx-checks.js';
import type { Mempool, MempoolEntry } from '../mempool/mempool.js';
import { feeRateCompare } from '../mempool/entry.js';
import { DEFAULT_BLOCK_MIN_TX_FEE, WITNESS_SCALE_FACTOR, feeForSize } from '../mempool/policy.js';
import { requiredBurn } from '../chain/cu-fee.js';
import { MAX_HEADER_SIZE, HEADER_SIZE, STORAGE_POW, withStorageBit } from '../chain/header.js';
import type { StorageMiner } from '../chain/extension.js';
import { NO_STORAGE } from './grind.js';
import { storageProofsActive } from '../chain/check-block.js';

/** Core's VERSIONBITS_TOP_BITS: version-bits signalling with no deployment bit set. */
export const BLOCK_VERSION = 0x20000000;
/** Weight and sigops reserved for the coinbase (Core's BlockAssembler::resetBlock). */
export const COINBASE_RESERVED_WEIGHT = 4000;
export const COINBASE_RESERVED_SIGOPS = 400;
/** Core's DEFAULT_BLOCK_MAX_WEIGHT: MAX_BLOCK_WEIGHT - 4000. */
export const DEFAULT_BLOCK_MAX_WEIGHT = 3_996_000;
/** Stop trying further packages after this many consecutive misfits once the block is nearly full. */
const MAX_CONSECUTIVE_FAILURES = 1000;

/** What the template builder needs from the chain; chain/chain.ts's Chain satisfies it. */
export interface TemplateChain {
  readonly params: NetworkParams;
  readonly tip: BlockEntry;
  medianTimePast(entry: BlockEntry): number;
  nextWorkRequired(prev: BlockEntry, time: number): number;
  /**
   * The consensus extensions' part of the block (coinbase commitments, burns): see
   * Chain.assembleBlock. Absent for chains without extensions (tests, benches).
   */
  assembleBlock?(block: Block, opts: { fees: bigint }): Promise<unknown>;
  /** ODA-BIP-0005 base fee of the block after `prev` (undefined before activation or without the rule). */
  nextBaseFee?(prev: BlockEntry): bigint | undefined;
  /** ODA-BIP-0006 per-attempt storage work for a block on the tip (Chain.storageMiner). */
  storageMiner?(height: number): Promise<StorageMiner | undefined>;
}

/**
 * Weight kept free for ODA-BIP-0006 from its activation: the largest proof section (coinbase
 * witness, 1 WU per byte, plus its stack-item length) and the 33 header bytes (4 WU each).
 */
export const STORAGE_RESERVED_WEIGHT = STORAGE_POW.maxProofBytes + 5 + (MAX_HEADER_SIZE - HEADER_SIZE) * WITNESS_SCALE_FACTOR;

export interface TemplateTx {
  tx: Transaction;
  txid: string;
  wtxid: string;
  fee: bigint;
  sigOpCost: number;
  weight: number;
}

export interface BlockTemplate {
  /** Complete block with nonce 0: coinbase, transactions, witness commitment, merkle root. */
  block: Block;
  height: number;
  prevHash: string;
  /** Transactions after the coinbase, in block order. */
  txs: TemplateTx[];
  /** Subsidy plus fees. */
  coinbaseValue: bigint;
  fees: bigint;
  /** Estimated block weight and sigop cost including the coinbase reservation. */
  weight: number;
  sigOpCost: number;
  /** Earliest valid time: median time past of the tip + 1. */
  minTime: number;
  bits: number;
  outputScript: Uint8Array;
  /** ODA-BIP-0006 (from activation): the per-attempt work grind() and sealBlock() need. */
  storage?: StorageMiner;
}

export interface TemplateOptions {
  chain: TemplateChain;
  mempool?: Mempool;
  outputScript: Uint8Array;
  /** Block time; default max(now, median time past + 1). */
  time?: number;
  /** Core's -blockmaxweight (clamped to 4000..3996000). */
  maxWeight?: number;
  /** Core's -blockmintxfee in sat/kvB (default 1000). */
  minFeeRate?: bigint;
  /** Use exactly these transactions (generateblock), in this order, instead of the mempool. */
  txs?: TemplateTx[];
  /** Extra per-block budgets; default: those of the mempool's extensions. */
  resources?: BlockResource[];
  /** Build on this block instead of the tip (competing branches in tests); implies no mempool. */
  prev?: BlockEntry;
}

/**
 * A per-block budget beyond weight and sigops that a consensus extension imposes (ODA's
 * compute units for model transactions): packages that would exceed it are skipped.
 */
export interface BlockResource {
  name: string;
  limit: number;
  cost(entry: MempoolEntry): number;
  /** This budget is the block's CU (ODA-BIP-0005): its base fee is burned, not the miner's. */
  cu?: boolean;
  /** Satoshis burned for `cost` units (set by createBlockTemplate from the chain's base fee). */
  burn?(cost: number): bigint;
}

interface Package {
  size: number;
  fees: bigint;
  sigOps: number;
  /** Per-resource cost of the package (resources' order). */
  costs: number[];
}

/** The entries a package selection reads; a Mempool is one. */
export type PackagePool = Pick<Mempool, 'entries' | 'get' | 'getAncestors' | 'getDescendants'>;

/**
 * Core's addPackageTxs, for two (or more) resources: choose mempool transactions for the block.
 *
 * With only weight to fill this is Core's greedy by ancestor fee rate. With a second budget
 * (ODA CU) it is the greedy of the multi-dimensional knapsack by value per *aggregate* size
 * (Toyoda 1975's idea): a package's size is the sum of the shares of each budget it uses
 * (vsize / max vsize + CU / max CU), its value its priority fee — its fees minus the
 * ODA-BIP-0005 burn its CU owes, which is not the miner's. The greedy runs a second time by
 * priority fee per weight alone and the better block wins. A package whose fees do not cover
 * its burn is skipped (it stays in the pool and is mined once the base fee falls below it).
 * test/miner/knapsack.test.ts measures the result against the exact optimum.
 */
export function selectPackages(
  mempool: PackagePool,
  opts: { height: number; lockTimeCutoff: number; maxWeight: number; maxSigOps: number; minFeeRate: bigint; resources?: BlockResource[] },
): { selected: MempoolEntry[]; weight: number; sigOpCost: number; fees: bigint } {
  const resources = opts.resources ?? [];
  const used = resources.map(() => 0);
  const entries = mempool.entries();
  const maxVsize = opts.maxWeight / WITNESS_SCALE_FACTOR;
  // A resource counts only when some entry uses it; otherwise the order is exactly Core's.
  const own = new Map<string, number[]>();
  let anyCost = false;
  if (resources.length) {
    for (const e of entries) {
      const c = resources.map((r) => r.cost(e));
      if (c.some((x) => x > 0)) anyCost = true;
      own.set(e.txid, c);
    }
  }
  const noCosts = resources.map(() => 0);
  const ancestorCosts = (txid: string): number[] => {
    if (!anyCost) return noCosts;
    const c = [...own.get(txid)!];
    for (const a of mempool.getAncestors(txid)) own.get(a)!.forEach((x, k) => (c[k] += x));
    return c;
  };
  const burnOf = (costs: number[]): bigint => {
    let b = 0n;
    resources.forEach((r, k) => { if (r.burn && costs[k] > 0) b += r.burn(costs[k]); });
    return b;
  };
  const shareOf = (costs: number[]): number => {
    let x = 0;
    resources.forEach((r, k) => (x += costs[k] / r.limit));
    return x;
  };
  type Scored = Package & { txid: string; value: bigint; share: number };
  type Selection = { selected: MempoolEntry[]; weight: number; sigOpCost: number; fees: bigint; value: bigint };
  // The greedy once by aggregate size and once by weight alone, keeping the better block:
  // either order alone can be far off on some pools (knapsack.test.ts measures both).
  const run = (aggregate: boolean): Selection => {
    const score = (txid: string, p: Package): Scored => {
      const share = aggregate ? shareOf(p.costs) : 0;
      return { txid, ...p, value: p.fees - burnOf(p.costs), share };
    };
    // Best first; equal scores by txid (Core's CompareTxMemPoolEntryByAncestorFee without CU).
    const byScore = (a: Scored, b: Scored) => {
      let c: number;
      if (a.share === 0 && b.share === 0) c = feeRateCompare(b.value, b.size, a.value, a.size);
      else {
        const ra = Number(a.value) / (a.size / maxVsize + a.share);
        const rb = Number(b.value) / (b.size / maxVsize + b.share);
        c = ra > rb ? -1 : ra < rb ? 1 : 0;
      }
      return c !== 0 ? c : a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0;
    };
    const sorted = entries
      .map((e) => score(e.txid, { size: e.ancestorSize, fees: e.ancestorFees, sigOps: e.ancestorSigOps, costs: ancestorCosts(e.txid) }))
      .sort(byScore);
    const inBlock = new Set<string>();
    const failed = new Set<string>();
    const modified = new Map<string, Scored>();
    const selected: MempoolEntry[] = [];
    let weight = COINBASE_RESERVED_WEIGHT;
    let sigOpCost = COINBASE_RESERVED_SIGOPS;
    let fees = 0n;
    let value = 0n;
    let consecutiveFailed = 0;
    let idx = 0;

    for (;;) {
      while (idx < sorted.length && (inBlock.has(sorted[idx].txid) || modified.has(sorted[idx].txid) || failed.has(sorted[idx].txid))) idx++;
      let best: Scored | undefined = idx < sorted.length ? sorted[idx] : undefined;
      let usingModified = false;
      for (const cand of modified.values()) {
        if (!best || byScore(cand, best) < 0) {
          best = cand;
          usingModified = true;
        }
      }
      if (!best) break;
      if (!usingModified) idx++;

      const cheap = best.fees < feeForSize(opts.minFeeRate, best.size);
      // Sorted by fee rate alone, everything left pays less than the block minimum (Core stops).
      if (cheap && !anyCost) break;
      const fits = weight + WITNESS_SCALE_FACTOR * best.size < opts.maxWeight && sigOpCost + best.sigOps < opts.maxSigOps;
      const ancestors = [...mempool.getAncestors(best.txid)].filter((id) => !inBlock.has(id));
      ancestors.push(best.txid);
      const pkgEntries = ancestors.map((id) => mempool.get(id)!);
      const final = pkgEntries.every((e) => isFinalTx(e.tx, opts.height, opts.lockTimeCutoff));
      const withinBudgets = best.costs.every((c, k) => used[k] + c <= resources[k].limit);
      if (cheap || best.value < 0n || !fits || !final || !withinBudgets) {
        if (usingModified) modified.delete(best.txid);
        failed.add(best.txid);
        consecutiveFailed++;
        if (consecutiveFailed > MAX_CONSECUTIVE_FAILURES && weight > opts.maxWeight - 4000) break;
        continue;
      }
      consecutiveFailed = 0;
      best.costs.forEach((c, k) => (used[k] += c));
      value += best.value;

      // Parents before children: fewer in-mempool ancestors first.
      pkgEntries.sort((a, b) => a.ancestorCount - b.ancestorCount || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0));
      for (const e of pkgEntries) {
        selected.push(e);
        inBlock.add(e.txid);
        modified.delete(e.txid);
        weight += e.weight;
        sigOpCost += e.sigOpCost;
        fees += e.fee;
      }
      for (const e of pkgEntries) {
        const ec = anyCost ? own.get(e.txid)! : noCosts;
        for (const d of mempool.getDescendants(e.txid)) {
          if (inBlock.has(d)) continue;
          const de = mempool.get(d)!;
          const m = modified.get(d) ?? { size: de.ancestorSize, fees: de.ancestorFees, sigOps: de.ancestorSigOps, costs: ancestorCosts(d) };
          modified.set(d, score(d, { size: m.size - e.vsize, fees: m.fees - e.modifiedFee, sigOps: m.sigOps - e.sigOpCost, costs: m.costs.map((c, k) => c - ec[k]) }));
        }
      }
    }
    return { selected, weight, sigOpCost, fees, value };
  };
  const a = run(true);
  if (!anyCost) return a;
  used.fill(0); // run() accumulates into the shared budget counters
  const b = run(false);
  return b.value > a.value ? b : a;
}

let lastTemplate: { weight: number; txCount: number } | undefined;
/** Weight and transaction count of the last template built (getmininginfo's currentblock*). */
export function lastTemplateStats(): { weight: number; txCount: number } | undefined {
  return lastTemplate;
}

/** Core's CreateNewBlock: a full block on the current tip paying `outputScript`. */
export async function createBlockTemplate(opts: TemplateOptions): Promise<BlockTemplate> {
  const { chain } = opts;
  const params = chain.params;
  const prev = opts.prev ?? chain.tip;
  const height = prev.height + 1;
  const mtp = chain.medianTimePast(prev);
  const time = opts.time ?? Math.max(mtp + 1, Math.floor(Date.now() / 1000));
  const storage = storageProofsActive(height, params);
  const maxWeight = Math.max(4000, Math.min(opts.maxWeight ?? DEFAULT_BLOCK_MAX_WEIGHT, params.maxBlockWeight - 4000) - (storage ? STORAGE_RESERVED_WEIGHT : 0));

  let txs: TemplateTx[];
  let weight: number;
  let sigOpCost: number;
  let fees: bigint;
  if (opts.txs) {
    txs = opts.txs;
    weight = COINBASE_RESERVED_WEIGHT + txs.reduce((a, t) => a + t.weight, 0);
    sigOpCost = COINBASE_RESERVED_SIGOPS + txs.reduce((a, t) => a + t.sigOpCost, 0);
    fees = txs.reduce((a, t) => a + t.fee, 0n);
  } else if (opts.mempool && !opts.prev) {
    // Budgets of the pool's consensus extensions apply to every template built from it; the
    // CU budget's base fee (ODA-BIP-0005) is burned, so packages compete on what is left.
    const baseFee = chain.nextBaseFee?.(prev);
    const resources = (opts.resources ?? opts.mempool.extensions.flatMap((e) => (e.blockResource ? [e.blockResource] : [])))
      .map((r) => (r.cu && baseFee !== undefined ? { ...r, burn: (cu: number) => requiredBurn(baseFee, BigInt(cu)) } : r));
    const sel = selectPackages(opts.mempool, {
      height, lockTimeCutoff: mtp, maxWeight, maxSigOps: params.maxBlockSigOpsCost, minFeeRate: opts.minFeeRate ?? DEFAULT_BLOCK_MIN_TX_FEE, resources,
    });
    txs = sel.selected.map((e) => ({ tx: e.tx, txid: e.txid, wtxid: e.wtxid, fee: e.fee, sigOpCost: e.sigOpCost, weight: e.weight }));
    weight = sel.weight;
    sigOpCost = sel.sigOpCost;
    fees = sel.fees;
  } else {
    txs = [];
    weight = COINBASE_RESERVED_WEIGHT;
    sigOpCost = COINBASE_RESERVED_SIGOPS;
    fees = 0n;
  }

  const coinbaseValue = getBlockSubsidy(height, params) + fees;
  const coinbase = createCoinbase({ height, outputScript: opts.outputScript, value: coinbaseValue });
  const block = new Block();
  block.version = BLOCK_VERSION;
  // ODA-BIP-0006: the extended header, its digest and skips filled in per attempt by grind().
  if (storage) {
    block.version = withStorageBit(BLOCK_VERSION);
    block.storage = { digest: new Uint8Array(32), skips: 0 };
  }
  block.prevHash = hexToHash(prev.hash);
  block.timestamp = time;
  block.bits = chain.nextWorkRequired(prev, time);
  block.nonce = 0;
  block.transactions = [coinbase, ...txs.map((t) => t.tx)];
  // Commitments of the consensus extensions go into the coinbase before the witness
  // commitment, which must stay the coinbase's last matching output (BIP 141).
  if (chain.assembleBlock && !opts.prev) await chain.assembleBlock(block, { fees });
  // Segwit is active from genesis on ODA networks, so every block commits to witnesses.
  addWitnessCommitment(block);
  // The proof section's place in the coinbase witness (sealBlock fills it for the winner).
  if (storage) coinbase.setWitness(0, [coinbase.ins[0].witness[0], new Uint8Array(0)]);
  const storageMiner = storage ? ((!opts.prev && (await chain.storageMiner?.(height))) || NO_STORAGE) : undefined;
  lastTemplate = { weight, txCount: txs.length };
  return {
    block, height, prevHash: prev.hash, txs, coinbaseValue: coinbase.outs[0].value, fees, weight, sigOpCost,
    minTime: mtp + 1, bits: block.bits, outputScript: opts.outputScript, storage: storageMiner,
  };
}
