// The one byte reader/writer of the tree: Bitcoin's little-endian integers and CompactSize,
// plus the fixed-prefix lengths (u8, u32) that ODA's encodings use. The wire (ODA-BIP-0004),
// the ODA payloads and registry records (ODA-BIP-0003), the sighash preimages and the txid
// serialization all write through it, so CompactSize is written and checked in one place.
//
// Decoding is strict: every read is bounds-checked, a CompactSize must be canonical (Core's
// "non-canonical ReadCompactSize()"), callers end with `end()` so trailing bytes are an error.
// What a failure throws is the caller's: each format passes its own error factory.

const utf8Dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Enc = new TextEncoder();

/** Bytes a CompactSize of `n` takes. */
export function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** Writes the CompactSize of `n` into `b` at `o`; returns the offset after it. */
export function writeCompactSize(b: Uint8Array, o: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad CompactSize ${n}`);
  if (n < 0xfd) {
    b[o] = n;
    return o + 1;
  }
  if (n <= 0xffff) {
    b[o] = 0xfd;
    b[o + 1] = n & 0xff;
    b[o + 2] = n >>> 8;
    return o + 3;
  }
  if (n <= 0xffffffff) {
    b[o] = 0xfe;
    writeU32(b, o + 1, n);
    return o + 5;
  }
  b[o] = 0xff;
  writeU32(b, o + 1, n % 0x100000000);
  writeU32(b, o + 5, Math.floor(n / 0x100000000));
  return o + 9;
}

function writeU32(b: Uint8Array, o: number, n: number): void {
  b[o] = n & 0xff;
  b[o + 1] = (n >>> 8) & 0xff;
  b[o + 2] = (n >>> 16) & 0xff;
  b[o + 3] = (n >>> 24) & 0xff;
}

/** A growable writer; `finish()` returns exactly the bytes written. */
export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2 || 64;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    return this;
  }
  u16be(v: number): this {
    this.ensure(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    writeU32(this.buf, this.len, v >>> 0);
    this.len += 4;
    return this;
  }
  i32(v: number): this {
    return this.u32(v | 0);
  }
  u64(v: bigint): this {
    const x = BigInt.asUintN(64, v);
    this.ensure(8);
    writeU32(this.buf, this.len, Number(x & 0xffffffffn));
    writeU32(this.buf, this.len + 4, Number(x >> 32n));
    this.len += 8;
    return this;
  }
  i64(v: bigint): this {
    return this.u64(BigInt.asUintN(64, v));
  }
  /** Signed 128-bit two's complement, little-endian (ODA scores). */
  i128(v: bigint): this {
    const x = BigInt.asUintN(128, v);
    return this.u64(x & 0xffffffffffffffffn).u64(x >> 64n);
  }
  compactSize(n: number): this {
    this.ensure(9);
    this.len = writeCompactSize(this.buf, this.len, n);
    return this;
  }
  /** CompactSize length, then the bytes (Bitcoin's var bytes). */
  varBytes(b: Uint8Array): this {
    return this.compactSize(b.length).bytes(b);
  }
  varString(s: string): this {
    return this.varBytes(utf8Enc.encode(s));
  }
  /** u8 length, then the bytes (ODA's short fields). */
  var8(b: Uint8Array): this {
    if (b.length > 0xff) throw new RangeError(`var8 field of ${b.length} bytes`);
    return this.u8(b.length).bytes(b);
  }
  /** u32 LE length, then the bytes (ODA's long fields). */
  var32(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }
  str8(s: string): this {
    return this.var8(utf8Enc.encode(s));
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** How a format reports a decoding failure (its own error class and reason). */
export type DecodeErrorFactory = (message: string) => Error;

/** A bounds-checked reader over one buffer. Labels (`what`) only enrich error messages. */
export class ByteReader {
  pos = 0;

  constructor(protected readonly buf: Uint8Array, private readonly error: DecodeErrorFactory = (m) => new RangeError(m)) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  fail(message: string): never {
    throw this.error(message);
  }

  take(n: number, what = 'bytes'): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`${what}: needs ${n} bytes at offset ${this.pos}, ${this.buf.length - this.pos} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(what = 'u8'): number {
    if (this.pos + 1 > this.buf.length) this.take(1, what);
    return this.buf[this.pos++];
  }
  u16(what = 'u16'): number {
    const b = this.take(2, what);
    return b[0] | (b[1] << 8);
  }
  u16be(what = 'u16'): number {
    const b = this.take(2, what);
    return (b[0] << 8) | b[1];
  }
  u32(what = 'u32'): number {
    const b = this.take(4, what);
    return (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 0x1000000;
  }
  i32(what = 'i32'): number {
    return this.u32(what) | 0;
  }
  u64(what = 'u64'): bigint {
    const b = this.take(8, what);
    const lo = (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 0x1000000;
    const hi = (b[4] | (b[5] << 8) | (b[6] << 16)) + b[7] * 0x1000000;
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }
  i64(what = 'i64'): bigint {
    return BigInt.asIntN(64, this.u64(what));
  }
  i128(what = 'i128'): bigint {
    const lo = this.u64(what);
    const hi = this.u64(what);
    return BigInt.asIntN(128, lo | (hi << 64n));
  }
  /** Canonical CompactSize no larger than `max`. */
  compactSize(max: number, what = 'CompactSize'): number {
    const first = this.u8(what);
    let v: number;
    if (first < 0xfd) v = first;
    else if (first === 0xfd) {
      v = this.u16(what);
      if (v < 0xfd) this.fail('non-canonical CompactSize');
    } else if (first === 0xfe) {
      v = this.u32(what);
      if (v < 0x10000) this.fail('non-canonical CompactSize');
    } else {
      const b = this.u64(what);
      if (b < 0x100000000n) this.fail('non-canonical CompactSize');
      if (b > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('CompactSize too large');
      v = Number(b);
    }
    if (v > max) this.fail(`${what}: count ${v} exceeds limit ${max}`);
    return v;
  }
  varBytes(max: number, what = 'bytes'): Uint8Array {
    return this.take(this.compactSize(max, what), what);
  }
  /** u8 length in [min, max], then that many bytes. */
  var8(what: string, min: number, max: number): Uint8Array {
    const n = this.u8(what);
    if (n < min || n > max) this.fail(`${what}: length ${n} outside [${min}, ${max}]`);
    return this.take(n, what);
  }
  /** u32 length in [min, max], then that many bytes. */
  var32(what: string, min: number, max: number): Uint8Array {
    const n = this.u32(what);
    if (n < min || n > max) this.fail(`${what}: length ${n} outside [${min}, ${max}]`);
    return this.take(n, what);
  }
  /** Strict UTF-8 (no overlongs, no surrogates). */
  utf8(b: Uint8Array, what = 'string'): string {
    try {
      return utf8Dec.decode(b);
    } catch {
      return this.fail(`${what}: not valid UTF-8`);
    }
  }
  str8(what: string, min: number, max: number): string {
    return this.utf8(this.var8(what, min, max), what);
  }
  end(): void {
    if (this.pos !== this.buf.length) this.fail(`${this.buf.length - this.pos} trailing bytes`);
  }
}

export function utf8Length(s: string): number {
  return utf8Enc.encode(s).length;
}
