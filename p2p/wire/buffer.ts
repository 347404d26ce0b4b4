// Byte reader/writer for the ODA wire format (BIP oda-0004): util/bytes.ts under the wire's
// names, throwing WireError. Strict on input: every read is bounds-checked, CompactSize must
// be canonical (Core's "non-canonical ReadCompactSize()"), and callers finish with `end()` so
// trailing bytes are an error, never silently ignored.
import { ByteReader, ByteWriter } from '../../util/bytes.js';

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** util/bytes.ts's reader with the wire's names and error. */
export class Reader extends ByteReader {
  constructor(buf: Uint8Array) {
    super(buf, (m) => new WireError(m));
  }
  bytes(n: number): Uint8Array { return this.take(n); }
  varint(max: number): number { return this.compactSize(max); }
  varbytes(max: number): Uint8Array { return this.varBytes(max); }
  varstr(max: number): string { return this.utf8(this.varBytes(max)); }
}

export class Writer extends ByteWriter {
  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new WireError(`bad CompactSize ${v}`);
    return this.compactSize(v);
  }
  varbytes(b: Uint8Array): this { return this.varBytes(b); }
  varstr(s: string): this { return this.varString(s); }
}
