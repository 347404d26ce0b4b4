// Every ODA P2P message: its fields, its payload encoding and its size limit (BIP oda-0004).
// Payload layouts follow Bitcoin's (version, addr, inv, getheaders, headers, block, tx,
// ping/pong, feefilter) so Core's documentation applies; model-data messages are ODA's own.
// Hashes are display-order hex in the decoded form (the project's API convention) and
// internal byte order on the wire, as in Bitcoin.
import { Block, Transaction, hashToHex, hexToHash, decodeBlock, decodeBlockHeader, HEADER_SIZE, MAX_HEADER_SIZE } from '../../chain/block.js';
import { headerLength } from '../../chain/header.js';
import { Reader, Writer, WireError } from './buffer.js';

export const PROTOCOL_VERSION = 70100;
/** Oldest version we talk to. */
export const MIN_PEER_PROTO_VERSION = 70100;

/** Service bits (Core's values for the Bitcoin ones; ODA's in Core's experimental range 24..31). */
export const Services = {
  NODE_NETWORK: 1n << 0n,
  NODE_WITNESS: 1n << 3n,
  NODE_NETWORK_LIMITED: 1n << 10n,
  /** Serves BIP 157 compact filters (getcfilters, getcfheaders), Core's bit 6. */
  NODE_COMPACT_FILTERS: 1n << 6n,
  /** Validates ODA transactions (executes models) up to the cost units announced in `version.maxCostUnits`. */
  NODE_ODA_VALIDATE: 1n << 24n,
  /** Stores model data and serves pieces (blobhave/getpiece). */
  NODE_MODEL_STORE: 1n << 25n,
  /** Keeps headers and serves nothing but relay; never asked for blocks or pieces. */
  NODE_LITE: 1n << 26n,
} as const;

export function serviceNames(services: bigint): string[] {
  const out: string[] = [];
  for (const [name, bit] of Object.entries(Services)) if (services & bit) out.push(name.replace(/^NODE_/, ''));
  return out;
}

export const InvType = { MSG_TX: 1, MSG_BLOCK: 2 } as const;
export type InvTypeValue = (typeof InvType)[keyof typeof InvType];
export interface InvItem { type: InvTypeValue; hash: string }

export interface NetAddr { time: number; services: bigint; host: string; port: number }

export const MAX_USER_AGENT = 256;
export const MAX_ADDR = 1000;
export const MAX_LOCATOR = 101;
export const MAX_HEADERS = 2000;
export const MAX_INV = 50_000;
/** Largest blob (ODA-BIP-0001 MAX_BLOB_LENGTH, 64 GiB) in 1 MiB pieces. */
export const MAX_BLOB_PIECES = 1 << 16;
export const PIECE_SIZE = 1 << 20;
/** Encoded manifest (ODA-BIP-0001): 44-byte head, piece layer, 1 + ≤255 bytes of CID. */
export const MAX_MANIFEST = 3 + 8 + 32 + MAX_BLOB_PIECES * 32 + 1 + 255;
/** nopiece index meaning "no manifest / blob unknown". */
export const NO_BLOB = 0xffffffff;
export const MAX_BLOCK_SERIALIZED = 4_000_000;
export const MAX_TX_SERIALIZED = 400_000;
/** getmodproof's version meaning "the model record only" (it names the current version). */
export const NO_VERSION = 0xffffffff;
/** ODA-BIP-0007 proof: a coinbase (bounded by the block) and a few paths of at most 256 siblings. */
export const MAX_MODEL_PROOF = 1 << 20;
export const MAX_PROOF_REASON = 256;
/** BIP 157: filters per getcfilters, filter hashes per cfheaders. */
export const MAX_GETCFILTERS_SIZE = 1000;
export const MAX_GETCFHEADERS_SIZE = 2000;
/** BIP 157: cfcheckpt carries the filter header of every 1,000th block. */
export const CFCHECKPT_INTERVAL = 1000;
/** Checkpoints in one cfcheckpt: a chain of 100 million blocks (3.2 MB, within MAX_FRAME); BIP 157 leaves it to the message size limit. */
export const MAX_CFCHECKPT_HEADERS = 100_000;

