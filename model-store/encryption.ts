// Client-side encryption of private models (ODA-BIP-0001 "Encrypted blobs"): AES-256-GCM in
// segments sized so every ciphertext piece is exactly 1 MiB (the last may be shorter), so a
// piece fetched from any peer decrypts on its own and the ciphertext is committed like any
// blob. The node never sees the content key: encryption happens before import.
//
// piece 0 = header(64) | ct_0 | tag_0        ct_0 = 1,048,480 plaintext bytes
// piece i = ct_i | tag_i                     ct_i = 1,048,560 plaintext bytes
// header  = "ODAENC01" | salt(16) | noncePrefix(7) | 0x00 | keyCheck(32)
// segment key = HKDF-SHA256(key, salt, "ODA-BIP-0001 segment key", 32)
// keyCheck    = HKDF-SHA256(key, salt, "ODA-BIP-0001 key check", 32)
// nonce_i     = noncePrefix | u32 BE i | (0x01 if last segment else 0x00);  AAD = header
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { PIECE_SIZE } from './merkle.js';

export const KEY_SIZE = 32;
export const TAG_SIZE = 16;
export const HEADER_SIZE = 64;
export const MAGIC = Buffer.from('ODAENC01', 'ascii');
/** Plaintext bytes in segment 0 and in every later segment. */
export const FIRST_SEGMENT = PIECE_SIZE - HEADER_SIZE - TAG_SIZE; // 1,048,480
export const SEGMENT = PIECE_SIZE - TAG_SIZE; // 1,048,560
const MAX_SEGMENTS = 2 ** 32;

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_SIZE) throw new TypeError(`encryption key must be ${KEY_SIZE} bytes`);
}

function derive(key: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, Buffer.from(info, 'ascii'), 32));
}

export function generateKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_SIZE));
}

/** Ciphertext length of a plaintext of `n` bytes. */
export function ciphertextLength(n: number): number {
  const segments = n <= FIRST_SEGMENT ? 1 : 1 + Math.ceil((n - FIRST_SEGMENT) / SEGMENT);
  return HEADER_SIZE + n + TAG_SIZE * segments;
}

/** Plaintext length of a well-framed ciphertext of `length` bytes. */
export function plaintextLength(length: number): number {
  const pieces = Math.max(1, Math.ceil(length / PIECE_SIZE));
  return length - HEADER_SIZE - TAG_SIZE * pieces;
}

/** Checks the header and piece framing of a ciphertext blob (no key needed). */
export function checkEncryptedFraming(head: Uint8Array, length: number): void {
  if (length < HEADER_SIZE + TAG_SIZE) throw new Error(`encrypted blob of ${length} bytes is shorter than header and tag (${HEADER_SIZE + TAG_SIZE})`);
  if (head.length < HEADER_SIZE || !Buffer.from(head.subarray(0, 8)).equals(MAGIC)) throw new Error('encrypted blob does not start with "ODAENC01"');
  if (head[31] !== 0) throw new Error('encrypted blob header has a non-zero reserved byte');
  const rest = length % PIECE_SIZE;
  if (length > PIECE_SIZE && rest !== 0 && rest < TAG_SIZE) throw new Error(`encrypted blob's last piece of ${rest} bytes is shorter than a GCM tag`);
  if (Math.ceil(length / PIECE_SIZE) > MAX_SEGMENTS) throw new Error('encrypted blob has too many segments');
}

interface FileKeys { header: Buffer; segKey: Buffer; prefix: Buffer }

function nonce(prefix: Uint8Array, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.set(prefix, 0);
  n.writeUInt32BE(index, 7);
  n[11] = last ? 1 : 0;
  return n;
}

function newFileKeys(key: Uint8Array, salt = randomBytes(16), prefix = randomBytes(7)): FileKeys {
  checkKey(key);
  const header = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(header, 0);
  header.set(salt, 8);
  header.set(prefix, 24);
  derive(key, salt, 'ODA-BIP-0001 key check').copy(header, 32);
  return { header, segKey: derive(key, salt, 'ODA-BIP-0001 segment key'), prefix: Buffer.from(prefix) };
}

function openFileKeys(key: Uint8Array, header: Uint8Array): FileKeys {
  checkKey(key);
  checkEncryptedFraming(header, Math.max(header.length, HEADER_SIZE + TAG_SIZE));
  const h = Buffer.from(header.subarray(0, HEADER_SIZE));
  const salt = h.subarray(8, 24);
  if (!timingSafeEqual(derive(key, salt, 'ODA-BIP-0001 key check'), h.subarray(32, 64))) {
    throw new DecryptionError('wrong decryption key or tampered header (key check value does not match)');
  }
  return { header: h, segKey: derive(key, salt, 'ODA-BIP-0001 segment key'), prefix: Buffer.from(h.subarray(24, 31)) };
}

function sealSegment(k: FileKeys, index: number, last: boolean, plain: Uint8Array): Buffer {
  const c = createCipheriv('aes-256-gcm', k.segKey, nonce(k.prefix, index, last));
  c.setAAD(k.header);
  const ct = Buffer.concat([index === 0 ? k.header : Buffer.alloc(0), c.update(plain), c.final(), c.getAuthTag()]);
  return ct;
}

