// The device's content key for a private model (lite/content-key.ts): a wrapped key opens for
// the root it was wrapped for among the model's roots, and for no other device or model.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ecc from 'tiny-secp256k1';
import { wrapKey } from '../../model-store/key-wrap.js';
import { keyFromHex, readKeyFile, resolveContentKey, wrappedFromHex } from '../../lite/content-key.js';
import { LiteError } from '../../lite/node.js';

const key = new Uint8Array(32).fill(0x5a);
const device = new Uint8Array(32).fill(0x07);
const arch = 'aa'.repeat(32);
const weights = 'bb'.repeat(32);
const wrapFor = (root: string) => ({ kind: 'wrapped' as const, wrapped: wrapKey(key, ecc.pointFromScalar(device, true)!, Buffer.from(root, 'hex')), devicePriv: device });

test('a key given directly is used as is; a wrapped one opens for its root', () => {
  assert.equal(resolveContentKey({ kind: 'key', key }, [arch]).key, key);
  const r = resolveContentKey(wrapFor(arch), [arch, weights]);
  assert.equal([Buffer.from(r.key).toString('hex'), r.wrappedFor], [Buffer.from(key).toString('hex'), arch]);
  assert.is(resolveContentKey(wrapFor(weights), [arch, weights]).wrappedFor, weights);
});

test('a wrapped key for another model or another device is refused', () => {
  assert.throws(() => resolveContentKey(wrapFor('cc'.repeat(32)), [arch, weights]), (e: Error) => e instanceof LiteError && /does not open with this device key/.test(e.message));
  const other = { ...wrapFor(arch), devicePriv: new Uint8Array(32).fill(0x08) };
  assert.throws(() => resolveContentKey(other, [arch]), /does not open/);
  assert.throws(() => resolveContentKey({ ...wrapFor(arch), devicePriv: new Uint8Array(32) }, [arch]), /not a valid secp256k1 private key/);
});

test('key text and key files: hex or raw bytes, clear errors otherwise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-content-key-'));
  try {
    writeFileSync(join(dir, 'hex'), Buffer.from(key).toString('hex') + '\n');
    writeFileSync(join(dir, 'raw'), key);
    writeFileSync(join(dir, 'bad'), 'not a key');
    assert.equal(readKeyFile(join(dir, 'hex'), 'key file'), key);
    assert.equal(readKeyFile(join(dir, 'raw'), 'key file'), key);
    assert.throws(() => readKeyFile(join(dir, 'bad'), 'key file'), /must hold 64 hex characters or 32 raw bytes/);
    assert.throws(() => readKeyFile(join(dir, 'none'), 'device key file'), /device key file .* not found/);
    assert.throws(() => keyFromHex('abcd'), /--key must be 64 hex/);
    assert.throws(() => wrappedFromHex('00'.repeat(80)), /--wrapped must be 162 hex/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
