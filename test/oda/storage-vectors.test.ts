// ODA-BIP-0006 vectors (spec/BIPs/vectors/oda-bip-0006/) against oda/storage-proof.ts, plus the
// rule's properties: byte weighting, seed dependence, the liveness fallback (a blob lost
// everywhere costs a penalty once, then its slots are void) and the index's state and undo.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { PROOF_CASES, SAMPLING_CASES, header, runProofCase, storageFixture } from '../../spec/BIPs/vectors/oda-bip-0006/fixture.js';
import { MemoryIndex, indexBlock, decodeIndexUndo, decodeEntry, storageKeys, loadIndex, decodeMeta } from '../../oda/storage-index.js';
import { STORAGE, buildStorageProof, checkStorageProof, encodeStorageProof, sampleSlots, storageSeed, MAX_PROOF_BYTES, penalizedTarget, checkPenalizedPow, checkHeaderSkips } from '../../oda/storage-proof.js';
import { memoryLeafSource } from '../../oda/storage-source.js';
import { kv } from './kv-map.js';

const dir = new URL('../../spec/BIPs/vectors/oda-bip-0006/', import.meta.url);
const S = JSON.parse(readFileSync(new URL('sampling.json', dir), 'utf8'));
const P = JSON.parse(readFileSync(new URL('proofs.json', dir), 'utf8'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fx = storageFixture();

test('constants and index match the vectors', () => {
  assert.equal(S.constants, { ...STORAGE });
  assert.equal(S.index, fx.index.entries.map((e) => ({ ...e, start: e.start.toString() })));
});

test('sampling vectors: header → seed → slots', () => {
  assert.is(S.cases.length, SAMPLING_CASES.length);
  for (const v of S.cases) {
    const seed = storageSeed(Buffer.from(v.header, 'hex'));
    assert.is(hex(seed), v.seed, v.description);
    const slots = sampleSlots(seed, fx.index, v.height).map((s) => ({ offset: s.offset.toString(), ordinal: s.entry.ordinal, leaf: s.leaf, void: s.void }));
    assert.equal(slots, v.slots, v.description);
  }
});

test('proof vectors: valid and invalid sections give the recorded verdicts', async () => {
  const all = [...P.valid, ...P.invalid];
  assert.is(all.length, PROOF_CASES.length);
  assert.ok(P.invalid.length >= 12);
  for (const c of PROOF_CASES) {
    const got = await runProofCase(fx, c);
    const want = all.find((v: { description: string }) => v.description === c.description);
    assert.equal(got, want, c.description);
  }
});

test('leaves are drawn in proportion to bytes', () => {
  const idx = new MemoryIndex();
  idx.add({ root: 'aa'.repeat(32), length: 100_000 }, 0);
  idx.add({ root: 'bb'.repeat(32), length: 300_000 }, 0);
  const hits = [0, 0];
  for (let n = 0; n < 2000; n++) for (const s of sampleSlots(storageSeed(header(n)), idx, 100)) hits[s.entry.ordinal]!++;
  const share = hits[1]! / (hits[0]! + hits[1]!);
  assert.ok(share > 0.72 && share < 0.78, `share of the 3x blob ${share}`);
});

test('every nonce draws new leaves (no per-block precomputation)', () => {
  const seen = new Set<string>();
  for (let n = 0; n < 50; n++) seen.add(sampleSlots(storageSeed(header(n)), fx.index, 20).map((s) => `${s.entry.ordinal}:${s.leaf}`).join(','));
  assert.ok(seen.size >= 45, `${seen.size} distinct draws of 50`);
});

test('proof size stays within MAX_PROOF_BYTES and the penalty lowers the target', () => {
  assert.ok(P.valid.every((v: { proofLength: number }) => v.proofLength <= MAX_PROOF_BYTES));
  assert.is(MAX_PROOF_BYTES, 2 + 4 * (4 + 16384 + 22 * 32));
  assert.is(penalizedTarget(1024n, 4), 64n);
  const reason = (fn: () => void) => { try { fn(); return 'ok'; } catch (e) { return (e as { reason: string }).reason; } };
  assert.is(reason(() => checkPenalizedPow(64n, 1024n, 2)), 'ok');
  assert.is(reason(() => checkPenalizedPow(65n, 1024n, 2)), 'high-hash-storage-penalty');
  assert.is(reason(() => checkPenalizedPow(0n, 1024n, 5)), 'bad-storage-skips');
  assert.is(reason(() => checkHeaderSkips(1, { skips: 2 } as never)), 'bad-storage-skips');
});


test('index state: append, dedupe, outcome, and undo restores every byte', async () => {
  const s = kv();
  const a = { root: '11'.repeat(32), length: 5000 }, b = { root: '22'.repeat(32), length: 70_000 };
  const v1 = await indexBlock(s, 3, [a, b, a]);
  assert.is(v1.added.length, 2);
  s.apply(v1.writes);
  const snap = new Map(s.m);
  const v2 = await indexBlock(s, 4, [b, { root: '33'.repeat(32), length: 1 }], { proven: [], skipped: [1] });
  s.apply(v2.writes);
  const idx = await loadIndex(s);
  assert.equal(idx.entries.map((e) => [e.ordinal, e.start, e.skips, e.height]), [[0, 0n, 0, 3], [1, 5000n, 0, 3], [2, 75_000n, 0, 4]]);
  assert.equal(decodeMeta(await s.get(storageKeys.meta())), { count: 3, total: 75_001n });
  const v3 = await indexBlock(s, 5, [], { proven: [], skipped: [1, 1] });
  s.apply(v3.writes);
  assert.is(decodeEntry(1, (await s.get(storageKeys.entry(1)))!).skips, 2);
  s.apply(decodeIndexUndo(v3.undo));
  s.apply(decodeIndexUndo(v2.undo));
  assert.equal(s.m, snap);
});

test('liveness: a blob lost everywhere costs the penalty once, then its slots are void', async () => {
  // Everything but weights-v0 is held; make weights-v0 the lost one by holding the rest.
  const f = storageFixture();
  for (const e of f.index.entries) e.skips = 0;
  const src = memoryLeafSource(f.held(['architecture', 'dataset', 'weights-v1', 'lost']));
  const s = kv();
  for (const b of f.blobs) s.apply((await indexBlock(s, b.name === 'recent' ? 30 : 1, [{ root: b.root, length: b.length }])).writes);
  let penalties: number[] = [];
  let height = 20;
  for (let block = 0; block < 6; block++, height++) {
    const index = await loadIndex(s);
    const nonce = 1000 * block;
    const seed = storageSeed(header(nonce));
    const built = await buildStorageProof(seed, index, height, src);
    const v = checkStorageProof(seed, built.digest, index, height, encodeStorageProof(built.slots));
    penalties.push(v.penaltyBits);
    s.apply((await indexBlock(s, height, [], v)).writes);
  }
  // weights-v0 is 75 % of the eligible bytes: the first block pays, the later ones do not.
  assert.ok(penalties[0]! > 0, `first block penalty ${penalties}`);
  assert.equal(penalties.slice(1), [0, 0, 0, 0, 0]);
  // Re-registration revives it.
  const w0 = f.blobs.find((b) => b.name === 'weights-v0')!;
  s.apply((await indexBlock(s, height, [{ root: w0.root, length: w0.length }])).writes);
  assert.is((await loadIndex(s)).entries[2]!.skips, 0);
});

test.run();
