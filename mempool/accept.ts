// Transaction acceptance checks (Core's MemPoolAccept): PreChecks in Core's order, the
// BIP125 replacement checks, and the script checks with Core's mandatory/non-mandatory
// classification. Pure with respect to the pool: reads it through a GraphView and the
// chain through AcceptPolicy, and returns a Workspace for the caller to apply.
import { wtxidOf, hashToHex } from '../chain/block.js';
import type { Transaction } from '../chain/block.js';
import type { Coin } from '../chain/coin.js';
import type { BlockEntry } from '../chain/entry.js';
import { LOCKTIME_VERIFY_SEQUENCE } from '../chain/consensus.js';
import { VerifyError } from '../chain/errors.js';
import type { NetworkParams } from '../chain/params.js';
import {
  calculateSequenceLocks, checkTransaction, checkTxInputs, evaluateSequenceLocks, isCoinbaseTx, isFinalTx,
} from '../chain/tx-checks.js';
import { STANDARD_SCRIPT_VERIFY_FLAGS, checkInputScripts, getTransactionSigOpCost } from '../chain/script/index.js';
import type { MempoolEntry } from './entry.js';
import { type GraphView, outpoint } from './graph.js';
import {
  MAX_STANDARD_TX_SIGOPS_COST, MIN_STANDARD_TX_NONWITNESS_SIZE, type StandardOptions, areInputsStandard, checkStandardTx,
  feeForSize, isWitnessStandard, signalsOptInRbf, virtualSize,
} from './policy.js';
import { checkReplacementCount, hasNoNewUnconfirmed, paysForRbf, paysMoreThanConflicts } from './rbf.js';

/** Height Core's CCoinsViewMemPool gives coins created by mempool transactions. */
export const MEMPOOL_HEIGHT = 0x7fffffff;

/** What the mempool needs from the chain; chain/chain.ts's Chain satisfies it. */
export interface MempoolChain {
  readonly params: NetworkParams;
  readonly tip: BlockEntry;
  getCoin(txid: string, vout: number): Promise<Coin | undefined>;
  getEntryByHeight(height: number): BlockEntry | undefined;
  medianTimePast(entry: BlockEntry): number;
}

/**
 * Extra acceptance rules from a consensus extension (ODA's model transactions): run after
 * Core's checks pass, they throw VerifyError with the extension's reject reason, which then
 * shows in sendrawtransaction and testmempoolaccept like Core's own.
 */
export interface MempoolExtension {
  name: string;
  checkTransaction(tx: Transaction, ctx: { coins: readonly Coin[]; nextHeight: number; inPool(txid: string): boolean }): void | Promise<void>;
  /**
   * A per-block budget the extension's consensus rules impose (e.g. ODA compute units);
   * block templates built from this pool respect it (miner/template.ts BlockResource).
   */
  blockResource?: { name: string; limit: number; cost(entry: MempoolEntry): number; cu?: boolean };
  /** Outputs the extension defines and bounds itself (e.g. ODA's envelope), exempt from the datacarrier limit. */
  standardOutput?(script: Uint8Array): boolean;
}

/** The pool's configuration and state acceptance reads. */
export interface AcceptPolicy {
  chain: MempoolChain;
  params: NetworkParams;
  requireStandard: boolean;
  standard: StandardOptions;
  fullRbf: boolean;
  minRelayFee: bigint;
  incrementalRelayFee: bigint;
  ancestorLimit: number;
  ancestorSizeLimit: number;
  descendantLimit: number;
  descendantSizeLimit: number;
  extensions: readonly MempoolExtension[];
  getMinFee(): bigint;
  getDelta(txid: string): bigint;
}

export interface AcceptArgs {
  allowReplacement: boolean;
  bypassLimits: boolean;
  /** Acceptance time (persisted entries keep their original time). */
  time?: number;
}

/** Validation state for one transaction (Core's Workspace). */
export interface Workspace {
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
  /** Directly conflicting pool transactions, and those plus their descendants. */
  conflicts: Set<string>;
  allConflicts: Set<string>;
}

