// Byte reader/writer for ODA encodings (ODA-BIP-0003 "Primitive types"). Every field is
// fixed-width or length-prefixed with an explicit bound; the reader throws OdaDecodeError on
// any short read, out-of-bound length or trailing byte, so each value has exactly one
// encoding.
export class OdaDecodeError extends Error {
  constructor(public readonly reason: string, message: string) {
    super(message);
    this.name = 'OdaDecodeError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Enc = new TextEncoder();

export class Writer {
  private parts: Uint8Array[] = [];
  private size = 0;

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  u8(n: number): this {
    return this.bytes(Uint8Array.of(n & 0xff));
  }
  // Byte by byte rather than through a DataView: these run several times per transaction.
  u16(n: number): this {
    return this.bytes(Uint8Array.of(n & 0xff, (n >>> 8) & 0xff));
  }
  u32(n: number): this {
    n >>>= 0;
    return this.bytes(Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24));
  }
  u64(n: bigint): this {
    const v = BigInt.asUintN(64, n);
    const lo = Number(v & 0xffffffffn);
    const hi = Number(v >> 32n);
    return this.bytes(Uint8Array.of(lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff, (hi >>> 16) & 0xff, hi >>> 24));
  }
  /** Signed 128-bit two's complement, little-endian (scores). */
  i128(n: bigint): this {
    const b = new Uint8Array(16);
    const v = BigInt.asUintN(128, n);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, v & 0xffffffffffffffffn, true);
    dv.setBigUint64(8, v >> 64n, true);
    return this.bytes(b);
  }
  var8(b: Uint8Array): this {
    return this.u8(b.length).bytes(b);
  }
  var32(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }
  str8(s: string): this {
    return this.var8(utf8Enc.encode(s));
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array, private readonly reason = 'bad-oda-payload') {}

  fail(msg: string, reason = this.reason): never {
    throw new OdaDecodeError(reason, msg);
  }
  take(n: number, what: string): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`${what}: needs ${n} bytes at offset ${this.pos}, ${this.buf.length - this.pos} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(what: string): number {
    return this.take(1, what)[0];
  }
  u16(what: string): number {
    const b = this.take(2, what);
    return b[0] | (b[1] << 8);
  }
  u32(what: string): number {
    const b = this.take(4, what);
    return (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 0x1000000;
  }
  u64(what: string): bigint {
    const b = this.take(8, what);
    const lo = (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 0x1000000;
    const hi = (b[4] | (b[5] << 8) | (b[6] << 16)) + b[7] * 0x1000000;
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }
  i128(what: string): bigint {
    const b = this.take(16, what);
    const dv = new DataView(b.buffer, b.byteOffset, 16);
    return BigInt.asIntN(128, dv.getBigUint64(0, true) | (dv.getBigUint64(8, true) << 64n));
  }
  /** u8 length in [min, max], then that many bytes. */
  var8(what: string, min: number, max: number): Uint8Array {
    const n = this.u8(what);
    if (n < min || n > max) this.fail(`${what}: length ${n} outside [${min}, ${max}]`);
    return this.take(n, what);
  }
  var32(what: string, min: number, max: number): Uint8Array {
    const n = this.u32(what);
    if (n < min || n > max) this.fail(`${what}: length ${n} outside [${min}, ${max}]`);
    return this.take(n, what);
  }
  /** u8 length in [min, max] bytes of strict UTF-8 (no overlongs, no surrogates). */
  str8(what: string, min: number, max: number): string {
    const b = this.var8(what, min, max);
    try {
      return utf8.decode(b);
    } catch {
      return this.fail(`${what}: not valid UTF-8`);
    }
  }
  end(): void {
    if (this.pos !== this.buf.length) this.fail(`${this.buf.length - this.pos} trailing bytes`);
  }
}

export function utf8Length(s: string): number {
  return utf8Enc.encode(s).length;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function fromHex(h: string, bytes: number, what: string): Uint8Array {
  if (typeof h !== 'string' || h.length !== bytes * 2 || !/^[0-9a-f]*$/.test(h)) throw new TypeError(`${what}: expected ${bytes * 2} lowercase hex characters`);
  return new Uint8Array(Buffer.from(h, 'hex'));
}
