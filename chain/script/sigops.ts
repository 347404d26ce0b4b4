// Signature-operation counting exactly as Core (consensus/tx_verify.cpp, script.cpp), used for
// the per-block MAX_BLOCK_SIGOPS_COST limit and the mempool's sigop policy.
import type { Transaction } from '../block.js';
import { countSigOps, isPayToScriptHash, isPushOnly, lastPush, witnessProgram } from './script.js';
import { SCRIPT_VERIFY_P2SH, SCRIPT_VERIFY_WITNESS } from './flags.js';
import type { Prevout } from './sighash.js';

export const WITNESS_SCALE_FACTOR = 4;

function isCoinbase(tx: Transaction): boolean {
  return tx.ins.length === 1 && tx.ins[0].index === 0xffffffff && tx.ins[0].hash.every((b) => b === 0);
}

/** Sigops in scriptSigs and scriptPubKeys, multisig counted as 20 (Core's GetLegacySigOpCount). */
export function getLegacySigOpCount(tx: Transaction): number {
  let n = 0;
  for (const input of tx.ins) n += countSigOps(input.script, false);
  for (const output of tx.outs) n += countSigOps(output.script, false);
  return n;
}

/** Accurate sigops of the redeem scripts of P2SH inputs (Core's GetP2SHSigOpCount). */
export function getP2SHSigOpCount(tx: Transaction, prevouts: Prevout[]): number {
  if (isCoinbase(tx)) return 0;
  let n = 0;
  tx.ins.forEach((input, i) => {
    if (!isPayToScriptHash(prevouts[i].script)) return;
    const redeem = lastPush(input.script);
    if (redeem) n += countSigOps(redeem, true);
  });
  return n;
}

function witnessSigOps(version: number, program: Uint8Array, witness: Uint8Array[]): number {
  if (version === 0) {
    if (program.length === 20) return 1;
    if (program.length === 32 && witness.length > 0) return countSigOps(witness[witness.length - 1], true);
  }
  return 0;
}

/** Core's CountWitnessSigOps for one input. */
export function countWitnessSigOps(scriptSig: Uint8Array, scriptPubKey: Uint8Array, witness: Uint8Array[], flags: number): number {
  if (!(flags & SCRIPT_VERIFY_WITNESS)) return 0;
  const wp = witnessProgram(scriptPubKey);
  if (wp) return witnessSigOps(wp.version, wp.program, witness);
  if (isPayToScriptHash(scriptPubKey) && isPushOnly(scriptSig)) {
    const inner = witnessProgram(lastPush(scriptSig) ?? new Uint8Array(0));
    if (inner) return witnessSigOps(inner.version, inner.program, witness);
  }
  return 0;
}

/** Core's GetTransactionSigOpCost: legacy and P2SH sigops scaled by 4, witness sigops by 1. */
export function getTransactionSigOpCost(tx: Transaction, prevouts: Prevout[], flags: number): number {
  let cost = getLegacySigOpCount(tx) * WITNESS_SCALE_FACTOR;
  if (isCoinbase(tx)) return cost;
  if (flags & SCRIPT_VERIFY_P2SH) cost += getP2SHSigOpCount(tx, prevouts) * WITNESS_SCALE_FACTOR;
  tx.ins.forEach((input, i) => {
    cost += countWitnessSigOps(input.script, prevouts[i].script, input.witness, flags);
  });
  return cost;
}