function openSegment(k: FileKeys, index: number, last: boolean, piece: Uint8Array): Buffer {
  const body = index === 0 ? piece.subarray(HEADER_SIZE) : piece;
  if (body.length < TAG_SIZE) throw new DecryptionError(`segment ${index} is shorter than its tag (ciphertext truncated)`);
  const d = createDecipheriv('aes-256-gcm', k.segKey, nonce(k.prefix, index, last));
  d.setAAD(k.header);
  d.setAuthTag(body.subarray(body.length - TAG_SIZE));
  const out = d.update(body.subarray(0, body.length - TAG_SIZE));
  try {
    return Buffer.concat([out, d.final()]);
  } catch {
    throw new DecryptionError(`segment ${index} failed authentication (ciphertext tampered, reordered or truncated)`);
  }
}

/** Re-chunks a byte stream into pieces of `size` (the last shorter), holding one piece back so the caller knows which is last. */
async function* rechunk(source: AsyncIterable<Uint8Array>, sizeOf: (i: number) => number): AsyncGenerator<{ bytes: Uint8Array; last: boolean }> {
  let buf = Buffer.alloc(sizeOf(0));
  let fill = 0;
  let index = 0;
  let pending: Buffer | undefined;
  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(buf.length - fill, chunk.length - off);
      buf.set(chunk.subarray(off, off + take), fill);
      fill += take;
      off += take;
      if (fill === buf.length) {
        if (pending) yield { bytes: pending, last: false };
        pending = buf;
        index++;
        buf = Buffer.alloc(sizeOf(index));
        fill = 0;
      }
    }
  }
  if (fill > 0 || !pending) {
    if (pending) yield { bytes: pending, last: false };
    yield { bytes: buf.subarray(0, fill), last: true };
  } else {
    yield { bytes: pending, last: true };
  }
}

/** Encrypts a plaintext stream; yields ciphertext pieces (1 MiB each, the last shorter). */
export function encryptStream(source: AsyncIterable<Uint8Array>, key: Uint8Array): AsyncGenerator<Uint8Array> {
  return encryptStreamWithParams(source, key, randomBytes(16), randomBytes(7));
}

/** Decrypts a ciphertext stream; yields plaintext segments. Throws DecryptionError on a wrong key or any tampering. */
export async function* decryptStream(source: AsyncIterable<Uint8Array>, key: Uint8Array): AsyncGenerator<Uint8Array> {
  let k: FileKeys | undefined;
  let i = 0;
  for await (const piece of rechunk(source, () => PIECE_SIZE)) {
    if (i === 0) {
      if (piece.bytes.length < HEADER_SIZE + TAG_SIZE) throw new DecryptionError(`ciphertext of ${piece.bytes.length} bytes is shorter than header and tag`);
      try {
        k = openFileKeys(key, piece.bytes.subarray(0, HEADER_SIZE));
      } catch (e) {
        if (e instanceof DecryptionError || e instanceof TypeError) throw e;
        throw new DecryptionError((e as Error).message);
      }
    }
    yield openSegment(k!, i++, piece.last, piece.bytes);
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

export async function encryptBytes(plain: Uint8Array, key: Uint8Array): Promise<Uint8Array> {
  checkKey(key);
  return collect(encryptStream(once(plain), key));
}

export async function decryptBytes(cipher: Uint8Array, key: Uint8Array): Promise<Uint8Array> {
  checkKey(key);
  return collect(decryptStream(once(cipher), key));
}

/** Writes a stream to `path` atomically: a temp file renamed into place, removed on error. */
export async function writeStreamAtomic(path: string, source: AsyncIterable<Uint8Array>): Promise<number> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  const fh = await open(tmp, 'wx');
  let total = 0;
  try {
    for await (const chunk of source) {
      await fh.write(chunk);
      total += chunk.length;
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
    return total;
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Reads a file in 1 MiB chunks (bounded memory). */
export async function* readFileChunks(path: string, chunkSize = PIECE_SIZE): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    while (true) {
      const buf = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

export function encryptFile(inPath: string, outPath: string, key: Uint8Array): Promise<number> {
  checkKey(key);
  return writeStreamAtomic(outPath, encryptStream(readFileChunks(inPath), key));
}

export function decryptFile(inPath: string, outPath: string, key: Uint8Array): Promise<number> {
  checkKey(key);
  return writeStreamAtomic(outPath, decryptStream(readFileChunks(inPath), key));
}

/**
 * Deterministic encryption for test vectors only: the caller supplies salt and nonce prefix,
 * which must never repeat under one key in real use (encryptStream draws them at random).
 */
export async function* encryptStreamWithParams(source: AsyncIterable<Uint8Array>, key: Uint8Array, salt: Uint8Array, noncePrefix: Uint8Array): AsyncGenerator<Uint8Array> {
  if (salt.length !== 16 || noncePrefix.length !== 7) throw new RangeError('salt must be 16 bytes and nonce prefix 7 bytes');
  const k = newFileKeys(key, Buffer.from(salt), Buffer.from(noncePrefix));
  let i = 0;
  for await (const seg of rechunk(source, (n) => (n === 0 ? FIRST_SEGMENT : SEGMENT))) {
    if (i >= MAX_SEGMENTS) throw new RangeError('plaintext too large for 2^32 segments');
    yield sealSegment(k, i++, seg.last, seg.bytes);
  }
}
