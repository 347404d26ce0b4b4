// oda-model (tools/model, cli/oda-model.ts) on the committed PyTorch fixtures: convert keeps the
// integer accuracy within 2 points of the float model, the result passes the node's own
// admission check, export-weights of a better retrain improves the chain score, and every bad
// input is a ModelError with a message that names the problem (CLI exit code 2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { convert } from '../../tools/model/convert.js';
import { checkDir, scoreDir } from '../../tools/model/check.js';
import { exportWeights } from '../../tools/model/export-weights.js';
import { packDatasetFile } from '../../tools/model/pack-dataset.js';
import { readManifest } from '../../tools/model/manifest.js';
import { readFloatOnnx } from '../../tools/model/float-onnx.js';
import { ModelError } from '../../tools/model/errors.js';
import { runOdaModel } from '../../cli/oda-model.js';
import { GraphBuilder } from '../../validator/onnx/graph-builder.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import { admitModel, checkModel, clearSessionCache } from '../../validator/index.js';
import { floatNodes, withConvertHint } from '../../tools/model/model-dir.js';
import { VerifyError, isVerifyError } from '../../chain/errors.js';
import { FIXTURES, fx, rejects } from './helpers.js';

const FIX = FIXTURES;
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'oda-model.js');
const tmp = mkdtempSync(join(tmpdir(), 'oda-model-test-'));


const bc = (out: string, model = 'breast-cancer-v1.onnx') =>
  convert({ model: fx(model), calibration: fx('breast-cancer-train.csv'), dataset: fx('breast-cancer-eval.csv'), label: 'target', out: join(tmp, out) });

test('convert: PyTorch MLP on breast cancer, integer accuracy within 2 points of float, node admission passes', async () => {
  for (const model of ['breast-cancer-v1.onnx', 'breast-cancer-v2.onnx']) {
    const r = await bc(model.replace('.onnx', ''), model);
    assert.ok(!('agreement' in r.calibration));
    for (const a of [r.calibration, r.dataset!]) {
      if ('agreement' in a) throw new Error('labels expected');
      assert.ok(Math.abs(a.integer - a.float) <= 0.02, `${model}: float ${a.float} integer ${a.integer}`);
      assert.is(Number(a.score), Math.round(a.integer * a.rows));
    }
    assert.is(r.dataset!.rows, 114);
    assert.equal(r.layers.map((L) => [L.inSize, L.outSize, L.relu]), [[30, 16, true], [16, 2, false]]);
    const arch = readFileSync(r.files.architecture);
    assert.is(checkModel(new Uint8Array(arch)).inputSpec[0].type, 'uint8');
    const c = await checkDir(r.dir);
    assert.is(c.baselineScore, r.dataset!.score);
    assert.is(c.datasetRows, 114);
    assert.is(c.cu.inferenceRow, r.cuPerRow);
    assert.ok(c.fee.addModel > 0n && c.cu.addModel > c.cu.inferenceRow);
  }
});

test('convert: a linear model with a final Sigmoid (one logit) and a 3-class wine MLP', async () => {
  const lr = await bc('logreg', 'breast-cancer-logreg.onnx');
  assert.is(lr.head, 'sigmoid');
  assert.is((readManifest(lr.dir).output as { classes: number }).classes, 2);
  if ('agreement' in lr.calibration) throw new Error('labels expected');
  assert.ok(Math.abs(lr.calibration.integer - lr.calibration.float) <= 0.02);
  assert.ok(Math.abs(lr.dataset!.integer - lr.dataset!.float) <= 0.02);
  const wine = await convert({ model: fx('wine.onnx'), calibration: fx('wine-train.csv'), dataset: fx('wine-eval.csv'), label: 'target', out: join(tmp, 'wine') });
  assert.ok(Math.abs(wine.dataset!.integer - wine.dataset!.float) <= 0.02);
  assert.is((readManifest(wine.dir).output as { classes: number }).classes, 3);
});

