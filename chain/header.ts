// The block header: the ONE place that knows its encoding, its hash and the proof-of-work
// rule; everything else goes through these functions. From ODA-BIP-0006's activation the
// header carries a 33-byte storage extension (digest ‖ skips) after the 80 classic bytes,
// announced by the version's top bits (STORAGE_HEADER_TOP_BITS), so any decoder (P2P, block index) knows the
// length from the bytes alone, without the height. Compact-bits arithmetic follows Core's
// arith_uint256 SetCompact/GetCompact exactly, including the negative/overflow flags.
import { crypto as bcrypto } from 'bitcoinjs-lib';
import { VerifyError } from './errors.js';
import type { NetworkParams } from './params.js';

/** The classic (ODA-BIP-0000) header: what bitcoinjs parses and what seeds ODA-BIP-0006 sampling. */
export const HEADER_SIZE = 80;
/**
 * The top three version bits that say the ODA-BIP-0006 storage extension follows the 80
 * bytes: 011, next to BIP9's 001 ("version bits signalling"). Bits 0..28 stay free for
 * signalling (and BIP320 rolling); a version with any other top bits (1..4, 0x20000000, or
 * all ones as some tests use) is an 80-byte header as before.
 */
export const STORAGE_HEADER_TOP_BITS = 0x60000000;
export const STORAGE_HEADER_TOP_MASK = 0xe0000000;
/** digest 32 ‖ skips u8. */
export const STORAGE_EXTENSION_SIZE = 33;
export const MAX_HEADER_SIZE = HEADER_SIZE + STORAGE_EXTENSION_SIZE;
const MAX_UINT256 = (1n << 256n) - 1n;

/** ODA-BIP-0006 proof-of-work parameters (the chain's share of oda/storage-proof.ts STORAGE). */
export const STORAGE_POW = {
  /** Slots per attempt, so the most live slots a header may claim to have skipped. */
  k: 4,
  /** A skipped live slot halves the target this many times. */
  skipPenaltyBits: 2,
  /** Largest proof section (coinbase witness item 2): 2 + k · (1 + 2 + 16384 + 1 + 22 · 32). */
  maxProofBytes: 2 + 4 * (1 + 2 + 16384 + 1 + 22 * 32),
} as const;

/** ODA-BIP-0006 header extension: the attempt's storage digest and the live slots it skipped. */
export interface StorageHeader {
  digest: Uint8Array;
  skips: number;
}

export interface BlockHeader {
  version: number;
  /** Previous block hash, internal byte order. */
  prevHash: Uint8Array;
  /** Merkle root, internal byte order. */
  merkleRoot: Uint8Array;
  time: number;
  bits: number;
  nonce: number;
  /** ODA-BIP-0006 extension; present exactly when `version`'s top bits are STORAGE_HEADER_TOP_BITS. */
  storage?: StorageHeader;
}

export function hasStorageBit(version: number): boolean {
  return ((version & STORAGE_HEADER_TOP_MASK) >>> 0) === STORAGE_HEADER_TOP_BITS;
}

/** `version` with the storage top bits (the lower 29 bits kept for signalling). */
export function withStorageBit(version: number): number {
  return ((version & ~STORAGE_HEADER_TOP_MASK) | STORAGE_HEADER_TOP_BITS) | 0;
}

/** Length of the header at the start of `raw` (80, or 113 with the storage top bits): needs the first 4 bytes. */
export function headerLength(raw: Uint8Array): number {
  if (raw.length < 4) throw new Error(`header needs ${HEADER_SIZE} bytes, got ${raw.length}`);
  const version = raw[0] | (raw[1] << 8) | (raw[2] << 16) | (raw[3] << 24);
  return hasStorageBit(version) ? MAX_HEADER_SIZE : HEADER_SIZE;
}

/** Throws unless the storage extension is present exactly when the version bit says so. */
export function checkStorageShape(version: number, storage: StorageHeader | undefined): void {
  if (hasStorageBit(version) !== (storage !== undefined)) {
    throw new Error(storage ? 'storage extension without the version bit' : 'version bit set without a storage extension');
  }
  if (storage && (storage.digest.length !== 32 || !Number.isInteger(storage.skips) || storage.skips < 0 || storage.skips > 255)) {
    throw new Error('storage extension: 32-byte digest and a u8 skip count');
  }
}

