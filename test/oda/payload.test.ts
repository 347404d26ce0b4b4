// Payload codec: round trips, bounds, and canonicality under random mutation (any mutated
// script that still decodes re-encodes to exactly the same bytes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction } from '../../chain/block.js';
import { VerifyError } from '../../chain/errors.js';
import {
  buildAddModelPayload, buildCommitPayload, buildInferencePayload, buildRevealPayload, commitHash, decodeOdaTx, encodeOdaOutput,
  encodeTensorList, decodeTensorList, inlineData, isOdaScript, BOUNDS, type OdaPayload,
} from '../../oda/index.js';
import { rng } from '../validator/helpers.js';

const W = { root: '11'.repeat(32), length: 100 };
const S = '0014' + '22'.repeat(20);

function txWith(...scripts: Uint8Array[]): Transaction {
  const tx = new Transaction();
  tx.addInput(new Uint8Array(32), 0);
  for (const s of scripts) tx.addOutput(s, 0n);
  return tx;
}

function samples(): OdaPayload[] {
  const add = buildAddModelPayload({ architecture: W, dataset: { ...W, length: 7 }, weights: { root: '33'.repeat(32), length: 2 ** 36 }, objective: 'accuracy', royalty: BOUNDS.MAX_MONEY, payoutScript: S, name: 'é'.repeat(32), description: 'x'.repeat(255) });
  const c = buildCommitPayload({ modelId: add.modelId, weights: W, payoutScript: S });
  const r = buildRevealPayload({ modelId: add.modelId, weights: W, payoutScript: S, salt: c.salt, versionLabel: '🙂' });
  const t = { type: 'int64' as const, dims: [1, 2], data: BigInt64Array.of(-1n, 2n ** 62n) };
  const i = buildInferencePayload({ modelId: add.modelId, version: 0xffffffff, input: inlineData([t, t]), output: { kind: 'blob', blob: W } });
  return [add.payload, c.payload, r.payload, i.payload];
}

test('round trip of every type, at field bounds (multi-byte UTF-8, MAX_MONEY, 2^36, u32 max)', () => {
  for (const p of samples()) {
    const d = decodeOdaTx(txWith(encodeOdaOutput(p)))!;
    assert.equal(d.payload, p);
    assert.is(d.vout, 0);
  }
});

test('a transaction\'s envelope is decoded once and shared (frozen); edited outputs decode anew', () => {
  for (const p of samples()) {
    const tx = txWith(encodeOdaOutput(p));
    const a = decodeOdaTx(tx, 'block')!;
    assert.ok(decodeOdaTx(tx) === a, 'same object for every caller of one tx');
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.payload));
    assert.throws(() => { (a.payload as { type: string }).type = 'x'; });
    tx.addOutput(Uint8Array.of(0x51), 1n);
    const b = decodeOdaTx(tx)!;
    assert.ok(b !== a, 'outputs changed: decoded again');
    assert.equal(b.payload, p);
  }
  // A malformed envelope is never remembered: each caller gets its own verdict and kind.
  const bad = txWith(encodeOdaOutput(samples()[1]), encodeOdaOutput(samples()[1]));
  assert.throws(() => decodeOdaTx(bad, 'block'), (e: unknown) => e instanceof VerifyError && e.kind === 'block' && e.reason === 'bad-oda-multiple');
  assert.throws(() => decodeOdaTx(bad, 'tx'), (e: unknown) => e instanceof VerifyError && e.kind === 'tx');
});

test('builders refuse out-of-bound fields before anything is spent', () => {
  const base = { architecture: W, dataset: W, weights: W, objective: 'accuracy' as const, royalty: 1n, payoutScript: S, name: 'n' };
  assert.throws(() => buildAddModelPayload({ ...base, name: '' }), /name/);
  assert.throws(() => buildAddModelPayload({ ...base, name: 'x'.repeat(65) }), /name/);
  assert.throws(() => buildAddModelPayload({ ...base, royalty: BOUNDS.MAX_MONEY + 1n }), /royalty/);
  assert.throws(() => buildAddModelPayload({ ...base, payoutScript: '00'.repeat(81) }), /payoutScript/);
  assert.throws(() => buildAddModelPayload({ ...base, weights: { root: W.root, length: 0 } }), /length/);
  assert.throws(() => buildAddModelPayload({ ...base, objective: 'mse' as 'accuracy' }), /objective/);
  assert.throws(() => buildCommitPayload({ modelId: 'XY', weights: W, payoutScript: S }), /modelId/);
  assert.throws(() => inlineData([{ type: 'uint8', dims: [70_000], data: new Uint8Array(70_000) }]), /blob/);
});

