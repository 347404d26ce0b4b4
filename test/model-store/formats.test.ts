import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOnnx, FormatError, MAX_ONNX_BYTES } from '../../model-store/formats.js';
import { BlobStore, StoreError } from '../../model-store/store.js';
import { MAX_BLOB_LENGTH } from '../../model-store/manifest.js';
import { identityOnnx } from './helpers.js';

const reader = (b: Uint8Array) => async (off: number, len: number) => b.subarray(off, off + len);
const onnxFails = async (b: Uint8Array, re: RegExp, length = b.length) => {
  try { await checkOnnx(reader(b), length); } catch (e) {
    assert.instance(e, FormatError);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('expected FormatError');
};

test('a real ONNX model passes', async () => {
  await checkOnnx(reader(identityOnnx()), identityOnnx().length);
});

test('malformed ONNX headers are refused with the reason', async () => {
  const good = identityOnnx();
  await onnxFails(new Uint8Array(0), /file is empty/);
  await onnxFails(Uint8Array.of(0x08), /truncated varint/);
  await onnxFails(Uint8Array.of(0x80), /truncated field key/);
  await onnxFails(Uint8Array.of(0x00, 0x01), /field number 0/);
  await onnxFails(Uint8Array.of(0x0b), /unsupported wire type 3/);
  await onnxFails(Uint8Array.of(0x3a, 0x05, 0x01), /runs past the end/);
  await onnxFails(Uint8Array.of(0x08, 0x08), /expected one graph, found 0/); // ir_version only
  await onnxFails(Uint8Array.of(0x08, 0x02, 0x3a, 0x00, 0x42, 0x00), /ir_version 2 is out of range/);
  await onnxFails(Uint8Array.of(0x08, 0x08, 0x3a, 0x00), /no opset_import/);
  await onnxFails(Uint8Array.of(0x08, 0x08, 0x3a, 0x00, 0x3a, 0x00, 0x42, 0x00), /expected one graph, found 2/);
  await onnxFails(Uint8Array.of(0x12, 0x01, 0x41, 0x3a, 0x00, 0x42, 0x00), /no ir_version/);
  await onnxFails(good.subarray(0, good.length - 3), /runs past the end/);
  await onnxFails(good, /exceeds protobuf's 2 GiB/, MAX_ONNX_BYTES + 1);
});

test('an oversized file is refused before any byte is read, store unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-formats-'));
  try {
    const big = join(dir, 'sparse.bin');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, MAX_BLOB_LENGTH + 1); // sparse: no disk used
    closeSync(fd);
    const s = await BlobStore.open(join(dir, 'store'));
    await s.importFile(big, { mediaType: 'raw' }).then(() => assert.unreachable(), (e) => {
      assert.instance(e, StoreError);
      assert.is((e as StoreError).code, 'too-large');
      assert.match((e as Error).message, /exceeds the blob limit/);
    });
    const left: string[] = [];
    for await (const m of s.list()) left.push(m.root);
    assert.equal(left, []);
    await s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