export type Message =
  | { cmd: 'version'; version: number; services: bigint; timestamp: bigint; addrRecv: NetAddr; addrFrom: NetAddr; nonce: bigint; userAgent: string; startHeight: number; relay: boolean; maxCostUnits: bigint }
  | { cmd: 'verack' }
  | { cmd: 'ping'; nonce: bigint }
  | { cmd: 'pong'; nonce: bigint }
  | { cmd: 'getaddr' }
  | { cmd: 'addr'; addrs: NetAddr[] }
  | { cmd: 'sendheaders' }
  | { cmd: 'getheaders'; version: number; locator: string[]; stop: string }
  | { cmd: 'headers'; headers: Block[] }
  | { cmd: 'inv'; items: InvItem[] }
  | { cmd: 'getdata'; items: InvItem[] }
  | { cmd: 'notfound'; items: InvItem[] }
  | { cmd: 'block'; block: Block }
  | { cmd: 'tx'; tx: Transaction }
  | { cmd: 'mempool' }
  | { cmd: 'feefilter'; feeRate: bigint }
  | { cmd: 'getmanifest'; root: string }
  | { cmd: 'manifest'; manifest: Uint8Array }
  | { cmd: 'getblobhave'; root: string }
  | { cmd: 'blobhave'; root: string; length: bigint; bitfield: Uint8Array }
  | { cmd: 'havepiece'; root: string; index: number }
  | { cmd: 'getpiece'; root: string; index: number }
  | { cmd: 'piece'; root: string; index: number; data: Uint8Array }
  | { cmd: 'nopiece'; root: string; index: number }
  | { cmd: 'getmodproof'; modelId: string; version: number }
  | { cmd: 'modproof'; modelId: string; version: number; height: number; header: Uint8Array; proof: Uint8Array }
  | { cmd: 'nomodproof'; modelId: string; version: number; reason: string }
  | { cmd: 'getcfilters'; filterType: number; startHeight: number; stopHash: string }
  | { cmd: 'cfilter'; filterType: number; blockHash: string; filter: Uint8Array }
  | { cmd: 'getcfheaders'; filterType: number; startHeight: number; stopHash: string }
  | { cmd: 'cfheaders'; filterType: number; stopHash: string; prevFilterHeader: string; filterHashes: string[] }
  | { cmd: 'getcfcheckpt'; filterType: number; stopHash: string }
  | { cmd: 'cfcheckpt'; filterType: number; stopHash: string; filterHeaders: string[] };

export type Command = Message['cmd'];
export type MessageOf<C extends Command> = Extract<Message, { cmd: C }>;

