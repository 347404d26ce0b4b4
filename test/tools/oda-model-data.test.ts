// oda-model beyond CSV and MLPs: calibration tables from numpy (.npy, made by numpy.save in
// tools/python/make_fixture.py) and .safetensors, a PyTorch-exported CNN converted into
// ConvInteger/MaxPool (integer accuracy within 2 points of float), and the messages for what
// convert cannot read (skl2onnx's ML ops, per-pixel normalisation, grouped convolutions).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convert } from '../../tools/model/convert.js';
import { checkDir } from '../../tools/model/check.js';
import { exportWeights } from '../../tools/model/export-weights.js';
import { packDatasetFile } from '../../tools/model/pack-dataset.js';
import { readManifest } from '../../tools/model/manifest.js';
import { readFloatOnnx } from '../../tools/model/float-onnx.js';
import { encodeNpy, parseNpy } from '../../tools/model/npy.js';
import { readTable } from '../../tools/model/table.js';
import { encodeSafetensors, parseSafetensors } from '../../model-store/safetensors.js';
import { GraphBuilder } from '../../validator/onnx/graph-builder.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import { checkModel, clearSessionCache } from '../../validator/index.js';
import { runOdaModel } from '../../cli/oda-model.js';
import { FIXTURES, fx, rejects } from './helpers.js';

const FIX = FIXTURES;
const tmp = mkdtempSync(join(tmpdir(), 'oda-model-data-test-'));


/** A weights blob's tensors without its metadata (which names the input columns). */
function weightTensors(path: string): Record<string, string> {
  const st = parseSafetensors(new Uint8Array(readFileSync(path)));
  return Object.fromEntries([...st.tensors].map(([n, t]) => [n, `${t.dtype}${JSON.stringify(t.shape)}${Buffer.from(t.data).toString('hex')}`]));
}

test('.npy from numpy: wine converts to the same integer weights as from CSV; pack-dataset --like gives the same blob', async () => {
  const csv = await convert({ model: fx('wine.onnx'), calibration: fx('wine-train.csv'), label: 'target', dataset: fx('wine-eval.csv'), out: join(tmp, 'wine-csv') });
  const npy = await convert({
    model: fx('wine.onnx'), calibration: fx('wine-train-x.npy'), labels: fx('wine-train-y.npy'),
    dataset: fx('wine-eval-x.npy'), datasetLabels: fx('wine-eval-y.npy'), out: join(tmp, 'wine-npy'),
  });
  assert.equal(weightTensors(npy.files.weights), weightTensors(csv.files.weights));
  assert.is(npy.dataset!.score, csv.dataset!.score);
  assert.equal(readManifest(npy.dir).input.columns.slice(0, 2), ['x0', 'x1']);
  const out = join(tmp, 'wine-from-npy.safetensors');
  packDatasetFile({ table: fx('wine-eval-x.npy'), labels: fx('wine-eval-y.npy'), like: csv.dir, out });
  assert.ok(readFileSync(out).equals(readFileSync(join(csv.dir, 'dataset.safetensors'))));
  const x = parseNpy(new Uint8Array(readFileSync(fx('wine-train-x.npy'))), 'x');
  assert.is(x.dtype, '<f8');
  assert.equal(x.shape, [142, 13]);
});

