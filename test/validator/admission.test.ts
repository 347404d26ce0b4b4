// Admission, weights, dataset and update checks: every bad input gets its own reason string
// and nothing crashes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VerifyError } from '../../chain/errors.js';
import { admitModel, checkModel, checkUpdate, runInference, verifyInferences, clearSessionCache, Reason } from '../../validator/index.js';
import { GraphBuilder } from '../../validator/onnx/graph-builder.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import { buildMlp, DIGITS_MLP, mlpWeightShapes } from '../../tools/models/mlp.js';
import { encodeTensors, encodeDataset } from '../../validator/blobs.js';
import { encodeSafetensors } from '../../model-store/safetensors.js';
import type { Tensor } from '../../validator/tensor.js';
import { rng, randTensor, randomWeights, randInt } from './helpers.js';

async function rejects(p: (() => unknown) | Promise<unknown>, reason: string, detail?: RegExp) {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.instance(e, VerifyError, `not a VerifyError: ${(e as Error).stack}`);
    assert.is((e as VerifyError).reason, reason, (e as Error).message);
    if (detail) assert.match((e as VerifyError).details, detail);
    return;
  }
  assert.unreachable(`accepted, expected ${reason}`);
}

/** One-layer model: uint8 [N, 4] x int8 [4, 3] + int32 bias. */
function tiny(mutate?: (g: GraphBuilder) => void, opset?: number): Uint8Array {
  const g = new GraphBuilder();
  g.input('input', 'uint8', [4]);
  g.weight('w', 'int8', [4, 3]);
  g.weight('b', 'int32', [3]);
  const mm = g.op('MatMulInteger', ['input', 'w']);
  if (mutate) mutate(g);
  g.op('Add', [mm, 'b'], {}, 'logits');
  g.output('logits', 'int32', [3]);
  return encodeModel(g.build(opset));
}

const r = rng(11);
const tinyWeights = encodeTensors(new Map<string, Tensor>([['w', randTensor(r, 'int8', [4, 3], -64, 63)], ['b', randTensor(r, 'int32', [3], -100, 100)]]));
const tinyData = encodeDataset(new Map([['input', randTensor(r, 'uint8', [20, 4], 0, 255)]]), randTensor(r, 'int32', [20], 0, 2));

test('a valid model is admitted with a baseline score, specs and cost', async () => {
  const res = await admitModel({ architecture: tiny(), weights: tinyWeights, dataset: tinyData, objective: 'accuracy' });
  assert.ok(res.score >= 0n && res.score <= 20n);
  assert.equal(res.inputSpec, [{ name: 'input', type: 'uint8', rowDims: [4] }]);
  assert.equal(res.outputSpec, [{ name: 'logits', type: 'int32', rowDims: [3] }]);
  assert.ok(res.cost > 0n);
  assert.is(res.datasetRows, 20);
});

test('malformed architecture bytes: bad-model-encoding', async () => {
  await rejects(() => checkModel(Uint8Array.from([1, 2, 3, 4])), Reason.ENCODING);
  await rejects(() => checkModel(new Uint8Array(5 * 1024 * 1024)), Reason.ENCODING);
});

test('opset other than ai.onnx 17: bad-model-opset', async () => {
  await rejects(() => checkModel(tiny(undefined, 13)), Reason.OPSET);
});

test('ops outside the whitelist, control flow and custom domains: bad-model-op-not-allowed', async () => {
  const g = new GraphBuilder();
  g.input('x', 'int32', [4]);
  g.op('Softmax', ['x'], {}, 'y');
  g.output('y', 'int32', [4]);
  await rejects(() => checkModel(encodeModel(g.build())), Reason.OP_NOT_ALLOWED, /Softmax/);
  const m = new GraphBuilder();
  m.input('x', 'int32', [4]);
  m.op('Relu', ['x'], {}, 'y');
  m.output('y', 'int32', [4]);
  const model = m.build();
  model.graph.nodes[0].domain = 'com.example';
  await rejects(() => checkModel(encodeModel(model)), Reason.OP_NOT_ALLOWED, /custom domain/);
  model.graph.nodes[0].domain = '';
  model.graph.nodes[0].opType = 'Loop';
  await rejects(() => checkModel(encodeModel(model)), Reason.OP_NOT_ALLOWED, /Loop/);
});