test('convert: MatMul + Add + Softmax graph (tf2onnx layout) reads the same as the Gemm one', async () => {
  // The v2 fixture's tensors rewritten as MatMul(x, Wᵀ) + b, a Softmax head, and no dynamic batch name.
  const m = readFloatOnnx(new Uint8Array(readFileSync(fx('breast-cancer-v2.onnx'))));
  const t = (n: string) => m.initializers.get(n)!;
  const transpose = (n: string) => {
    const [o, i] = t(n).dims;
    const v = t(n).values!;
    return { dims: [i, o], values: Array.from({ length: i * o }, (_, k) => v[(k % o) * i + Math.floor(k / o)]) };
  };
  const g = new GraphBuilder('batch');
  g.input('features', 'float32', [30]);
  for (const n of ['mean', 'std', 'net.0.bias', 'net.2.bias']) g.constant(n, 'float32', t(n).dims, Array.from(t(n).values!));
  for (const n of ['net.0.weight', 'net.2.weight']) {
    const tr = transpose(n);
    g.constant(n, 'float32', tr.dims, tr.values);
  }
  const x = g.op('Div', [g.op('Sub', ['features', 'mean']), 'std']);
  const h = g.op('Relu', [g.op('Add', [g.op('MatMul', [x, 'net.0.weight']), 'net.0.bias'])]);
  const y = g.op('Identity', [g.op('Add', [g.op('MatMul', [h, 'net.2.weight']), 'net.2.bias'])]);
  g.op('Softmax', [y], { axis: -1 }, 'probs');
  g.output('probs', 'float32', [2]);
  const path = join(tmp, 'matmul.onnx');
  writeFileSync(path, encodeModel(g.build(17, 'test')));
  const r = await convert({ model: path, calibration: fx('breast-cancer-train.csv'), dataset: fx('breast-cancer-eval.csv'), label: 'target', out: join(tmp, 'matmul') });
  const ref = await bc('v2-again', 'breast-cancer-v2.onnx');
  assert.is(r.head, 'softmax');
  assert.is(r.dataset!.score, ref.dataset!.score);
  assert.is(readFileSync(r.files.weights).equals(readFileSync(ref.files.weights)), true);
});

test('export-weights: the better retrain quantized into the registered slots improves the score; score agrees', async () => {
  const dir = join(tmp, 'breast-cancer-v1');
  const out = join(tmp, 'v2.safetensors');
  const r = await exportWeights(fx('breast-cancer-v2.onnx'), dir, out);
  assert.ok(r.improves && r.score > r.baselineScore, `${r.score} vs ${r.baselineScore}`);
  const s = await scoreDir(dir, out);
  assert.is(s.score, r.score);
  assert.is(s.baselineScore, r.baselineScore);
  const same = await exportWeights(fx('breast-cancer-v1.onnx'), dir, join(tmp, 'v1.safetensors'));
  assert.is(same.improves, false);
  await rejects(exportWeights(fx('wine.onnx'), dir, join(tmp, 'x.safetensors')), /needs the same architecture/);
});

test('pack-dataset: --like reproduces convert\'s dataset byte for byte; --input fits its own quantization', () => {
  const out = join(tmp, 'ds.safetensors');
  packDatasetFile({ table: fx('breast-cancer-eval.csv'), label: 'target', like: join(tmp, 'breast-cancer-v1'), out });
  assert.ok(readFileSync(out).equals(readFileSync(join(tmp, 'breast-cancer-v1', 'dataset.safetensors'))));
  const own = packDatasetFile({ table: fx('wine-eval.csv'), label: 'target', input: 'x', out: join(tmp, 'wine-ds.safetensors') });
  assert.is(own.rows, 36);
  assert.is(own.spec.columns.length, 13);
});

function floatModel(build: (g: GraphBuilder) => void): string {
  const g = new GraphBuilder();
  build(g);
  const p = join(tmp, `m${Math.random().toString(36).slice(2)}.onnx`);
  writeFileSync(p, encodeModel(g.build(17, 'test')));
  return p;
}

