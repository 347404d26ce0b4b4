// Block index entry (Core's CBlockIndex): one per known header, with cumulative chainwork
// and validation status flags. The encoding is the value of layout.e[hash]; the ODA-BIP-0005
// record of a connected block (its CU, base fee, burn, discount) is a separate key
// (layout.k), written with the block's connection, because it is known only from the body.
import { decodeHeader, hashToHex, headerHash, HEADER_SIZE } from './header.js';
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
  header: Uint8Array;
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
  return {
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
    header: Uint8Array.from(header.subarray(0, HEADER_SIZE)),
    baseBits: base,
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