const NETADDR_SIZE = 4 + 8 + 16 + 2;
/** Largest valid payload per command; a larger announced length is a protocol violation. */
export const MAX_PAYLOAD: Record<Command, number> = {
  version: 4 + 8 + 8 + 2 * (NETADDR_SIZE - 4) + 8 + 3 + MAX_USER_AGENT + 4 + 1 + 8,
  verack: 0,
  ping: 8,
  pong: 8,
  getaddr: 0,
  addr: 3 + MAX_ADDR * NETADDR_SIZE,
  sendheaders: 0,
  getheaders: 4 + 1 + MAX_LOCATOR * 32 + 32,
  // Each entry: a header (80 bytes, or 113 with ODA-BIP-0006's extension) and a zero tx count.
  headers: 3 + MAX_HEADERS * (MAX_HEADER_SIZE + 1),
  inv: 5 + MAX_INV * 36,
  getdata: 5 + MAX_INV * 36,
  notfound: 5 + MAX_INV * 36,
  block: MAX_BLOCK_SERIALIZED,
  tx: MAX_TX_SERIALIZED,
  mempool: 0,
  feefilter: 8,
  getmanifest: 32,
  manifest: 5 + MAX_MANIFEST,
  getblobhave: 32,
  blobhave: 32 + 8 + 5 + MAX_BLOB_PIECES / 8,
  havepiece: 36,
  getpiece: 36,
  piece: 36 + 5 + PIECE_SIZE,
  nopiece: 36,
  getmodproof: 36,
  modproof: 36 + 4 + MAX_HEADER_SIZE + 5 + MAX_MODEL_PROOF,
  nomodproof: 36 + 3 + MAX_PROOF_REASON,
  getcfilters: 37,
  cfilter: 1 + 32 + 5 + MAX_BLOCK_SERIALIZED,
  getcfheaders: 37,
  cfheaders: 1 + 32 + 32 + 3 + MAX_GETCFHEADERS_SIZE * 32,
  getcfcheckpt: 33,
  cfcheckpt: 1 + 32 + 5 + MAX_CFCHECKPT_HEADERS * 32,
};

export const COMMANDS = Object.keys(MAX_PAYLOAD) as Command[];
export function isCommand(s: string): s is Command { return Object.prototype.hasOwnProperty.call(MAX_PAYLOAD, s); }

// ---- hash helpers: display hex <-> internal bytes ----
export function hashToBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new WireError(`bad hash ${hex}`);
  return hexToHash(hex);
}
export const bytesToHash = hashToHex;
// Blob roots are SHA-256 outputs printed in their natural byte order (ODA-BIP-0001), unlike
// block and transaction hashes.
export function rootToBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new WireError(`bad blob root ${hex}`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
export function bytesToRoot(b: Uint8Array): string { return Buffer.from(b).toString('hex'); }
export const ZERO_HASH = '0'.repeat(64);

// ---- addresses: IPv6 (IPv4-mapped for v4) + big-endian port, as Core's CAddress ----
function ipToBytes(host: string): Uint8Array {
  const out = new Uint8Array(16);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    out[10] = 0xff; out[11] = 0xff;
    for (let i = 0; i < 4; i++) { const n = Number(v4[i + 1]); if (n > 255) throw new WireError(`bad IPv4 ${host}`); out[12 + i] = n; }
    return out;
  }
  let h = host.replace(/^\[|\]$/g, '');
  if (h.startsWith('::ffff:') && /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(h)) return ipToBytes(h.slice(7));
  const halves = h.split('::');
  if (halves.length > 2) throw new WireError(`bad IPv6 ${host}`);
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array(fill).fill('0'), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) throw new WireError(`bad address ${host}`);
  groups.forEach((g, i) => { const n = parseInt(g, 16); out[2 * i] = n >> 8; out[2 * i + 1] = n & 0xff; });
  return out;
}
function bytesToIp(b: Uint8Array): string {
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16));
  return groups.join(':');
}
export function normalizeHost(host: string): string { return bytesToIp(ipToBytes(host)); }

function writeAddr(w: Writer, a: NetAddr, withTime: boolean): void {
  if (withTime) w.u32(a.time);
  w.u64(a.services).bytes(ipToBytes(a.host)).u16be(a.port);
}
function readAddr(r: Reader, withTime: boolean): NetAddr {
  const time = withTime ? r.u32() : 0;
  return { time, services: r.u64(), host: bytesToIp(r.bytes(16)), port: r.u16be() };
}

function writeInv(w: Writer, items: InvItem[]): void {
  w.varint(items.length);
  for (const it of items) w.u32(it.type).bytes(hashToBytes(it.hash));
}
function readInv(r: Reader): InvItem[] {
  const n = r.varint(MAX_INV);
  const items: InvItem[] = [];
  for (let i = 0; i < n; i++) {
    const type = r.u32();
    if (type !== InvType.MSG_TX && type !== InvType.MSG_BLOCK) throw new WireError(`unknown inv type ${type}`);
    items.push({ type, hash: bytesToHash(r.bytes(32)) });
  }
  return items;
}

