// The transaction memory pool (Core's CTxMemPool with AcceptToMemoryPool): acceptance
// (accept.ts), package bookkeeping (graph.ts), size limit with eviction and the rolling
// minimum fee, expiry, removal on block connect, re-add and re-check on disconnect, and
// mempool.dat persistence. Every rejection throws VerifyError with Core's reason string.
//
// All state changes run one at a time through an internal queue, because acceptance awaits
// UTXO reads from the chain and a block may arrive in between; a block connect that
// arrives while work is queued is applied in arrival order behind it.
import { hashToHex, wtxidOf } from '../chain/block.js';
import { EventEmitter } from 'node:events';
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Block, Transaction } from '../chain/block.js';
import type { Coin } from '../chain/coin.js';
import { LOCKTIME_VERIFY_SEQUENCE } from '../chain/consensus.js';
import { VerifyError } from '../chain/errors.js';
import type { NetworkParams } from '../chain/params.js';
import { calculateSequenceLocks, evaluateSequenceLocks, isCoinbaseTx, isFinalTx } from '../chain/tx-checks.js';
import {
  type AcceptArgs, type AcceptPolicy, MEMPOOL_HEIGHT, type MempoolChain, type MempoolExtension, type Workspace, reject,
  validateTransaction,
} from './accept.js';
import { type MempoolEntry, entryUsage, feeRateCompare, feeRatePerKvB } from './entry.js';
import { PackageView, TxGraph, outpoint } from './graph.js';
import { checkPackage } from './package.js';
import { MempoolFileError, decodeMempool, encodeMempool } from './persist.js';
import {
  DEFAULT_ANCESTOR_LIMIT, DEFAULT_ANCESTOR_SIZE_LIMIT_KVB, DEFAULT_DESCENDANT_LIMIT, DEFAULT_DESCENDANT_SIZE_LIMIT_KVB,
  DEFAULT_INCREMENTAL_RELAY_FEE, DEFAULT_MAX_MEMPOOL_SIZE_MB, DEFAULT_MEMPOOL_EXPIRY_HOURS, DEFAULT_MIN_RELAY_TX_FEE,
  DUST_RELAY_TX_FEE, MAX_OP_RETURN_RELAY, type StandardOptions,
} from './policy.js';
import { RollingMinFee } from './rolling-fee.js';

export type { MempoolEntry } from './entry.js';
export { MEMPOOL_HEIGHT, type MempoolChain, type MempoolExtension } from './accept.js';

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
  /** Extra acceptance rules (consensus extensions), run in order after Core's checks. */
  extensions?: MempoolExtension[];
  log?: (msg: string) => void;
}

export interface TestAcceptResult {
  txid: string;
  wtxid: string;
  /** Undefined when validation of a package stopped before reaching a verdict on this member. */
  allowed?: boolean;
  vsize?: number;
  /** Base fee in satoshis. */
  fee?: bigint;
  /** Modified fee rate in sat/kvB, and the wtxids it was computed over. */
  effectiveFeeRate?: bigint;
  effectiveIncludes?: string[];
  /** Core's reject-reason and reject-details. */
  reason?: string;
  details?: string;
  /** Core's package-error: the package as a whole is malformed. */
  packageError?: string;
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

function now(): number {
  return Math.floor(Date.now() / 1000);
}

export class Mempool extends EventEmitter implements AcceptPolicy {
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
  readonly extensions: readonly MempoolExtension[];
  /** True once load() finished (Core's getmempoolinfo "loaded"). */
  loaded = false;
  /** Why the last load() ignored the file, if it did. */
  loadError?: string;

