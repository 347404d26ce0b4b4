import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createECDH } from 'node:crypto';
import { storeMethods } from '../../rpc/methods/store.js';
import { runStoreCli } from '../../cli/oda-store.js';
import { BlobStore } from '../../model-store/store.js';
import { RpcError, RPC } from '../../rpc/errors.js';
import { encodeSafetensors } from '../../model-store/safetensors.js';
import { testData } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-store-rpc-'));
const call = (name: string, args: unknown[], ctx: { store: BlobStore }) => {
  const m = storeMethods.find((x) => x.name === name)!;
  return Promise.resolve(m.handler(args, ctx));
};
const rpcFails = async (p: Promise<unknown>, code: number, re: RegExp) => {
  try { await p; } catch (e) {
    assert.instance(e, RpcError);
    assert.is((e as RpcError).code, code, (e as Error).message);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('expected RpcError');
};

test('method table shape', () => {
  assert.equal(storeMethods.map((m) => m.name), ['importblob', 'getblobinfo', 'verifyblob', 'exportblob', 'listblobs']);
  for (const m of storeMethods) assert.is(m.category, 'Store');
});

test('importblob, getblobinfo, listblobs, verifyblob, exportblob with Core error codes', async () => {
  const store = await BlobStore.open(join(dir, 'store'));
  const ctx = { store };
  const file = join(dir, 'w.safetensors');
  const bytes = encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [600000], data: testData(2400000) }]);
  writeFileSync(file, bytes);
  const info = (await call('importblob', [file, 'safetensors-weights'], ctx)) as Record<string, unknown>;
  assert.is(info.length, bytes.length);
  assert.is(info.pieces, 3);
  assert.is(info.complete, true);
  assert.equal(info.pins, ['user']);
  assert.is(info.piecelayer, undefined);
  const verbose = (await call('getblobinfo', [info.root, true], ctx)) as Record<string, unknown>;
  assert.is((verbose.piecelayer as string[]).length, 3);
  assert.equal(((await call('listblobs', [], ctx)) as Array<{ root: string }>).map((b) => b.root), [info.root]);
  assert.equal(await call('verifyblob', [info.root], ctx), { root: info.root, ok: true, badpieces: [], missingpieces: [] });
  const out = join(dir, 'out.safetensors');
  assert.equal(await call('exportblob', [info.root, out], ctx), { root: info.root, path: out, length: bytes.length });
  assert.equal(new Uint8Array(readFileSync(out)), bytes);

  await rpcFails(call('exportblob', [info.root, out], ctx), RPC.INVALID_PARAMETER, /already exists/);
  await rpcFails(call('getblobinfo', ['ab'], ctx), RPC.INVALID_PARAMETER, /^root must be of length 64 \(not 2, for 'ab'\)$/);
  await rpcFails(call('getblobinfo', ['zz'.repeat(32)], ctx), RPC.INVALID_PARAMETER, /must be hexadecimal string/);
  await rpcFails(call('getblobinfo', ['00'.repeat(32)], ctx), RPC.INVALID_ADDRESS_OR_KEY, /Blob not found/);
  await rpcFails(call('verifyblob', ['00'.repeat(32)], ctx), RPC.INVALID_ADDRESS_OR_KEY, /not found/);
  await rpcFails(call('importblob', [file, 'video'], ctx), RPC.INVALID_PARAMETER, /Unknown media type 'video'/);
  await rpcFails(call('importblob', [join(dir, 'missing'), 'raw'], ctx), RPC.INVALID_PARAMETER, /does not exist/);
  writeFileSync(join(dir, 'bad.safetensors'), bytes.subarray(0, 1000));
  await rpcFails(call('importblob', [join(dir, 'bad.safetensors'), 'safetensors-weights'], ctx), RPC.DESERIALIZATION_ERROR, /safetensors: tensors cover/);
  await rpcFails(call('importblob', [file, 'safetensors-dataset'], ctx), RPC.INVALID_PARAMETER, /already held/);
  assert.is(((await call('listblobs', [], ctx)) as unknown[]).length, 1, 'store unchanged by the failures');
  await store.close();
});

test('CLI commands against a store dir', async () => {
  const storeDir = join(dir, 'cli-store');
  const src = join(dir, 'cli.bin');
  writeFileSync(src, testData(1500000));
  const m = (await runStoreCli([`-store=${storeDir}`, 'import', src, 'raw'])) as { root: string; pieces: number };
  assert.is(m.pieces, 2);
  assert.equal(await runStoreCli(['root', src]), { root: m.root, length: 1500000, pieces: 2 });
  assert.equal(await runStoreCli([`-store=${storeDir}`, 'verify', m.root]), { ok: true, badPieces: [], missingPieces: [] });
  await runStoreCli([`-store=${storeDir}`, 'export', m.root, join(dir, 'cli.out')]);
  assert.equal(readFileSync(join(dir, 'cli.out')), readFileSync(src));
  await runStoreCli(['keygen', join(dir, 'k')]);
  await runStoreCli(['encrypt', src, join(dir, 'cli.enc'), `-keyfile=${join(dir, 'k')}`]);
  await runStoreCli(['keygen', join(dir, 'k2')]);
  await runStoreCli(['decrypt', join(dir, 'cli.enc'), join(dir, 'cli.dec'), `-keyfile=${join(dir, 'k2')}`]).then(() => assert.unreachable(), (e) => assert.match(e.message, /wrong decryption key/));
  assert.not.ok(existsSync(join(dir, 'cli.dec')));
  await runStoreCli(['decrypt', join(dir, 'cli.enc'), join(dir, 'cli.dec'), `-keyfile=${join(dir, 'k')}`]);
  assert.equal(readFileSync(join(dir, 'cli.dec')), readFileSync(src));
  const st = join(dir, 'cli.safetensors');
  writeFileSync(st, encodeSafetensors([{ name: 'b', dtype: 'I64', shape: [2], data: testData(16) }], { k: 'v' }));
  assert.equal(await runStoreCli(['inspect', st, 'safetensors-weights']), { valid: true, length: readFileSync(st).length, metadata: { k: 'v' }, tensors: [{ name: 'b', dtype: 'I64', shape: [2], offsets: [0, 16] }] });
  // wrapkey/unwrapkey: the content key k handed to a device key (k2 as its private key), bound to one root.
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(Buffer.from(readFileSync(join(dir, 'k2'), 'utf8').trim(), 'hex'));
  const pub = ecdh.getPublicKey('hex', 'compressed');
  const w = (await runStoreCli(['wrapkey', pub, m.root, `-keyfile=${join(dir, 'k')}`])) as { wrapped: string };
  await runStoreCli(['unwrapkey', w.wrapped, m.root, join(dir, 'k.dev'), `-privkeyfile=${join(dir, 'k2')}`]);
  assert.is(readFileSync(join(dir, 'k.dev'), 'utf8'), readFileSync(join(dir, 'k'), 'utf8'));
  await runStoreCli(['unwrapkey', w.wrapped, '00'.repeat(32), join(dir, 'k.bad'), `-privkeyfile=${join(dir, 'k2')}`]).then(() => assert.unreachable(), (e) => assert.match(e.message, /does not open/));
  await runStoreCli(['wrapkey', 'zz', m.root, `-keyfile=${join(dir, 'k')}`]).then(() => assert.unreachable(), (e) => assert.match(e.message, /pubkey must be 66 hex/));
  await runStoreCli(['frobnicate']).then(() => assert.unreachable(), (e) => assert.match(e.message, /unknown command/));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