export function reject(reason: string, details = '', score = 0): VerifyError {
  return new VerifyError('tx', reason, score, details);
}

/** An entry's in-pool descendants through the view. */
function collect(pool: GraphView, txid: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(pool.get(txid)?.spentBy ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    const e = pool.get(id);
    if (!e) continue;
    out.add(id);
    stack.push(...e.spentBy);
  }
  return out;
}

/** Core's PreChecks + ReplacementChecks + PolicyScriptChecks; changes nothing. */
export async function validateTransaction(tx: Transaction, p: AcceptPolicy, args: AcceptArgs, pool: GraphView): Promise<Workspace> {
  checkTransaction(tx);
  if (isCoinbaseTx(tx)) throw reject('coinbase', '', 100);
  if (p.requireStandard) {
    const reason = checkStandardTx(tx, p.standard);
    if (reason) throw reject(reason);
  }
  // Transactions smaller than 65 non-witness bytes could be confused with merkle-tree
  // inner nodes (CVE-2017-12842).
  if (tx.byteLength(false) < MIN_STANDARD_TX_NONWITNESS_SIZE) throw reject('tx-size-small');

  const tip = p.chain.tip;
  const nextHeight = tip.height + 1;
  const mtp = p.chain.medianTimePast(tip);
  if (!isFinalTx(tx, nextHeight, mtp)) throw reject('non-final');

  const txid = tx.getId();
  const wtxid = wtxidOf(tx);
  if (pool.hasWtxid(wtxid)) throw reject('txn-already-in-mempool');
  if (pool.get(txid)) throw reject('txn-same-nonwitness-data-in-mempool');

  const conflicts = new Set<string>();
  for (const input of tx.ins) {
    const spender = pool.spender(outpoint(hashToHex(input.hash), input.index));
    if (spender === undefined || conflicts.has(spender)) continue;
    if (!args.allowReplacement) throw reject('bip125-replacement-disallowed');
    if (!p.fullRbf && !signalsOptInRbf(pool.get(spender)!.tx)) throw reject('txn-mempool-conflict');
    conflicts.add(spender);
  }

  const coins: Coin[] = [];
  const parents = new Set<string>();
  let missing = false;
  for (const input of tx.ins) {
    const prevTxid = hashToHex(input.hash);
    const parent = pool.get(prevTxid);
    let coin: Coin | undefined;
    if (parent) {
      const out = parent.tx.outs[input.index];
      if (out) {
        coin = { value: out.value, script: out.script, height: MEMPOOL_HEIGHT, coinbase: false };
        parents.add(prevTxid);
      }
    } else {
      coin = await p.chain.getCoin(prevTxid, input.index);
    }
    if (!coin) missing = true;
    else coins.push(coin);
  }
  if (missing) {
    for (let i = 0; i < tx.outs.length; i++) {
      if (await p.chain.getCoin(txid, i)) throw reject('txn-already-known');
    }
    throw reject('missing-inputs', 'bad-txns-inputs-missingorspent');
  }

  const prevHeights = coins.map((c) => (c.height === MEMPOOL_HEIGHT ? nextHeight : c.height));
  const locks = calculateSequenceLocks(tx, LOCKTIME_VERIFY_SEQUENCE, prevHeights, (h) =>
    p.chain.medianTimePast(p.chain.getEntryByHeight(h)!),
  );
  if (!evaluateSequenceLocks(nextHeight, mtp, locks)) throw reject('non-BIP68-final');

  // Mempool coins carry MEMPOOL_HEIGHT, which never counts as an immature coinbase.
  const fee = checkTxInputs(tx, coins, nextHeight, p.params);
  const prevScripts = coins.map((c) => c.script);
  if (p.requireStandard) {
    if (!areInputsStandard(tx, prevScripts)) throw reject('bad-txns-nonstandard-inputs');
    if (tx.hasWitnesses() && !isWitnessStandard(tx, prevScripts)) throw reject('bad-witness-nonstandard');
  }
  const prevouts = coins.map((c) => ({ script: c.script, value: c.value }));
  const sigOpCost = getTransactionSigOpCost(tx, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS);
  if (sigOpCost > MAX_STANDARD_TX_SIGOPS_COST) throw reject('bad-txns-too-many-sigops', String(sigOpCost));

  const modifiedFee = fee + p.getDelta(txid);
  const weight = tx.weight();
  const vsize = virtualSize(weight, sigOpCost);
  if (!args.bypassLimits) {
    const rejectFee = feeForSize(p.getMinFee(), vsize);
    if (rejectFee > 0n && modifiedFee < rejectFee) throw reject('mempool min fee not met', `${modifiedFee} < ${rejectFee}`);
    const relayFee = feeForSize(p.minRelayFee, vsize);
    if (modifiedFee < relayFee) throw reject('min relay fee not met', `${modifiedFee} < ${relayFee}`);
  }

  const ancestors = checkAncestorLimits(parents, vsize, pool, p);
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
      for (const d of collect(pool, id)) allConflicts.add(d);
    }
    err = checkReplacementCount(direct, allConflicts, txid);
    if (err) throw reject('too many potential replacements', err);
    err = hasNoNewUnconfirmed(tx, direct, (id) => pool.get(id) !== undefined);
    if (err) throw reject('replacement-adds-unconfirmed', err);
    let conflictingFees = 0n;
    for (const id of allConflicts) conflictingFees += pool.get(id)!.modifiedFee;
    err = paysForRbf(conflictingFees, modifiedFee, vsize, p.incrementalRelayFee, txid);
    if (err) throw reject('insufficient fee', err);
  }

  // Core's PolicyScriptChecks: standard flags, and on failure the mandatory-only re-check
  // that tells a policy failure from a consensus one (chain/script's checkInputScripts).
  const failure = checkInputScripts(tx, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS);
  if (failure) throw reject(failure.reason, '', failure.mandatory ? 100 : 0);

  for (const ext of p.extensions) {
    await ext.checkTransaction(tx, { coins, nextHeight, inPool: (id) => pool.get(id) !== undefined });
  }

  return {
    tx, txid, wtxid, coins, fee, modifiedFee, weight, vsize, sigOpCost,
    spendsCoinbase: coins.some((c) => c.coinbase), parents, ancestors, conflicts, allConflicts,
  };
}

