// The ODA extension on a real Chain with a real model-store and the digits MLP: add-model,
// commit-reveal updates, inference, their rejections, and a reorg across an update.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VerifyError } from '../../chain/errors.js';
import type { MempoolExtension } from '../../mempool/mempool.js';
import type { BlockResource } from '../../miner/template.js';
import { buildBlock } from '../chain/util/builder.js';
import {
  buildAddModelPayload, buildCommitPayload, buildInferencePayload, buildRevealPayload, inlineData, encodeOdaOutput,
  COMMIT_REVEAL_DELAY, type BlobRef,
} from '../../oda/index.js';
import { runInference, admissionCost, bindDataset, updateCost, inferenceCost } from '../../validator/index.js';
import { setup, odaTx, mineTxs, registryDump, input, subset, importBlob, type Fixture } from './util.js';

const CREATOR = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x11)]);
const ALICE = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x22)]);
const BOB = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x33)]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ROYALTY = 5_000n;

let f: Fixture;
let modelId = '';
/** Registry before the block with a reveal and an inference (for the reorg test). */
let beforeUpdate: string[] = [];

async function rejects(txs: Parameters<typeof mineTxs>[1], reason: string): Promise<void> {
  const before = await registryDump(f.chain);
  const tip = f.chain.tip.hash;
  try {
    await mineTxs(f, txs);
    assert.unreachable(`block accepted, expected ${reason}`);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    assert.is(e.reason, reason, e.message);
    assert.is(e.kind, 'block');
  }
  assert.is(f.chain.tip.hash, tip);
  assert.equal(await registryDump(f.chain), before, 'registry unchanged');
}

function addModel(weights: BlobRef, over: Partial<Parameters<typeof buildAddModelPayload>[0]> = {}) {
  return buildAddModelPayload({
    architecture: f.archRef, dataset: f.datasetRef, weights, objective: 'accuracy', royalty: ROYALTY, payoutScript: hex(CREATOR),
    name: 'digits-mlp', description: 'digits 8x8 MLP', license: 'MIT', versionLabel: 'v0', ...over,
  });
}

function inferenceTx(rows: number, version: number, opts: { tamper?: boolean; royalty?: bigint; start?: number } = {}) {
  const x = input(subset(f.queries, opts.start ?? 0, rows));
  return (async () => {
    const m = (await f.ext.registry(f.chain).getModel(modelId))!;
    const v = (await f.ext.registry(f.chain).getVersion(modelId, version)) ?? (await f.ext.registry(f.chain).getVersion(modelId, m.currentVersion))!;
    const w = f.weights.find((c) => c.ref.root === v.weights.root)!;
    const [out] = await runInference(f.ctx, w.bytes, [x]);
    if (opts.tamper) (out.data as Int32Array)[0] += 1;
    const { script } = buildInferencePayload({ modelId, version, input: inlineData([x]), output: inlineData([out]) });
    return odaTx(f, script, [{ script: Buffer.from(m.trainerScript, 'hex'), value: opts.royalty ?? m.add.royalty }]);
  })();
}

test.before(async () => {
  f = await setup({ maxBlockCu: 20_000_000n, mature: 70 });
});

test.after(async () => {
  await f?.close();
});

test('fixture: weight candidates have distinct scores', () => {
  assert.ok(f.weights.length >= 4, `${f.weights.length} candidates: ${f.weights.map((w) => w.score)}`);
});

test('add-model: accepted with its baseline score and CU recorded; version 0 listed', async () => {
  const w0 = f.weights[1];
  const { script, modelId: id } = addModel(w0.ref);
  modelId = id;
  await mineTxs(f, [odaTx(f, script)]);
  const r = f.ext.registry(f.chain);
  const m = (await r.getModel(modelId))!;
  assert.ok(m, 'model registered');
  assert.is(m.currentScore, w0.score);
  assert.is(m.currentVersion, 0);
  assert.is(m.trainerScript, hex(CREATOR));
  assert.is(m.height, f.chain.height);
  assert.is(m.add.name, 'digits-mlp');
  const h = (await r.getHistory(modelId))!;
  assert.is(h.length, 1);
  assert.is(h[0].weights.root, w0.ref.root);
  assert.equal((await r.listModels()).map((x) => x.modelId), [modelId]);
  for (const ref of [f.archRef, f.datasetRef, w0.ref]) assert.ok((await f.store.getStatus(ref.root))!.pins.includes('oda'), 'registered blobs pinned against gc');
});

