// Public face of the script module (contract in docs/ARCHITECTURE.md): Core's script flags,
// ScriptError with Core's codes and texts, input verification and sigop counting.
import type { Transaction } from '../block.js';
import { TransactionSignatureChecker } from './checker.js';
import { verifyScript } from './verify.js';
import { PrecomputedTransactionData, type Prevout } from './sighash.js';

export * from './flags.js';
export { ScriptError, isScriptError, SCRIPT_ERROR_MESSAGES } from './errors.js';
export type { ScriptErrorCode } from './errors.js';
export { verifyScript } from './verify.js';
export { TransactionSignatureChecker } from './checker.js';
export type { SignatureChecker, SigVersion } from './checker.js';
export { legacySighash, witnessV0Sighash, taprootSighash, precomputeTaproot, PrecomputedTransactionData } from './sighash.js';
export type { Prevout } from './sighash.js';
export { checkInputScripts } from './check-inputs.js';
export type { InputScriptFailure } from './check-inputs.js';
export { getLegacySigOpCount, getP2SHSigOpCount, getTransactionSigOpCost, countWitnessSigOps, WITNESS_SCALE_FACTOR } from './sigops.js';

/**
 * Verifies input `index` of `tx` against the coin it spends. `prevouts` holds every spent
 * output of the transaction in input order (taproot signatures commit to all of them).
 * Throws ScriptError (Core's code and message) when the spend is invalid under `flags`.
 * When checking several inputs of one transaction, pass one `txdata` (built with the same tx
 * and prevouts) to all calls so the per-transaction sighash parts are hashed once.
 */
export function verifyInput(tx: Transaction, index: number, prevouts: Prevout[], flags: number, txdata?: PrecomputedTransactionData): void {
  if (index < 0 || index >= tx.ins.length) throw new RangeError(`input ${index} out of range`);
  if (prevouts.length !== tx.ins.length) throw new RangeError(`need ${tx.ins.length} prevouts, got ${prevouts.length}`);
  const input = tx.ins[index];
  if (txdata && (txdata.tx !== tx || (txdata.spent !== undefined && txdata.spent !== prevouts))) throw new Error('txdata belongs to another transaction');
  const checker = new TransactionSignatureChecker(tx, index, prevouts[index].value, prevouts, txdata ?? new PrecomputedTransactionData(tx, prevouts));
  verifyScript(input.script, prevouts[index].script, input.witness ?? [], flags, checker);
}
