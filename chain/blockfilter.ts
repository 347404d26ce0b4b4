// BIP 158 basic compact block filters, exactly as BIP 158 (and Bitcoin Core's blockfilter.cpp):
// a Golomb-coded set (P = 19, M = 784931) of the block's output scripts (not OP_RETURN, not
// empty) and of the scripts its inputs spend, each hashed with SipHash-2-4 keyed by the first 16
// bytes of the block hash; filter headers chain dSHA256(filterHash || prevHeader) from 32 zero
// bytes. A lite wallet matches its own scripts against a block's filter without asking a full
// node which blocks are its (ODA-BIP-0004 "Compact block filters").
import { createHash } from 'node:crypto';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import type { Block } from './block.js';

export const BASIC_FILTER_P = 19;
export const BASIC_FILTER_M = 784931n;
/** BIP 157 filter type of the basic filter. */
export const BASIC_FILTER_TYPE = 0;

const MASK64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & MASK64;

/** SipHash-2-4 of `data` with key (k0, k1), as a 64-bit integer. */
export function siphash24(k0: bigint, k1: bigint, data: Uint8Array): bigint {
  let v0 = 0x736f6d6570736575n ^ k0;
  let v1 = 0x646f72616e646f6dn ^ k1;
  let v2 = 0x6c7967656e657261n ^ k0;
  let v3 = 0x7465646279746573n ^ k1;
  const round = () => {
    v0 = (v0 + v1) & MASK64; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK64; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK64; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK64; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const n = data.length;
  const view = new DataView(data.buffer, data.byteOffset, n);
  const full = n - (n % 8);
  for (let i = 0; i < full; i += 8) {
    const m = view.getBigUint64(i, true);
    v3 ^= m;
    round(); round();
    v0 ^= m;
  }
  let last = BigInt(n & 0xff) << 56n;
  for (let i = full; i < n; i++) last |= BigInt(data[i]) << BigInt(8 * (i - full));
  v3 ^= last;
  round(); round();
  v0 ^= last;
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return (v0 ^ v1 ^ v2 ^ v3) & MASK64;
}

/** The SipHash key of a block: its hash's first 16 bytes (internal order), as two little-endian u64. */
export function filterKey(blockHashInternal: Uint8Array): [bigint, bigint] {
  const v = new DataView(blockHashInternal.buffer, blockHashInternal.byteOffset, 16);
  return [v.getBigUint64(0, true), v.getBigUint64(8, true)];
}

/** Maps an element uniformly into [0, N·M): (SipHash · F) >> 64. */
function hashToRange(key: [bigint, bigint], e: Uint8Array, f: bigint): bigint {
  return (siphash24(key[0], key[1], e) * f) >> 64n;
}

class BitWriter {
  private readonly bytes: number[] = [];
  private cur = 0;
  private n = 0;
  bit(b: number): void {
    this.cur = (this.cur << 1) | b;
    if (++this.n === 8) this.flush();
  }
  bits(v: bigint, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bit(Number((v >> BigInt(i)) & 1n));
  }
  private flush(): void {
    this.bytes.push(this.cur);
    this.cur = 0;
    this.n = 0;
  }
  finish(): Uint8Array {
    if (this.n) {
      this.cur <<= 8 - this.n;
      this.flush();
    }
    return Uint8Array.from(this.bytes);
  }
}

class BitReader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  bit(): number {
    const i = this.pos >> 3;
    if (i >= this.b.length) throw new RangeError('filter: read past the end');
    return (this.b[i] >> (7 - (this.pos++ & 7))) & 1;
  }
  bits(count: number): bigint {
    let v = 0n;
    for (let i = 0; i < count; i++) v = (v << 1n) | BigInt(this.bit());
    return v;
  }
}

