// RegistryView defers the prior reads of keys written blind (loadPriors, one getMany): the
// undo record must still hold the database's prior value of every key, present or absent.
// Also: inline bytes kept by the payload decoder are used only while `data` is unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RegistryView, decodeUndo, encodeInference, keys, type InferenceRecord } from '../../oda/registry.js';
import { decodePayloadBody, decodedInlineBytes, encodePayloadBody, type InferencePayload } from '../../oda/payload.js';
import { dataHash } from '../../oda/build.js';
import { toHex } from '../../oda/codec.js';
import { createHash } from 'node:crypto';

/** A database of fixed contents, counting round trips. */
function memDb(entries: Array<[Uint8Array, Uint8Array]>, withGetMany: boolean) {
  const m = new Map(entries.map(([k, v]) => [toHex(k), v]));
  const calls = { get: 0, getMany: 0 };
  const db = {
    calls,
    async get(k: Uint8Array) { calls.get++; return m.get(toHex(k)); },
    ...(withGetMany ? { async getMany(ks: Uint8Array[]) { calls.getMany++; return ks.map((k) => m.get(toHex(k))); } } : {}),
  };
  return db;
}

const rec = (txid: string, rows: number): InferenceRecord => ({
  txid, modelId: 'ab'.repeat(32), version: 0, inputHash: '01'.repeat(32), outputHash: '02'.repeat(32), rows, royalty: 5n, height: 7,
});

for (const withGetMany of [true, false]) {
  test(`undo holds present and absent priors of blind writes (getMany ${withGetMany})`, async () => {
    const old = rec('cd'.repeat(32), 3);
    const oldBytes = encodeInference(old);
    const db = memDb([[keys.inference(old.txid), oldBytes]], withGetMany);
    const view = new RegistryView(db);
    await view.putInference(rec(old.txid, 9)); // an existing key overwritten
    await view.putInference(rec('ef'.repeat(32), 1)); // a new key
    await view.putInference(rec('ef'.repeat(32), 2)); // written twice: one undo entry
    assert.is(db.calls.get + db.calls.getMany, 0, 'no read while applying');
    assert.throws(() => view.undo(), /loadPriors/);
    await view.loadPriors();
    if (withGetMany) assert.equal(db.calls, { get: 0, getMany: 1 });
    const undo = decodeUndo(view.undo());
    assert.is(undo.length, 2);
    const byKey = new Map(undo.map((c) => [toHex(c.key), c.value]));
    assert.equal(byKey.get(toHex(keys.inference(old.txid))), oldBytes);
    assert.ok(byKey.has(toHex(keys.inference('ef'.repeat(32)))));
    assert.is(byKey.get(toHex(keys.inference('ef'.repeat(32)))), undefined);
    // The view reads its own writes, and a write after a read needs no deferred prior.
    assert.is((await view.getInference('ef'.repeat(32)))!.rows, 2);
  });
}

test('a write after a read takes its prior from the read', async () => {
  const db = memDb([], true);
  const view = new RegistryView(db);
  assert.is(await view.getInference('aa'.repeat(32)), undefined);
  await view.putInference(rec('aa'.repeat(32), 1));
  assert.not.throws(() => view.undo());
  await view.loadPriors();
  assert.is(db.calls.getMany, 0);
  assert.is(decodeUndo(view.undo()).length, 1);
});

test('decoded inline bytes are used only while data is unchanged', () => {
  const p: InferencePayload = { type: 'inference', modelId: '11'.repeat(32), version: 0, input: { kind: 'inline', data: '0102' }, output: { kind: 'inline', data: '0304' } };
  assert.is(decodedInlineBytes(p.input as { kind: 'inline'; data: string }), undefined, 'not from the decoder');
  const d = decodePayloadBody(4, encodePayloadBody(p)) as InferencePayload;
  assert.equal(d, p);
  const input = d.input as { kind: 'inline'; data: string };
  assert.equal(decodedInlineBytes(input), Uint8Array.of(1, 2));
  assert.is(dataHash(input), createHash('sha256').update(Uint8Array.of(1, 2)).digest('hex'));
  input.data = '0a0b';
  assert.is(decodedInlineBytes(input), undefined);
  assert.is(dataHash(input), createHash('sha256').update(Uint8Array.of(10, 11)).digest('hex'));
});

test.run();
