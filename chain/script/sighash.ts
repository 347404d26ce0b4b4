// Signature hashes. Legacy (pre-segwit) is written out here because Core's quirks are
// consensus: OP_CODESEPARATORs are dropped from the scriptCode with GetOp's exact stopping
// point on a malformed script, and SIGHASH_SINGLE without a matching output signs uint256(1)
// (bitcoinjs-lib's hashForSignature signs the bytes 00..01 there, not Core's 01 00..00).
// BIP143 and BIP341/342 are written out so that the per-transaction hashes are computed once
// per transaction (Core's PrecomputedTransactionData): bitcoinjs-lib's hashForWitnessV0/V1
// rehash every input and output for each input, which makes a 1,000-input transaction cost
// seconds; and tapscript signs the last OP_CODESEPARATOR position, which hashForWitnessV1 does
// not take. The tests check both against bitcoinjs-lib wherever bitcoinjs-lib is defined.
import type { Transaction } from '../block.js';
import { OP } from './opcodes.js';
import { readOp, failedOpEnd } from './script.js';
import { hash256, sha256, taggedHash } from './hashes.js';
import { ByteWriter } from './writer.js';
import { SIGHASH_ANYONECANPAY, SIGHASH_NONE, SIGHASH_SINGLE, SIGHASH_ALL, SIGHASH_DEFAULT } from './encoding.js';

export interface Prevout { script: Uint8Array; value: bigint }

/** uint256(1) in internal byte order: what Core signs for out-of-range inputs and SINGLE outputs. */
const ONE = (() => {
  const b = new Uint8Array(32);
  b[0] = 1;
  return b;
})();

/** Writes scriptCode without its OP_CODESEPARATORs, as CTransactionSignatureSerializer does. */
function writeScriptCode(w: ByteWriter, script: Uint8Array): void {
  let separators = 0;
  let pc = 0;
  for (;;) {
    const op = readOp(script, pc);
    if (!op) break;
    if (op.opcode === OP.OP_CODESEPARATOR) separators++;
    pc = op.end;
  }
  w.compactSize(script.length - separators);
  let begin = 0;
  pc = 0;
  for (;;) {
    const op = readOp(script, pc);
    if (!op) {
      pc = failedOpEnd(script, pc);
      break;
    }
    if (op.opcode === OP.OP_CODESEPARATOR) {
      w.bytes(script.subarray(begin, op.end - 1));
      begin = op.end;
    }
    pc = op.end;
  }
  if (begin !== script.length) w.bytes(script.subarray(begin, pc));
}

/** Core's SignatureHash for SigVersion::BASE; hashType is the full int32 (sighash.json uses them). */
export function legacySighash(tx: Transaction, index: number, scriptCode: Uint8Array, hashType: number): Uint8Array {
  if (index >= tx.ins.length) return ONE;
  const base = hashType & 0x1f;
  if (base === SIGHASH_SINGLE && index >= tx.outs.length) return ONE;
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  const w = new ByteWriter();
  w.u32(tx.version);
  const inputs = anyoneCanPay ? [index] : tx.ins.map((_, i) => i);
  w.compactSize(inputs.length);
  for (const i of inputs) {
    const input = tx.ins[i];
    w.bytes(input.hash).u32(input.index);
    if (i === index) writeScriptCode(w, scriptCode);
    else w.compactSize(0);
    if (i !== index && (base === SIGHASH_NONE || base === SIGHASH_SINGLE)) w.u32(0);
    else w.u32(input.sequence);
  }
  const nOutputs = base === SIGHASH_NONE ? 0 : base === SIGHASH_SINGLE ? index + 1 : tx.outs.length;
  w.compactSize(nOutputs);
  for (let o = 0; o < nOutputs; o++) {
    if (base === SIGHASH_SINGLE && o !== index) w.i64(-1n).compactSize(0);
    else w.i64(tx.outs[o].value).varBytes(tx.outs[o].script);
  }
  w.u32(tx.locktime);
  w.u32(hashType);
  return hash256(w.finish());
}

const ZERO32: Uint8Array = new Uint8Array(32);

/** Per-transaction hashes shared by all inputs (Core's PrecomputedTransactionData). */
export class PrecomputedTransactionData {
  private bip143?: { prevouts: Uint8Array; sequences: Uint8Array; outputs: Uint8Array };
  private bip341?: TaprootTxData;

  constructor(
    readonly tx: Transaction,
    /** Every spent output in input order; needed only for taproot signatures. */
    readonly spent?: Prevout[],
  ) {}

  segwitV0(): { prevouts: Uint8Array; sequences: Uint8Array; outputs: Uint8Array } {
    if (!this.bip143) {
      const p = new ByteWriter();
      const q = new ByteWriter();
      for (const input of this.tx.ins) {
        p.bytes(input.hash).u32(input.index);
        q.u32(input.sequence);
      }
      const o = new ByteWriter();
      for (const out of this.tx.outs) o.i64(out.value).varBytes(out.script);
      this.bip143 = { prevouts: hash256(p.finish()), sequences: hash256(q.finish()), outputs: hash256(o.finish()) };
    }
    return this.bip143;
  }

