// Applying a block to a CoinView and taking it off again (Core's ConnectBlock /
// DisconnectBlock, without any I/O of their own): the chain validates against a scratch
// view first and writes the view's changes only when the whole step is known to be valid.
import { Block, Transaction } from './block.js';
import type { Coin } from './coin.js';
import type { CoinView } from './coins.js';
import { VerifyError } from './errors.js';
import type { NetworkParams } from './params.js';
import { outpointKey } from './block.js';
import { BAN_SCORE_INVALID, LOCKTIME_VERIFY_SEQUENCE, MAX_SCRIPT_SIZE } from './consensus.js';
import { calculateSequenceLocks, checkTxInputs, evaluateSequenceLocks, getBlockSubsidy, isCoinbaseTx } from './tx-checks.js';
import { blockScriptFlags, getTransactionSigOpCost, isScriptError, verifyInput, PrecomputedTransactionData } from './script/index.js';

/**
 * Reject reason prefix for a failed input script in a block. Core ≤ 27 reports
 * "mandatory-script-verify-flag-failed (<ScriptErrorString>)"; ODA uses that spelling for
 * blocks and transactions alike so the mempool and blocks print the same reason.
 */
export const SCRIPT_FAILURE_REASON = 'mandatory-script-verify-flag-failed';

/** Core's CScript::IsUnspendable: OP_RETURN outputs and oversize scripts never enter the UTXO set. */
export function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === 0x6a) || script.length > MAX_SCRIPT_SIZE;
}

export interface ConnectParams {
  height: number;
  params: NetworkParams;
  /** Median time past of the block's parent (BIP68 time locks). */
  prevMedianTimePast: number;
  /** Median time past of the block's ancestor at height h (BIP68 coin times). */
  mtpAt(height: number): number;
  /** Skip script checks (only ever for the genesis block). */
  skipScripts?: boolean;
}

export interface ConnectResult {
  /** tx.getHash() of every transaction in block order, computed once for the chain and its extensions. */
  txids: Uint8Array[];
  /** Spent coins in block order: the block's undo data. */
  spent: Coin[];
  fees: bigint;
  sigOpCost: number;
}

function bad(reason: string, details = ''): VerifyError {
  return new VerifyError('block', reason, BAN_SCORE_INVALID, details);
}

/**
 * Validates `block` against `view` and applies it there (ConnectBlock): BIP30, inputs,
 * BIP68, sigop cost, scripts, coinbase amount. On failure the view is left half-applied;
 * callers use a throw-away child view per block.
 */
export async function connectBlock(block: Block, view: CoinView, p: ConnectParams): Promise<ConnectResult> {
  const txs = block.transactions!;
  const txids = txs.map((t) => t.getHash());
  const flags = blockScriptFlags(p.height, p.params);
  const lockFlags = p.height >= p.params.csvHeight ? LOCKTIME_VERIFY_SEQUENCE : 0;

  // One round trip for every coin the block touches (spent inputs and BIP30 probes).
  const keys: string[] = [];
  for (let i = 0; i < txs.length; i++) {
    for (let o = 0; o < txs[i].outs.length; o++) keys.push(outpointKey(txids[i], o));
    if (i > 0) for (const input of txs[i].ins) keys.push(outpointKey(input.hash, input.index));
  }
  await view.prefetch(keys);

  // BIP30: no transaction may overwrite an unspent output of an earlier one with the same txid.
  for (let i = 0; i < txs.length; i++) {
    for (let o = 0; o < txs[i].outs.length; o++) {
      if (await view.get(outpointKey(txids[i], o))) throw bad('bad-txns-BIP30', 'tried to overwrite transaction');
    }
  }

  const spent: Coin[] = [];
  let fees = 0n;
  let sigOpCost = 0;
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i];
    const coinbase = i === 0 && isCoinbaseTx(tx);
    let prevouts: Coin[] = [];
    if (!coinbase) {
      const coins = await Promise.all(tx.ins.map((inp) => view.get(outpointKey(inp.hash, inp.index))));
      try {
        fees += checkTxInputs(tx, coins, p.height, p.params, 'block');
      } catch (e) {
        if (e instanceof VerifyError) throw new VerifyError('block', e.reason, BAN_SCORE_INVALID, `${e.details} in tx ${tx.getId()}`.trim());
        throw e;
      }
      prevouts = coins as Coin[];
      const locks = calculateSequenceLocks(tx, lockFlags, prevouts.map((c) => c.height), p.mtpAt);
      if (!evaluateSequenceLocks(p.height, p.prevMedianTimePast, locks)) {
        throw bad('bad-txns-nonfinal', `contains a non-BIP68-final transaction ${tx.getId()}`);
      }
    }
    sigOpCost += getTransactionSigOpCost(tx, prevouts, flags);
    if (sigOpCost > p.params.maxBlockSigOpsCost) throw bad('bad-blk-sigops', 'too many sigops');

    if (!coinbase) {
      if (!p.skipScripts) verifyScripts(tx, prevouts, flags);
      for (const inp of tx.ins) spent.push((await view.spend(outpointKey(inp.hash, inp.index)))!);
    }
    addOutputs(view, tx, txids[i], p.height, coinbase);
  }

  const subsidy = getBlockSubsidy(p.height, p.params);
  const cbOut = txs[0].outs.reduce((a, o) => a + o.value, 0n);
  if (cbOut > fees + subsidy) throw bad('bad-cb-amount', `coinbase pays too much (actual=${cbOut} vs limit=${fees + subsidy})`);
  return { txids, spent, fees, sigOpCost };
}

