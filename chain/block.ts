// The block and transaction codec: the one module the rest of the tree imports Block and
// Transaction from, so a later header extension (ODA-BIP-0006's storage proofs) or a faster
// decoder changes one file. bitcoinjs-lib does the (Core-identical) serialization; this
// module adds the ids and keys derived from it, computed one way everywhere.
import { hash } from 'node:crypto';
import { Block, Transaction } from 'bitcoinjs-lib';
import { compactSizeLength, writeCompactSize } from '../util/bytes.js';
import { HEADER_SIZE, hashToHex, hexToHash } from './header.js';

export { Block, Transaction, HEADER_SIZE, hashToHex, hexToHash };

/** A serialized block (header, CompactSize tx count, transactions with witnesses). */
export function decodeBlock(raw: Uint8Array): Block {
  // A plain Uint8Array view, never a Buffer: the scripts bitcoinjs slices out of it must
  // copy on .slice() (Buffer's slice is a view), as the tensor decoder relies on.
  return Block.fromBuffer(plain(raw));
}

function plain(raw: Uint8Array): Uint8Array {
  return Buffer.isBuffer(raw) ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) : raw;
}

/** A bare 80-byte header as a Block without transactions (headers messages, header sync). */
export function decodeBlockHeader(raw: Uint8Array): Block {
  if (raw.length !== HEADER_SIZE) throw new Error(`header needs ${HEADER_SIZE} bytes, got ${raw.length}`);
  return Block.fromBuffer(plain(raw));
}

/** The 80-byte header of a block. */
export function blockHeaderBytes(block: Block): Uint8Array {
  return block.toBuffer(true);
}

/** The serialization a txid commits to: version | inputs | outputs | locktime, no witness. */
export function legacySerialize(tx: Transaction): Buffer {
  let size = 8 + compactSizeLength(tx.ins.length) + compactSizeLength(tx.outs.length);
  for (const i of tx.ins) size += 40 + compactSizeLength(i.script.length) + i.script.length;
  for (const o of tx.outs) size += 8 + compactSizeLength(o.script.length) + o.script.length;
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

/**
 * tx.getId() with node:crypto: bitcoinjs-lib's getId serializes through its generic writer
 * and hashes in JavaScript, the largest single per-transaction cost of ODA block validation.
 * Same value byte for byte (test/chain/block.test.ts checks it against getId).
 */
export function txidOf(tx: Transaction): string {
  // Field values no wire transaction has (an output without a bigint value, a version outside
  // u32) are left to bitcoinjs, so they fail or succeed exactly as getId does.
  if (!(tx.version >= 0 && tx.version <= 0xffffffff) || tx.outs.some((o) => typeof o.value !== 'bigint' || o.value < 0n || o.value > 0x7fffffffffffffffn)) return tx.getId();
  return hash('sha256', hash('sha256', legacySerialize(tx), 'buffer'), 'buffer').reverse().toString('hex');
}

/**
 * Witness txid (Core's GetWitnessHash), display hex; equal to the txid for a transaction
 * without witness. Not bitcoinjs's getHash(true), which answers zero for a coinbase: that
 * zero belongs only to the witness merkle tree (BIP 141), never to RPC's "hash" field.
 */
export function wtxidOf(tx: Transaction): string {
  return hash('sha256', hash('sha256', tx.toBuffer(), 'buffer'), 'buffer').reverse().toString('hex');
}

/**
 * The one outpoint key: hex of the 36-byte txid (internal order) || vout big-endian, the
 * suffix of the chain DB's coin key (chain/layout.ts), so a key is also a DB position.
 */
export function outpointKey(txid: Uint8Array, vout: number): string {
  const b = Buffer.allocUnsafe(36);
  b.set(txid, 0);
  b.writeUInt32BE(vout >>> 0, 32);
  return b.toString('hex');
}

/** outpointKey from a display-hex txid. */
export function outpointKeyHex(txid: string, vout: number): string {
  return outpointKey(hexToHash(txid), vout);
}
