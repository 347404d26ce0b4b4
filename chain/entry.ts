// Block index entry (Core's CBlockIndex): one per known header, with cumulative chainwork
// and validation status flags. The encoding is the value of layout.e[hash].
import { decodeHeader, getBlockProof, hashToHex, headerHash, HEADER_SIZE } from './header.js';

/** Status flags (a subset of Core's BlockStatus, with the same meaning). */
export const BlockStatus = {
  /** Block body stored in the blockstore. */
  HAVE_DATA: 1,
  /** Fully validated: was connected to the UTXO set at least once (BLOCK_VALID_SCRIPTS). */
  VALID: 2,
  /** This block is invalid (BLOCK_FAILED_VALID). */
  FAILED: 4,
  /** An ancestor is invalid (BLOCK_FAILED_CHILD). */
  FAILED_CHILD: 8,
} as const;
export const FAILED_MASK = BlockStatus.FAILED | BlockStatus.FAILED_CHILD;

export interface BlockEntry {
  hash: string;
  prevHash: string;
  height: number;
  version: number;
  merkleRoot: string;
  time: number;
  bits: number;
  nonce: number;
  chainwork: bigint;
  status: number;
  header: Uint8Array;
}

export function entryFromHeader(header: Uint8Array, height: number, prevChainwork: bigint, status = 0): BlockEntry {
  const h = decodeHeader(header);
  return {
    hash: hashToHex(headerHash(header)),
    prevHash: hashToHex(h.prevHash),
    height,
    version: h.version,
    merkleRoot: hashToHex(h.merkleRoot),
    time: h.time,
    bits: h.bits,
    nonce: h.nonce,
    chainwork: prevChainwork + getBlockProof(h.bits),
    status,
    header: Uint8Array.from(header.subarray(0, HEADER_SIZE)),
  };
}

const ENTRY_SIZE = HEADER_SIZE + 4 + 4 + 32;

export function encodeEntry(e: BlockEntry): Uint8Array {
  const buf = Buffer.alloc(ENTRY_SIZE);
  buf.set(e.header, 0);
  buf.writeUInt32LE(e.height, HEADER_SIZE);
  buf.writeUInt32LE(e.status >>> 0, 84);
  buf.set(Buffer.from(e.chainwork.toString(16).padStart(64, '0'), 'hex'), 88);
  return buf;
}

export function decodeEntry(raw: Uint8Array): BlockEntry {
  if (raw.length !== ENTRY_SIZE) throw new Error(`corrupt block index entry (${raw.length} bytes)`);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const height = buf.readUInt32LE(HEADER_SIZE);
  const status = buf.readUInt32LE(84);
  const chainwork = BigInt('0x' + buf.subarray(88, 120).toString('hex'));
  const e = entryFromHeader(buf.subarray(0, HEADER_SIZE), height, 0n, status);
  e.chainwork = chainwork;
  return e;
}

export function isFailed(e: BlockEntry): boolean {
  return (e.status & FAILED_MASK) !== 0;
}