/**
 * version i32 LE | prevHash 32 | merkleRoot 32 | time u32 LE | bits u32 LE | nonce u32 LE
 * [| digest 32 | skips u8, when version's top bits are STORAGE_HEADER_TOP_BITS].
 */
export function encodeHeader(h: BlockHeader): Uint8Array {
  if (h.prevHash.length !== 32 || h.merkleRoot.length !== 32) throw new Error('header hashes must be 32 bytes');
  checkStorageShape(h.version, h.storage);
  const size = h.storage ? MAX_HEADER_SIZE : HEADER_SIZE;
  const buf = Buffer.alloc(size);
  writeHeader80(buf, 0, h);
  if (h.storage) {
    buf.set(h.storage.digest, HEADER_SIZE);
    buf[HEADER_SIZE + 32] = h.storage.skips;
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, size);
}

/** The 80 classic bytes at `offset` of `buf` (the block codec writes them in place). */
export function writeHeader80(buf: Buffer, offset: number, h: Omit<BlockHeader, 'storage'>): void {
  buf.writeInt32LE(h.version | 0, offset);
  buf.set(h.prevHash, offset + 4);
  buf.set(h.merkleRoot, offset + 36);
  buf.writeUInt32LE(h.time >>> 0, offset + 68);
  buf.writeUInt32LE(h.bits >>> 0, offset + 72);
  buf.writeUInt32LE(h.nonce >>> 0, offset + 76);
}

/** Decodes the header at the start of `raw` (trailing bytes, e.g. a block's transactions, are ignored). */
export function decodeHeader(raw: Uint8Array): BlockHeader {
  const len = headerLength(raw);
  if (raw.length < len) throw new Error(`header needs ${len} bytes, got ${raw.length}`);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, len);
  const h: BlockHeader = {
    version: buf.readInt32LE(0),
    prevHash: Uint8Array.from(buf.subarray(4, 36)),
    merkleRoot: Uint8Array.from(buf.subarray(36, 68)),
    time: buf.readUInt32LE(68),
    bits: buf.readUInt32LE(72),
    nonce: buf.readUInt32LE(76),
  };
  if (len > HEADER_SIZE) h.storage = { digest: Uint8Array.from(buf.subarray(HEADER_SIZE, HEADER_SIZE + 32)), skips: buf[HEADER_SIZE + 32] };
  return h;
}

/** Block hash in internal byte order: SHA256d of the whole header (80 bytes, or 113 with the storage extension). */
export function headerHash(raw: Uint8Array): Uint8Array {
  return bcrypto.hash256(raw.subarray(0, headerLength(raw)));
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

/** The PoW target after the ODA-BIP-0006 skip penalty: target >> (b · skips). */
export function penalizedTarget(target: bigint, penaltyBits: number): bigint {
  return target >> BigInt(penaltyBits);
}

/**
 * ODA-BIP-0006 §5, what a header-only node checks beyond checkProofOfWork: skips ≤ k and
 * hash ≤ target >> (b · skips). Throws VerifyError (the header was hashed, so nothing here
 * is malleable).
 */
export function checkPenalizedPow(hash: bigint, target: bigint, headerSkips: number): void {
  if (!Number.isInteger(headerSkips) || headerSkips < 0 || headerSkips > STORAGE_POW.k) {
    throw new VerifyError('block', 'bad-storage-skips', 100, `${headerSkips} skips, at most ${STORAGE_POW.k}`);
  }
  const bits = headerSkips * STORAGE_POW.skipPenaltyBits;
  if (hash > penalizedTarget(target, bits)) throw new VerifyError('block', 'high-hash-storage-penalty', 100, `hash above the target lowered by ${bits} bits`);
}

/** Core's GetBlockProof: expected hashes for this target, 2^256 / (target + 1); 0 for invalid bits. */
export function getBlockProof(bits: number): bigint {
  const { target, negative, overflow } = compactToTarget(bits);
  if (negative || overflow || target === 0n) return 0n;
  return (1n << 256n) / (target + 1n);
}