  taproot(): TaprootTxData {
    if (!this.spent || this.spent.length !== this.tx.ins.length) {
      throw new Error('taproot signature check needs every spent output of the transaction');
    }
    this.bip341 ??= precomputeTaproot(this.tx, this.spent);
    return this.bip341;
  }
}

/** BIP143 signature hash (SigVersion::WITNESS_V0). */
export function witnessV0Sighash(
  tx: Transaction,
  index: number,
  scriptCode: Uint8Array,
  value: bigint,
  hashType: number,
  txdata: PrecomputedTransactionData = new PrecomputedTransactionData(tx),
): Uint8Array {
  const base = hashType & 0x1f;
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  const shared = txdata.segwitV0();
  const hashPrevouts = anyoneCanPay ? ZERO32 : shared.prevouts;
  const hashSequence = anyoneCanPay || base === SIGHASH_SINGLE || base === SIGHASH_NONE ? ZERO32 : shared.sequences;
  let hashOutputs: Uint8Array = ZERO32;
  if (base !== SIGHASH_SINGLE && base !== SIGHASH_NONE) hashOutputs = shared.outputs;
  else if (base === SIGHASH_SINGLE && index < tx.outs.length) {
    hashOutputs = hash256(new ByteWriter().i64(tx.outs[index].value).varBytes(tx.outs[index].script).finish());
  }
  const input = tx.ins[index];
  const w = new ByteWriter();
  w.u32(tx.version).bytes(hashPrevouts).bytes(hashSequence);
  w.bytes(input.hash).u32(input.index).varBytes(scriptCode).i64(value).u32(input.sequence);
  w.bytes(hashOutputs).u32(tx.locktime).u32(hashType);
  return hash256(w.finish());
}

/** Per-transaction BIP341 hashes (Core's PrecomputedTransactionData, taproot part). */
export interface TaprootTxData {
  prevouts: Uint8Array;
  amounts: Uint8Array;
  scripts: Uint8Array;
  sequences: Uint8Array;
  outputs: Uint8Array;
  spent: Prevout[];
}

export function precomputeTaproot(tx: Transaction, spent: Prevout[]): TaprootTxData {
  const p = new ByteWriter();
  const a = new ByteWriter();
  const s = new ByteWriter();
  const q = new ByteWriter();
  tx.ins.forEach((input, i) => {
    p.bytes(input.hash).u32(input.index);
    a.i64(spent[i].value);
    s.varBytes(spent[i].script);
    q.u32(input.sequence);
  });
  const o = new ByteWriter();
  for (const out of tx.outs) o.i64(out.value).varBytes(out.script);
  return { prevouts: sha256(p.finish()), amounts: sha256(a.finish()), scripts: sha256(s.finish()), sequences: sha256(q.finish()), outputs: sha256(o.finish()), spent };
}

export interface TapscriptContext { leafHash: Uint8Array; codeSeparatorPos: number }

/** BIP341/342 SignatureHashSchnorr; undefined where Core fails (bad type, SINGLE without output). */
export function taprootSighash(
  tx: Transaction,
  index: number,
  data: TaprootTxData,
  hashType: number,
  annexHash: Uint8Array | undefined,
  tapscript: TapscriptContext | undefined,
): Uint8Array | undefined {
  if (!(hashType <= 0x03 || (hashType >= 0x81 && hashType <= 0x83))) return undefined;
  const outputType = hashType === SIGHASH_DEFAULT ? SIGHASH_ALL : hashType & 0x03;
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  if (outputType === SIGHASH_SINGLE && index >= tx.outs.length) return undefined;
  const w = new ByteWriter();
  w.u8(0); // epoch
  w.u8(hashType).u32(tx.version).u32(tx.locktime);
  if (!anyoneCanPay) w.bytes(data.prevouts).bytes(data.amounts).bytes(data.scripts).bytes(data.sequences);
  if (outputType === SIGHASH_ALL) w.bytes(data.outputs);
  w.u8((tapscript ? 2 : 0) + (annexHash ? 1 : 0));
  if (anyoneCanPay) {
    const input = tx.ins[index];
    w.bytes(input.hash).u32(input.index).i64(data.spent[index].value).varBytes(data.spent[index].script).u32(input.sequence);
  } else w.u32(index);
  if (annexHash) w.bytes(annexHash);
  if (outputType === SIGHASH_SINGLE) {
    const out = tx.outs[index];
    w.bytes(sha256(new ByteWriter().i64(out.value).varBytes(out.script).finish()));
  }
  if (tapscript) w.bytes(tapscript.leafHash).u8(0).u32(tapscript.codeSeparatorPos);
  return taggedHash('TapSighash', w.finish());
}