  private readonly graph = new TxGraph();
  private readonly deltas = new Map<string, bigint>();
  /** No entry is older than this (a lower bound; Infinity when empty). */
  private oldestTime = Infinity;
  /** Blocks disconnected and not yet re-added, newest first. */
  private disconnected: Block[] = [];
  private readonly rollingFee: RollingMinFee;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private saveTimer?: NodeJS.Timeout;
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
      exemptOutput: (script) => (opts.extensions ?? []).some((x) => x.standardOutput?.(script) ?? false),
    };
    this.ancestorLimit = opts.ancestorLimit ?? DEFAULT_ANCESTOR_LIMIT;
    this.ancestorSizeLimit = (opts.ancestorSizeLimitKvB ?? DEFAULT_ANCESTOR_SIZE_LIMIT_KVB) * 1000;
    this.descendantLimit = opts.descendantLimit ?? DEFAULT_DESCENDANT_LIMIT;
    this.descendantSizeLimit = (opts.descendantSizeLimitKvB ?? DEFAULT_DESCENDANT_SIZE_LIMIT_KVB) * 1000;
    this.expirySeconds = (opts.expiryHours ?? DEFAULT_MEMPOOL_EXPIRY_HOURS) * 3600;
    this.extensions = opts.extensions ?? [];
    this.rollingFee = new RollingMinFee(this.incrementalRelayFee, now());
    this.log = opts.log ?? (() => {});
  }

  // ---- queries ----

  get size(): number {
    return this.graph.size;
  }
  /** Bumped on every addition or removal (Core's GetTransactionsUpdated, for GBT longpollid). */
  get transactionsUpdated(): number {
    return this.graph.updates;
  }
  has(txid: string): boolean {
    return this.graph.get(txid) !== undefined;
  }
  hasWtxid(wtxid: string): boolean {
    return this.graph.hasWtxid(wtxid);
  }
  get(txid: string): MempoolEntry | undefined {
    return this.graph.get(txid);
  }
  getByWtxid(wtxid: string): MempoolEntry | undefined {
    return this.graph.getByWtxid(wtxid);
  }
  /** Entries sorted by txid (stable output for getrawmempool). */
  entries(): MempoolEntry[] {
    return [...this.graph.values()].sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0));
  }
  /** An output created by a mempool transaction (height MEMPOOL_HEIGHT), spent or not. */
  getCoin(txid: string, vout: number): Coin | undefined {
    const out = this.graph.get(txid)?.tx.outs[vout];
    return out ? { value: out.value, script: out.script, height: MEMPOOL_HEIGHT, coinbase: false } : undefined;
  }
  /** The mempool transaction spending this outpoint, if any. */
  isSpent(txid: string, vout: number): string | undefined {
    return this.graph.spender(outpoint(txid, vout));
  }
  /** Direct in-mempool parents (Core's getmempoolentry "depends"). */
  getParents(txid: string): string[] {
    return [...(this.graph.get(txid)?.depends ?? [])];
  }
  /** Direct in-mempool children (Core's getmempoolentry "spentby"). */
  getChildren(txid: string): string[] {
    return [...(this.graph.get(txid)?.spentBy ?? [])];
  }
  /** All in-mempool ancestors (not including txid itself). */
  getAncestors(txid: string): Set<string> {
    return this.graph.ancestors(txid);
  }
  /** All in-mempool descendants (not including txid itself). */
  getDescendants(txid: string): Set<string> {
    return this.graph.descendants(txid);
  }
  /** Every prioritisetransaction delta, by txid. */
  prioritisedTransactions(): [string, bigint][] {
    return [...this.deltas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  getDelta(txid: string): bigint {
    return this.deltas.get(txid) ?? 0n;
  }

  /** Core's GetMinFee: the rolling minimum fee rate in sat/kvB (0 when none is in force). */
  getMinFee(): bigint {
    return this.rollingFee.get(now(), this.graph.usage, this.maxSize);
  }

  info(): MempoolInfo {
    const minFee = this.getMinFee();
    return {
      loaded: this.loaded,
      size: this.graph.size,
      bytes: this.graph.bytes,
      usage: this.graph.usage,
      totalFee: this.graph.fees,
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

  /**
   * Resolves when every operation queued before the call has finished (block connects
   * deferred behind an acceptance included), so a caller sees the pool consistent with
   * the chain's tip. Templates are built only after this.
   */
  async flush(): Promise<void> {
    await this.queue.catch(() => {});
  }

  // ---- acceptance ----

  /** Core's AcceptToMemoryPool for one transaction. Throws VerifyError with Core's reason. */
  addTransaction(tx: Transaction): Promise<MempoolEntry> {
    return this.run(() => this.accept(tx, { allowReplacement: true, bypassLimits: false }));
  }

  /**
   * Core's testmempoolaccept: one transaction, or a package (up to 25, topologically
   * sorted) whose later members may spend earlier ones; replacements are not allowed
   * inside a package. As Core, once a member fails the others get no verdict. Never
   * changes the pool.
   */
  testAccept(txs: Transaction[]): Promise<TestAcceptResult[]> {
    return this.run(async () => {
      const ids = txs.map((tx) => ({ txid: tx.getId(), wtxid: wtxidOf(tx) }));
      const single = txs.length === 1;
      if (!single) {
        const packageError = checkPackage(txs);
        if (packageError) return ids.map((id) => ({ ...id, packageError }));
      }
      const view = new PackageView(this.graph);
      const results: TestAcceptResult[] = [];
      for (let i = 0; i < txs.length; i++) {
        try {
          const ws = await validateTransaction(txs[i], this, { allowReplacement: single, bypassLimits: false }, view);
          view.add(this.makeEntry(ws, now()), ws.ancestors);
          results.push({
            ...ids[i], allowed: true, vsize: ws.vsize, fee: ws.fee,
            effectiveFeeRate: feeRatePerKvB(ws.modifiedFee, ws.vsize), effectiveIncludes: [ws.wtxid],
          });
        } catch (e) {
          if (!(e instanceof VerifyError)) throw e;
          const failed = { ...ids[i], allowed: false, reason: e.reason, details: e.details || undefined };
          if (single) return [failed];
          return ids.map((id, j) => (j === i ? failed : { ...id }));
        }
      }
      return results;
    });
  }

  private async accept(tx: Transaction, args: AcceptArgs): Promise<MempoolEntry> {
    const ws = await validateTransaction(tx, this, args, this.graph);
    return this.finalize(ws, args);
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

  /** Core's Finalize: evict the replaced, add, then enforce the size limit. */
  private finalize(ws: Workspace, args: AcceptArgs): MempoolEntry {
    if (ws.allConflicts.size > 0) this.remove(ws.allConflicts, 'replaced');
    const entry = this.makeEntry(ws, args.time ?? now());
    this.graph.insert(entry);
    this.oldestTime = Math.min(this.oldestTime, entry.time);
    if (!args.bypassLimits) {
      this.limitSize();
      if (!this.has(entry.txid)) throw reject('mempool full');
    }
    this.emit('tx', entry);
    return entry;
  }

  private remove(set: Set<string>, reason: RemovalReason): void {
    for (const e of this.graph.remove(set)) this.emit('removed', e, reason);
  }

  private removeRecursive(txid: string, reason: RemovalReason): void {
    if (!this.has(txid)) return;
    const set = this.graph.descendants(txid);
    set.add(txid);
    this.remove(set, reason);
  }

  // ---- size limit ----

  /** Core's LimitMempoolSize: expire old entries, then evict down to -maxmempool. */
  private limitSize(): void {
    const cutoff = now() - this.expirySeconds;
    // Scanning is skipped while even the oldest entry (a lower bound kept across
    // removals) is younger than the cutoff, so acceptance stays O(1) here.
    if (cutoff > this.oldestTime) {
      const old = new Set<string>();
      let oldest = Infinity;
      for (const e of this.graph.values()) {
        if (e.time >= cutoff) {
          oldest = Math.min(oldest, e.time);
          continue;
        }
        old.add(e.txid);
        for (const d of this.graph.descendants(e.txid)) old.add(d);
      }
      this.oldestTime = oldest;
      if (old.size) this.remove(old, 'expiry');
    }
    this.trimToSize(this.maxSize);
  }

  /**
   * Core's TrimToSize: evict the package with the lowest descendant score (the higher of a
   * transaction's own feerate and its feerate with descendants) until usage fits; the
   * evicted rate plus the incremental relay fee becomes the rolling minimum fee.
   */
  trimToSize(limit: number): void {
    while (this.graph.size > 0 && this.graph.usage > limit) {
      let worst: MempoolEntry | undefined;
      let worstFee = 0n;
      let worstSize = 0;
      for (const e of this.graph.values()) {
        const useDesc = feeRateCompare(e.descendantFees, e.descendantSize, e.modifiedFee, e.vsize) > 0;
        const fee = useDesc ? e.descendantFees : e.modifiedFee;
        const size = useDesc ? e.descendantSize : e.vsize;
        const c = worst ? feeRateCompare(fee, size, worstFee, worstSize) : -1;
        // Ties: the newer transaction goes first (Core's descendant_score index).
        if (c < 0 || (c === 0 && e.time >= worst!.time)) {
          worst = e;
          worstFee = fee;
          worstSize = size;
        }
      }
      this.rollingFee.bump(feeRatePerKvB(worst!.descendantFees, worst!.descendantSize) + this.incrementalRelayFee);
      this.removeRecursive(worst!.txid, 'sizelimit');
    }
  }

  // ---- block connect / disconnect ----

  /** Core's removeForBlock: drop confirmed transactions and everything conflicting with them. */
  handleConnect(block: Block): void {
    if (this.pending > 0) {
      void this.run(async () => this.connectNow(block)).catch((e) => this.log(`mempool: connect failed: ${e}`));
      return;
    }
    this.connectNow(block);
  }

  private connectNow(block: Block): void {
    for (const tx of block.transactions ?? []) {
      const txid = tx.getId();
      if (this.has(txid)) this.remove(new Set([txid]), 'block');
      if (isCoinbaseTx(tx)) continue;
      for (const input of tx.ins) {
        const spender = this.graph.spender(outpoint(hashToHex(input.hash), input.index));
        if (spender !== undefined && spender !== txid) this.removeRecursive(spender, 'conflict');
      }
      this.deltas.delete(txid);
    }
    this.rollingFee.blockConnected(now());
  }

  /**
   * A block left the main chain (the chain's tip is now its parent). As Core's
   * DisconnectedBlockTransactions + MaybeUpdateMempoolForReorg: the transactions of every
   * block disconnected so far are re-added oldest block first (so a child confirmed one
   * block above its parent finds the parent back in the pool), then every entry is
   * re-checked against the tip the chain has reached by then.
   */
  handleDisconnect(block: Block): Promise<void> {
    this.disconnected.push(block);
    return this.run(async () => {
      // An earlier job may already have taken this block along with its own.
      const blocks = this.disconnected.splice(0).reverse();
      if (blocks.length === 0) return;
      for (const b of blocks) {
        for (const tx of b.transactions ?? []) {
          if (isCoinbaseTx(tx)) continue;
          try {
            await this.accept(tx, { allowReplacement: true, bypassLimits: true });
          } catch (e) {
            if (!(e instanceof VerifyError)) throw e;
            this.log(`mempool: disconnected tx ${tx.getId()} not re-added: ${e.message}`);
          }
        }
      }
      await this.removeForReorg();
      this.limitSize();
    });
  }

  /**
   * Re-validates the entries `select` picks (and their descendants) against the current tip:
   * each is taken out and offered again, after the transactions in `first` (already in the
   * pool ones are skipped by acceptance), so an extension's state change (e.g. an ODA model's
   * new weights making pending inferences stale) evicts exactly what it invalidated.
   */
  recheck(select: (entry: MempoolEntry) => boolean, first: Transaction[] = []): Promise<number> {
    return this.run(async () => {
      const picked = new Set<string>();
      for (const e of this.graph.values()) {
        if (!select(e)) continue;
        picked.add(e.txid);
        for (const d of this.graph.descendants(e.txid)) picked.add(d);
      }
      if (picked.size === 0 && first.length === 0) return 0;
      // Parents before children: ancestor count orders any package topologically. `first`
      // (e.g. a disconnected block's transactions) goes ahead of what was pending, so that
      // the chain's older state wins over entries accepted against a tip that no longer is.
      const pending = [...picked].map((id) => this.get(id)!).sort((a, b) => a.ancestorCount - b.ancestorCount).map((e) => e.tx);
      const txs = [...first.filter((t) => !picked.has(t.getId())), ...pending];
      this.remove(picked, 'reorg');
      let dropped = 0;
      for (const tx of txs) {
        try {
          await this.accept(tx, { allowReplacement: true, bypassLimits: true });
        } catch (e) {
          if (!(e instanceof VerifyError)) throw e;
          dropped++;
          this.log(`mempool: ${tx.getId()} no longer valid: ${e.message}`);
        }
      }
      return dropped;
    });
  }

  /** Core's removeForReorg: drop entries the new tip makes non-final, immature or unspendable. */
  private async removeForReorg(): Promise<void> {
    const tip = this.chain.tip;
    const nextHeight = tip.height + 1;
    const mtp = this.chain.medianTimePast(tip);
    const bad = new Set<string>();
    for (const e of this.graph.values()) {
      let ok = isFinalTx(e.tx, nextHeight, mtp);
      const heights: number[] = [];
      for (const input of e.tx.ins) {
        if (!ok) break;
        const prevTxid = hashToHex(input.hash);
        if (this.has(prevTxid)) {
          heights.push(nextHeight);
          continue;
        }
        const coin = await this.chain.getCoin(prevTxid, input.index);
        if (!coin || (coin.coinbase && nextHeight - coin.height < this.params.coinbaseMaturity)) ok = false;
        else heights.push(coin.height);
      }
      if (ok) {
        const locks = calculateSequenceLocks(e.tx, LOCKTIME_VERIFY_SEQUENCE, heights, (h) =>
          this.chain.medianTimePast(this.chain.getEntryByHeight(h)!),
        );
        ok = evaluateSequenceLocks(nextHeight, mtp, locks);
      }
      if (!ok) {
        bad.add(e.txid);
        for (const d of this.graph.descendants(e.txid)) bad.add(d);
      }
    }
    if (bad.size) this.remove(bad, 'reorg');
  }

  // ---- prioritisetransaction ----

  /** Core's PrioritiseTransaction: a fee delta that selection and eviction see. */
  prioritiseTransaction(txid: string, delta: bigint): void {
    const total = this.getDelta(txid) + delta;
    if (total === 0n) this.deltas.delete(txid);
    else this.deltas.set(txid, total);
    const e = this.graph.get(txid);
    if (e) this.graph.setModifiedFee(txid, e.modifiedFee + delta);
  }

  // ---- persistence ----

  /** Writes mempool.dat atomically (temp file + rename). */
  async save(): Promise<void> {
    if (!this.file) return;
    const ordered = [...this.graph.values()].sort((a, b) => a.ancestorCount - b.ancestorCount || a.time - b.time);
    const data = encodeMempool({
      txs: ordered.map((e) => ({ tx: e.tx, time: e.time, feeDelta: this.getDelta(e.txid) })),
      deltas: new Map([...this.deltas].filter(([txid]) => !this.has(txid))),
    });
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.new`;
    await writeFile(tmp, data);
    await rename(tmp, this.file);
  }

  /** Saves every `seconds` (in addition to the save at close()); errors are logged. */
  startPeriodicSave(seconds: number): void {
    this.stopPeriodicSave();
    this.saveTimer = setInterval(() => {
      this.save().catch((e) => this.log(`mempool: periodic save failed: ${(e as Error).message}`));
    }, seconds * 1000);
    this.saveTimer.unref();
  }

  stopPeriodicSave(): void {
    if (this.saveTimer) clearInterval(this.saveTimer);
    this.saveTimer = undefined;
  }

  /** Shutdown: stop the timer, let queued work finish, write mempool.dat. */
  async close(): Promise<void> {
    this.stopPeriodicSave();
    await this.flush();
    await this.save();
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
      const snap = this.file ? await this.readSnapshot(this.file) : undefined;
      if (snap) {
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
      }
      this.loaded = true;
      return counts;
    });
  }

  private async readSnapshot(file: string): Promise<ReturnType<typeof decodeMempool> | undefined> {
    let data: Uint8Array;
    try {
      data = await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.loadError = `cannot read ${file}: ${(e as Error).message}`;
        this.log(`mempool: ${this.loadError}`);
      }
      return undefined;
    }
    try {
      return decodeMempool(data);
    } catch (e) {
      if (!(e instanceof MempoolFileError)) throw e;
      this.loadError = `${file} ignored: ${e.message}`;
      this.log(`mempool: ${this.loadError}`);
      return undefined;
    }
  }
}