/**
 * Core's CalculateMemPoolAncestors with limits; returns the ancestor set or throws
 * too-long-mempool-chain with Core's detail string.
 */
function checkAncestorLimits(parents: Set<string>, vsize: number, pool: GraphView, p: AcceptPolicy): Set<string> {
  if (parents.size + 1 > p.ancestorLimit) {
    throw reject('too-long-mempool-chain', `too many unconfirmed parents [limit: ${p.ancestorLimit}]`);
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
    if (pool.descendantSize(e) + vsize > p.descendantSizeLimit) {
      throw reject('too-long-mempool-chain', `exceeds descendant size limit for tx ${id} [limit: ${p.descendantSizeLimit}]`);
    }
    if (pool.descendantCount(e) + 1 > p.descendantLimit) {
      throw reject('too-long-mempool-chain', `too many descendants for tx ${id} [limit: ${p.descendantLimit}]`);
    }
    if (totalSize > p.ancestorSizeLimit) {
      throw reject('too-long-mempool-chain', `exceeds ancestor size limit [limit: ${p.ancestorSizeLimit}]`);
    }
    for (const p of e.depends) if (!ancestors.has(p) && !staged.includes(p)) staged.push(p);
    if (staged.length + ancestors.size + 1 > p.ancestorLimit) {
      throw reject('too-long-mempool-chain', `too many unconfirmed ancestors [limit: ${p.ancestorLimit}]`);
    }
  }
  return ancestors;
}


