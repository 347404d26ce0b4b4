// Block index entry (Core's CBlockIndex): one per known header, with cumulative chainwork
// and validation status flags. The encoding is the value of layout.e[hash]; the ODA-BIP-0005
// record of a connected block (its CU, base fee, burn, discount) is a separate key
// (layout.k), written with the block's connection, because it is known only from the body.
import { decodeHeader, hashToHex, headerHash, headerLength, HEADER_SIZE, type StorageHeader } from './header.js';
import { blockWork } from './difficulty.js';

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
  /** The whole header: 80 bytes, or 113 with the ODA-BIP-0006 storage extension. */
  header: Uint8Array;
  /** ODA-BIP-0006 header extension (the header's digest and skip count), when present. */
  storage?: StorageHeader;
  /**
   * ODA-BIP-0005 base bits: what the difficulty rule requires from headers alone (the header's
   * bits before activation). Chainwork counts these, not `bits`. Not stored: the chain derives
   * it again from the ancestors when it loads the index.
   */
  baseBits: number;
  /** ODA-BIP-0005 record, once the block was connected after activation (or loaded). */
  cost?: CostRecord;
}

/** What later blocks need to know about a connected block under ODA-BIP-0005. */
export interface CostRecord {
  /** The block's ODA CU (ODA-BIP-0003 sum), as its commitment states (0 without one). */
  cu: bigint;
  /** Its base fee (satoshis per COST_AWARE.cuPerFeeUnit CU). */
  baseFee: bigint;
  /** Satoshis burned in its commitment output (0 without one). */
  burn: bigint;
  /** Discount its bits carry, ppm. */
  discountPpm: bigint;
}

export function entryFromHeader(header: Uint8Array, height: number, prevChainwork: bigint, status = 0, baseBits?: number): BlockEntry {
  const h = decodeHeader(header);
  const base = baseBits ?? h.bits;
  const e: BlockEntry = {
    hash: hashToHex(headerHash(header)),
    prevHash: hashToHex(h.prevHash),
    height,
    version: h.version,
    merkleRoot: hashToHex(h.merkleRoot),
    time: h.time,
    bits: h.bits,
    nonce: h.nonce,
    chainwork: prevChainwork + blockWork(base),
    status,
    header: Uint8Array.from(header.subarray(0, headerLength(header))),
    baseBits: base,
  };
  if (h.storage) e.storage = h.storage;
  return e;
}

/** After the header: height u32 LE | status u32 LE | chainwork 32 BE. */
const ENTRY_TAIL = 4 + 4 + 32;

/**
 * header (80 or 113 bytes, its length known from its version: chain/header.ts) | height |
 * status | chainwork. Entries of 80-byte headers are byte for byte what they always were.
 */
export function encodeEntry(e: BlockEntry): Uint8Array {
  const at = e.header.length;
  const buf = Buffer.alloc(at + ENTRY_TAIL);
  buf.set(e.header, 0);
  buf.writeUInt32LE(e.height, at);
  buf.writeUInt32LE(e.status >>> 0, at + 4);
  buf.set(Buffer.from(e.chainwork.toString(16).padStart(64, '0'), 'hex'), at + 8);
  return buf;
}

export function decodeEntry(raw: Uint8Array): BlockEntry {
  const at = raw.length >= HEADER_SIZE ? headerLength(raw) : HEADER_SIZE;
  if (raw.length !== at + ENTRY_TAIL) throw new Error(`corrupt block index entry (${raw.length} bytes)`);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const height = buf.readUInt32LE(at);
  const status = buf.readUInt32LE(at + 4);
  const chainwork = BigInt('0x' + buf.subarray(at + 8, at + 40).toString('hex'));
  const e = entryFromHeader(buf.subarray(0, at), height, 0n, status);
  e.chainwork = chainwork;
  return e;
}

export function isFailed(e: BlockEntry): boolean {
  return (e.status & FAILED_MASK) !== 0;
}

const COST_RECORD_SIZE = 8 * 3 + 4;

/** Value of layout.k[hash]: cu u64 LE | baseFee u64 LE | burn u64 LE | discountPpm u32 LE. */
export function encodeCostRecord(r: CostRecord): Uint8Array {
  const buf = Buffer.alloc(COST_RECORD_SIZE);
  buf.writeBigUInt64LE(r.cu, 0);
  buf.writeBigUInt64LE(r.baseFee, 8);
  buf.writeBigUInt64LE(r.burn, 16);
  buf.writeUInt32LE(Number(r.discountPpm), 24);
  return buf;
}

export function decodeCostRecord(raw: Uint8Array): CostRecord {
  if (raw.length !== COST_RECORD_SIZE) throw new Error(`corrupt ODA-BIP-0005 block record (${raw.length} bytes)`);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  return { cu: buf.readBigUInt64LE(0), baseFee: buf.readBigUInt64LE(8), burn: buf.readBigUInt64LE(16), discountPpm: BigInt(buf.readUInt32LE(24)) };
}