function verifyScripts(tx: Transaction, prevouts: Coin[], flags: number): void {
  const outs = prevouts.map((c) => ({ script: c.script, value: c.value }));
  // Shared sighash midstates once per tx: without them BIP143/341 hashing is quadratic in inputs.
  const txdata = new PrecomputedTransactionData(tx, outs);
  for (let i = 0; i < tx.ins.length; i++) {
    try {
      verifyInput(tx, i, outs, flags, txdata);
    } catch (e) {
      if (isScriptError(e)) throw bad(`${SCRIPT_FAILURE_REASON} (${e.message})`, `input ${i} of ${tx.getId()}`);
      throw e;
    }
  }
}

function addOutputs(view: CoinView, tx: Transaction, txid: Uint8Array, height: number, coinbase: boolean): void {
  tx.outs.forEach((out, o) => {
    if (isUnspendable(out.script)) return;
    view.add(outpointKey(txid, o), { value: out.value, script: out.script, height, coinbase });
  });
}

/**
 * Takes `block` off `view` using its undo coins (DisconnectBlock): transactions in reverse,
 * outputs removed, inputs restored in reverse, and every undo coin consumed exactly once.
 * Throws (a corrupt database, not a consensus failure) when the view does not match.
 * Returns the block's txids (tx.getHash(), block order).
 */
export async function disconnectBlock(block: Block, spent: Coin[], view: CoinView): Promise<Uint8Array[]> {
  const txs = block.transactions!;
  let cursor = spent.length;
  const txids = txs.map((t) => t.getHash());
  const keys: string[] = [];
  txs.forEach((tx, i) => tx.outs.forEach((_, o) => keys.push(outpointKey(txids[i], o))));
  await view.prefetch(keys);
  for (let i = txs.length - 1; i >= 0; i--) {
    const tx = txs[i];
    for (let o = tx.outs.length - 1; o >= 0; o--) {
      if (isUnspendable(tx.outs[o].script)) continue;
      const key = outpointKey(txids[i], o);
      const coin = await view.spend(key);
      if (!coin || coin.value !== tx.outs[o].value) throw new Error(`disconnect ${block.getId()}: output ${tx.getId()}:${o} missing from the UTXO set`);
    }
    if (i === 0 && isCoinbaseTx(tx)) continue;
    for (let j = tx.ins.length - 1; j >= 0; j--) {
      if (cursor === 0) throw new Error(`disconnect ${block.getId()}: undo data exhausted`);
      const coin = spent[--cursor];
      const key = outpointKey(tx.ins[j].hash, tx.ins[j].index);
      if (await view.get(key)) throw new Error(`disconnect ${block.getId()}: restored coin ${key} already unspent`);
      view.add(key, coin);
    }
  }
  if (cursor !== 0) throw new Error(`disconnect ${block.getId()}: ${cursor} undo coins left over`);
  return txids;
}
