// Core's CheckInputScripts (validation.cpp): verify every input, sharing the per-transaction
// sighash data, and classify a failure the way Core reports it. When a transaction fails under
// flags that include policy-only ones, it is checked again without them: if it then passes,
// the failure is non-standard, not invalid (peers must not be punished for it).
import type { Transaction } from '../block.js';
import { ScriptError, isScriptError } from './errors.js';
import { PrecomputedTransactionData, type Prevout } from './sighash.js';
import { TransactionSignatureChecker } from './checker.js';
import { verifyScript } from './verify.js';
import { STANDARD_NOT_MANDATORY_VERIFY_FLAGS } from './flags.js';

export interface InputScriptFailure {
  /** The failing input. */
  index: number;
  error: ScriptError;
  /** True for a consensus failure; false when only policy flags reject it. */
  mandatory: boolean;
  /** Core's reject reason, e.g. "mandatory-script-verify-flag-failed (Signature must be zero for failed CHECK(MULTI)SIG operation)". */
  reason: string;
}

function check(tx: Transaction, i: number, prevouts: Prevout[], flags: number, txdata: PrecomputedTransactionData): ScriptError | undefined {
  try {
    const checker = new TransactionSignatureChecker(tx, i, prevouts[i].value, prevouts, txdata);
    verifyScript(tx.ins[i].script, prevouts[i].script, tx.ins[i].witness ?? [], flags, checker);
    return undefined;
  } catch (e) {
    if (isScriptError(e)) return e;
    throw e;
  }
}

/** Checks all inputs; returns the first failure (Core's order) or undefined when all pass. */
export function checkInputScripts(tx: Transaction, prevouts: Prevout[], flags: number): InputScriptFailure | undefined {
  if (prevouts.length !== tx.ins.length) throw new RangeError(`need ${tx.ins.length} prevouts, got ${prevouts.length}`);
  const txdata = new PrecomputedTransactionData(tx, prevouts);
  for (let i = 0; i < tx.ins.length; i++) {
    const error = check(tx, i, prevouts, flags, txdata);
    if (!error) continue;
    if (flags & STANDARD_NOT_MANDATORY_VERIFY_FLAGS && !check(tx, i, prevouts, flags & ~STANDARD_NOT_MANDATORY_VERIFY_FLAGS, txdata)) {
      return { index: i, error, mandatory: false, reason: `non-mandatory-script-verify-flag (${error.message})` };
    }
    return { index: i, error, mandatory: true, reason: `mandatory-script-verify-flag-failed (${error.message})` };
  }
  return undefined;
}
