// Byte reader/writer for ODA encodings (ODA-BIP-0003 "Primitive types"): util/bytes.ts with
// ODA's error. Every field is fixed-width or length-prefixed with an explicit bound; the
// reader throws OdaDecodeError (carrying the reject reason) on any short read, out-of-bound
// length or trailing byte, so each value has exactly one encoding.
import { ByteReader, ByteWriter } from '../util/bytes.js';

export { utf8Length } from '../util/bytes.js';
export class OdaDecodeError extends Error {
  constructor(public readonly reason: string, message: string) {
    super(message);
    this.name = 'OdaDecodeError';
  }
}

export class Writer extends ByteWriter {
  constructor() {
    super(64);
  }
}

export class Reader extends ByteReader {
  constructor(buf: Uint8Array, private readonly reason = 'bad-oda-payload') {
    super(buf);
  }

  override fail(msg: string, reason = this.reason): never {
    throw new OdaDecodeError(reason, msg);
  }
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function fromHex(h: string, bytes: number, what: string): Uint8Array {
  if (typeof h !== 'string' || h.length !== bytes * 2 || !/^[0-9a-f]*$/.test(h)) throw new TypeError(`${what}: expected ${bytes * 2} lowercase hex characters`);
  return new Uint8Array(Buffer.from(h, 'hex'));
}
