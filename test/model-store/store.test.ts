import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, readdirSync, existsSync, writeFileSync, readFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore, StoreError } from '../../model-store/store.js';
import { PIECE_SIZE, BLOCK_SIZE, toHex, piecesRoot, verifyBlockProof, fromHex } from '../../model-store/merkle.js';
import { blobPath } from '../../model-store/layout.js';
import { encodeSafetensors } from '../../model-store/safetensors.js';
import { encryptBytes, decryptBytes, decryptStream, generateKey } from '../../model-store/encryption.js';
import { testData, identityOnnx, naiveRoot } from './helpers.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'oda-store-'));
  dirs.push(d);
  return d;
}
test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function snapshot(s: BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const m of s.list()) out.push(`${m.root}:${m.mediaType}`);
  return out.sort();
}

const expectStoreError = async (p: Promise<unknown>, code: string, re: RegExp) => {
  try { await p; } catch (e) {
    assert.instance(e, StoreError);
    assert.is((e as StoreError).code, code);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected StoreError ${code}`);
};

test('import, read back verified, root equals the BEP 52 pieces root, reopen', async () => {
  const dir = tmp();
  const data = testData(3 * PIECE_SIZE + 777);
  const src = join(dir, 'src.bin');
  writeFileSync(src, data);
  let s = await BlobStore.open(join(dir, 'store'));
  const m = await s.importFile(src, { mediaType: 'raw' });
  assert.is(m.root, naiveRoot(data).toString('hex'));
  assert.is(m.length, data.length);
  assert.is(m.pieceLayer.length, 4);
  assert.ok(await s.has(m.root));
  assert.equal(await s.readAll(m.root), data);
  assert.equal(await s.readPiece(m.root, 3), data.subarray(3 * PIECE_SIZE));
  const again = await s.importBytes(data, { mediaType: 'raw' });
  assert.is(again.root, m.root, 'same bytes, same blob');
  await s.close();
  s = await BlobStore.open(join(dir, 'store'));
  assert.equal(await s.getManifest(m.root), m);
  assert.equal(await s.verify(m.root), { ok: true, badPieces: [], missingPieces: [] });
  const out = join(dir, 'out.bin');
  await s.exportFile(m.root, out);
  assert.equal(new Uint8Array(readFileSync(out)), data);
  // Block proofs from the store verify against the root alone.
  for (const b of [0, 64, 130, Math.ceil(data.length / BLOCK_SIZE) - 1]) {
    const { block, proof } = await s.blockProof(m.root, b);
    assert.ok(verifyBlockProof(fromHex(m.root), m.length, b, block, proof), `block ${b}`);
  }
  await s.close();
});

test('edge sizes: empty, 1 byte, exactly one piece', async () => {
  const s = await BlobStore.open(join(tmp(), 'store'));
  for (const n of [0, 1, BLOCK_SIZE, PIECE_SIZE]) {
    const data = testData(n);
    const m = await s.importBytes(data, { mediaType: 'raw' });
    assert.is(m.root, toHex(piecesRoot(data)));
    assert.equal(await s.readAll(m.root), data);
    assert.ok((await s.verify(m.root)).ok);
  }
  await s.close();
});

test('a flipped byte on disk is detected on read and by verify, then repaired by writePiece', async () => {
  const dir = tmp();
  const s = await BlobStore.open(join(dir, 'store'));
  const data = testData(2 * PIECE_SIZE + 10);
  const m = await s.importBytes(data, { mediaType: 'raw' });
  const fd = openSync(blobPath(join(dir, 'store'), m.root), 'r+');
  writeSync(fd, Uint8Array.of(data[PIECE_SIZE + 12345] ^ 0x01), 0, 1, PIECE_SIZE + 12345);
  closeSync(fd);
  await expectStoreError(s.readAll(m.root), 'corrupt', /piece 1 of blob [0-9a-f]{64} is corrupt on disk/);
  // The bad piece is dropped from the have-set: the blob is incomplete until repaired.
  assert.not.ok(await s.has(m.root));
  assert.equal(await s.verify(m.root), { ok: false, badPieces: [], missingPieces: [1] });
  await expectStoreError(s.writePiece(m.root, 1, data.slice(0, PIECE_SIZE)), 'bad-piece', /does not match the piece layer/);
  assert.ok(await s.writePiece(m.root, 1, data.slice(PIECE_SIZE, 2 * PIECE_SIZE)), 'repair completes the blob');
  assert.equal(await s.readAll(m.root), data);
  await s.close();
});

test('verify reports every corrupt piece; a missing data file is reported too', async () => {
  const dir = tmp();
  const s = await BlobStore.open(join(dir, 'store'));
  const data = testData(4 * PIECE_SIZE);
  const m = await s.importBytes(data, { mediaType: 'raw' });
  const fd = openSync(blobPath(join(dir, 'store'), m.root), 'r+');
  writeSync(fd, Uint8Array.of(0xaa), 0, 1, 5);
  writeSync(fd, Uint8Array.of(0xaa), 0, 1, 3 * PIECE_SIZE + 99);
  closeSync(fd);
  const r = await s.verify(m.root);
  assert.equal(r.badPieces, [0, 3]);
  assert.not.ok(r.ok);
  const small = await s.importBytes(testData(100), { mediaType: 'raw' });
  rmSync(blobPath(join(dir, 'store'), small.root));
  assert.equal((await s.verify(small.root)).badPieces, [0]);
  await s.close();
});

test('P2P fill: addManifest, pieces in any order, each checked, complete at the end', async () => {
  const a = await BlobStore.open(join(tmp(), 'a'));
  const b = await BlobStore.open(join(tmp(), 'b'));
  const data = testData(3 * PIECE_SIZE + 5);
  const m = await a.importBytes(data, { mediaType: 'raw' });
  await b.addManifest(m);
  assert.not.ok(await b.has(m.root));
  assert.equal((await b.getStatus(m.root))!.havePieces, 0);
  await expectStoreError(b.readPiece(m.root, 0), 'not-found', /not held/);
  await expectStoreError(b.writePiece(m.root, 3, new Uint8Array(4)), 'bad-piece', /has 4 bytes, expected 5/);
  await expectStoreError(b.writePiece(m.root, 4, new Uint8Array(4)), 'bad-piece', /out of range/);
  const done: boolean[] = [];
  for (const i of [2, 0, 3, 1]) done.push(await b.writePiece(m.root, i, await a.readPiece(m.root, i)));
  assert.equal(done, [false, false, false, true]);
  assert.ok(await b.has(m.root));
  assert.equal(await b.readAll(m.root), data);
  const tampered = { ...m, pieceLayer: [m.pieceLayer[1], m.pieceLayer[0], m.pieceLayer[2], m.pieceLayer[3]] };
  await expectStoreError(b.addManifest(tampered), 'bad-manifest', /does not hash to the root/);
  await a.close();
  await b.close();
});

test('pins and garbage collection', async () => {
  const dir = join(tmp(), 'store');
  const s = await BlobStore.open(dir);
  const kept = await s.importBytes(testData(1000), { mediaType: 'raw' });
  const loose = await s.importBytes(testData(2000), { mediaType: 'raw', pin: false });
  const twice = await s.importBytes(testData(3000), { mediaType: 'raw', pin: 'model:a' });
  await s.pin(twice.root, 'model:b');
  assert.equal((await s.getStatus(twice.root))!.pins, ['model:a', 'model:b']);
  assert.equal(await s.gc(), [loose.root]);
  assert.not.ok(existsSync(blobPath(dir, loose.root)));
  await s.unpin(twice.root, 'model:a');
  assert.equal(await s.gc(), []);
  await s.unpin(twice.root, 'model:b');
  await s.unpin(kept.root);
  assert.equal((await s.gc()).sort(), [kept.root, twice.root].sort());
  assert.equal(await snapshot(s), []);
  await s.close();
});

test('format checks at import: safetensors, ONNX, encrypted; bad input leaves the store unchanged', async () => {
  const dir = join(tmp(), 'store');
  const s = await BlobStore.open(dir);
  const st = encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [2, 2], data: testData(16) }], { format: 'pt' });
  const w = await s.importBytes(st, { mediaType: 'safetensors-weights' });
  const o = await s.importBytes(identityOnnx(), { mediaType: 'onnx' });
  const before = await snapshot(s);
  assert.is(before.length, 2);
  await expectStoreError(s.importBytes(st.subarray(0, st.length - 1), { mediaType: 'safetensors-weights' }), 'bad-format', /not a valid safetensors-weights file: safetensors: tensors cover 16 data bytes but the file holds 15/);
  const big = new Uint8Array(st); big[0] = 0xff; big[3] = 0x10;
  await expectStoreError(s.importBytes(big, { mediaType: 'safetensors-dataset' }), 'bad-format', /exceeds the limit/);
  await expectStoreError(s.importBytes(testData(100), { mediaType: 'onnx' }), 'bad-format', /not a valid onnx file: onnx: /);
  await expectStoreError(s.importBytes(identityOnnx().subarray(0, 40), { mediaType: 'onnx' }), 'bad-format', /runs past the end of the file/);
  await expectStoreError(s.importBytes(st, { mediaType: 'onnx' }), 'bad-format', /onnx/);
  await expectStoreError(s.importBytes(testData(100), { mediaType: 'encrypted' }), 'bad-format', /does not start with "ODAENC01"/);
  await expectStoreError(s.importBytes(st, { mediaType: 'raw' as const, pin: '' }), 'bad-format', /pin tag/);
  await expectStoreError(s.importBytes(st, { mediaType: 'safetensors-dataset' }), 'conflict', /already held with media type safetensors-weights/);
  await expectStoreError(s.importFile(join(dir, 'no-such-file'), { mediaType: 'raw' }).catch((e) => { throw new StoreError('not-found', String(e.message)); }), 'not-found', /ENOENT/);
  assert.equal(await snapshot(s), before, 'store unchanged');
  assert.equal(readdirSync(join(dir, 'tmp')), [], 'no temp files left');
  assert.ok(await s.has(w.root) && await s.has(o.root));
  await s.close();
});

test('encrypted model: committed like any blob, round-trips only with its key', async () => {
  const s = await BlobStore.open(join(tmp(), 'store'));
  const key = generateKey();
  const plain = encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [300000], data: testData(1200000) }]);
  const m = await s.importBytes(await encryptBytes(plain, key), { mediaType: 'encrypted' });
  assert.is(m.pieceLayer.length, 2);
  assert.equal(await decryptBytes(await s.readAll(m.root), key), plain);
  const parts: Uint8Array[] = [];
  for await (const p of decryptStream(s.readBlob(m.root), key)) parts.push(p);
  assert.equal(new Uint8Array(Buffer.concat(parts)), plain);
  await decryptBytes(await s.readAll(m.root), generateKey()).then(() => assert.unreachable(), (e) => assert.match(e.message, /wrong decryption key/));
  await s.close();
});

test('interrupted import leftovers and orphan blob files are removed at open', async () => {
  const dir = join(tmp(), 'store');
  let s = await BlobStore.open(dir);
  const m = await s.importBytes(testData(5000), { mediaType: 'raw' });
  await s.close();
  writeFileSync(join(dir, 'tmp', 'deadbeef.part'), testData(100));
  const orphan = 'ab'.repeat(32);
  writeFileSync(blobPath(dir, m.root).replace(m.root, orphan), 'x');
  s = await BlobStore.open(dir);
  assert.equal(readdirSync(join(dir, 'tmp')), []);
  assert.not.ok(existsSync(blobPath(dir, m.root).replace(m.root, orphan)));
  assert.ok(await s.has(m.root));
  assert.is(statSync(blobPath(dir, m.root)).size, 5000);
  await s.close();
  await expectStoreError(s.has(m.root), 'closed', /closed/);
});

test('concurrent piece writes keep every have-bit', async () => {
  const a = await BlobStore.open(join(tmp(), 'a'));
  const b = await BlobStore.open(join(tmp(), 'b'));
  const m = await a.importBytes(testData(8 * PIECE_SIZE), { mediaType: 'raw' });
  await b.addManifest(m);
  const pieces = await Promise.all(m.pieceLayer.map((_, i) => a.readPiece(m.root, i)));
  const results = await Promise.all(pieces.map((p, i) => b.writePiece(m.root, i, p)));
  assert.is(results.filter(Boolean).length, 1);
  assert.ok(await b.has(m.root));
  await a.close();
  await b.close();
});

test.run();
