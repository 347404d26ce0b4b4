import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecryptionError, FIRST_SEGMENT, SEGMENT, HEADER_SIZE, TAG_SIZE, ciphertextLength, plaintextLength, decryptBytes, encryptBytes,
  encryptStreamWithParams, generateKey, encryptFile, decryptFile,
} from '../../model-store/encryption.js';
import { PIECE_SIZE, piecesRoot, toHex } from '../../model-store/merkle.js';
import { testData } from './helpers.js';
import { wrapKey, unwrapKey, WRAPPED_KEY_SIZE } from '../../model-store/key-wrap.js';
import { createECDH } from 'node:crypto';

const V = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0001/encryption.json', import.meta.url), 'utf8'));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}
async function* once(b: Uint8Array) { yield b; }

const rejects = async (p: Promise<unknown>, re: RegExp) => {
  try { await p; } catch (e) {
    assert.instance(e, DecryptionError);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('expected DecryptionError');
};

for (const v of V.vectors) {
  test(`vector: ${v.name}`, async () => {
    const plain = testData(v.plaintext_length);
    assert.is(sha(plain), v.plaintext_sha256);
    const key = Buffer.from(V.key, 'hex');
    const c = await collect(encryptStreamWithParams(once(plain), key, Buffer.from(V.salt, 'hex'), Buffer.from(V.nonce_prefix, 'hex')));
    assert.is(c.length, v.ciphertext_length);
    assert.is(c.length, ciphertextLength(v.plaintext_length));
    assert.is(plaintextLength(c.length), v.plaintext_length);
    assert.is(sha(c), v.ciphertext_sha256);
    assert.is(toHex(piecesRoot(c)), v.ciphertext_root);
    assert.is(hex(c.subarray(0, 128)), v.ciphertext_head);
    assert.equal(await decryptBytes(c, key), plain);
  });
}

test('every ciphertext piece is exactly 1 MiB except the last', async () => {
  const key = generateKey();
  const plain = testData(FIRST_SEGMENT + 2 * SEGMENT + 1);
  const pieces: Uint8Array[] = [];
  for await (const p of encryptStreamWithParams(once(plain), key, new Uint8Array(16), new Uint8Array(7))) pieces.push(p);
  assert.equal(pieces.map((p) => p.length), [PIECE_SIZE, PIECE_SIZE, PIECE_SIZE, 1 + TAG_SIZE]);
  // Fresh randomness per file: two encryptions of the same plaintext differ everywhere.
  const a = await encryptBytes(plain.subarray(0, 1000), key);
  const b = await encryptBytes(plain.subarray(0, 1000), key);
  assert.is.not(hex(a.subarray(HEADER_SIZE)), hex(b.subarray(HEADER_SIZE)));
});

test('wrong key, tampering, truncation, reordering and extension are refused with a clear error', async () => {
  const key = generateKey();
  const plain = testData(FIRST_SEGMENT + SEGMENT + 5000);
  const c = await encryptBytes(plain, key);
  await rejects(decryptBytes(c, generateKey()), /wrong decryption key/);
  const flip = (at: number) => { const t = c.slice(); t[at] ^= 1; return t; };
  await rejects(decryptBytes(flip(HEADER_SIZE + 10), key), /segment 0 failed authentication/);
  await rejects(decryptBytes(flip(PIECE_SIZE + 10), key), /segment 1 failed authentication/);
  await rejects(decryptBytes(flip(c.length - 1), key), /segment 2 failed authentication/);
  await rejects(decryptBytes(flip(10), key), /key check|segment 0/); // salt: key check no longer matches
  await rejects(decryptBytes(flip(40), key), /wrong decryption key/); // key check value itself
  await rejects(decryptBytes(c.subarray(0, 2 * PIECE_SIZE), key), /segment 1 failed authentication/); // dropped last segment
  await rejects(decryptBytes(c.subarray(0, c.length - 1), key), /segment 2 failed authentication/);
  const reordered = new Uint8Array(Buffer.concat([c.subarray(0, PIECE_SIZE), c.subarray(2 * PIECE_SIZE), c.subarray(PIECE_SIZE, 2 * PIECE_SIZE)]));
  await rejects(decryptBytes(reordered, key), /segment 1 failed authentication/);
  await rejects(decryptBytes(new Uint8Array(Buffer.concat([c, new Uint8Array(20)])), key), /segment 2 failed authentication/);
  await rejects(decryptBytes(c.subarray(0, 50), key), /shorter than header and tag/);
  await encryptBytes(plain, new Uint8Array(16)).then(() => assert.unreachable(), (e) => assert.match(e.message, /must be 32 bytes/));
});

test('file encrypt/decrypt is atomic: a wrong key leaves no output file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-enc-'));
  try {
    const key = generateKey();
    const plain = testData(2 * PIECE_SIZE + 3);
    writeFileSync(join(dir, 'p'), plain);
    await encryptFile(join(dir, 'p'), join(dir, 'c'), key);
    await rejects(decryptFile(join(dir, 'c'), join(dir, 'out'), generateKey()), /wrong decryption key/);
    assert.not.ok(existsSync(join(dir, 'out')));
    assert.equal(readdirSync(dir).sort(), ['c', 'p']);
    await decryptFile(join(dir, 'c'), join(dir, 'out'), key);
    assert.equal(new Uint8Array(readFileSync(join(dir, 'out'))), plain);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('key wrap for a secp256k1 recipient: opens only with that key and for that blob', async () => {
  const recipient = createECDH('secp256k1');
  recipient.generateKeys();
  const other = createECDH('secp256k1');
  other.generateKeys();
  const key = generateKey();
  const root = piecesRoot(await encryptBytes(testData(1000), key));
  const w = wrapKey(key, recipient.getPublicKey(null, 'compressed'), root);
  assert.is(w.length, WRAPPED_KEY_SIZE);
  assert.equal(unwrapKey(w, recipient.getPrivateKey(), root), key);
  assert.throws(() => unwrapKey(w, other.getPrivateKey(), root), /does not open/);
  const otherRoot = root.slice(); otherRoot[0] ^= 1;
  assert.throws(() => unwrapKey(w, recipient.getPrivateKey(), otherRoot), /does not open/);
  const t = w.slice(); t[40] ^= 1;
  assert.throws(() => unwrapKey(t, recipient.getPrivateKey(), root), /does not open/);
  assert.throws(() => unwrapKey(w.subarray(1), recipient.getPrivateKey(), root), /must be 81 bytes/);
});

test.run();
