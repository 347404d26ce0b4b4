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
}

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
}

interface Package {
  size: number;
  fees: bigint;
  sigOps: number;
}

/** Core's addPackageTxs: choose mempool transactions for the block. */
export function selectPackages(
  mempool: Mempool,
  opts: { height: number; lockTimeCutoff: number; maxWeight: number; maxSigOps: number; minFeeRate: bigint; resources?: BlockResource[] },
): { selected: MempoolEntry[]; weight: number; sigOpCost: number; fees: bigint } {
  const resources = opts.resources ?? [];
  const used = resources.map(() => 0);
  const entries = mempool.entries();
  // Ancestor score order, best first; equal scores by txid (Core's CompareTxMemPoolEntryByAncestorFee).
  const byScore = (a: Package & { txid: string }, b: Package & { txid: string }) => {
    const c = feeRateCompare(b.fees, b.size, a.fees, a.size);
    return c !== 0 ? c : a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0;
  };
  const sorted = entries
    .map((e) => ({ txid: e.txid, size: e.ancestorSize, fees: e.ancestorFees, sigOps: e.ancestorSigOps }))
    .sort(byScore);
  const inBlock = new Set<string>();
  const failed = new Set<string>();
  const modified = new Map<string, Package>();
  const selected: MempoolEntry[] = [];
  let weight = COINBASE_RESERVED_WEIGHT;
  let sigOpCost = COINBASE_RESERVED_SIGOPS;
  let fees = 0n;
  let consecutiveFailed = 0;
  let idx = 0;

  for (;;) {
    while (idx < sorted.length && (inBlock.has(sorted[idx].txid) || modified.has(sorted[idx].txid) || failed.has(sorted[idx].txid))) idx++;
    let best: (Package & { txid: string }) | undefined = idx < sorted.length ? sorted[idx] : undefined;
    let usingModified = false;
    for (const [txid, pkg] of modified) {
      const cand = { txid, ...pkg };
      if (!best || byScore(cand, best) < 0) {
        best = cand;
        usingModified = true;
      }
    }
    if (!best) break;
    if (!usingModified) idx++;

    // Everything left pays less than the block minimum fee rate.
    if (best.fees < feeForSize(opts.minFeeRate, best.size)) break;

    const fits = weight + WITNESS_SCALE_FACTOR * best.size < opts.maxWeight && sigOpCost + best.sigOps < opts.maxSigOps;
    const ancestors = [...mempool.getAncestors(best.txid)].filter((id) => !inBlock.has(id));
    ancestors.push(best.txid);
    const pkgEntries = ancestors.map((id) => mempool.get(id)!);
    const final = pkgEntries.every((e) => isFinalTx(e.tx, opts.height, opts.lockTimeCutoff));
    const costs = resources.map((r) => pkgEntries.reduce((a, e) => a + r.cost(e), 0));
    const withinBudgets = costs.every((c, k) => used[k] + c <= resources[k].limit);
    if (!fits || !final || !withinBudgets) {
      if (usingModified) modified.delete(best.txid);
      failed.add(best.txid);
      consecutiveFailed++;
      if (consecutiveFailed > MAX_CONSECUTIVE_FAILURES && weight > opts.maxWeight - 4000) break;
      continue;
    }
    consecutiveFailed = 0;
    costs.forEach((c, k) => (used[k] += c));

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
      for (const d of mempool.getDescendants(e.txid)) {
        if (inBlock.has(d)) continue;
        const de = mempool.get(d)!;
        const m = modified.get(d) ?? { size: de.ancestorSize, fees: de.ancestorFees, sigOps: de.ancestorSigOps };
        modified.set(d, { size: m.size - e.vsize, fees: m.fees - e.modifiedFee, sigOps: m.sigOps - e.sigOpCost });
      }
    }
  }
  return { selected, weight, sigOpCost, fees };
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
  const maxWeight = Math.max(4000, Math.min(opts.maxWeight ?? DEFAULT_BLOCK_MAX_WEIGHT, params.maxBlockWeight - 4000));

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
    const sel = selectPackages(opts.mempool, {
      height, lockTimeCutoff: mtp, maxWeight, maxSigOps: params.maxBlockSigOpsCost, minFeeRate: opts.minFeeRate ?? DEFAULT_BLOCK_MIN_TX_FEE,
      // Budgets of the pool's consensus extensions apply to every template built from it.
      resources: opts.resources ?? opts.mempool.extensions.flatMap((e) => (e.blockResource ? [e.blockResource] : [])),
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
  lastTemplate = { weight, txCount: txs.length };
  return {
    block, height, prevHash: prev.hash, txs, coinbaseValue: coinbase.outs[0].value, fees, weight, sigOpCost,
    minTime: mtp + 1, bits: block.bits, outputScript: opts.outputScript,
  };
}
