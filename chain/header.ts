// The block header: the ONE place that knows its encoding, its hash and the proof-of-work
// rule (a later ODA BIP extends the header with a storage-proof commitment and changes the
// PoW check; everything else goes through these functions). Compact-bits arithmetic follows
// Core's arith_uint256 SetCompact/GetCompact exactly, including the negative/overflow flags.
import { crypto as bcrypto } from 'bitcoinjs-lib';
import type { NetworkParams } from './params.js';

export const HEADER_SIZE = 80;
const MAX_UINT256 = (1n << 256n) - 1n;

export interface BlockHeader {
  version: number;
  /** Previous block hash, internal byte order. */
  prevHash: Uint8Array;
  /** Merkle root, internal byte order. */
  merkleRoot: Uint8Array;
  time: number;
  bits: number;
  nonce: number;
}

/** version i32 LE | prevHash 32 | merkleRoot 32 | time u32 LE | bits u32 LE | nonce u32 LE. */
export function encodeHeader(h: BlockHeader): Uint8Array {
  if (h.prevHash.length !== 32 || h.merkleRoot.length !== 32) throw new Error('header hashes must be 32 bytes');
  const buf = Buffer.alloc(HEADER_SIZE);
  buf.writeInt32LE(h.version | 0, 0);
  buf.set(h.prevHash, 4);
  buf.set(h.merkleRoot, 36);
  buf.writeUInt32LE(h.time >>> 0, 68);
  buf.writeUInt32LE(h.bits >>> 0, 72);
  buf.writeUInt32LE(h.nonce >>> 0, 76);
  return new Uint8Array(buf.buffer, buf.byteOffset, HEADER_SIZE);
}

export function decodeHeader(raw: Uint8Array): BlockHeader {
  if (raw.length < HEADER_SIZE) throw new Error(`header needs ${HEADER_SIZE} bytes, got ${raw.length}`);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, HEADER_SIZE);
  return {
    version: buf.readInt32LE(0),
    prevHash: Uint8Array.from(buf.subarray(4, 36)),
    merkleRoot: Uint8Array.from(buf.subarray(36, 68)),
    time: buf.readUInt32LE(68),
    bits: buf.readUInt32LE(72),
    nonce: buf.readUInt32LE(76),
  };
}

/** Block hash in internal byte order: SHA256d of the 80-byte header. */
export function headerHash(raw: Uint8Array): Uint8Array {
  return bcrypto.hash256(raw.subarray(0, HEADER_SIZE));
}

/** Internal-order 32 bytes → display hex (as RPC prints hashes). */
export function hashToHex(hash: Uint8Array): string {
  return Buffer.from(hash).reverse().toString('hex');
}

/** Display hex → internal-order bytes. */
export function hexToHash(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`not a 32-byte hex hash: ${hex}`);
  return Uint8Array.from(Buffer.from(hex, 'hex').reverse());
}

export function headerId(raw: Uint8Array): string {
  return hashToHex(headerHash(raw));
}

/** Hash as the 256-bit number PoW compares (Core's UintToArith256: little-endian). */
export function hashToBigInt(hash: Uint8Array): bigint {
  return BigInt('0x' + (Buffer.from(hash).reverse().toString('hex') || '0'));
}

export interface CompactTarget { target: bigint; negative: boolean; overflow: boolean }

/** Core's arith_uint256::SetCompact. */
export function compactToTarget(bits: number): CompactTarget {
  const size = bits >>> 24;
  let word = bits & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = (BigInt(word) << BigInt(8 * (size - 3))) & MAX_UINT256;
  }
  const negative = word !== 0 && (bits & 0x00800000) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target, negative, overflow };
}

/** Core's arith_uint256::GetCompact (non-negative). */
export function targetToCompact(target: bigint): number {
  if (target < 0n || target > MAX_UINT256) throw new Error('target out of uint256 range');
  let size = target === 0n ? 0 : Math.ceil(target.toString(2).length / 8);
  let compact: number;
  if (size <= 3) compact = Number(target << BigInt(8 * (3 - size)));
  else compact = Number((target >> BigInt(8 * (size - 3))) & 0xffffffffn);
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  return ((compact | (size << 24)) >>> 0);
}

/**
 * Core's CheckProofOfWork: the bits decode to a positive, non-overflowing target no easier
 * than powLimit, and the header hash (as a number) is at or below it.
 */
export function checkProofOfWork(hash: Uint8Array, bits: number, params: NetworkParams, limit: bigint = params.powLimit): boolean {
  const { target, negative, overflow } = compactToTarget(bits);
  if (negative || overflow || target === 0n || target > limit) return false;
  return hashToBigInt(hash) <= target;
}

/** Core's GetBlockProof: expected hashes for this target, 2^256 / (target + 1); 0 for invalid bits. */
export function getBlockProof(bits: number): bigint {
  const { target, negative, overflow } = compactToTarget(bits);
  if (negative || overflow || target === 0n) return 0n;
  return (1n << 256n) / (target + 1n);
}