test('float tensors anywhere: bad-model-dtype (float models are rejected)', async () => {
  const g = new GraphBuilder();
  g.input('x', 'float32', [4]);
  g.weight('w', 'float32', [4, 2]);
  g.op('MatMul', ['x', 'w'], {}, 'y');
  g.output('y', 'float32', [2]);
  await rejects(() => checkModel(encodeModel(g.build())), Reason.DTYPE, /float/);
  const h = new GraphBuilder();
  h.input('x', 'int32', [4]);
  h.constant('k', 'float32', [1], [0.5]);
  h.op('Relu', ['x'], {}, 'y');
  h.output('y', 'int32', [4]);
  await rejects(() => checkModel(encodeModel(h.build())), Reason.DTYPE, /float/);
});

test('shape bombs and non-static shapes: bad-model-shape', async () => {
  const g = new GraphBuilder();
  g.input('x', 'int32', [1 << 30]);
  g.op('Relu', ['x'], {}, 'y');
  g.output('y', 'int32', [1 << 30]);
  await rejects(() => checkModel(encodeModel(g.build())), Reason.SHAPE, /elements per row/);
  // Concat doubling: 2^k growth is caught before anything is allocated.
  const c = new GraphBuilder();
  let v = c.input('x', 'int32', [1024]);
  let n = 1024;
  for (let i = 0; i < 12; i++) {
    v = c.op('Concat', [v, v, v, v], { axis: 1 });
    n *= 4;
  }
  c.op('Identity', [v], {}, 'y');
  c.output('y', 'int32', [n]);
  await rejects(() => checkModel(encodeModel(c.build())), Reason.SHAPE, /limit/);
  const s = new GraphBuilder();
  s.input('x', 'int32', [4]);
  s.op('Relu', ['x'], {}, 'y');
  s.output('y', 'int32', [4]);
  const model = s.build();
  model.graph.inputs[0].dims = [{ param: 'N' }, { param: 'M' }];
  await rejects(() => checkModel(encodeModel(model)), Reason.SHAPE, /only dimension 0/);
  model.graph.inputs[0].dims = [{ value: 1 }, { value: 4 }];
  await rejects(() => checkModel(encodeModel(model)), Reason.SHAPE, /batch dimension/);
  const o = new GraphBuilder();
  o.input('x', 'int32', [4]);
  o.op('Relu', ['x'], {}, 'y');
  o.output('y', 'int32', [4]);
  const wrongOut = o.build();
  wrongOut.graph.outputs[0].dims = [{ param: 'N' }, { value: 5 }];
  await rejects(() => checkModel(encodeModel(wrongOut)), Reason.SHAPE, /declared/);
});

test('ops that would mix rows: bad-model-batch-axis', async () => {
  const g = new GraphBuilder();
  g.input('x', 'int32', [2, 3]);
  g.op('Transpose', ['x'], { perm: [1, 0, 2] }, 'y');
  g.output('y', 'int32', [2, 3]);
  await rejects(() => checkModel(encodeModel(g.build())), Reason.BATCH_AXIS);
  const a = new GraphBuilder();
  a.input('x', 'int32', [3]);
  a.op('ArgMax', ['x'], { axis: 0 }, 'y');
  a.output('y', 'int64', [3]);
  await rejects(() => checkModel(encodeModel(a.build())), Reason.BATCH_AXIS);
});

test('bad constants: bad-model-constant; bad attributes: bad-model-op-attr', async () => {
  await rejects(
    () =>
      checkModel(
        tiny((g) => {
          g.constant('zero', 'int32', [], [0]);
          g.op('Div', [g.op('MatMulInteger', ['input', 'w']), 'zero']);
        }),
      ),
    Reason.CONSTANT,
    /divisor 0/,
  );
  const g = new GraphBuilder();
  g.input('x', 'uint8', [4]);
  g.constant('w', 'int8', [4, 2], [100, 0, 0, 0, 0, 0, 0, 0]);
  g.op('MatMulInteger', ['x', 'w'], {}, 'y');
  g.output('y', 'int32', [2]);
  await rejects(() => checkModel(encodeModel(g.build())), Reason.CONSTANT, /outside \[-64, 63\]/);
  const d = new GraphBuilder();
  d.input('x', 'int32', [4]);
  d.input('z', 'int32', [4]);
  d.op('Div', ['x', 'z'], {}, 'y');
  d.output('y', 'int32', [4]);
  await rejects(() => checkModel(encodeModel(d.build())), Reason.OP_ATTR, /constant/);
  const t = new GraphBuilder();
  t.input('x', 'int32', [4]);
  t.op('Relu', ['x'], { alpha: 1 }, 'y');
  t.output('y', 'int32', [4]);
  await rejects(() => checkModel(encodeModel(t.build())), Reason.OP_ATTR, /alpha/);
});

