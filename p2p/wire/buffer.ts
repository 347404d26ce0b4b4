// Byte reader/writer for the ODA wire format (BIP oda-0004). Strict on input: every read is
// bounds-checked, CompactSize must be canonical (Core's "non-canonical ReadCompactSize()"),
// and callers finish with `end()` so trailing bytes are an error, never silently ignored.
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get remaining(): number { return this.buf.length - this.pos; }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new WireError(`truncated: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
  }
  u8(): number { this.need(1); return this.buf[this.pos++]; }
  u16be(): number { this.need(2); const v = this.view.getUint16(this.pos, false); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.view.getInt32(this.pos, true); this.pos += 4; return v; }
  u64(): bigint { this.need(8); const v = this.view.getBigUint64(this.pos, true); this.pos += 8; return v; }
  i64(): bigint { this.need(8); const v = this.view.getBigInt64(this.pos, true); this.pos += 8; return v; }
  bytes(n: number): Uint8Array { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  /** Bitcoin CompactSize, rejecting non-canonical encodings and values above `max`. */
  varint(max: number): number {
    const first = this.u8();
    let v: number;
    if (first < 0xfd) v = first;
    else if (first === 0xfd) { v = this.view.getUint16((this.need(2), this.pos), true); this.pos += 2; if (v < 0xfd) throw new WireError('non-canonical CompactSize'); }
    else if (first === 0xfe) { v = this.u32(); if (v < 0x10000) throw new WireError('non-canonical CompactSize'); }
    else { const b = this.u64(); if (b < 0x100000000n) throw new WireError('non-canonical CompactSize'); if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw new WireError('CompactSize too large'); v = Number(b); }
    if (v > max) throw new WireError(`count ${v} exceeds limit ${max}`);
    return v;
  }
  varbytes(max: number): Uint8Array { return this.bytes(this.varint(max)); }
  varstr(max: number): string {
    const b = this.varbytes(max);
    const s = new TextDecoder('utf-8', { fatal: true }).decode(b);
    return s;
  }
  end(): void {
    if (this.remaining !== 0) throw new WireError(`${this.remaining} trailing bytes`);
  }
}

export class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private push(b: Uint8Array): this { this.chunks.push(b); this.size += b.length; return this; }
  private fixed(n: number, fill: (v: DataView) => void): this {
    const b = new Uint8Array(n);
    fill(new DataView(b.buffer));
    return this.push(b);
  }
  u8(v: number): this { return this.push(Uint8Array.of(v & 0xff)); }
  u16be(v: number): this { return this.fixed(2, (d) => d.setUint16(0, v, false)); }
  u32(v: number): this { return this.fixed(4, (d) => d.setUint32(0, v >>> 0, true)); }
  i32(v: number): this { return this.fixed(4, (d) => d.setInt32(0, v | 0, true)); }
  u64(v: bigint): this { return this.fixed(8, (d) => d.setBigUint64(0, BigInt.asUintN(64, v), true)); }
  i64(v: bigint): this { return this.fixed(8, (d) => d.setBigInt64(0, BigInt.asIntN(64, v), true)); }
  bytes(b: Uint8Array): this { return this.push(b); }
  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new WireError(`bad CompactSize ${v}`);
    if (v < 0xfd) return this.u8(v);
    if (v <= 0xffff) return this.u8(0xfd).fixed(2, (d) => d.setUint16(0, v, true));
    if (v <= 0xffffffff) return this.u8(0xfe).u32(v);
    return this.u8(0xff).u64(BigInt(v));
  }
  varbytes(b: Uint8Array): this { return this.varint(b.length).bytes(b); }
  varstr(s: string): this { return this.varbytes(new TextEncoder().encode(s)); }
  finish(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) { out.set(c, off); off += c.length; }
    return out;
  }
}
