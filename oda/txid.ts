// Transaction ids with node:crypto: bitcoinjs-lib's getId serializes through its generic
// writer and hashes in JavaScript (@noble), the largest single per-transaction cost of ODA
// block validation. Same value byte for byte (test/oda/txid.test.ts checks it against getId).
import { hash } from 'node:crypto';
import type { Transaction } from 'bitcoinjs-lib';
import { compactSizeLength as varIntLength, writeCompactSize } from '../util/bytes.js';

/** The serialization a txid commits to: version | inputs | outputs | locktime, no witness. */
export function legacySerialize(tx: Transaction): Buffer {
  let size = 8 + varIntLength(tx.ins.length) + varIntLength(tx.outs.length);
  for (const i of tx.ins) size += 40 + varIntLength(i.script.length) + i.script.length;
  for (const o of tx.outs) size += 8 + varIntLength(o.script.length) + o.script.length;
  const b = Buffer.allocUnsafe(size);
  let p = b.writeUInt32LE(tx.version, 0);
  p = writeCompactSize(b, p, tx.ins.length);
  for (const i of tx.ins) {
    b.set(i.hash, p);
    p = b.writeUInt32LE(i.index, p + 32);
    p = writeCompactSize(b, p, i.script.length);
    b.set(i.script, p);
    p = b.writeUInt32LE(i.sequence, p + i.script.length);
  }
  p = writeCompactSize(b, p, tx.outs.length);
  for (const o of tx.outs) {
    p = b.writeBigUInt64LE(o.value, p);
    p = writeCompactSize(b, p, o.script.length);
    b.set(o.script, p);
    p += o.script.length;
  }
  p = b.writeUInt32LE(tx.locktime, p);
  if (p !== size) throw new Error(`txid serialization: wrote ${p} of ${size} bytes`);
  return b;
}

/** tx.getId(): double SHA-256 of the serialization without witness, byte-reversed, hex. */
export function txidOf(tx: Transaction): string {
  // Field values no wire transaction has (an output without a bigint value, a version outside
  // u32) are left to bitcoinjs, so they fail or succeed exactly as getId does.
  if (!(tx.version >= 0 && tx.version <= 0xffffffff) || tx.outs.some((o) => typeof o.value !== 'bigint' || o.value < 0n || o.value > 0x7fffffffffffffffn)) return tx.getId();
  // One-shot hash(): no Hash object per call.
  return hash('sha256', hash('sha256', legacySerialize(tx), 'buffer'), 'buffer').reverse().toString('hex');
}