test('graph structure: undefined names, reassignment, unused weights: bad-model-graph', async () => {
  const g = new GraphBuilder();
  g.input('x', 'int32', [4]);
  g.op('Relu', ['nope'], {}, 'y');
  g.output('y', 'int32', [4]);
  await rejects(() => checkModel(encodeModel(g.build())), Reason.GRAPH, /not defined/);
  const h = new GraphBuilder();
  h.input('x', 'int32', [4]);
  h.op('Relu', ['x'], {}, 'x');
  h.output('x', 'int32', [4]);
  await rejects(() => checkModel(encodeModel(h.build())), Reason.GRAPH, /assigned twice/);
  await rejects(() => checkModel(tiny((b) => b.weight('unused', 'int8', [2]))), Reason.GRAPH, /not used/);
  const n = new GraphBuilder();
  n.input('x', 'int32', [4]);
  n.op('Relu', [n.op('Relu', ['x'])], {}, 'y');
  n.output('y', 'int32', [4]);
  const named = n.build();
  named.graph.nodes.forEach((node) => (node.name = 'same'));
  await rejects(() => checkModel(encodeModel(named)), Reason.GRAPH, /two nodes named same/);
});

test('cost above MAX_TX_CU: bad-model-cost', async () => {
  const g = new GraphBuilder();
  let v = g.input('x', 'int8', [1024, 1024]);
  g.weight('w', 'int8', [1024, 1024]);
  for (let i = 0; i < 16; i++) v = g.op('Cast', [g.op('Clip', [g.op('MatMulInteger', [v, 'w']), g.constant(`lo${i}`, 'int32', [], [-128]), g.constant(`hi${i}`, 'int32', [], [127])])], { to: 3 });
  g.op('Identity', [v], {}, 'y');
  g.output('y', 'int8', [1024, 1024]);
  await rejects(() => checkModel(encodeModel(g.build())), Reason.COST);
});

test('weights of the wrong names, dtypes or shapes: bad-weights-mismatch; out of range: bad-weights-range', async () => {
  const ctx = checkModel(tiny());
  const w = randTensor(r, 'int8', [4, 3], -64, 63);
  const b = randTensor(r, 'int32', [3], -5, 5);
  const x = [randTensor(r, 'uint8', [2, 4])];
  await rejects(runInference(ctx, encodeTensors(new Map([['w', w]])), x), Reason.WEIGHTS_MISMATCH, /b missing/);
  await rejects(runInference(ctx, encodeTensors(new Map([['w', w], ['b', b], ['c', b]])), x), Reason.WEIGHTS_MISMATCH, /not a weight slot/);
  await rejects(runInference(ctx, encodeTensors(new Map([['w', w], ['b', { ...b, type: 'int8', data: new Int8Array(3) }]])), x), Reason.WEIGHTS_MISMATCH, /is I8/);
  await rejects(runInference(ctx, encodeTensors(new Map([['w', { ...w, dims: [3, 4] }], ['b', b]])), x), Reason.WEIGHTS_MISMATCH, /shape/);
  const big = randTensor(r, 'int8', [4, 3], -64, 63);
  (big.data as Int8Array)[5] = 64;
  await rejects(runInference(ctx, encodeTensors(new Map([['w', big], ['b', b]])), x), Reason.WEIGHTS_RANGE, /64 outside/);
  await rejects(runInference(ctx, Uint8Array.from([1, 2, 3]), x), Reason.WEIGHTS_ENCODING);
  await rejects(runInference(ctx, encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [4, 3], data: new Uint8Array(48) }]), x), Reason.WEIGHTS_MISMATCH);
});

test('datasets that do not match the model or objective: bad-dataset-*', async () => {
  const base = { architecture: tiny(), weights: tinyWeights, objective: 'accuracy' as const };
  await rejects(admitModel({ ...base, dataset: Uint8Array.from([0]) }), Reason.DATASET_ENCODING);
  await rejects(admitModel({ ...base, dataset: encodeDataset(new Map([['other', randTensor(r, 'uint8', [5, 4])]]), randTensor(r, 'int32', [5], 0, 2)) }), Reason.DATASET_MISMATCH, /no tensor input/);
  await rejects(admitModel({ ...base, dataset: encodeDataset(new Map([['input', randTensor(r, 'uint8', [5, 4])]]), randTensor(r, 'int32', [6], 0, 2)) }), Reason.DATASET_MISMATCH, /rows/);
  await rejects(admitModel({ ...base, dataset: encodeDataset(new Map([['input', randTensor(r, 'int8', [5, 4])]]), randTensor(r, 'int32', [5], 0, 2)) }), Reason.DATASET_MISMATCH, /I8/);
  await rejects(admitModel({ ...base, objective: 'mse' as 'accuracy', dataset: tinyData }), Reason.OBJECTIVE);
});

