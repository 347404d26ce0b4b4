// Protocol Buffers wire format, the subset ONNX uses: varint (0), 64-bit (1, only read to
// reject or skip), length-delimited (2) and 32-bit (5, float fields). The reader is strict and
// bounded because it parses untrusted bytes: every length is checked against the remaining
// input before anything is allocated, varints longer than 10 bytes are rejected, and int64
// values are returned as bigint so that no precision is lost silently.
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Unsigned varint as bigint (at most 10 bytes, value < 2^64). */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (result >= 1n << 64n) throw new WireError('varint overflows 64 bits');
        return result;
      }
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** int64 field (two's complement in a varint). */
  int64(): bigint {
    return BigInt.asIntN(64, this.varint());
  }

  /** int32/enum field: proto encodes negative int32 as a 10-byte sign-extended varint. */
  int32(): number {
    const v = this.int64();
    if (v < -(1n << 31n) || v >= 1n << 31n) throw new WireError('int32 field out of range');
    return Number(v);
  }

  /** A small non-negative count or length, bounded by what is left in the buffer. */
  length(): number {
    const v = this.varint();
    if (v > BigInt(this.end - this.pos)) throw new WireError('length exceeds remaining input');
    return Number(v);
  }

  bytes(): Uint8Array {
    const n = this.length();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A sub-reader over one length-delimited field. */
  sub(): Reader {
    const n = this.length();
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  fixed32(): Uint8Array {
    if (this.end - this.pos < 4) throw new WireError('truncated fixed32');
    const out = this.buf.subarray(this.pos, this.pos + 4);
    this.pos += 4;
    return out;
  }

  fixed64(): Uint8Array {
    if (this.end - this.pos < 8) throw new WireError('truncated fixed64');
    const out = this.buf.subarray(this.pos, this.pos + 8);
    this.pos += 8;
    return out;
  }

  /** Field key: returns [fieldNumber, wireType]. */
  key(): [number, number] {
    const k = this.varint();
    const field = Number(k >> 3n);
    const wt = Number(k & 7n);
    if (field === 0 || field > 536870911) throw new WireError('invalid field number');
    return [field, wt];
  }
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });
export function decodeUtf8(b: Uint8Array): string {
  try {
    return textDecoder.decode(b);
  } catch {
    throw new WireError('string field is not valid UTF-8');
  }
}

const utf8 = new TextEncoder();

/** Growable byte writer for the canonical encoder. */
export class Writer {
  private cur = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.cur.length) return;
    let size = this.cur.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.cur.subarray(0, this.len));
    this.cur = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.cur[this.len++] = b;
  }

  /** Unsigned varint of a non-negative bigint < 2^64, or a signed int64 (two's complement). */
  varint(v: bigint | number): void {
    if (typeof v === 'number' && v >= 0 && v <= 0x7fffffff && Number.isInteger(v)) {
      // Fast path for keys, lengths and small values (no bigint arithmetic).
      let n = v;
      while (n >= 0x80) {
        this.byte((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      this.byte(n);
      return;
    }
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.cur.set(b, this.len);
    this.len += b.length;
  }

  key(field: number, wt: number): void {
    this.varint(field * 8 + wt);
  }

  bytesField(field: number, b: Uint8Array): void {
    this.key(field, WT_LEN);
    this.varint(b.length);
    this.raw(b);
  }

  stringField(field: number, s: string): void {
    // ASCII names (the common case) are copied directly; anything else goes through TextEncoder.
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        this.bytesField(field, utf8.encode(s));
        return;
      }
    }
    this.key(field, WT_LEN);
    this.varint(s.length);
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.cur[this.len++] = s.charCodeAt(i);
  }

  varintField(field: number, v: bigint | number): void {
    this.key(field, WT_VARINT);
    this.varint(v);
  }

  /**
   * A length-delimited submessage written in place: 5 bytes are reserved for the length, the
   * body is written, then moved left over the unused length bytes (no per-message allocation).
   */
  message(field: number, fill: (w: Writer) => void): void {
    this.key(field, WT_LEN);
    this.ensure(5);
    const at = this.len;
    this.len += 5;
    fill(this);
    const size = this.len - at - 5;
    const head: number[] = [];
    let n = size;
    while (n >= 0x80) {
      head.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    head.push(n);
    this.cur.copyWithin(at + head.length, at + 5, this.len);
    this.cur.set(head, at);
    this.len -= 5 - head.length;
  }

  finish(): Uint8Array {
    return this.cur.slice(0, this.len);
  }
}