/** Pieces of a blob (an empty blob has one empty piece, as ODA-BIP-0001). */
export function blobPieceCount(length: bigint): number {
  if (length > BigInt(MAX_BLOB_PIECES) * BigInt(PIECE_SIZE)) return MAX_BLOB_PIECES + 1;
  return Math.max(1, Number((length + BigInt(PIECE_SIZE) - 1n) / BigInt(PIECE_SIZE)));
}

/** Encodes a message payload (without the 20-byte frame header). */
export function encodePayload(m: Message): Uint8Array {
  const w = new Writer();
  switch (m.cmd) {
    case 'version':
      w.i32(m.version).u64(m.services).i64(m.timestamp);
      writeAddr(w, m.addrRecv, false); writeAddr(w, m.addrFrom, false);
      w.u64(m.nonce).varstr(m.userAgent).i32(m.startHeight).u8(m.relay ? 1 : 0).u64(m.maxCostUnits);
      break;
    case 'verack': case 'getaddr': case 'sendheaders': case 'mempool': break;
    case 'ping': case 'pong': w.u64(m.nonce); break;
    case 'addr': w.varint(m.addrs.length); for (const a of m.addrs) writeAddr(w, a, true); break;
    case 'getheaders':
      w.u32(m.version).varint(m.locator.length);
      for (const h of m.locator) w.bytes(hashToBytes(h));
      w.bytes(hashToBytes(m.stop));
      break;
    case 'headers':
      w.varint(m.headers.length);
      for (const h of m.headers) w.bytes(h.toBuffer(true)).u8(0);
      break;
    case 'inv': case 'getdata': case 'notfound': writeInv(w, m.items); break;
    case 'block': w.bytes(m.block.toBuffer()); break;
    case 'tx': w.bytes(m.tx.toBuffer()); break;
    case 'feefilter': w.i64(m.feeRate); break;
    case 'getmanifest': case 'getblobhave': w.bytes(rootToBytes(m.root)); break;
    case 'manifest': w.varbytes(m.manifest); break;
    case 'blobhave': w.bytes(rootToBytes(m.root)).u64(m.length).varbytes(m.bitfield); break;
    case 'havepiece': case 'getpiece': case 'nopiece': w.bytes(rootToBytes(m.root)).u32(m.index); break;
    case 'piece': w.bytes(rootToBytes(m.root)).u32(m.index).varbytes(m.data); break;
    case 'getmodproof': w.bytes(rootToBytes(m.modelId)).u32(m.version); break;
    case 'modproof':
      if (m.header.length < 4 || m.header.length !== headerLength(m.header)) throw new WireError('modproof header must be one whole header (80 bytes, or 113 with the storage extension)');
      w.bytes(rootToBytes(m.modelId)).u32(m.version).u32(m.height).bytes(m.header).varbytes(m.proof);
      break;
    case 'nomodproof': w.bytes(rootToBytes(m.modelId)).u32(m.version).varstr(m.reason); break;
    case 'getcfilters': case 'getcfheaders': w.u8(m.filterType).u32(m.startHeight).bytes(hashToBytes(m.stopHash)); break;
    case 'cfilter': w.u8(m.filterType).bytes(hashToBytes(m.blockHash)).varbytes(m.filter); break;
    case 'cfheaders':
      if (m.filterHashes.length > MAX_GETCFHEADERS_SIZE) throw new WireError(`cfheaders with ${m.filterHashes.length} hashes`);
      w.u8(m.filterType).bytes(hashToBytes(m.stopHash)).bytes(hashToBytes(m.prevFilterHeader)).varint(m.filterHashes.length);
      for (const h of m.filterHashes) w.bytes(hashToBytes(h));
      break;
    case 'getcfcheckpt': w.u8(m.filterType).bytes(hashToBytes(m.stopHash)); break;
    case 'cfcheckpt':
      if (m.filterHeaders.length > MAX_CFCHECKPT_HEADERS) throw new WireError(`cfcheckpt with ${m.filterHeaders.length} headers`);
      w.u8(m.filterType).bytes(hashToBytes(m.stopHash)).varint(m.filterHeaders.length);
      for (const h of m.filterHeaders) w.bytes(hashToBytes(h));
      break;
  }
  const out = w.finish();
  if (out.length > MAX_PAYLOAD[m.cmd]) throw new WireError(`${m.cmd} payload ${out.length} exceeds ${MAX_PAYLOAD[m.cmd]}`);
  return out;
}