test('add-model: duplicate model (same architecture, dataset, objective) rejected even with other weights and name', async () => {
  await rejects([odaTx(f, addModel(f.weights[2].ref, { name: 'copy' }).script)], 'bad-oda-model-duplicate');
});

test('add-model: a missing blob is not a verdict (the block is parked, then connects once the data arrives)', async () => {
  const { FAILED_MASK } = await import('../../chain/entry.js');
  const { digitsDatasetBlob, digitsSplit, loadDigits } = await import('../../tools/data/digits.js');
  const other = digitsDatasetBlob(subset(digitsSplit(loadDigits(), 'eval'), 64, 32));
  // Learn the blob's (root, length) from a throwaway import into a second store.
  const { BlobStore } = await import('../../model-store/store.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const tmp = mkdtempSync(join(tmpdir(), 'oda-store-'));
  const s2 = await BlobStore.open(tmp);
  const ref = await importBlob(s2, other, 'safetensors-dataset');
  await s2.close();
  rmSync(tmp, { recursive: true, force: true });
  const tip = f.chain.tip.hash;
  const block = buildBlock(f.chain, { txs: [odaTx(f, addModel(f.weights[0].ref, { dataset: ref }).script)] });
  assert.equal(await f.ext.missingBlobs(block), [ref], 'a reorg can ask before disconnecting anything');
  // No verdict without the data: the block is stored and parked, neither connected nor invalid.
  const entry = await f.chain.processBlock(block);
  assert.is(entry.hash, block.getId());
  assert.equal(f.chain.waitingFor(block.getId()), [ref]);
  assert.is(f.chain.tip.hash, tip);
  assert.ok(!(f.chain.getEntry(block.getId())!.status & FAILED_MASK), 'not marked failed');
  await importBlob(f.store, other, 'safetensors-dataset');
  assert.equal(await f.ext.missingBlobs(block), []);
  await f.chain.retryWaiting();
  assert.is(f.chain.tip.hash, block.getId());
  assert.is(f.chain.waitingFor(block.getId()), undefined);
  assert.is((await f.ext.registry(f.chain).listModels()).length, 2);
});

test('add-model: malformed architecture and mismatched weights rejected with their own reasons', async () => {
  const junk = await importBlob(f.store, new Uint8Array([0x08, 0x07, 0x12, 0x00]), 'raw');
  await rejects([odaTx(f, addModel(f.weights[0].ref, { architecture: junk }).script)], 'bad-model-encoding');
  await rejects([odaTx(f, addModel(f.datasetRef, { objective: 'neg-sse' }).script)], 'bad-weights-mismatch');
  // Oversized by its committed length: rejected before the store is even asked for the data.
  await rejects([odaTx(f, addModel(f.weights[0].ref, { architecture: { root: 'ef'.repeat(32), length: 4 * 1024 * 1024 + 1 } }).script)], 'bad-model-encoding');
});

test('add-model: ops outside the whitelist and shape bombs rejected with their own reasons', async () => {
  const { GraphBuilder } = await import('../../validator/onnx/graph-builder.js');
  const { encodeModel } = await import('../../validator/onnx/encode.js');
  const soft = new GraphBuilder();
  soft.input('input', 'uint8', [64]);
  soft.op('Softmax', ['input'], {}, 'logits');
  soft.output('logits', 'uint8', [64]);
  const softRef = await importBlob(f.store, encodeModel(soft.build()), 'onnx');
  await rejects([odaTx(f, addModel(f.weights[0].ref, { architecture: softRef }).script)], 'bad-model-op-not-allowed');
  const bomb = new GraphBuilder();
  bomb.input('input', 'int32', [1 << 30]);
  bomb.op('Relu', ['input'], {}, 'logits');
  bomb.output('logits', 'int32', [1 << 30]);
  const bombRef = await importBlob(f.store, encodeModel(bomb.build()), 'onnx');
  await rejects([odaTx(f, addModel(f.weights[0].ref, { architecture: bombRef }).script)], 'bad-model-shape');
});

test('commit then reveal: too early rejected, after the delay accepted; the registry moves and keeps history', async () => {
  const w = f.weights[3];
  const c = buildCommitPayload({ modelId, weights: w.ref, payoutScript: hex(ALICE), salt: '01'.repeat(32) });
  await mineTxs(f, [odaTx(f, c.script)]);
  const commitHeight = f.chain.height;
  assert.ok(await f.ext.registry(f.chain).getCommit(c.commitment));
  const reveal = buildRevealPayload({ modelId, weights: w.ref, payoutScript: hex(ALICE), salt: c.salt, versionLabel: 'v1' });
  // Next block is commitHeight + 1 < commitHeight + COMMIT_REVEAL_DELAY.
  assert.is(COMMIT_REVEAL_DELAY, 2);
  await rejects([odaTx(f, reveal.script)], 'bad-oda-reveal-early');
  await mineTxs(f, []);
  // A copier who saw the reveal and swaps in its own payout script has no commitment.
  const copied = buildRevealPayload({ modelId, weights: w.ref, payoutScript: hex(BOB), salt: c.salt });
  await rejects([odaTx(f, copied.script)], 'bad-oda-reveal-no-commit');
  await mineTxs(f, [odaTx(f, reveal.script)]);
  assert.is(f.chain.height, commitHeight + 2);
  const r = f.ext.registry(f.chain);
  const m = (await r.getModel(modelId))!;
  assert.is(m.currentVersion, 1);
  assert.is(m.currentScore, w.score);
  assert.is(m.trainerScript, hex(ALICE));
  assert.is(m.currentWeights.root, w.ref.root);
  const h = (await r.getHistory(modelId))!;
  assert.equal(h.map((v) => v.score), [f.weights[1].score, w.score]);
  assert.is(h[1].label, 'v1');
  assert.is(await r.getCommit(c.commitment), undefined, 'commit consumed');
  // Replaying the same reveal: its commit is gone.
  await rejects([odaTx(f, reveal.script)], 'bad-oda-reveal-no-commit');
});

async function commitAndWait(w: BlobRef, payout: Uint8Array, salt: string) {
  const c = buildCommitPayload({ modelId, weights: w, payoutScript: hex(payout), salt });
  await mineTxs(f, [odaTx(f, c.script)]);
  await mineTxs(f, []);
  return buildRevealPayload({ modelId, weights: w, payoutScript: hex(payout), salt });
}

test('reveal: equal and lower scores rejected (margin 1), wrong-shaped weights rejected', async () => {
  const equal = await commitAndWait(f.weights[3].ref, BOB, '02'.repeat(32));
  await rejects([odaTx(f, equal.script)], 'bad-weights-not-improving');
  const lower = await commitAndWait(f.weights[0].ref, BOB, '03'.repeat(32));
  await rejects([odaTx(f, lower.script)], 'bad-weights-not-improving');
  const wrong = await commitAndWait(f.datasetRef, BOB, '04'.repeat(32));
  await rejects([odaTx(f, wrong.script)], 'bad-weights-mismatch');
});

test('reveal without any commit rejected; commit for an unknown model or a pending commitment rejected', async () => {
  const r = buildRevealPayload({ modelId, weights: f.weights[4].ref, payoutScript: hex(BOB), salt: '05'.repeat(32) });
  await rejects([odaTx(f, r.script)], 'bad-oda-reveal-no-commit');
  const c = buildCommitPayload({ modelId: '00'.repeat(32), weights: f.weights[4].ref, payoutScript: hex(BOB) });
  await rejects([odaTx(f, c.script)], 'bad-oda-model-unknown');
  const dup = buildCommitPayload({ modelId, weights: f.weights[4].ref, payoutScript: hex(BOB), salt: '07'.repeat(32) });
  await rejects([odaTx(f, dup.script), odaTx(f, dup.script)], 'bad-oda-commit-duplicate');
  // A commitment computed for this model but filed by a commit-weights naming another model does not count.
  const other = (await f.ext.registry(f.chain).listModels()).find((m) => m.modelId !== modelId)!;
  const salt = '08'.repeat(32);
  const { encodeOdaOutput: enc, commitHash } = await import('../../oda/index.js');
  const misfiled = enc({ type: 'commit-weights', modelId: other.modelId, commitment: commitHash(modelId, f.weights[4].ref, hex(BOB), salt) });
  await mineTxs(f, [odaTx(f, misfiled)]);
  await mineTxs(f, []);
  const rv = buildRevealPayload({ modelId, weights: f.weights[4].ref, payoutScript: hex(BOB), salt });
  await rejects([odaTx(f, rv.script)], 'bad-oda-reveal-no-commit');
});

test('inference: right output accepted with royalty and indexed; wrong output, stale version, low royalty, unknown model rejected', async () => {
  const ok = await inferenceTx(5, 1);
  await mineTxs(f, [ok]);
  const rec = (await f.ext.registry(f.chain).getInference(ok.getId()))!;
  assert.ok(rec, 'inference indexed');
  assert.is(rec.modelId, modelId);
  assert.is(rec.version, 1);
  assert.is(rec.rows, 5);
  assert.is(rec.royalty, ROYALTY);
  assert.is(rec.height, f.chain.height);
  await rejects([await inferenceTx(3, 1, { tamper: true })], 'bad-inference-output');
  await rejects([await inferenceTx(3, 0)], 'bad-oda-inference-stale');
  await rejects([await inferenceTx(3, 1, { royalty: ROYALTY - 1n })], 'bad-oda-inference-royalty');
  const x = input(subset(f.queries, 0, 1));
  const bogus = buildInferencePayload({ modelId: 'ee'.repeat(32), version: 0, input: inlineData([x]), output: inlineData([x]) });
  await rejects([odaTx(f, bogus.script)], 'bad-oda-model-unknown');
  const garbage = buildInferencePayload({ modelId, version: 1, input: { kind: 'inline', data: '0100' }, output: inlineData([x]) });
  await rejects([odaTx(f, garbage.script, [{ script: ALICE, value: ROYALTY }])], 'bad-oda-tensors');
  const shaped = buildInferencePayload({ modelId, version: 1, input: inlineData([{ type: 'uint8', dims: [1, 63], data: new Uint8Array(63) }]), output: inlineData([x]) });
  await rejects([odaTx(f, shaped.script, [{ script: ALICE, value: ROYALTY }])], 'bad-inference-input');
});

test('one block: several inferences of a model verified in one batch; a wrong one anywhere rejects the block', async () => {
  const a = await inferenceTx(4, 1, { start: 10 });
  const b = await inferenceTx(7, 1, { start: 20 });
  const c = await inferenceTx(2, 1, { start: 30 });
  await mineTxs(f, [a, b, c]);
  for (const t of [a, b, c]) assert.ok(await f.ext.registry(f.chain).getInference(t.getId()));
  await rejects([await inferenceTx(4, 1, { start: 40 }), await inferenceTx(4, 1, { start: 50, tamper: true })], 'bad-inference-output');
});

test('mempool check: tip state, same rules as blocks (kind tx), CU and min fee per CU, nothing written', async () => {
  const { checkOdaTransaction, createOdaMempoolExtension, minFeeForCu } = await import('../../oda/index.js');
  const { decorateTx } = await import('../../rpc/oda-json.js');
  const coins = [{ value: 50n * 100_000_000n, script: new Uint8Array(0), height: 1, coinbase: true }];
  const ctx = { coins, nextHeight: f.chain.height + 1 };
  const before = await registryDump(f.chain);
  const reasonOf = async (tx: Awaited<ReturnType<typeof inferenceTx>>) => {
    try {
      await checkOdaTransaction(f.ext.context, f.chain, tx, ctx);
      return 'accepted';
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      assert.is(e.kind, 'tx');
      return e.reason;
    }
  };
  const ok = await inferenceTx(5, 1, { start: 100 });
  const r = (await checkOdaTransaction(f.ext.context, f.chain, ok, ctx))!;
  assert.is(r.type, 'inference');
  assert.is(r.cu, inferenceCost(f.ctx.arch, 5));
  assert.is(r.fee, 100_000n);
  assert.ok(minFeeForCu(r.cu) <= r.fee);
  assert.is(await reasonOf(await inferenceTx(5, 1, { start: 100, tamper: true })), 'bad-inference-output');
  assert.is(await reasonOf(await inferenceTx(5, 0)), 'bad-oda-inference-stale');
  assert.is(await reasonOf(odaTx(f, addModel(f.weights[2].ref).script)), 'bad-oda-model-duplicate');
  const cheap = (await inferenceTx(5, 1)).clone();
  cheap.outs[cheap.outs.length - 1].value += 100_000n - minFeeForCu(r.cu) + 1n;
  assert.is(await reasonOf(cheap), 'oda-fee-below-cu-minimum');
  const absent = buildInferencePayload({ modelId, version: 1, input: { kind: 'blob', blob: { root: 'cd'.repeat(32), length: 4096 } }, output: inlineData([input(subset(f.queries, 0, 1))]) });
  assert.is(await reasonOf(odaTx(f, absent.script, [{ script: ALICE, value: ROYALTY }])), 'oda-missing-blob');
  assert.is(await checkOdaTransaction(f.ext.context, f.chain, odaTx(f, ALICE), ctx), undefined, 'ordinary tx');
  const ext = createOdaMempoolExtension({ chain: f.chain, context: f.ext.context });
  // The contracts the lead wires it into (checked by tsc): mempool extension and miner budget.
  const asMempoolExt: MempoolExtension = ext;
  const asResource: BlockResource = ext.blockResource;
  assert.is(asMempoolExt.name, 'oda');
  assert.is(asResource.limit, 15_000_000_000);
  await ext.checkTransaction(ok, ctx);
  assert.is(ext.cuOf(ok.getId()), r.cu);
  assert.is(ext.blockResource.cost({ txid: ok.getId() }), Number(r.cu));
  const json = decorateTx(ok, { txid: ok.getId() }) as { oda?: Record<string, unknown> };
  assert.is(json.oda!.type, 'inference');
  assert.is(json.oda!.modelid, modelId);
  assert.is(json.oda!.version, 1);
  assert.equal(await registryDump(f.chain), before, 'mempool checks write nothing');
});

test('inference with 1 MiB of input rows as a model-store blob (and outputs as a blob): valid under the consensus limits', async () => {
  const { checkOdaBlock, encodeTensorList } = await import('../../oda/index.js');
  const x = input(subset(f.queries, 0, 1000));
  // 16384 rows: the 1000 query rows repeated (the input list is 1 MiB + 11 header bytes).
  const rows = 16384;
  const data = new Uint8Array(rows * 64);
  for (let i = 0; i < rows; i++) data.set(x.data.subarray((i % 1000) * 64, (i % 1000 + 1) * 64) as Uint8Array, i * 64);
  const big = { type: 'uint8' as const, dims: [rows, 64], data };
  const m = (await f.ext.registry(f.chain).getModel(modelId))!;
  const w = f.weights.find((c) => c.ref.root === m.currentWeights.root)!;
  const [out] = await runInference(f.ctx, w.bytes, [big]);
  const inBytes = encodeTensorList([big]);
  assert.ok(inBytes.length >= 1 << 20);
  const inRef = await importBlob(f.store, inBytes, 'raw');
  const outRef = await importBlob(f.store, encodeTensorList([out]), 'raw');
  const p = buildInferencePayload({ modelId, version: m.currentVersion, input: { kind: 'blob', blob: inRef }, output: { kind: 'blob', blob: outRef } });
  const tx = odaTx(f, p.script, [{ script: Buffer.from(m.trainerScript, 'hex'), value: ROYALTY }]);
  const block = buildBlock(f.chain, { txs: [tx] });
  const res = await checkOdaBlock(f.ext.context, f.chain, block, f.chain.height + 1);
  assert.is(res.cu, inferenceCost(f.ctx.arch, rows));
  assert.is(res.txs[0].type, 'inference');
  // Wrong length for the same root: the data is not what the transaction names.
  const { MissingBlobError } = await import('../../oda/rules.js');
  const wrong = buildInferencePayload({ modelId, version: m.currentVersion, input: { kind: 'blob', blob: { ...inRef, length: inRef.length + 1 } }, output: { kind: 'blob', blob: outRef } });
  const block2 = buildBlock(f.chain, { txs: [odaTx(f, wrong.script, [{ script: Buffer.from(m.trainerScript, 'hex'), value: ROYALTY }])] });
  try {
    await checkOdaBlock(f.ext.context, f.chain, block2, f.chain.height + 1);
    assert.unreachable('accepted');
  } catch (e) {
    assert.ok(e instanceof MissingBlobError, String(e));
  }
});

test('block CU limit: inferences summing above the block limit rejected, each alone accepted', async () => {
  const big = [await inferenceTx(1000, 1), await inferenceTx(1000, 1), await inferenceTx(1000, 1)];
  await rejects(big, 'bad-blk-oda-cu');
  await mineTxs(f, big.slice(0, 2));
});

test('reveal and inference of the same model in one block: the inference must name the new version', async () => {
  const w = f.weights[f.weights.length - 1];
  const reveal = await commitAndWait(w.ref, BOB, '06'.repeat(32));
  const m = (await f.ext.registry(f.chain).getModel(modelId))!;
  const x = input(subset(f.queries, 60, 3));
  const [out] = await runInference(f.ctx, w.bytes, [x]);
  const inf = buildInferencePayload({ modelId, version: m.currentVersion + 1, input: inlineData([x]), output: inlineData([out]) });
  const infTx = odaTx(f, inf.script, [{ script: BOB, value: ROYALTY }]);
  const revealTx = odaTx(f, reveal.script);
  // Inference first: version not yet current.
  await rejects([infTx, revealTx], 'bad-oda-inference-stale');
  beforeUpdate = await registryDump(f.chain);
  const { modelsUpdatedBy, odaModelOf } = await import('../../oda/index.js');
  assert.equal([...modelsUpdatedBy(buildBlock(f.chain, { txs: [revealTx, infTx] }))], [modelId]);
  assert.is(odaModelOf(infTx), modelId);
  assert.is(odaModelOf(odaTx(f, ALICE)), undefined);
  await mineTxs(f, [revealTx, infTx]);
  const after = (await f.ext.registry(f.chain).getModel(modelId))!;
  assert.is(after.currentVersion, m.currentVersion + 1);
  assert.is(after.trainerScript, hex(BOB));
});

test('reorg across an update restores version, score, trainer and commits exactly; reconnect re-applies', async () => {
  const updateBlock = f.chain.tip; // the block with the reveal and the inference of the previous test
  const after = await registryDump(f.chain);
  const prev = f.chain.getEntryByHeight(updateBlock.height - 1)!;
  await f.chain.invalidateBlock(updateBlock.hash);
  assert.is(f.chain.tip.hash, prev.hash);
  const r = f.ext.registry(f.chain);
  const m = (await r.getModel(modelId))!;
  assert.is(m.currentVersion, 1);
  assert.is(m.trainerScript, hex(ALICE));
  assert.is(m.currentScore, f.weights[3].score);
  assert.is((await r.getHistory(modelId))!.length, 2);
  assert.equal(await registryDump(f.chain), beforeUpdate, 'registry byte for byte as before the block (commit pending again, no inference record)');
  await f.chain.reconsiderBlock(updateBlock.hash);
  assert.is(f.chain.tip.hash, updateBlock.hash);
  assert.equal(await registryDump(f.chain), after);
});

test('competing branch without the update wins by work: registry follows it; the update branch can win back', async () => {
  const updateBlock = f.chain.tip;
  const withUpdate = await registryDump(f.chain);
  const fork = f.chain.getEntryByHeight(updateBlock.height - 1)!;
  const b1 = buildBlock(f.chain, { prev: fork, extraNonce: 1 });
  const e1 = await f.chain.processBlock(b1);
  assert.is(f.chain.tip.hash, updateBlock.hash, 'equal work: first seen stays');
  await f.chain.processBlock(buildBlock(f.chain, { prev: e1, extraNonce: 1 }));
  assert.is(f.chain.tip.height, updateBlock.height + 1);
  assert.equal(await registryDump(f.chain), beforeUpdate);
  const u1 = await f.chain.processBlock(buildBlock(f.chain, { prev: updateBlock, extraNonce: 2 }));
  await f.chain.processBlock(buildBlock(f.chain, { prev: u1, extraNonce: 2 }));
  assert.is(f.chain.tip.height, updateBlock.height + 2);
  assert.equal(await registryDump(f.chain), withUpdate);
});

test.run();
