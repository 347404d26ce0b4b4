// The transaction memory pool: Core's MemPoolAccept (PreChecks, ReplacementChecks,
// PolicyScriptChecks, Finalize) and CTxMemPool bookkeeping (ancestor/descendant state,
// TrimToSize with a rolling minimum fee, expiry, removeForBlock, removeForReorg), with
// mempool.dat persistence. Every rejection throws VerifyError with Core's reason string.
//
// All state changes run one at a time through an internal queue, because acceptance awaits
// UTXO reads from the chain and a block may arrive in between.
import { EventEmitter } from 'node:events';
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Block, Transaction } from 'bitcoinjs-lib';
import type { Coin } from '../chain/coin.js';
import { LOCKTIME_VERIFY_SEQUENCE } from '../chain/consensus.js';
import { VerifyError } from '../chain/errors.js';
import type { NetworkParams } from '../chain/params.js';
import {
  calculateSequenceLocks, checkTransaction, checkTxInputs, evaluateSequenceLocks, isCoinbaseTx, isFinalTx,
} from '../chain/tx-checks.js';
import {
  MANDATORY_SCRIPT_VERIFY_FLAGS, STANDARD_SCRIPT_VERIFY_FLAGS, getTransactionSigOpCost, isScriptError, verifyInput,
} from '../chain/script/index.js';
import { type MempoolEntry, entryUsage, feeRateCompare, feeRatePerKvB } from './entry.js';
import { MempoolFileError, decodeMempool, encodeMempool } from './persist.js';
import {
  DEFAULT_ANCESTOR_LIMIT, DEFAULT_ANCESTOR_SIZE_LIMIT_KVB, DEFAULT_DESCENDANT_LIMIT, DEFAULT_DESCENDANT_SIZE_LIMIT_KVB,
  DEFAULT_INCREMENTAL_RELAY_FEE, DEFAULT_MAX_MEMPOOL_SIZE_MB, DEFAULT_MEMPOOL_EXPIRY_HOURS, DEFAULT_MIN_RELAY_TX_FEE,
  DUST_RELAY_TX_FEE, MAX_OP_RETURN_RELAY, MAX_STANDARD_TX_SIGOPS_COST, MIN_STANDARD_TX_NONWITNESS_SIZE,
  type StandardOptions, areInputsStandard, checkStandardTx, feeForSize, isWitnessStandard, signalsOptInRbf, virtualSize,
} from './policy.js';
import { checkReplacementCount, hasNoNewUnconfirmed, paysForRbf, paysMoreThanConflicts } from './rbf.js';

export type { MempoolEntry } from './entry.js';

/** Height Core's CCoinsViewMemPool gives coins created by mempool transactions. */
export const MEMPOOL_HEIGHT = 0x7fffffff;
/** Core's ROLLING_FEE_HALFLIFE: the mempool minimum fee halves every 12 hours. */
const ROLLING_FEE_HALFLIFE = 60 * 60 * 12;

/** What the mempool needs from the chain; chain/chain.ts's Chain satisfies it. */
export interface MempoolChain {
  readonly params: NetworkParams;
  readonly tip: { hash: string; height: number };
  getCoin(txid: string, vout: number): Promise<Coin | undefined>;
  getEntryByHeight(height: number): any;
  medianTimePast(entry: any): number;
}

export type RemovalReason = 'expiry' | 'sizelimit' | 'reorg' | 'block' | 'conflict' | 'replaced';

export interface MempoolOptions {
  chain: MempoolChain;
  params: NetworkParams;
  /** mempool.dat path; without it save()/load() do nothing. */
  file?: string;
  /** -maxmempool in bytes (default 300 MB). */
  maxSize?: number;
  /** -minrelaytxfee in sat/kvB (default 1000). */
  minRelayFee?: bigint;
  incrementalRelayFee?: bigint;
  dustRelayFee?: bigint;
  /** Core's -acceptnonstdtxn inverse (default true). */
  requireStandard?: boolean;
  /** Core 28+ default: any unconfirmed tx may be replaced. False: only BIP125-signalling ones. */
  fullRbf?: boolean;
  permitBareMultisig?: boolean;
  maxDatacarrierBytes?: number;
  ancestorLimit?: number;
  ancestorSizeLimitKvB?: number;
  descendantLimit?: number;
  descendantSizeLimitKvB?: number;
  /** -mempoolexpiry in hours (default 336). */
  expiryHours?: number;
  log?: (msg: string) => void;
}

export interface TestAcceptResult {
  txid: string;
  wtxid: string;
  allowed: boolean;
  vsize?: number;
  /** Base fee in satoshis. */
  fee?: bigint;
  /** Modified fee rate in sat/kvB, and the wtxids it was computed over. */
  effectiveFeeRate?: bigint;
  effectiveIncludes?: string[];
  /** Core's reject-reason and reject-details. */
  reason?: string;
  details?: string;
}