test('bad input: unsupported ops listed with what to change, dynamic shapes, wrong columns, NaN/Inf, labels out of range', async () => {
  const cal = fx('breast-cancer-train.csv');
  const out = join(tmp, 'bad');
  const tanh = floatModel((g) => {
    g.input('x', 'float32', [30]);
    g.constant('w', 'float32', [30, 2], new Array(60).fill(0.1));
    g.op('Tanh', [g.op('LeakyRelu', [g.op('MatMul', ['x', 'w'])])], {}, 'y');
    g.output('y', 'float32', [2]);
  });
  await rejects(convert({ model: tanh, calibration: cal, label: 'target', out }), /LeakyRelu.*retrain with torch\.nn\.ReLU[\s\S]*Tanh/);
  // A symbolic feature dimension (only the batch may be dynamic).
  const g2 = new GraphBuilder();
  g2.input('x', 'float32', [30]);
  g2.constant('w', 'float32', [30, 2], new Array(60).fill(0.1));
  g2.op('MatMul', ['x', 'w'], {}, 'y');
  g2.output('y', 'float32', [2]);
  const model = g2.build(17, 'test');
  model.graph.inputs[0].dims![1] = { param: 'features' };
  const dynPath = join(tmp, 'dyn.onnx');
  writeFileSync(dynPath, encodeModel(model));
  await rejects(convert({ model: dynPath, calibration: cal, label: 'target', out }), /dynamic shapes: input 'x' dimension 1 is symbolic 'features'/);
  const garbage = join(tmp, 'garbage.onnx');
  writeFileSync(garbage, Uint8Array.of(0xff, 0xff, 0xff));
  await rejects(convert({ model: garbage, calibration: cal, label: 'target', out }), /not a readable ONNX file|not an ONNX/);

  const v1 = fx('breast-cancer-v1.onnx');
  await rejects(convert({ model: v1, calibration: fx('wine-train.csv'), label: 'target', out }), /13 feature columns .* has 30/);
  await rejects(convert({ model: v1, calibration: cal, label: 'diagnosis', out }), /no label column 'diagnosis'/);
  const text = readFileSync(cal, 'utf8').split('\n');
  const bad = (name: string, mutate: (cells: string[]) => void) => {
    const lines = [...text];
    const cells = lines[3].split(',');
    mutate(cells);
    lines[3] = cells.join(',');
    const p = join(tmp, name);
    writeFileSync(p, lines.join('\n'));
    return p;
  };
  await rejects(convert({ model: v1, calibration: bad('nan.csv', (c) => (c[2] = 'NaN')), label: 'target', out }), /nan\.csv line 4, column 'mean_perimeter': 'NaN' is not a finite number/);
  await rejects(convert({ model: v1, calibration: bad('inf.csv', (c) => (c[0] = 'inf')), label: 'target', out }), /line 4, column 'mean_radius': 'inf'/);
  await rejects(convert({ model: v1, calibration: bad('empty.csv', (c) => (c[5] = '')), label: 'target', out }), /empty cell/);
  await rejects(convert({ model: v1, calibration: bad('label.csv', (c) => (c[30] = '7')), label: 'target', out }), /label\.csv line 4: label 7 is out of range, the model has 2 classes/);
  await rejects(convert({ model: v1, calibration: bad('neg.csv', (c) => (c[30] = '-1')), label: 'target', out }), /'-1' is not a class index/);
  await rejects(convert({ model: v1, calibration: bad('short.csv', (c) => c.pop()), label: 'target', out }), /line 4: 30 cells, the header has 31/);
  await rejects(() => packDatasetFile({ table: fx('wine-eval.csv'), label: 'target', like: join(tmp, 'breast-cancer-v1'), out: join(tmp, 'x.st') }), /missing feature columns 'mean_radius'/);
  await rejects(checkDir(tmp), /not a directory made by oda-model convert/);
  assert.not.ok(existsSync(out), 'nothing written for bad input');
});

test('CLI: convert prints float vs integer accuracy and CU; bad input exits 2 with the message, usage errors exit 1', async () => {
  const lines = await runOdaModel(['convert', fx('breast-cancer-v1.onnx'), '--calibration', fx('breast-cancer-train.csv'), '--label', 'target', '--out', join(tmp, 'cli')]);
  const text = lines.join('\n');
  assert.match(text, /calibration \(455 rows\): float 92\.\d\d %, integer 9\d\.\d\d %/);
  assert.match(text, /CU of one inference row: \d+/);
  const j = JSON.parse((await runOdaModel(['check', join(tmp, 'cli'), '--json'])).join('\n'));
  assert.is(j.datasetRows, 455);
  const bad = spawnSync(process.execPath, [BIN, 'convert', fx('breast-cancer-v1.onnx'), '--calibration', fx('wine-train.csv'), '--label', 'target', '--out', join(tmp, 'cli-bad')], { encoding: 'utf8' });
  assert.is(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /oda-model: wine-train\.csv: 13 feature columns/);
  assert.not.match(bad.stderr, /at .*\.ts:\d+/, 'no stack trace');
  const usage = spawnSync(process.execPath, [BIN, 'convert', fx('breast-cancer-v1.onnx')], { encoding: 'utf8' });
  assert.is(usage.status, 1);
  assert.match(usage.stderr, /missing --calibration/);
});

test('a float model given to addmodel: the hint names the weight node and tensor first, then the rule and oda-model convert', async () => {
  const arch = new Uint8Array(readFileSync(fx('breast-cancer-v1.onnx')));
  assert.equal(floatNodes(new Uint8Array(readFileSync(fx('digits-cnn.onnx')))).slice(0, 2), [
    "node '/features/features.0/Conv' (Conv): float weights 'features.0.weight' [8, 1, 3, 3]",
    "node '/features/features.3/Conv' (Conv): float weights 'features.3.weight' [16, 8, 3, 3]",
  ]);
  let err: unknown;
  try {
    await admitModel({ architecture: arch, weights: new Uint8Array(8), dataset: new Uint8Array(8), objective: 'accuracy' });
  } catch (e) {
    err = withConvertHint(e, arch);
  }
  assert.ok(isVerifyError(err));
  assert.is((err as { reason: string }).reason, 'bad-model-dtype');
  assert.match((err as Error).message, /node '\/net\/net\.0\/Gemm' \(Gemm\): float weights 'net\.0\.weight' \[16, 30\] \(and 3 more nodes reading float tensors\).*ODA-BIP-0002 section 5.*run oda-model convert/);
  // Not a float model: unchanged.
  const other = new VerifyError('tx', 'bad-model-op', 0, 'x');
  assert.is(withConvertHint(other, new Uint8Array(readFileSync(join(tmp, 'breast-cancer-v1', 'model.onnx')))), other);
});

test.after(async () => {
  await clearSessionCache();
  rmSync(tmp, { recursive: true, force: true });
});

test.run();