test('commitment binds model, weights root and length, submitter and salt', () => {
  const m = 'aa'.repeat(32);
  const salt = '01'.repeat(32);
  const h = commitHash(m, W, S, salt);
  assert.is.not(commitHash('ab'.repeat(32), W, S, salt), h);
  assert.is.not(commitHash(m, { ...W, root: '12'.repeat(32) }, S, salt), h);
  assert.is.not(commitHash(m, { ...W, length: 101 }, S, salt), h);
  assert.is.not(commitHash(m, W, '0014' + '23'.repeat(20), salt), h);
  assert.is.not(commitHash(m, W, S, '02'.repeat(32)), h);
});

test('canonical: 3000 random mutations of valid scripts either fail with bad-oda-* or re-encode identically', () => {
  const r = rng(7);
  let accepted = 0;
  let rejected = 0;
  for (const p of samples()) {
    const good = encodeOdaOutput(p);
    for (let k = 0; k < 750; k++) {
      const s = Uint8Array.from(good);
      const n = 1 + Math.floor(r() * 3);
      for (let j = 0; j < n; j++) s[Math.floor(r() * s.length)] ^= 1 << Math.floor(r() * 8);
      const tx = txWith(s);
      try {
        const d = decodeOdaTx(tx);
        if (!d) continue; // the mutation broke the magic or the push: an ordinary output now
        assert.equal(Buffer.from(encodeOdaOutput(d.payload)).toString('hex'), Buffer.from(s).toString('hex'));
        accepted++;
      } catch (e) {
        if (!(e instanceof VerifyError)) throw e;
        assert.match(e.reason, /^bad-oda-/);
        rejected++;
      }
    }
  }
  assert.ok(accepted > 100 && rejected > 100, `${accepted} accepted, ${rejected} rejected`);
});

test('ordinary transactions are untouched: no outputs, P2WPKH, other OP_RETURN data, bare OP_RETURN', () => {
  assert.is(decodeOdaTx(txWith()), undefined);
  assert.is(decodeOdaTx(txWith(Buffer.from(S, 'hex'))), undefined);
  assert.is(decodeOdaTx(txWith(Uint8Array.of(0x6a, 0x03, 0x4f, 0x44, 0x42))), undefined);
  assert.is(decodeOdaTx(txWith(Uint8Array.of(0x6a))), undefined);
  assert.is(decodeOdaTx(txWith(Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed, ...new Array(32).fill(0)))), undefined);
  assert.ok(isOdaScript(encodeOdaOutput(samples()[1])));
});

test('tensor lists: round trip, and shape bombs / bad dtypes / trailing bytes rejected', () => {
  const ts = [{ type: 'int32' as const, dims: [2, 3], data: Int32Array.of(1, -2, 3, 4, 5, -6) }, { type: 'int8' as const, dims: [2], data: Int8Array.of(-128, 127) }];
  const b = encodeTensorList(ts);
  assert.equal(decodeTensorList(b), ts);
  const bomb = Uint8Array.from([1, 1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.throws(() => decodeTensorList(bomb), /larger than the data/);
  assert.throws(() => decodeTensorList(Uint8Array.from([1, 9, 1, 1, 0, 0, 0, 5])), /dtype/);
  assert.throws(() => decodeTensorList(Uint8Array.from([...b, 0])), /trailing/);
  assert.throws(() => decodeTensorList(Uint8Array.from([0])), /count/);
  assert.throws(() => decodeTensorList(Uint8Array.from([1, 1, 1, 0, 0, 0, 0])), /zero dim/);
});

test.run();