/** A Golomb-coded set: CompactSize N, then the Golomb-Rice coded sorted deltas. */
export function buildGcs(key: [bigint, bigint], elements: readonly Uint8Array[], p = BASIC_FILTER_P, m = BASIC_FILTER_M): Uint8Array {
  const f = BigInt(elements.length) * m;
  const values = elements.map((e) => hashToRange(key, e, f)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const w = new BitWriter();
  let last = 0n;
  for (const v of values) {
    const d = v - last;
    for (let q = d >> BigInt(p); q > 0n; q--) w.bit(1);
    w.bit(0);
    w.bits(d, p);
    last = v;
  }
  return new ByteWriter(16).compactSize(elements.length).bytes(w.finish()).finish();
}

/** Does the set contain any of `elements`? (False positives at rate 1/M.) */
export function gcsMatchAny(key: [bigint, bigint], filter: Uint8Array, elements: readonly Uint8Array[], p = BASIC_FILTER_P, m = BASIC_FILTER_M): boolean {
  const r = new ByteReader(filter);
  const n = r.compactSize(Number.MAX_SAFE_INTEGER, 'N');
  if (n === 0 || elements.length === 0) return false;
  const f = BigInt(n) * m;
  const wanted = new Set(elements.map((e) => hashToRange(key, e, f)));
  const bits = new BitReader(filter.subarray(r.pos));
  let v = 0n;
  for (let i = 0; i < n; i++) {
    let q = 0n;
    while (bits.bit() === 1) q++;
    v += (q << BigInt(p)) | bits.bits(p);
    if (wanted.has(v)) return true;
  }
  return false;
}

/** An element's value in a set of `n` elements: what the filter holds for it (BIP 158 hashed_set_construct). */
export function gcsHash(key: [bigint, bigint], element: Uint8Array, n: number, m = BASIC_FILTER_M): bigint {
  return hashToRange(key, element, BigInt(n) * m);
}

/**
 * Decodes a whole Golomb-coded set: N and its values in ascending order. Throws
 * unless the bytes are exactly what buildGcs writes for some N values below N·M: no value
 * past the range, no missing bits, and nothing after the last value but the final byte's
 * zero padding. (A filter is a function of its element set, so any other encoding is wrong.)
 */
export function gcsDecode(filter: Uint8Array, p = BASIC_FILTER_P, m = BASIC_FILTER_M): { n: number; values: bigint[] } {
  const r = new ByteReader(filter);
  // Each value takes at least p + 1 bits: a larger N cannot fit (and would only cost us time).
  const n = r.compactSize(Math.floor(((filter.length - 1) * 8) / (p + 1)), 'N');
  const body = filter.subarray(r.pos);
  const bits = new BitReader(body);
  const f = BigInt(n) * m;
  const values: bigint[] = [];
  let v = 0n;
  for (let i = 0; i < n; i++) {
    let q = 0n;
    while (bits.bit() === 1) q++;
    v += (q << BigInt(p)) | bits.bits(p);
    if (v >= f) throw new RangeError(`filter: value ${i} is past N·M`);
    values.push(v);
  }
  if (body.length !== Math.ceil(bits.pos / 8)) throw new RangeError(`filter: ${body.length - Math.ceil(bits.pos / 8)} bytes after the last value`);
  if (bits.pos % 8 && (body[body.length - 1] & (0xff >> (bits.pos % 8))) !== 0) throw new RangeError('filter: padding bits are not zero');
  return { n, values };
}

/**
 * The basic filter's elements: every output script except empty ones and those starting with
 * OP_RETURN, and every script the block's inputs spend (`spent`, coinbase excluded), without
 * duplicates. Sorted by bytes so the list (not the filter, which sorts hashes) is canonical.
 */
export function basicFilterElements(block: Block, spent: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  for (const tx of block.transactions ?? []) {
    for (const o of tx.outs) {
      if (o.script.length === 0 || o.script[0] === 0x6a) continue;
      seen.set(Buffer.from(o.script).toString('hex'), o.script);
    }
  }
  for (const s of spent) if (s.length) seen.set(Buffer.from(s).toString('hex'), s);
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

function dsha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(createHash('sha256').update(h.digest()).digest());
}

/** The basic filter of a block, given the scripts its inputs spend (in any order). */
export function basicFilter(block: Block, spent: readonly Uint8Array[]): Uint8Array {
  return buildGcs(filterKey(block.getHash()), basicFilterElements(block, spent));
}

/** BIP 157 filter hash (internal order). */
export function filterHash(filter: Uint8Array): Uint8Array {
  return dsha256(filter);
}

/** BIP 157 filter header (internal order): dSHA256(filterHash || prevHeader); genesis's prev is 32 zero bytes. */
export function filterHeader(filter: Uint8Array, prevHeader: Uint8Array): Uint8Array {
  return filterHeaderFromHash(filterHash(filter), prevHeader);
}

/** The same from a filter's hash (what cfheaders carries): dSHA256(filterHash || prevHeader). */
export function filterHeaderFromHash(hash: Uint8Array, prevHeader: Uint8Array): Uint8Array {
  return dsha256(hash, prevHeader);
}