test('update-weights: equal or worse scores are rejected, better ones accepted', async () => {
  const arch = buildMlp(DIGITS_MLP);
  const rr = rng(5);
  const x = randTensor(rr, 'uint8', [64, 64], 0, 16);
  const good = randomWeights(rr, mlpWeightShapes(DIGITS_MLP));
  const goodBlob = encodeTensors(good);
  // Labels are what the good weights predict, so they score 64/64.
  const ctx = checkModel(arch);
  const [logits] = await runInference(ctx, goodBlob, [x]);
  const label = new Int32Array(64);
  for (let i = 0; i < 64; i++) {
    const row = (logits.data as Int32Array).subarray(i * 10, i * 10 + 10);
    label[i] = row.indexOf(Math.max(...row));
  }
  const ds = encodeDataset(new Map([['input', x]]), { type: 'int32', dims: [64], data: label });
  const bad = encodeTensors(randomWeights(rng(99), mlpWeightShapes(DIGITS_MLP)));
  const admitted = await admitModel({ architecture: arch, weights: bad, dataset: ds, objective: 'accuracy' });
  assert.ok(admitted.score < 64n);
  const up = await checkUpdate(admitted.ctx, goodBlob, ds, 'accuracy', admitted.score);
  assert.is(up.score, 64n);
  await rejects(checkUpdate(admitted.ctx, goodBlob, ds, 'accuracy', 64n), Reason.NOT_IMPROVING, /at least 65/);
  await rejects(checkUpdate(admitted.ctx, bad, ds, 'accuracy', admitted.score), Reason.NOT_IMPROVING);
  try {
    await checkUpdate(admitted.ctx, bad, ds, 'accuracy', admitted.score);
  } catch (e) {
    assert.is((e as VerifyError).score, 0, 'not-improving carries no ban score');
  }
});

test('verifyInferences batches claims and finds the first wrong one; malformed inputs are rejected', async () => {
  const ctx = checkModel(tiny());
  const claims = [];
  for (let k = 0; k < 5; k++) {
    const inputs = [randTensor(r, 'uint8', [randInt(r, 1, 3), 4])];
    const outputs = await runInference(ctx, tinyWeights, inputs);
    claims.push({ inputs, outputs });
  }
  assert.is(await verifyInferences(ctx, tinyWeights, claims), -1);
  const tampered = claims.map((c) => ({ ...c, outputs: c.outputs.map((o) => ({ ...o, data: o.data.slice() })) }));
  (tampered[3].outputs[0].data as Int32Array)[0] ^= 1;
  assert.is(await verifyInferences(ctx, tinyWeights, tampered), 3);
  await rejects(runInference(ctx, tinyWeights, [randTensor(r, 'int8', [2, 4])]), Reason.INPUT_MISMATCH);
  await rejects(runInference(ctx, tinyWeights, [randTensor(r, 'uint8', [2, 5])]), Reason.INPUT_MISMATCH);
  await rejects(runInference(ctx, tinyWeights, [{ type: 'uint8', dims: [2, 4], data: new Int32Array(8) }]), Reason.INPUT_MISMATCH);
  await rejects(runInference(ctx, tinyWeights, [{ type: 'uint8', dims: [2, 4], data: new Uint8Array(7) }]), Reason.INPUT_MISMATCH);
  await rejects(runInference(ctx, tinyWeights, []), Reason.INPUT_MISMATCH);
  await clearSessionCache();
});

test('mutated architectures never crash admission: VerifyError or a valid model', async () => {
  const arch = buildMlp(DIGITS_MLP);
  const rr = rng(3);
  let ok = 0;
  for (let i = 0; i < 1500; i++) {
    const b = arch.slice();
    for (let k = randInt(rr, 1, 3); k > 0; k--) b[randInt(rr, 0, b.length - 1)] = randInt(rr, 0, 255);
    try {
      checkModel(b);
      ok++;
    } catch (e) {
      if (!(e instanceof VerifyError)) throw new Error(`mutation ${i} crashed: ${(e as Error).stack}`);
    }
  }
  assert.ok(ok < 1500);
});

test.run();
