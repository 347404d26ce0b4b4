// Transaction-bound signature, locktime and sequence checks (Core's
// GenericTransactionSignatureChecker). The interpreter talks to this interface only, so
// script tests can run against a checker of their own transaction.
import type { Transaction } from '../block.js';
import * as ecc from 'tiny-secp256k1';
import { parseDerLax } from './encoding.js';
import { legacySighash, witnessV0Sighash, taprootSighash, PrecomputedTransactionData, type Prevout } from './sighash.js';
import { ScriptError, type ScriptErrorCode } from './errors.js';

export type SigVersion = 'base' | 'witness_v0' | 'taproot' | 'tapscript';

/** Per-input execution state that tapscript signatures commit to (Core's ScriptExecutionData). */
export interface ExecutionData {
  annexHash?: Uint8Array;
  tapleafHash?: Uint8Array;
  codeSeparatorPos: number;
  validationWeightLeft: number;
}

export interface SignatureChecker {
  checkECDSASignature(sig: Uint8Array, pubkey: Uint8Array, scriptCode: Uint8Array, sigversion: SigVersion): boolean;
  /** Throws ScriptError with Core's Schnorr error codes; returns normally when valid. */
  checkSchnorrSignature(sig: Uint8Array, pubkey: Uint8Array, sigversion: SigVersion, exec: ExecutionData): void;
  checkLockTime(lockTime: bigint): boolean;
  checkSequence(sequence: bigint): boolean;
}

const LOCKTIME_THRESHOLD = 500_000_000n;
const SEQUENCE_FINAL = 0xffffffff;
const SEQUENCE_LOCKTIME_DISABLE_FLAG = 1n << 31n;
const SEQUENCE_LOCKTIME_TYPE_FLAG = 1n << 22n;
const SEQUENCE_LOCKTIME_MASK = 0xffffn;

/** Hybrid keys (0x06/0x07) parse in libsecp256k1 when the prefix matches y's parity. */
function normalizePubKey(pk: Uint8Array): Uint8Array | undefined {
  if (pk.length === 33 && (pk[0] === 0x02 || pk[0] === 0x03)) return pk;
  if (pk.length === 65 && pk[0] === 0x04) return pk;
  if (pk.length === 65 && (pk[0] === 0x06 || pk[0] === 0x07)) {
    if ((pk[64] & 1) !== (pk[0] & 1)) return undefined;
    const out = Uint8Array.from(pk);
    out[0] = 0x04;
    return out;
  }
  return undefined;
}

/** CPubKey::Verify: lax DER, high S accepted (libsecp256k1 verifies the normalized form). */
export function verifyECDSA(compactOrDer: Uint8Array, pubkey: Uint8Array, hash: Uint8Array): boolean {
  const pk = normalizePubKey(pubkey);
  if (!pk) return false;
  const sig = parseDerLax(compactOrDer);
  if (!sig) return false;
  try {
    return ecc.verify(hash, pk, sig, false);
  } catch {
    return false; // zero/overflowing R or S, or a point not on the curve
  }
}

export function verifySchnorr(sig: Uint8Array, xonly: Uint8Array, hash: Uint8Array): boolean {
  try {
    return ecc.verifySchnorr(hash, xonly, sig);
  } catch {
    return false;
  }
}

export class TransactionSignatureChecker implements SignatureChecker {
  readonly txdata: PrecomputedTransactionData;

  constructor(
    readonly tx: Transaction,
    readonly index: number,
    /** Value of the coin this input spends (BIP143 signs it). */
    readonly value: bigint,
    /** All spent outputs in input order; taproot signatures commit to them. */
    spent?: Prevout[],
    /** Shared per-transaction hashes; pass one instance for all inputs of a transaction. */
    txdata?: PrecomputedTransactionData,
  ) {
    this.txdata = txdata ?? new PrecomputedTransactionData(tx, spent);
  }

  checkECDSASignature(sigIn: Uint8Array, pubkey: Uint8Array, scriptCode: Uint8Array, sigversion: SigVersion): boolean {
    if (!normalizePubKey(pubkey)) return false;
    if (sigIn.length === 0) return false;
    const hashType = sigIn[sigIn.length - 1];
    const sig = sigIn.subarray(0, sigIn.length - 1);
    const hash =
      sigversion === 'witness_v0'
        ? witnessV0Sighash(this.tx, this.index, scriptCode, this.value, hashType, this.txdata)
        : legacySighash(this.tx, this.index, scriptCode, hashType);
    return verifyECDSA(sig, pubkey, hash);
  }

  checkSchnorrSignature(sigIn: Uint8Array, pubkey: Uint8Array, sigversion: SigVersion, exec: ExecutionData): void {
    const fail = (code: ScriptErrorCode): never => {
      throw new ScriptError(code);
    };
    if (sigIn.length !== 64 && sigIn.length !== 65) fail('SCRIPT_ERR_SCHNORR_SIG_SIZE');
    let sig = sigIn;
    let hashType = 0;
    if (sigIn.length === 65) {
      hashType = sigIn[64];
      if (hashType === 0) fail('SCRIPT_ERR_SCHNORR_SIG_HASHTYPE');
      sig = sigIn.subarray(0, 64);
    }
    const tapscript = sigversion === 'tapscript' ? { leafHash: exec.tapleafHash!, codeSeparatorPos: exec.codeSeparatorPos } : undefined;
    const hash = taprootSighash(this.tx, this.index, this.txdata.taproot(), hashType, exec.annexHash, tapscript);
    if (!hash) fail('SCRIPT_ERR_SCHNORR_SIG_HASHTYPE');
    if (!verifySchnorr(sig, pubkey, hash!)) fail('SCRIPT_ERR_SCHNORR_SIG');
  }

  checkLockTime(lockTime: bigint): boolean {
    const txLockTime = BigInt(this.tx.locktime >>> 0);
    const sameKind = (txLockTime < LOCKTIME_THRESHOLD && lockTime < LOCKTIME_THRESHOLD) || (txLockTime >= LOCKTIME_THRESHOLD && lockTime >= LOCKTIME_THRESHOLD);
    if (!sameKind) return false;
    if (lockTime > txLockTime) return false;
    // A final input would let the transaction bypass nLockTime altogether.
    if (this.tx.ins[this.index].sequence >>> 0 === SEQUENCE_FINAL) return false;
    return true;
  }

  checkSequence(sequence: bigint): boolean {
    const txSequence = BigInt(this.tx.ins[this.index].sequence >>> 0);
    if (this.tx.version >>> 0 < 2) return false;
    if (txSequence & SEQUENCE_LOCKTIME_DISABLE_FLAG) return false;
    const mask = SEQUENCE_LOCKTIME_TYPE_FLAG | SEQUENCE_LOCKTIME_MASK;
    const txMasked = txSequence & mask;
    const masked = sequence & mask;
    const sameKind = (txMasked < SEQUENCE_LOCKTIME_TYPE_FLAG && masked < SEQUENCE_LOCKTIME_TYPE_FLAG) || (txMasked >= SEQUENCE_LOCKTIME_TYPE_FLAG && masked >= SEQUENCE_LOCKTIME_TYPE_FLAG);
    if (!sameKind) return false;
    return masked <= txMasked;
  }
}