/**
 * A header on the wire: 80 bytes, and 33 more when its version's top bits announce the
 * ODA-BIP-0006 storage extension (chain/header.ts), so no height is needed to decode it.
 */
function readHeader(r: Reader): Uint8Array {
  const head = r.bytes(HEADER_SIZE);
  if (headerLength(head) === HEADER_SIZE) return head;
  const out = new Uint8Array(MAX_HEADER_SIZE);
  out.set(head, 0);
  out.set(r.bytes(MAX_HEADER_SIZE - HEADER_SIZE), HEADER_SIZE);
  return out;
}

/** Decodes a payload strictly: every field in range, no trailing bytes. Throws WireError. */
export function decodePayload(cmd: Command, payload: Uint8Array): Message {
  if (payload.length > MAX_PAYLOAD[cmd]) throw new WireError(`${cmd} payload ${payload.length} exceeds ${MAX_PAYLOAD[cmd]}`);
  const r = new Reader(payload);
  let m: Message;
  switch (cmd) {
    case 'version': {
      const version = r.i32(), services = r.u64(), timestamp = r.i64();
      const addrRecv = readAddr(r, false), addrFrom = readAddr(r, false);
      const nonce = r.u64(), userAgent = r.varstr(MAX_USER_AGENT), startHeight = r.i32();
      const relayByte = r.u8();
      if (relayByte > 1) throw new WireError('relay flag must be 0 or 1');
      m = { cmd, version, services, timestamp, addrRecv, addrFrom, nonce, userAgent, startHeight, relay: relayByte === 1, maxCostUnits: r.u64() };
      break;
    }
    case 'verack': case 'getaddr': case 'sendheaders': case 'mempool': m = { cmd }; break;
    case 'ping': case 'pong': m = { cmd, nonce: r.u64() }; break;
    case 'addr': {
      const n = r.varint(MAX_ADDR);
      const addrs: NetAddr[] = [];
      for (let i = 0; i < n; i++) addrs.push(readAddr(r, true));
      m = { cmd, addrs };
      break;
    }
    case 'getheaders': {
      const version = r.u32();
      const n = r.varint(MAX_LOCATOR);
      const locator: string[] = [];
      for (let i = 0; i < n; i++) locator.push(bytesToHash(r.bytes(32)));
      m = { cmd, version, locator, stop: bytesToHash(r.bytes(32)) };
      break;
    }
    case 'headers': {
      const n = r.varint(MAX_HEADERS);
      const headers: Block[] = [];
      for (let i = 0; i < n; i++) {
        headers.push(decodeBlockHeader(readHeader(r)));
        if (r.u8() !== 0) throw new WireError('headers entry must have a zero transaction count');
      }
      m = { cmd, headers };
      break;
    }
    case 'inv': case 'getdata': case 'notfound': m = { cmd, items: readInv(r) }; break;
    case 'block': {
      let block: Block;
      try { block = decodeBlock(payload); } catch (e) { throw new WireError(`block decode failed: ${(e as Error).message}`); }
      if (!block.transactions || block.transactions.length === 0) throw new WireError('block without transactions');
      if (block.byteLength() !== payload.length) throw new WireError('block has trailing bytes');
      return { cmd, block };
    }
    case 'tx': {
      let tx: Transaction;
      try { tx = Transaction.fromBuffer(Buffer.from(payload)); } catch (e) { throw new WireError(`tx decode failed: ${(e as Error).message}`); }
      return { cmd, tx };
    }
    case 'feefilter': m = { cmd, feeRate: r.i64() }; if (m.feeRate < 0n) throw new WireError('negative feefilter'); break;
    case 'getmanifest': case 'getblobhave': m = { cmd, root: bytesToRoot(r.bytes(32)) }; break;
    case 'manifest': m = { cmd, manifest: r.varbytes(MAX_MANIFEST) }; break;
    case 'blobhave': {
      const root = bytesToRoot(r.bytes(32)), length = r.u64();
      const pieces = blobPieceCount(length);
      if (pieces > MAX_BLOB_PIECES) throw new WireError('blob too large');
      const bitfield = r.varbytes(MAX_BLOB_PIECES / 8);
      if (bitfield.length !== Math.ceil(pieces / 8)) throw new WireError('bitfield length does not match the blob length');
      // Bit i is (byte i>>3) & (1 << (i&7)) as the store keeps it; bits past the last piece are zero.
      if (pieces % 8 !== 0 && (bitfield[bitfield.length - 1] & ((0xff << (pieces % 8)) & 0xff)) !== 0) throw new WireError('bitfield spare bits set');
      m = { cmd, root, length, bitfield };
      break;
    }
    case 'havepiece': case 'getpiece': case 'nopiece': m = { cmd, root: bytesToRoot(r.bytes(32)), index: r.u32() }; break;
    case 'piece': m = { cmd, root: bytesToRoot(r.bytes(32)), index: r.u32(), data: r.varbytes(PIECE_SIZE) }; break;
    case 'getmodproof': m = { cmd, modelId: bytesToRoot(r.bytes(32)), version: r.u32() }; break;
    case 'modproof': m = { cmd, modelId: bytesToRoot(r.bytes(32)), version: r.u32(), height: r.u32(), header: readHeader(r).slice(), proof: r.varbytes(MAX_MODEL_PROOF).slice() }; break;
    case 'nomodproof': m = { cmd, modelId: bytesToRoot(r.bytes(32)), version: r.u32(), reason: r.varstr(MAX_PROOF_REASON) }; break;
    case 'getcfilters': case 'getcfheaders': m = { cmd, filterType: r.u8(), startHeight: r.u32(), stopHash: bytesToHash(r.bytes(32)) }; break;
    case 'cfilter': m = { cmd, filterType: r.u8(), blockHash: bytesToHash(r.bytes(32)), filter: r.varbytes(MAX_BLOCK_SERIALIZED) }; break;
    case 'cfheaders': {
      const filterType = r.u8();
      const stopHash = bytesToHash(r.bytes(32));
      const prevFilterHeader = bytesToHash(r.bytes(32));
      const n = r.varint(MAX_GETCFHEADERS_SIZE);
      const filterHashes: string[] = [];
      for (let i = 0; i < n; i++) filterHashes.push(bytesToHash(r.bytes(32)));
      m = { cmd, filterType, stopHash, prevFilterHeader, filterHashes };
      break;
    }
    case 'getcfcheckpt': m = { cmd, filterType: r.u8(), stopHash: bytesToHash(r.bytes(32)) }; break;
    case 'cfcheckpt': {
      const filterType = r.u8();
      const stopHash = bytesToHash(r.bytes(32));
      const n = r.varint(MAX_CFCHECKPT_HEADERS);
      const filterHeaders: string[] = [];
      for (let i = 0; i < n; i++) filterHeaders.push(bytesToHash(r.bytes(32)));
      m = { cmd, filterType, stopHash, filterHeaders };
      break;
    }
  }
  r.end();
  return m;
}