test('.safetensors tables: features tensor named like the input (or the only one) and --label naming the label tensor', async () => {
  const t = readTable(fx('breast-cancer-train.csv'), { label: 'target' });
  const path = join(tmp, 'bc.safetensors');
  const f64 = new Uint8Array(t.x.buffer, t.x.byteOffset, t.x.byteLength);
  const y = BigInt64Array.from(t.y!, (v) => BigInt(v));
  writeFileSync(path, encodeSafetensors([
    { name: 'features', dtype: 'F64', shape: [t.rows, t.columns.length], data: f64 },
    { name: 'other', dtype: 'F64', shape: [t.rows, t.columns.length], data: f64 },
    { name: 'target', dtype: 'I64', shape: [t.rows], data: new Uint8Array(y.buffer) },
  ]));
  const st = await convert({ model: fx('breast-cancer-v1.onnx'), calibration: path, label: 'target', out: join(tmp, 'bc-st') });
  const csv = await convert({ model: fx('breast-cancer-v1.onnx'), calibration: fx('breast-cancer-train.csv'), label: 'target', out: join(tmp, 'bc-csv') });
  assert.equal(weightTensors(st.files.weights), weightTensors(csv.files.weights));
  await rejects(() => readTable(path, { label: 'target' }), /which tensor holds the features\? \(tensors: .*'features', 'other'/);
  await rejects(() => readTable(path, { label: 'y' }), /no label tensor 'y'/);
  // An ODA dataset blob is itself a table: its input tensor and "label".
  const ds = readTable(join(tmp, 'bc-csv', 'dataset.safetensors'), { label: 'label' });
  assert.is(ds.rows, 455);
  assert.is(ds.columns.length, 30);
});

test('.npy bad input: clear messages for Fortran order, big-endian, short data, NaN, label shape and a missing --labels', async () => {
  const put = (name: string, bytes: Uint8Array) => {
    const p = join(tmp, name);
    writeFileSync(p, bytes);
    return p;
  };
  const good = encodeNpy([2, 3], [1, 2, 3, 4, 5, 6]);
  const text = Buffer.from(good).toString('latin1');
  const fortran = put('f.npy', Buffer.from(text.replace("'fortran_order': False", "'fortran_order': True "), 'latin1'));
  await rejects(() => readTable(fortran), /f\.npy: the array is in Fortran order/);
  const big = put('b.npy', Buffer.from(text.replace("'<f8'", "'>f8'"), 'latin1'));
  await rejects(() => readTable(big), /big-endian/);
  await rejects(() => readTable(put('s.npy', good.subarray(0, good.length - 3))), /data section is 45 bytes, shape \(2, 3\) of <f8 needs 48/);
  await rejects(() => readTable(put('o.npy', Buffer.from(text.replace("'<f8'", "'|O8'"), 'latin1'))), /dtype '\|O8' is not supported/);
  await rejects(() => readTable(put('n.npy', encodeNpy([2, 2], [1, NaN, 3, 4]))), /n\.npy: row 0, column 1: NaN is not a finite number/);
  await rejects(() => readTable(put('g.npy', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11))), /not a \.npy file/);
  const x = put('x.npy', good);
  await rejects(() => readTable(x, { label: 'target' }), /give the labels as a second file with --labels/);
  await rejects(() => readTable(x, { labels: put('y3.npy', encodeNpy([3], [0, 1, 0], '<i4')) }), /y3\.npy: shape \[3\], the features have 2 rows/);
  await rejects(() => readTable(x, { labels: put('yf.npy', encodeNpy([2], [0, 0.5])) }), /yf\.npy: row 1: 0\.5 is not a class index/);
  await rejects(() => readTable(join(tmp, 'data.parquet')), /tables are \.csv .*\.npy .*\.safetensors/);
  await rejects(convert({ model: fx('wine.onnx'), calibration: fx('wine-train-x.npy'), labels: fx('wine-train-y.npy'), dataset: fx('wine-eval-x.npy'), out: join(tmp, 'w') }), /the evaluation dataset needs labels too \(--dataset-labels/);
  await rejects(() => packDatasetFile({ table: fx('breast-cancer-eval.csv'), label: 'target', like: join(tmp, 'wine-csv'), out: join(tmp, 'z') }), /missing feature columns/);
  await rejects(() => packDatasetFile({ table: fx('digits-eval-x.npy'), labels: fx('digits-eval-y.npy'), like: join(tmp, 'wine-csv'), out: join(tmp, 'z') }), /64 values per row, the model's input has 13 columns/);
});

const digits = (model: string, out: string) =>
  convert({ model, calibration: fx('digits-train-x.npy'), labels: fx('digits-train-y.npy'), dataset: fx('digits-eval-x.npy'), datasetLabels: fx('digits-eval-y.npy'), out: join(tmp, out) });

test('CNN from torch.onnx.export (Conv Relu MaxPool Conv Relu Flatten Gemm): ConvInteger graph, integer within 2 points of float', async () => {
  const r = await digits(fx('digits-cnn.onnx'), 'cnn');
  for (const a of [r.calibration, r.dataset!]) {
    if ('agreement' in a) throw new Error('labels expected');
    assert.ok(Math.abs(a.integer - a.float) <= 0.02, `float ${a.float} integer ${a.integer}`);
  }
  assert.is(r.dataset!.rows, 360);
  assert.ok(r.dataset!.float > 0.9);
  assert.equal(r.layers.map((L) => [L.name, L.outSize, !!L.pool]), [['conv0', 128, true], ['conv1', 256, false], ['fc2', 10, false]]);
  assert.is(r.layers[0].zeroPoint, 0, 'pixels are >= 0: x = 0 is code 0');
  assert.is(r.params, 8 * 9 + 8 + 16 * 72 + 16 + 2560 + 10);
  const ctx = checkModel(new Uint8Array(readFileSync(r.files.architecture)));
  const ops = ctx.arch.plan.map((p) => p.node.opType);
  for (const op of ['Reshape', 'ConvInteger', 'MaxPool', 'Flatten', 'MatMulInteger']) assert.ok(ops.includes(op), `${op} in ${ops}`);
  assert.equal(ctx.arch.inputs[0].rowDims, [64]);
  assert.equal(readManifest(r.dir).input.shape, [1, 8, 8]);
  const c = await checkDir(r.dir);
  assert.is(c.baselineScore, r.dataset!.score);
  // The same float model through export-weights (calibrated on the dataset rows) scores the same.
  const e = await exportWeights(fx('digits-cnn.onnx'), r.dir, join(tmp, 'cnn-again.safetensors'));
  assert.is(e.score, e.baselineScore);
});

/** The digits CNN rebuilt with a different input scaling or extra nodes. */
function cnnVariant(name: string, edit: (g: GraphBuilder, x: string) => string, conv0: Record<string, number | number[]> = {}): string {
  const m = readFloatOnnx(new Uint8Array(readFileSync(fx('digits-cnn.onnx'))));
  const g = new GraphBuilder('batch');
  g.input('image', 'float32', [1, 8, 8]);
  for (const [n, t] of m.initializers) g.constant(n, 'float32', t.dims, Array.from(t.values!));
  const x = edit(g, 'image');
  const pads = { pads: [1, 1, 1, 1], kernel_shape: [3, 3] };
  let h = g.op('Relu', [g.op('Conv', [x, 'features.0.weight', 'features.0.bias'], { ...pads, ...conv0 })]);
  h = g.op('MaxPool', [h], { kernel_shape: [2, 2], strides: [2, 2] });
  h = g.op('Flatten', [g.op('Relu', [g.op('Conv', [h, 'features.3.weight', 'features.3.bias'], pads)])], { axis: 1 });
  g.op('Gemm', [h, 'fc.weight', 'fc.bias'], { transB: 1 }, 'logits');
  g.output('logits', 'float32', [10]);
  const p = join(tmp, name);
  writeFileSync(p, encodeModel(g.build(17, 'test')));
  return p;
}

test('CNN with a centred input (x/16 - 0.5): a non-zero input zero point keeps the padding exact', async () => {
  const path = cnnVariant('centred.onnx', (g, x) => {
    g.constant('k16', 'float32', [], [16]);
    g.constant('half', 'float32', [1], [0.5]);
    return g.op('Sub', [g.op('Div', [x, 'k16']), 'half']);
  });
  const r = await digits(path, 'centred');
  const z = r.layers[0].zeroPoint!;
  assert.ok(z > 100 && z < 155, `zero point ${z}`);
  const arch = checkModel(new Uint8Array(readFileSync(r.files.architecture))).arch;
  assert.is(arch.plan.find((p) => p.node.opType === 'ConvInteger')!.node.inputs.length, 3);
  for (const a of [r.calibration, r.dataset!]) {
    if ('agreement' in a) throw new Error('labels expected');
    assert.ok(Math.abs(a.integer - a.float) <= 0.02, `float ${a.float} integer ${a.integer}`);
  }
  // A retrain with another input scaling cannot reuse the registered zero point.
  await rejects(exportWeights(fx('digits-cnn.onnx'), r.dir, join(tmp, 'x.safetensors')), /input scaling does not match the registered input quantization/);
});

test('what convert cannot read: per-pixel normalisation, grouped Conv, a Conv last, skl2onnx ML ops and two outputs', async () => {
  const cal = { calibration: fx('digits-train-x.npy'), labels: fx('digits-train-y.npy'), out: join(tmp, 'bad') };
  const perPixel = cnnVariant('per-pixel.onnx', (g, x) => {
    g.constant('mean', 'float32', [1, 8, 8], Array.from({ length: 64 }, (_, i) => i / 8));
    return g.op('Sub', [x, 'mean']);
  });
  await rejects(convert({ model: perPixel, ...cal }), /Sub\): only elementwise Sub by a constant scalar/);
  const grouped = cnnVariant('grouped.onnx', (_g, x) => x, { group: 2 });
  await rejects(convert({ model: grouped, ...cal }), /Conv\): group must be 1/);
  const g = new GraphBuilder();
  g.input('image', 'float32', [1, 8, 8]);
  g.constant('w', 'float32', [2, 1, 3, 3], new Array(18).fill(0.1));
  g.op('Conv', ['image', 'w'], { kernel_shape: [3, 3] }, 'y');
  g.output('y', 'float32', [2, 6, 6]);
  const convLast = join(tmp, 'conv-last.onnx');
  writeFileSync(convLast, encodeModel(g.build(17, 'test')));
  await rejects(convert({ model: convLast, ...cal }), /the last layer is a Conv: end the network with Flatten and a Gemm/);

  // skl2onnx's LogisticRegression: a Scaler and a LinearClassifier (ai.onnx.ml), label and probabilities outputs.
  const s = new GraphBuilder();
  s.input('X', 'float32', [30]);
  const sc = s.op('Scaler', ['X'], { offset: [0], scale: [1] });
  s.op('LinearClassifier', [sc], { post_transform: 'LOGISTIC' }, 'probabilities');
  s.output('probabilities', 'float32', [2]);
  const model = s.build(17, 'skl2onnx');
  for (const n of model.graph.nodes) n.domain = 'ai.onnx.ml';
  const skl = join(tmp, 'skl.onnx');
  writeFileSync(skl, encodeModel(model));
  await rejects(convert({ model: skl, calibration: fx('breast-cancer-train.csv'), label: 'target', out: join(tmp, 'bad') }), /Scaler.*put the scaling in the model[\s\S]*LinearClassifier.*torch\.nn\.Linear \(weight = clf\.coef_/);
  model.graph.outputs.push({ ...model.graph.outputs[0], name: 'label' });
  writeFileSync(skl, encodeModel(model));
  await rejects(convert({ model: skl, calibration: fx('breast-cancer-train.csv'), label: 'target', out: join(tmp, 'bad') }), /2 outputs .*skl2onnx writes a label and a probabilities output/);
});

test('CLI: --labels and --dataset-labels for .npy tables; pack-dataset needs --label or --labels', async () => {
  const text = (await runOdaModel(['convert', fx('wine.onnx'), '--calibration', fx('wine-train-x.npy'), '--labels', fx('wine-train-y.npy'), '--dataset', fx('wine-eval-x.npy'), '--dataset-labels', fx('wine-eval-y.npy'), '--out', join(tmp, 'cli-wine')])).join('\n');
  assert.match(text, /dataset \(36 rows\): float 100\.00 %, integer 100\.00 %/);
  const packed = (await runOdaModel(['pack-dataset', fx('wine-eval-x.npy'), '--labels', fx('wine-eval-y.npy'), '--like', join(tmp, 'cli-wine'), '--out', join(tmp, 'cli.safetensors')])).join('\n');
  assert.match(packed, /36 rows, input 'features' uint8\[13\]/);
  try {
    await runOdaModel(['pack-dataset', fx('wine-eval-x.npy'), '--like', join(tmp, 'cli-wine')]);
    assert.unreachable('usage error expected');
  } catch (e) {
    assert.match((e as Error).message, /missing --label \(or --labels for a \.npy table\)/);
  }
});

test.after(async () => {
  await clearSessionCache();
  rmSync(tmp, { recursive: true, force: true });
});

test.run();
