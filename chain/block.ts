// The block and transaction codec: the one module the rest of the tree imports Block and
// Transaction from. bitcoinjs-lib does the (Core-identical) serialization; this module adds
// the ODA-BIP-0006 header extension and the ids and keys derived from the bytes, computed
// one way everywhere.
//
// bitcoinjs's Block parses exactly 80 header bytes, so the extended header (113 bytes, see
// chain/header.ts) is split off before the bytes reach it and kept on the decoded block as
// `block.storage`. Block here is a subclass whose byteLength/toBuffer put the extension back:
// getHash/getId/weight/toHex, which bitcoinjs computes from them, therefore cover the whole
// header, so no caller of block.getId() can leave the extension out.
import { hash } from 'node:crypto';
import { Block as BjsBlock, Transaction } from 'bitcoinjs-lib';
import { compactSizeLength, writeCompactSize } from '../util/bytes.js';
import { HEADER_SIZE, MAX_HEADER_SIZE, STORAGE_EXTENSION_SIZE, checkStorageShape, hashToHex, headerLength, hexToHash, writeHeader80, type StorageHeader } from './header.js';

export { Transaction, HEADER_SIZE, MAX_HEADER_SIZE, hashToHex, hexToHash };
export type { StorageHeader };

export class Block extends BjsBlock {
  /** ODA-BIP-0006 header extension: present exactly when the version's top bits say so (chain/header.ts). */
  storage?: StorageHeader = undefined;

  /** The one decoder (decodeBlock): a bitcoinjs Block.fromBuffer would drop the extension. */
  static override fromBuffer(buffer: Uint8Array): Block {
    return decodeBlock(buffer);
  }

  static override fromHex(hex: string): Block {
    return decodeBlock(Uint8Array.from(Buffer.from(hex, 'hex')));
  }

  override byteLength(headersOnly?: boolean, allowWitness = true): number {
    return super.byteLength(headersOnly, allowWitness) + (this.storage ? STORAGE_EXTENSION_SIZE : 0);
  }

  override toBuffer(headersOnly?: boolean): Uint8Array {
    checkStorageShape(this.version, this.storage);
    if (!this.storage) return super.toBuffer(headersOnly);
    const out = Buffer.alloc(this.byteLength(headersOnly));
    writeHeader80(out, 0, { version: this.version, prevHash: this.prevHash!, merkleRoot: this.merkleRoot!, time: this.timestamp, bits: this.bits, nonce: this.nonce });
    out.set(this.storage.digest, HEADER_SIZE);
    out[HEADER_SIZE + 32] = this.storage.skips;
    if (headersOnly || !this.transactions) return plain(out);
    let o = writeCompactSize(out, MAX_HEADER_SIZE, this.transactions.length);
    for (const tx of this.transactions) {
      tx.toBuffer(out, o);
      o += tx.byteLength();
    }
    return plain(out);
  }
}

/** Copies a bitcoinjs-decoded block into this module's Block (same field objects, no byte copy). */
function adopt(b: BjsBlock, storage: StorageHeader | undefined): Block {
  const out = new Block();
  out.version = b.version;
  out.prevHash = b.prevHash;
  out.merkleRoot = b.merkleRoot;
  out.timestamp = b.timestamp;
  out.bits = b.bits;
  out.nonce = b.nonce;
  out.transactions = b.transactions;
  out.witnessCommit = b.witnessCommit;
  out.storage = storage;
  return out;
}

/**
 * A serialized block (header, CompactSize tx count, transactions with witnesses), or a bare
 * header (80 or 113 bytes). With the storage extension the 33 bytes are cut out before
 * bitcoinjs parses the rest (one copy of the block: bitcoinjs needs header and transactions
 * contiguous).
 */
export function decodeBlock(raw: Uint8Array): Block {
  // A plain Uint8Array view, never a Buffer: the scripts bitcoinjs slices out of it must
  // copy on .slice() (Buffer's slice is a view), as the tensor decoder relies on.
  const bytes = plain(raw);
  if (headerLength(bytes) === HEADER_SIZE) return adopt(BjsBlock.fromBuffer(bytes), undefined);
  if (bytes.length < MAX_HEADER_SIZE) throw new Error(`extended header needs ${MAX_HEADER_SIZE} bytes, got ${bytes.length}`);
  const storage = { digest: bytes.slice(HEADER_SIZE, HEADER_SIZE + 32), skips: bytes[HEADER_SIZE + 32] };
  const rest = new Uint8Array(bytes.length - STORAGE_EXTENSION_SIZE);
  rest.set(bytes.subarray(0, HEADER_SIZE), 0);
  rest.set(bytes.subarray(MAX_HEADER_SIZE), HEADER_SIZE);
  return adopt(BjsBlock.fromBuffer(rest), storage);
}

function plain(raw: Uint8Array): Uint8Array {
  return Buffer.isBuffer(raw) ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) : raw;
}

/** A bare header (80 bytes, or 113 with the storage extension) as a Block without transactions. */
export function decodeBlockHeader(raw: Uint8Array): Block {
  const len = headerLength(raw);
  if (raw.length !== len) throw new Error(`header needs ${len} bytes, got ${raw.length}`);
  return decodeBlock(raw);
}

/** The header of a block: 80 bytes, or 113 with the storage extension. */
export function blockHeaderBytes(block: Block): Uint8Array {
  return block.toBuffer(true);
}

/** The 80 classic header bytes (ODA-BIP-0006's seed input), whatever the extension. */
export function blockHeader80(block: Block): Uint8Array {
  return block.toBuffer(true).subarray(0, HEADER_SIZE);
}

/** The block hash (display hex) over the whole header: block.getId() answers the same. */
export function blockId(block: Block): string {
  return block.getId();
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
