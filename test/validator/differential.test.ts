// Differential test: random whitelisted graphs and edge-heavy inputs through onnxruntime
// (consensus engine) and the TypeScript reference interpreter; outputs must be identical bit
// for bit, and a batched run must equal the row-by-row runs (batching is irrelevant).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkModel, referenceRun, runInference, clearSessionCache } from '../../validator/index.js';
import { encodeTensors } from '../../validator/blobs.js';
import { tensorsEqual, type Tensor } from '../../validator/tensor.js';
import { sliceRows } from '../../validator/dataset.js';
import { randomGraph, fillTensor } from './random-graph.js';
import { rng, randInt } from './helpers.js';

const GRAPHS = Number(process.env.DIFF_GRAPHS ?? 200);
const SEED = Number(process.env.DIFF_SEED ?? 20261121);

function show(t: Tensor): string {
  return `${t.type}[${t.dims}] ${Array.from(t.data as ArrayLike<number | bigint>).slice(0, 16).join(',')}`;
}

test(`onnxruntime and the reference interpreter agree on ${GRAPHS} random graphs`, async () => {
  const opsSeen = new Map<string, number>();
  for (let i = 0; i < GRAPHS; i++) {
    const r = rng(SEED + i);
    const c = randomGraph(r);
    for (const op of c.ops) opsSeen.set(op, (opsSeen.get(op) ?? 0) + 1);
    const ctx = (() => {
      try {
        return checkModel(c.architecture);
      } catch (e) {
        throw new Error(`graph ${i} (${c.ops.join(' ')}) rejected: ${(e as Error).message}`);
      }
    })();
    const weights = encodeTensors(c.weights);
    const rows = randInt(r, 1, 4);
    const narrow = r() < 0.4;
    const inputs = c.inputs.map((s) => fillTensor(r, s.type, [rows, ...s.row], narrow));
    const ort = await runInference(ctx, weights, inputs);
    const ref = referenceRun(ctx, weights, inputs);
    assert.is(ort.length, ref.length);
    for (let j = 0; j < ort.length; j++) {
      if (!tensorsEqual(ort[j], ref[j])) {
        assert.unreachable(`graph ${i} (${c.ops.join(' ')}) output ${j}:\n ort ${show(ort[j])}\n ref ${show(ref[j])}\n inputs ${inputs.map(show).join(' | ')}`);
      }
    }
    for (let row = 0; row < rows; row++) {
      const one = referenceRun(ctx, weights, inputs.map((t) => sliceRows(t, row, row + 1)));
      for (let j = 0; j < ort.length; j++) assert.ok(tensorsEqual(one[j], sliceRows(ort[j], row, row + 1)), `graph ${i} row ${row} depends on other rows`);
    }
  }
  if (process.env.TEST_VERBOSE) console.log([...opsSeen].sort().map(([k, v]) => `${k}:${v}`).join(" "));
  await clearSessionCache();
  // Every whitelisted op must actually have been exercised.
  for (const op of ['MatMulInteger', 'ConvInteger', 'MaxPool', 'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Relu', 'Clip', 'Cast', 'ArgMax', 'Reshape', 'Flatten', 'Transpose', 'Concat', 'Gather', 'Identity']) {
    assert.ok((opsSeen.get(op) ?? 0) > 0, `op ${op} never generated`);
  }
});

test('wide rows are run in memory-bounded row chunks with results identical to the reference', async () => {
  const { GraphBuilder } = await import('../../validator/onnx/graph-builder.js');
  const { encodeModel } = await import('../../validator/onnx/encode.js');
  const g = new GraphBuilder();
  const width = 1 << 20;
  g.input('x', 'int32', [width]);
  g.constant('k', 'int32', [], [3]);
  g.op('Div', [g.op('Relu', ['x']), 'k'], {}, 'y');
  g.output('y', 'int32', [width]);
  const ctx = checkModel(encodeModel(g.build()));
  assert.is(ctx.arch.rowBytes, 3 * 4 * width); // x, Relu(x), y: 12 MiB per row -> 5 rows per 64 MiB run
  const r = rng(77);
  const x = fillTensor(r, 'int32', [12, width], false);
  const noWeights = encodeTensors(new Map());
  const [ort] = await runInference(ctx, noWeights, [x]);
  const [ref] = referenceRun(ctx, noWeights, [x]);
  assert.equal(ort.dims, [12, width]);
  assert.ok(tensorsEqual(ort, ref));
  await clearSessionCache();
});

test('MatMulInteger accumulation wraps modulo 2^32 identically (K = 140,000, extreme operands)', async () => {
  const { GraphBuilder } = await import('../../validator/onnx/graph-builder.js');
  const { encodeModel } = await import('../../validator/onnx/encode.js');
  const K = 140_000;
  for (const [aType, aVal, zp] of [['uint8', 255, 0], ['uint8', 0, 255], ['int8', -128, 0], ['int8', 127, -128]] as const) {
    const g = new GraphBuilder();
    g.input('a', aType, [K]);
    g.weight('w', 'int8', [K, 3]);
    g.constant('zp', aType, [], [zp]);
    g.op('MatMulInteger', ['a', 'w', 'zp'], {}, 'y');
    g.output('y', 'int32', [3]);
    const ctx = checkModel(encodeModel(g.build()));
    const w = new Int8Array(K * 3);
    for (let k = 0; k < K; k++) {
      w[k * 3] = 63;
      w[k * 3 + 1] = -64;
      w[k * 3 + 2] = k % 2 === 0 ? 63 : -64;
    }
    const weights = encodeTensors(new Map([['w', { type: 'int8' as const, dims: [K, 3], data: w }]]));
    const a = aType === 'uint8' ? new Uint8Array(2 * K).fill(aVal) : new Int8Array(2 * K).fill(aVal);
    const inputs = [{ type: aType, dims: [2, K], data: a }];
    const ort = await runInference(ctx, weights, inputs);
    const ref = referenceRun(ctx, weights, inputs);
    assert.ok(tensorsEqual(ort[0], ref[0]), `${aType} ${aVal} zp ${zp}: ort ${show(ort[0])} ref ${show(ref[0])}`);
    // The true sum exceeds int32 in at least one column, so wrap-around is really exercised.
    const exact = BigInt(aVal - zp) * 63n * BigInt(K);
    if (exact > 2n ** 31n - 1n || exact < -(2n ** 31n)) assert.is(BigInt((ort[0].data as Int32Array)[0]), BigInt.asIntN(32, exact));
  }
  await clearSessionCache();
});

test.run();
