// Public face of the script module (contract in docs/ARCHITECTURE.md): Core's script flags,
// ScriptError with Core's codes and texts, input verification and sigop counting.
import type { Transaction } from 'bitcoinjs-lib';
import { TransactionSignatureChecker } from './checker.js';
import { verifyScript } from './verify.js';
import type { Prevout } from './sighash.js';

export * from './flags.js';
export { ScriptError, isScriptError, SCRIPT_ERROR_MESSAGES } from './errors.js';
export type { ScriptErrorCode } from './errors.js';
export { verifyScript } from './verify.js';
export { TransactionSignatureChecker } from './checker.js';
export type { SignatureChecker, SigVersion } from './checker.js';
export { legacySighash, witnessV0Sighash, taprootSighash, precomputeTaproot } from './sighash.js';
export type { Prevout } from './sighash.js';
export { getLegacySigOpCount, getP2SHSigOpCount, getTransactionSigOpCost, countWitnessSigOps, WITNESS_SCALE_FACTOR } from './sigops.js';

/**
 * Verifies input `index` of `tx` against the coin it spends. `prevouts` holds every spent
 * output of the transaction in input order (taproot signatures commit to all of them).
 * Throws ScriptError (Core's code and message) when the spend is invalid under `flags`.
 */
export function verifyInput(tx: Transaction, index: number, prevouts: Prevout[], flags: number): void {
  if (index < 0 || index >= tx.ins.length) throw new RangeError(`input ${index} out of range`);
  if (prevouts.length !== tx.ins.length) throw new RangeError(`need ${tx.ins.length} prevouts, got ${prevouts.length}`);
  const input = tx.ins[index];
  const checker = new TransactionSignatureChecker(tx, index, prevouts[index].value, prevouts);
  verifyScript(input.script, prevouts[index].script, input.witness ?? [], flags, checker);
}