export interface MempoolInfo {
  loaded: boolean;
  size: number;
  bytes: number;
  usage: number;
  totalFee: bigint;
  maxMempool: number;
  mempoolMinFee: bigint;
  minRelayTxFee: bigint;
  incrementalRelayFee: bigint;
  unbroadcastCount: number;
  fullRbf: boolean;
}

interface AcceptArgs {
  allowReplacement: boolean;
  bypassLimits: boolean;
  /** Acceptance time (persisted entries keep their original time). */
  time?: number;
}

/** Validation state for one transaction (Core's Workspace). */
interface Workspace {
  tx: Transaction;
  txid: string;
  wtxid: string;
  coins: Coin[];
  fee: bigint;
  modifiedFee: bigint;
  weight: number;
  vsize: number;
  sigOpCost: number;
  spendsCoinbase: boolean;
  parents: Set<string>;
  ancestors: Set<string>;
  conflicts: Set<string>;
  allConflicts: Set<string>;
}

function txidOf(hash: Uint8Array): string {
  return Buffer.from(hash).reverse().toString('hex');
}

function reject(reason: string, details = '', score = 0): VerifyError {
  return new VerifyError('tx', reason, score, details);
}

function outpoint(txid: string, vout: number): string {
  return `${txid}:${vout}`;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function insertSorted(list: string[], item: string): void {
  if (list.includes(item)) return;
  list.push(item);
  list.sort();
}

function removeItem(list: string[], item: string): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/**
 * A pool plus transactions accepted earlier in the same testAccept package: lookups see
 * both, while the pool itself stays untouched.
 */
class PoolView {
  readonly extra = new Map<string, MempoolEntry>();
  readonly extraSpends = new Map<string, string>();
  /** Descendants the package adds to pool entries (count, vsize). */
  readonly extraDesc = new Map<string, { count: number; size: number }>();
  constructor(private readonly pool: Mempool) {}
  get(txid: string): MempoolEntry | undefined {
    return this.pool.get(txid) ?? this.extra.get(txid);
  }
  hasWtxid(wtxid: string): boolean {
    return this.pool.hasWtxid(wtxid) || [...this.extra.values()].some((e) => e.wtxid === wtxid);
  }
  spender(key: string): string | undefined {
    return this.pool.spenderOf(key) ?? this.extraSpends.get(key);
  }
  descendantCount(e: MempoolEntry): number {
    return e.descendantCount + (this.extraDesc.get(e.txid)?.count ?? 0);
  }
  descendantSize(e: MempoolEntry): number {
    return e.descendantSize + (this.extraDesc.get(e.txid)?.size ?? 0);
  }
}

export class Mempool extends EventEmitter {
  readonly chain: MempoolChain;
  readonly params: NetworkParams;
  readonly file?: string;
  readonly maxSize: number;
  readonly minRelayFee: bigint;
  readonly incrementalRelayFee: bigint;
  readonly requireStandard: boolean;
  readonly fullRbf: boolean;
  readonly standard: StandardOptions;
  readonly ancestorLimit: number;
  readonly ancestorSizeLimit: number;
  readonly descendantLimit: number;
  readonly descendantSizeLimit: number;
  readonly expirySeconds: number;
  /** True once load() finished (Core's getmempoolinfo "loaded"). */
  loaded = false;
  /** Why the last load() ignored the file, if it did. */
  loadError?: string;
  /** Bumped on every addition or removal (Core's GetTransactionsUpdated, for GBT longpollid). */
  transactionsUpdated = 0;

  private readonly map = new Map<string, MempoolEntry>();
  private readonly byWtxid = new Map<string, string>();
  private readonly spends = new Map<string, string>();
  private readonly deltas = new Map<string, bigint>();
  private totalUsage = 0;
  private totalBytes = 0;
  private totalFee = 0n;
  private rollingMinimumFeeRate = 0; // sat/kvB, fractional as Core's double
  private lastRollingFeeUpdate = now();
  private blockSinceLastRollingFeeBump = false;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private readonly log: (msg: string) => void;

  constructor(opts: MempoolOptions) {
    super();
    this.chain = opts.chain;
    this.params = opts.params;
    this.file = opts.file;
    this.maxSize = opts.maxSize ?? DEFAULT_MAX_MEMPOOL_SIZE_MB * 1_000_000;
    this.minRelayFee = opts.minRelayFee ?? DEFAULT_MIN_RELAY_TX_FEE;
    this.incrementalRelayFee = opts.incrementalRelayFee ?? DEFAULT_INCREMENTAL_RELAY_FEE;
    this.requireStandard = opts.requireStandard ?? true;
    this.fullRbf = opts.fullRbf ?? true;
    this.standard = {
      permitBareMultisig: opts.permitBareMultisig ?? true,
      maxDatacarrierBytes: opts.maxDatacarrierBytes ?? MAX_OP_RETURN_RELAY,
      dustRelayFee: opts.dustRelayFee ?? DUST_RELAY_TX_FEE,
    };
    this.ancestorLimit = opts.ancestorLimit ?? DEFAULT_ANCESTOR_LIMIT;
    this.ancestorSizeLimit = (opts.ancestorSizeLimitKvB ?? DEFAULT_ANCESTOR_SIZE_LIMIT_KVB) * 1000;
    this.descendantLimit = opts.descendantLimit ?? DEFAULT_DESCENDANT_LIMIT;
    this.descendantSizeLimit = (opts.descendantSizeLimitKvB ?? DEFAULT_DESCENDANT_SIZE_LIMIT_KVB) * 1000;
    this.expirySeconds = (opts.expiryHours ?? DEFAULT_MEMPOOL_EXPIRY_HOURS) * 3600;
    this.log = opts.log ?? (() => {});
  }

  // ---- queries ----

  get size(): number {
    return this.map.size;
  }
  has(txid: string): boolean {
    return this.map.has(txid);
  }
  hasWtxid(wtxid: string): boolean {
    return this.byWtxid.has(wtxid);
  }
  get(txid: string): MempoolEntry | undefined {
    return this.map.get(txid);
  }
  getByWtxid(wtxid: string): MempoolEntry | undefined {
    const txid = this.byWtxid.get(wtxid);
    return txid === undefined ? undefined : this.map.get(txid);
  }
  /** Entries sorted by txid (stable output for getrawmempool). */
  entries(): MempoolEntry[] {
    return [...this.map.values()].sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0));
  }
  /** An output created by a mempool transaction (height MEMPOOL_HEIGHT), spent or not. */
  getCoin(txid: string, vout: number): Coin | undefined {
    const e = this.map.get(txid);
    const out = e?.tx.outs[vout];
    return out ? { value: out.value, script: out.script, height: MEMPOOL_HEIGHT, coinbase: false } : undefined;
  }
  /** The mempool transaction spending this outpoint, if any. */
  isSpent(txid: string, vout: number): string | undefined {
    return this.spends.get(outpoint(txid, vout));
  }
  spenderOf(key: string): string | undefined {
    return this.spends.get(key);
  }
  /** Direct in-mempool parents (Core's getmempoolentry "depends"). */
  getParents(txid: string): string[] {
    return [...(this.map.get(txid)?.depends ?? [])];
  }
  /** Direct in-mempool children (Core's getmempoolentry "spentby"). */
  getChildren(txid: string): string[] {
    return [...(this.map.get(txid)?.spentBy ?? [])];
  }
  /** All in-mempool ancestors (not including txid itself). */
  getAncestors(txid: string): Set<string> {
    return this.collect(txid, (e) => e.depends);
  }
  /** All in-mempool descendants (not including txid itself). */
  getDescendants(txid: string): Set<string> {
    return this.collect(txid, (e) => e.spentBy);
  }
  /** Every prioritisetransaction delta, by txid. */
  prioritisedTransactions(): [string, bigint][] {
    return [...this.deltas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  getDelta(txid: string): bigint {
    return this.deltas.get(txid) ?? 0n;
  }

  private collect(txid: string, next: (e: MempoolEntry) => string[], view?: PoolView): Set<string> {
    const out = new Set<string>();
    const get = (id: string) => (view ? view.get(id) : this.map.get(id));
    const stack = [...(get(txid) ? next(get(txid)!) : [])];
    while (stack.length) {
      const id = stack.pop()!;
      if (out.has(id)) continue;
      const e = get(id);
      if (!e) continue;
      out.add(id);
      stack.push(...next(e));
    }
    return out;
  }

  /**
   * Core's GetMinFee: the rolling minimum fee rate (sat/kvB) after evictions, decaying with
   * a 12 h half-life (faster when the pool is small) once a block has been connected since
   * the last bump; zero when no eviction is in force.
   */
  getMinFee(): bigint {
    if (!this.blockSinceLastRollingFeeBump || this.rollingMinimumFeeRate === 0) return BigInt(Math.round(this.rollingMinimumFeeRate));
    const t = now();
    if (t > this.lastRollingFeeUpdate + 10) {
      let halflife = ROLLING_FEE_HALFLIFE;
      if (this.totalUsage < this.maxSize / 4) halflife /= 4;
      else if (this.totalUsage < this.maxSize / 2) halflife /= 2;
      this.rollingMinimumFeeRate /= Math.pow(2, (t - this.lastRollingFeeUpdate) / halflife);
      this.lastRollingFeeUpdate = t;
      if (this.rollingMinimumFeeRate < Number(this.incrementalRelayFee) / 2) {
        this.rollingMinimumFeeRate = 0;
        return 0n;
      }
    }
    const rolling = BigInt(Math.round(this.rollingMinimumFeeRate));
    return rolling > this.incrementalRelayFee ? rolling : this.incrementalRelayFee;
  }

  info(): MempoolInfo {
    const minFee = this.getMinFee();
    return {
      loaded: this.loaded,
      size: this.map.size,
      bytes: this.totalBytes,
      usage: this.totalUsage,
      totalFee: this.totalFee,
      maxMempool: this.maxSize,
      mempoolMinFee: minFee > this.minRelayFee ? minFee : this.minRelayFee,
      minRelayTxFee: this.minRelayFee,
      incrementalRelayFee: this.incrementalRelayFee,
      unbroadcastCount: 0,
      fullRbf: this.fullRbf,
    };
  }

  // ---- serialisation of state changes ----

  private run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const p = this.queue.then(fn);
    this.queue = p.then(
      () => this.pending--,
      () => this.pending--,
    );
    return p;
  }

  // ---- acceptance ----

  /** Core's AcceptToMemoryPool for one transaction. Throws VerifyError with Core's reason. */
  addTransaction(tx: Transaction): Promise<MempoolEntry> {
    return this.run(() => this.accept(tx, { allowReplacement: true, bypassLimits: false }));
  }

  /**
   * Core's testmempoolaccept: one transaction, or a package whose later members may spend
   * earlier ones (no replacements inside a package). Never changes the pool.
   */
  testAccept(txs: Transaction[]): Promise<TestAcceptResult[]> {
    return this.run(async () => {
      const view = new PoolView(this);
      const single = txs.length === 1;
      const results: TestAcceptResult[] = [];
      for (const tx of txs) {
        const txid = tx.getId();
        const wtxid = Buffer.from(tx.getHash(true)).reverse().toString('hex');
        try {
          const ws = await this.validate(tx, { allowReplacement: single, bypassLimits: false }, view);
          const entry = this.makeEntry(ws, now());
          view.extra.set(txid, entry);
          tx.ins.forEach((input) => view.extraSpends.set(outpoint(txidOf(input.hash), input.index), txid));
          for (const a of ws.ancestors) {
            const d = view.extraDesc.get(a) ?? { count: 0, size: 0 };
            view.extraDesc.set(a, { count: d.count + 1, size: d.size + ws.vsize });
          }
          results.push({
            txid, wtxid, allowed: true, vsize: ws.vsize, fee: ws.fee,
            effectiveFeeRate: feeRatePerKvB(ws.modifiedFee, ws.vsize), effectiveIncludes: [wtxid],
          });
        } catch (e) {
          if (!(e instanceof VerifyError)) throw e;
          results.push({ txid, wtxid, allowed: false, reason: e.reason, details: e.details || undefined });
        }
      }
      return results;
    });
  }

  private async accept(tx: Transaction, args: AcceptArgs): Promise<MempoolEntry> {
    const ws = await this.validate(tx, args, undefined);
    return this.finalize(ws, args);
  }

  /** PreChecks + ReplacementChecks + PolicyScriptChecks; no state change. */
  private async validate(tx: Transaction, args: AcceptArgs, view: PoolView | undefined): Promise<Workspace> {
    const pool = view ?? new PoolView(this);
    checkTransaction(tx);
    if (isCoinbaseTx(tx)) throw reject('coinbase', '', 100);
    if (this.requireStandard) {
      const reason = checkStandardTx(tx, this.standard);
      if (reason) throw reject(reason);
    }
    // Transactions smaller than 65 non-witness bytes could be confused with merkle-tree
    // inner nodes (CVE-2017-12842).
    if (tx.byteLength(false) < MIN_STANDARD_TX_NONWITNESS_SIZE) throw reject('tx-size-small');

    const tip = this.chain.tip;
    const nextHeight = tip.height + 1;
    const mtp = this.chain.medianTimePast(tip);
    if (!isFinalTx(tx, nextHeight, mtp)) throw reject('non-final');

    const txid = tx.getId();
    const wtxid = Buffer.from(tx.getHash(true)).reverse().toString('hex');
    if (pool.hasWtxid(wtxid)) throw reject('txn-already-in-mempool');
    if (pool.get(txid)) throw reject('txn-same-nonwitness-data-in-mempool');

    const conflicts = new Set<string>();
    for (const input of tx.ins) {
      const spender = pool.spender(outpoint(txidOf(input.hash), input.index));
      if (spender === undefined || conflicts.has(spender)) continue;
      if (!args.allowReplacement) throw reject('bip125-replacement-disallowed');
      if (!this.fullRbf && !signalsOptInRbf(pool.get(spender)!.tx)) throw reject('txn-mempool-conflict');
      conflicts.add(spender);
    }

    const coins: Coin[] = [];
    const parents = new Set<string>();
    let missing = false;
    for (const input of tx.ins) {
      const prevTxid = txidOf(input.hash);
      const parent = pool.get(prevTxid);
      let coin: Coin | undefined;
      if (parent) {
        const out = parent.tx.outs[input.index];
        if (out) {
          coin = { value: out.value, script: out.script, height: MEMPOOL_HEIGHT, coinbase: false };
          parents.add(prevTxid);
        }
      } else {
        coin = await this.chain.getCoin(prevTxid, input.index);
      }
      if (!coin) missing = true;
      else coins.push(coin);
    }
    if (missing) {
      for (let i = 0; i < tx.outs.length; i++) {
        if (await this.chain.getCoin(txid, i)) throw reject('txn-already-known');
      }
      throw reject('missing-inputs', 'bad-txns-inputs-missingorspent');
    }

    const prevHeights = coins.map((c) => (c.height === MEMPOOL_HEIGHT ? nextHeight : c.height));
    const locks = calculateSequenceLocks(tx, LOCKTIME_VERIFY_SEQUENCE, prevHeights, (h) =>
      this.chain.medianTimePast(this.chain.getEntryByHeight(h)),
    );
    if (!evaluateSequenceLocks(nextHeight, mtp, locks)) throw reject('non-BIP68-final');

    // Mempool coins carry MEMPOOL_HEIGHT, which never counts as an immature coinbase.
    const fee = checkTxInputs(tx, coins, nextHeight, this.params);
    const prevScripts = coins.map((c) => c.script);
    if (this.requireStandard) {
      if (!areInputsStandard(tx, prevScripts)) throw reject('bad-txns-nonstandard-inputs');
      if (tx.hasWitnesses() && !isWitnessStandard(tx, prevScripts)) throw reject('bad-witness-nonstandard');
    }
    const prevouts = coins.map((c) => ({ script: c.script, value: c.value }));
    const sigOpCost = getTransactionSigOpCost(tx, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS);
    if (sigOpCost > MAX_STANDARD_TX_SIGOPS_COST) throw reject('bad-txns-too-many-sigops', String(sigOpCost));

    const modifiedFee = fee + this.getDelta(txid);
    const weight = tx.weight();
    const vsize = virtualSize(weight, sigOpCost);
    if (!args.bypassLimits) {
      const rejectFee = feeForSize(this.getMinFee(), vsize);
      if (rejectFee > 0n && modifiedFee < rejectFee) throw reject('mempool min fee not met', `${modifiedFee} < ${rejectFee}`);
      const relayFee = feeForSize(this.minRelayFee, vsize);
      if (modifiedFee < relayFee) throw reject('min relay fee not met', `${modifiedFee} < ${relayFee}`);
    }

    const ancestors = this.checkAncestorLimits(parents, vsize, pool);
    for (const c of conflicts) {
      if (ancestors.has(c)) throw reject('bad-txns-spends-conflicting-tx', `${txid} spends conflicting transaction ${c}`);
    }

    const allConflicts = new Set<string>();
    if (conflicts.size > 0) {
      const direct = [...conflicts].map((id) => pool.get(id)!);
      let err = paysMoreThanConflicts(direct, modifiedFee, vsize, txid);
      if (err) throw reject('insufficient fee', err);
      for (const id of conflicts) {
        allConflicts.add(id);
        for (const d of this.collect(id, (e) => e.spentBy, pool)) allConflicts.add(d);
      }
      err = checkReplacementCount(direct, allConflicts, txid);
      if (err) throw reject('too many potential replacements', err);
      err = hasNoNewUnconfirmed(tx, direct, (id) => pool.get(id) !== undefined);
      if (err) throw reject('replacement-adds-unconfirmed', err);
      let conflictingFees = 0n;
      for (const id of allConflicts) conflictingFees += pool.get(id)!.modifiedFee;
      err = paysForRbf(conflictingFees, modifiedFee, vsize, this.incrementalRelayFee, txid);
      if (err) throw reject('insufficient fee', err);
    }

    this.checkScripts(tx, prevouts);

    return {
      tx, txid, wtxid, coins, fee, modifiedFee, weight, vsize, sigOpCost,
      spendsCoinbase: coins.some((c) => c.coinbase), parents, ancestors, conflicts, allConflicts,
    };
  }

  /**
   * Core's CalculateMemPoolAncestors with limits; returns the ancestor set or throws
   * too-long-mempool-chain with Core's detail string.
   */
  private checkAncestorLimits(parents: Set<string>, vsize: number, pool: PoolView): Set<string> {
    if (parents.size + 1 > this.ancestorLimit) {
      throw reject('too-long-mempool-chain', `too many unconfirmed parents [limit: ${this.ancestorLimit}]`);
    }
    const ancestors = new Set<string>();
    const staged = [...parents].sort();
    let totalSize = vsize;
    while (staged.length) {
      const id = staged.shift()!;
      if (ancestors.has(id)) continue;
      const e = pool.get(id)!;
      ancestors.add(id);
      totalSize += e.vsize;
      if (pool.descendantSize(e) + vsize > this.descendantSizeLimit) {
        throw reject('too-long-mempool-chain', `exceeds descendant size limit for tx ${id} [limit: ${this.descendantSizeLimit}]`);
      }
      if (pool.descendantCount(e) + 1 > this.descendantLimit) {
        throw reject('too-long-mempool-chain', `too many descendants for tx ${id} [limit: ${this.descendantLimit}]`);
      }
      if (totalSize > this.ancestorSizeLimit) {
        throw reject('too-long-mempool-chain', `exceeds ancestor size limit [limit: ${this.ancestorSizeLimit}]`);
      }
      for (const p of e.depends) if (!ancestors.has(p) && !staged.includes(p)) staged.push(p);
      if (staged.length + ancestors.size + 1 > this.ancestorLimit) {
        throw reject('too-long-mempool-chain', `too many unconfirmed ancestors [limit: ${this.ancestorLimit}]`);
      }
    }
    return ancestors;
  }

  /**
   * Core's CheckInputScripts for the mempool: standard flags first; on failure, the same
   * input under only the mandatory flags decides whether the failure is a policy one
   * (non-mandatory-script-verify-flag) or a consensus one (mandatory-script-verify-flag-failed).
   */
  private checkScripts(tx: Transaction, prevouts: { script: Uint8Array; value: bigint }[]): void {
    for (let i = 0; i < tx.ins.length; i++) {
      try {
        verifyInput(tx, i, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS);
      } catch (e) {
        if (!isScriptError(e)) throw e;
        try {
          verifyInput(tx, i, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS & MANDATORY_SCRIPT_VERIFY_FLAGS);
        } catch (e2) {
          if (!isScriptError(e2)) throw e2;
          throw reject(`mandatory-script-verify-flag-failed (${e.message})`, `input ${i}`, 100);
        }
        throw reject(`non-mandatory-script-verify-flag (${e.message})`, `input ${i}`);
      }
    }
  }

  private makeEntry(ws: Workspace, time: number): MempoolEntry {
    return {
      tx: ws.tx, txid: ws.txid, wtxid: ws.wtxid, fee: ws.fee, modifiedFee: ws.modifiedFee,
      weight: ws.weight, vsize: ws.vsize, sigOpCost: ws.sigOpCost, time, height: this.chain.tip.height,
      spendsCoinbase: ws.spendsCoinbase,
      ancestorCount: 1, ancestorSize: ws.vsize, ancestorFees: ws.modifiedFee, ancestorSigOps: ws.sigOpCost,
      descendantCount: 1, descendantSize: ws.vsize, descendantFees: ws.modifiedFee,
      depends: [...ws.parents].sort(), spentBy: [], usage: entryUsage(ws.tx),
    };
  }

  private finalize(ws: Workspace, args: AcceptArgs): MempoolEntry {
    if (ws.allConflicts.size > 0) this.removeStaged(ws.allConflicts, 'replaced');
    const entry = this.makeEntry(ws, args.time ?? now());
    this.insert(entry);
    if (!args.bypassLimits) {
      this.limitSize();
      if (!this.map.has(entry.txid)) throw reject('mempool full');
    }
    this.emit('tx', entry);
    return entry;
  }

  /** Adds an entry and updates package state (Core's addUnchecked + UpdateTransactionsFromBlock). */
  private insert(entry: MempoolEntry): void {
    const { txid } = entry;
    this.map.set(txid, entry);
    this.byWtxid.set(entry.wtxid, txid);
    entry.tx.ins.forEach((input) => this.spends.set(outpoint(txidOf(input.hash), input.index), txid));
    for (const p of entry.depends) insertSorted(this.map.get(p)!.spentBy, txid);
    // After a reorg, transactions already in the pool may spend this one's outputs.
    let adopted = false;
    for (let i = 0; i < entry.tx.outs.length; i++) {
      const child = this.spends.get(outpoint(txid, i));
      if (child !== undefined && child !== txid) {
        insertSorted(entry.spentBy, child);
        insertSorted(this.map.get(child)!.depends, txid);
        adopted = true;
      }
    }
    this.transactionsUpdated++;
    this.totalUsage += entry.usage;
    this.totalBytes += entry.vsize;
    this.totalFee += entry.fee;
    if (adopted) {
      this.recomputePackageState();
      return;
    }
    for (const a of this.getAncestors(txid)) {
      const ae = this.map.get(a)!;
      entry.ancestorCount += 1;
      entry.ancestorSize += ae.vsize;
      entry.ancestorFees += ae.modifiedFee;
      entry.ancestorSigOps += ae.sigOpCost;
      ae.descendantCount += 1;
      ae.descendantSize += entry.vsize;
      ae.descendantFees += entry.modifiedFee;
    }
  }

  /** Recomputes every entry's ancestor and descendant totals from the links. */
  private recomputePackageState(): void {
    for (const e of this.map.values()) {
      e.ancestorCount = 1; e.ancestorSize = e.vsize; e.ancestorFees = e.modifiedFee; e.ancestorSigOps = e.sigOpCost;
      e.descendantCount = 1; e.descendantSize = e.vsize; e.descendantFees = e.modifiedFee;
    }
    for (const e of this.map.values()) {
      for (const a of this.getAncestors(e.txid)) {
        const ae = this.map.get(a)!;
        e.ancestorCount += 1; e.ancestorSize += ae.vsize; e.ancestorFees += ae.modifiedFee; e.ancestorSigOps += ae.sigOpCost;
        ae.descendantCount += 1; ae.descendantSize += e.vsize; ae.descendantFees += e.modifiedFee;
      }
    }
  }

  /**
   * Removes a set of entries (Core's RemoveStaged). Entries left behind keep correct totals:
   * remaining ancestors lose the removed descendants and remaining descendants (a confirmed
   * parent's children) lose the removed ancestors.
   */
  private removeStaged(set: Set<string>, reason: RemovalReason): void {
    for (const id of set) {
      const e = this.map.get(id);
      if (!e) continue;
      for (const a of this.getAncestors(id)) {
        if (set.has(a)) continue;
        const ae = this.map.get(a)!;
        ae.descendantCount -= 1; ae.descendantSize -= e.vsize; ae.descendantFees -= e.modifiedFee;
      }
      for (const d of this.getDescendants(id)) {
        if (set.has(d)) continue;
        const de = this.map.get(d)!;
        de.ancestorCount -= 1; de.ancestorSize -= e.vsize; de.ancestorFees -= e.modifiedFee; de.ancestorSigOps -= e.sigOpCost;
      }
    }
    const removed: MempoolEntry[] = [];
    for (const id of set) {
      const e = this.map.get(id);
      if (!e) continue;
      for (const p of e.depends) {
        const pe = this.map.get(p);
        if (pe) removeItem(pe.spentBy, id);
      }
      for (const c of e.spentBy) {
        const ce = this.map.get(c);
        if (ce) removeItem(ce.depends, id);
      }
      e.tx.ins.forEach((input) => {
        const key = outpoint(txidOf(input.hash), input.index);
        if (this.spends.get(key) === id) this.spends.delete(key);
      });
      this.map.delete(id);
      this.byWtxid.delete(e.wtxid);
      this.transactionsUpdated++;
      this.totalUsage -= e.usage;
      this.totalBytes -= e.vsize;
      this.totalFee -= e.fee;
      removed.push(e);
    }
    for (const e of removed) this.emit('removed', e, reason);
  }

  private removeRecursive(txid: string, reason: RemovalReason): void {
    if (!this.map.has(txid)) return;
    const set = this.getDescendants(txid);
    set.add(txid);
    this.removeStaged(set, reason);
  }

  /** Core's LimitMempoolSize: expire old entries, then evict down to -maxmempool. */
  private limitSize(): void {
    this.expire(now() - this.expirySeconds);
    this.trimToSize(this.maxSize);
  }

  private expire(cutoff: number): number {
    const old = new Set<string>();
    for (const e of this.map.values()) {
      if (e.time < cutoff) {
        old.add(e.txid);
        for (const d of this.getDescendants(e.txid)) old.add(d);
      }
    }
    if (old.size) this.removeStaged(old, 'expiry');
    return old.size;
  }

  /**
   * Core's TrimToSize: evict the package with the lowest descendant score (the higher of a
   * transaction's own feerate and its feerate with descendants) until usage fits; the
   * evicted rate plus the incremental relay fee becomes the rolling minimum fee.
   */
  trimToSize(limit: number): void {
    while (this.map.size > 0 && this.totalUsage > limit) {
      let worst: MempoolEntry | undefined;
      let worstFee = 0n;
      let worstSize = 0;
      for (const e of this.map.values()) {
        const useDesc = feeRateCompare(e.descendantFees, e.descendantSize, e.modifiedFee, e.vsize) > 0;
        const fee = useDesc ? e.descendantFees : e.modifiedFee;
        const size = useDesc ? e.descendantSize : e.vsize;
        if (!worst) {
          worst = e; worstFee = fee; worstSize = size;
          continue;
        }
        const c = feeRateCompare(fee, size, worstFee, worstSize);
        // Ties: the newer transaction goes first (Core's descendant_score index).
        if (c < 0 || (c === 0 && e.time >= worst.time)) {
          worst = e; worstFee = fee; worstSize = size;
        }
      }
      const removedRate = Number(feeRatePerKvB(worst!.descendantFees, worst!.descendantSize) + this.incrementalRelayFee);
      if (removedRate > this.rollingMinimumFeeRate) {
        this.rollingMinimumFeeRate = removedRate;
        this.blockSinceLastRollingFeeBump = false;
      }
      this.removeRecursive(worst!.txid, 'sizelimit');
    }
  }

  // ---- block connect / disconnect ----

  /** Core's removeForBlock: drop confirmed transactions and everything conflicting with them. */
  handleConnect(block: Block): void {
    if (this.pending > 0) {
      // Keep the order of chain events relative to queued work (a reorg's re-adds).
      void this.run(async () => this.connectNow(block)).catch((e) => this.log(`mempool: connect failed: ${e}`));
      return;
    }
    this.connectNow(block);
  }

  private connectNow(block: Block): void {
    for (const tx of block.transactions ?? []) {
      const txid = tx.getId();
      if (this.map.has(txid)) this.removeStaged(new Set([txid]), 'block');
      if (isCoinbaseTx(tx)) continue;
      for (const input of tx.ins) {
        const spender = this.spends.get(outpoint(txidOf(input.hash), input.index));
        if (spender !== undefined && spender !== txid) this.removeRecursive(spender, 'conflict');
      }
      this.deltas.delete(txid);
    }
    this.lastRollingFeeUpdate = now();
    this.blockSinceLastRollingFeeBump = true;
  }

  /**
   * A block left the main chain (the chain's tip is now its parent): its transactions go
   * back into the pool, then every entry is re-checked against the new tip, as Core's
   * MaybeUpdateMempoolForReorg.
   */
  handleDisconnect(block: Block): Promise<void> {
    return this.run(async () => {
      for (const tx of block.transactions ?? []) {
        if (isCoinbaseTx(tx)) continue;
        try {
          await this.accept(tx, { allowReplacement: true, bypassLimits: true });
        } catch (e) {
          if (!(e instanceof VerifyError)) throw e;
          this.log(`mempool: disconnected tx ${tx.getId()} not re-added: ${e.message}`);
        }
      }
      await this.removeForReorg();
      this.limitSize();
    });
  }

  /** Core's removeForReorg: drop entries the new tip makes non-final or immature. */
  private async removeForReorg(): Promise<void> {
    const tip = this.chain.tip;
    const nextHeight = tip.height + 1;
    const mtp = this.chain.medianTimePast(tip);
    const bad = new Set<string>();
    for (const e of this.map.values()) {
      let ok = isFinalTx(e.tx, nextHeight, mtp);
      const heights: number[] = [];
      for (const input of e.tx.ins) {
        if (!ok) break;
        const prevTxid = txidOf(input.hash);
        if (this.map.has(prevTxid)) {
          heights.push(nextHeight);
          continue;
        }
        const coin = await this.chain.getCoin(prevTxid, input.index);
        if (!coin || (coin.coinbase && nextHeight - coin.height < this.params.coinbaseMaturity)) ok = false;
        else heights.push(coin.height);
      }
      if (ok) {
        const locks = calculateSequenceLocks(e.tx, LOCKTIME_VERIFY_SEQUENCE, heights, (h) =>
          this.chain.medianTimePast(this.chain.getEntryByHeight(h)),
        );
        ok = evaluateSequenceLocks(nextHeight, mtp, locks);
      }
      if (!ok) {
        bad.add(e.txid);
        for (const d of this.getDescendants(e.txid)) bad.add(d);
      }
    }
    if (bad.size) this.removeStaged(bad, 'reorg');
  }

  // ---- prioritisetransaction ----

  /** Core's PrioritiseTransaction: a fee delta that selection and eviction see. */
  prioritiseTransaction(txid: string, delta: bigint): void {
    const total = this.getDelta(txid) + delta;
    if (total === 0n) this.deltas.delete(txid);
    else this.deltas.set(txid, total);
    const e = this.map.get(txid);
    if (e) {
      e.modifiedFee += delta;
      this.recomputePackageState();
    }
  }

  // ---- persistence ----

  /** Writes mempool.dat atomically (temp file + rename). */
  async save(): Promise<void> {
    if (!this.file) return;
    const ordered = [...this.map.values()].sort((a, b) => a.ancestorCount - b.ancestorCount || a.time - b.time);
    const data = encodeMempool({
      txs: ordered.map((e) => ({ tx: e.tx, time: e.time, feeDelta: this.getDelta(e.txid) })),
      deltas: new Map([...this.deltas].filter(([txid]) => !this.map.has(txid))),
    });
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.new`;
    await writeFile(tmp, data);
    await rename(tmp, this.file);
  }

  /**
   * Reads mempool.dat and re-validates every transaction against the current tip (Core's
   * LoadMempool). A missing file is normal; an unreadable one is logged and ignored.
   * Returns how many transactions were accepted, failed, or had expired.
   */
  load(): Promise<{ accepted: number; failed: number; expired: number }> {
    return this.run(async () => {
      const counts = { accepted: 0, failed: 0, expired: 0 };
      this.loadError = undefined;
      if (!this.file) {
        this.loaded = true;
        return counts;
      }
      let data: Uint8Array;
      try {
        data = await readFile(this.file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.loadError = `cannot read ${this.file}: ${(e as Error).message}`;
          this.log(`mempool: ${this.loadError}`);
        }
        this.loaded = true;
        return counts;
      }
      let snap;
      try {
        snap = decodeMempool(data);
      } catch (e) {
        if (!(e instanceof MempoolFileError)) throw e;
        this.loadError = `${this.file} ignored: ${e.message}`;
        this.log(`mempool: ${this.loadError}`);
        this.loaded = true;
        return counts;
      }
      for (const [txid, delta] of snap.deltas) this.deltas.set(txid, delta);
      const cutoff = now() - this.expirySeconds;
      for (const p of snap.txs) {
        if (p.feeDelta !== 0n) this.deltas.set(p.tx.getId(), p.feeDelta);
        if (p.time < cutoff) {
          counts.expired++;
          continue;
        }
        try {
          await this.accept(p.tx, { allowReplacement: false, bypassLimits: false, time: p.time });
          counts.accepted++;
        } catch (e) {
          if (!(e instanceof VerifyError)) throw e;
          counts.failed++;
        }
      }
      this.log(`mempool: imported ${counts.accepted} transactions from ${this.file}; ${counts.failed} failed, ${counts.expired} expired`);
      this.loaded = true;
      return counts;
    });
  }

  /** Waits for queued work (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.pending > 0) await this.queue.catch(() => {});
  }
}
