// oda-model on a regression MLP (objective neg-sse, ODA-BIP-0002 section 10): the PyTorch
// fixture on scikit-learn's diabetes data converts with the integer R² within 0.01 of the float
// one, the targets are quantized with the output step recorded in oda-model.json, the chain's
// score is −SSE in those steps, export-weights of the better retrain improves it, and a file
// changed after oda-model wrote it is named before anything else runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convert } from '../../tools/model/convert.js';
import { checkDir, scoreDir } from '../../tools/model/check.js';
import { exportWeights } from '../../tools/model/export-weights.js';
import { packDatasetFile } from '../../tools/model/pack-dataset.js';
import { readManifest, MANIFEST_FILE } from '../../tools/model/manifest.js';
import { readFloatModel } from '../../tools/model/convert.js';
import { floatForward } from '../../tools/model/float-net.js';
import { runOdaModel } from '../../cli/oda-model.js';
import { parseSafetensors } from '../../model-store/safetensors.js';
import { checkModel, runInference, clearSessionCache } from '../../validator/index.js';
import { readTable } from '../../tools/model/table.js';
import { FIXTURES, fx, rejects } from './helpers.js';

const FIX = FIXTURES;
const tmp = mkdtempSync(join(tmpdir(), 'oda-model-reg-'));
/** The stated tolerance: integer R² within this of the float R² (on train and eval rows). */
const R2_TOLERANCE = 0.01;


const dia = (out: string, model = 'diabetes-v1.onnx') =>
  convert({ model: fx(model), calibration: fx('diabetes-train.csv'), dataset: fx('diabetes-eval.csv'), label: 'target', objective: 'neg-sse', out: join(tmp, out) });

test('convert --objective neg-sse: diabetes MLP, integer R² within 0.01 of float, output step in the manifest', async () => {
  for (const model of ['diabetes-v1.onnx', 'diabetes-v2.onnx']) {
    const r = await dia(model.replace('.onnx', ''), model);
    assert.is(r.objective, 'neg-sse');
    for (const a of [r.calibration, r.dataset!]) {
      if ('agreement' in a) throw new Error('targets expected');
      assert.is(a.metric, 'r2');
      assert.ok(Math.abs(a.integer - a.float) <= R2_TOLERANCE, `${model}: R² float ${a.float} integer ${a.integer}`);
      assert.ok(Math.abs(a.rmse!.integer - a.rmse!.float) <= 0.01 * a.rmse!.float, `${model}: RMSE ${JSON.stringify(a.rmse)}`);
      assert.ok(a.score < 0n);
    }
    const m = readManifest(r.dir);
    assert.is(m.objective, 'neg-sse');
    if (!('scale' in m.output)) throw new Error('regression output expected');
    assert.is(m.output.size, 1);
    assert.is(m.output.scale, r.outputScale);
    // The dataset's labels are the targets in output steps, shape [R, 1].
    const ds = parseSafetensors(new Uint8Array(readFileSync(r.files.dataset!)));
    const label = ds.tensors.get('label')!;
    assert.equal(label.shape, [89, 1]);
    const ev = readTable(fx('diabetes-eval.csv'), { label: 'target', regression: true });
    const y = new Int32Array(label.data.buffer.slice(label.data.byteOffset, label.data.byteOffset + label.data.byteLength));
    for (let i = 0; i < 89; i++) assert.is(y[i], Math.round(ev.target![i] / m.output.scale));
    const c = await checkDir(r.dir);
    assert.is(c.baselineScore, r.dataset!.score);
    assert.is(c.objective, 'neg-sse');
    assert.ok(Math.abs(c.baselineFit!.r2 - r.dataset!.integer) < 1e-4);
  }
});

test('neg-sse: the chain score is −Σ (output − label)² and the outputs track the float model', async () => {
  const dir = join(tmp, 'diabetes-v1');
  const m = readManifest(dir);
  const scale = (m.output as { scale: number }).scale;
  const arch = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
  const ds = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'dataset.safetensors'))));
  const x = ds.tensors.get('features')!;
  const lt = ds.tensors.get('label')!;
  const labels = new Int32Array(lt.data.buffer.slice(lt.data.byteOffset, lt.data.byteOffset + lt.data.byteLength));
  const [out] = await runInference(checkModel(arch), new Uint8Array(readFileSync(join(dir, 'weights.safetensors'))), [{ type: 'uint8', dims: [89, 10], data: x.data }]);
  assert.equal(out.dims, [89, 1]);
  let sse = 0n;
  for (let i = 0; i < 89; i++) sse += (BigInt(out.data[i] as number) - BigInt(labels[i])) ** 2n;
  const r = await checkDir(dir);
  assert.is(r.baselineScore, -sse);
  // Against the float model on the original rows: the quantization error is small next to the model's own error.
  const ev = readTable(fx('diabetes-eval.csv'), { label: 'target', regression: true });
  const f = floatForward(readFloatModel(fx('diabetes-v1.onnx')).net, ev.x, ev.rows).out;
  let worst = 0;
  for (let i = 0; i < 89; i++) worst = Math.max(worst, Math.abs((out.data[i] as number) * scale - f[i]));
  assert.ok(worst < 5, `largest |integer − float| output ${worst} (targets 25..346)`);
});

test('export-weights: the better regression retrain improves the neg-sse score; score agrees; pack-dataset --like reproduces the dataset', async () => {
  const dir = join(tmp, 'diabetes-v1');
  const out = join(tmp, 'dia-v2.safetensors');
  const r = await exportWeights(fx('diabetes-v2.onnx'), dir, out);
  assert.ok(r.improves && r.score > r.baselineScore, `${r.score} vs ${r.baselineScore}`);
  assert.ok(r.fit!.r2 > r.baselineFit!.r2 + 0.1, `R² ${r.fit!.r2} vs ${r.baselineFit!.r2}`);
  const s = await scoreDir(dir, out);
  assert.is(s.score, r.score);
  assert.equal(s.fit, r.fit);
  const same = await exportWeights(fx('diabetes-v1.onnx'), dir, join(tmp, 'dia-v1.safetensors'));
  // The same float model re-exported is calibrated on the dataset's rows, not convert's: a
  // different but equally good quantization (neg-sse sees any difference, accuracy rarely does).
  assert.ok(Math.abs(Number(same.score - same.baselineScore)) < 0.01 * -Number(same.baselineScore), `${same.score} vs ${same.baselineScore}`);
  await rejects(exportWeights(fx('breast-cancer-v1.onnx'), dir, join(tmp, 'x.safetensors')), /needs the same architecture/);

  const ds = join(tmp, 'dia-ds.safetensors');
  packDatasetFile({ table: fx('diabetes-eval.csv'), label: 'target', like: dir, out: ds });
  assert.ok(readFileSync(ds).equals(readFileSync(join(dir, 'dataset.safetensors'))));
});

test('a file changed after oda-model wrote it is named (check, score, export-weights); pack-dataset --like records the new dataset', async () => {
  const src = join(tmp, 'diabetes-v1');
  const dir = join(tmp, 'tampered');
  mkdirSync(dir);
  for (const f of ['model.onnx', 'weights.safetensors', 'dataset.safetensors', MANIFEST_FILE]) copyFileSync(join(src, f), join(dir, f));
  await checkDir(dir);
  const w = readFileSync(join(dir, 'weights.safetensors'));
  w[w.length - 1] ^= 1;
  writeFileSync(join(dir, 'weights.safetensors'), w);
  await rejects(checkDir(dir), /tampered\/weights\.safetensors was changed after oda-model wrote it \(its SHA-256 differs from oda-model\.json\)/);
  await rejects(scoreDir(dir, join(src, 'weights.safetensors')), /weights\.safetensors was changed/);
  await rejects(exportWeights(fx('diabetes-v2.onnx'), dir, join(tmp, 'y.safetensors')), /weights\.safetensors was changed/);
  copyFileSync(join(src, 'weights.safetensors'), join(dir, 'weights.safetensors'));
  // A new evaluation table packed into the directory replaces the dataset and its digest.
  packDatasetFile({ table: fx('diabetes-train.csv'), label: 'target', like: dir });
  const c = await checkDir(dir);
  assert.is(c.datasetRows, 353);
  writeFileSync(join(dir, 'dataset.safetensors'), readFileSync(join(src, 'dataset.safetensors')));
  await rejects(checkDir(dir), /dataset\.safetensors was changed after oda-model wrote it.*pack-dataset/);
  writeFileSync(join(dir, MANIFEST_FILE), '{"format":"oda-model/1","objective":"neg-sse"}');
  await rejects(checkDir(dir), /oda-model\.json is not a valid oda-model\/1 manifest/);
});

test('bad input: regression without targets, with a Sigmoid head or several outputs, non-finite targets; a regression table as classes is hinted', async () => {
  const out = join(tmp, 'bad');
  const cal = fx('diabetes-train.csv');
  await rejects(convert({ model: fx('diabetes-v1.onnx'), calibration: cal, objective: 'neg-sse', out }), /calibrated on its targets: name the target column with --label COL/);
  await rejects(convert({ model: fx('breast-cancer-logreg.onnx'), calibration: fx('breast-cancer-train.csv'), label: 'target', objective: 'neg-sse', out }), /ends in sigmoid, which changes its values/);
  await rejects(convert({ model: fx('wine.onnx'), calibration: fx('wine-train.csv'), label: 'target', objective: 'neg-sse', out }), /3 outputs; convert's regression takes one target column/);
  const lines = readFileSync(cal, 'utf8').split('\n');
  lines[2] = lines[2].replace(/,[^,]*$/, ',NaN');
  writeFileSync(join(tmp, 'nan-target.csv'), lines.join('\n'));
  await rejects(convert({ model: fx('diabetes-v1.onnx'), calibration: join(tmp, 'nan-target.csv'), label: 'target', objective: 'neg-sse', out }), /nan-target\.csv line 3, target column 'target': 'NaN' is not a finite number/);
  await rejects(convert({ model: fx('diabetes-v1.onnx'), calibration: cal, label: 'target', out }), /label 75 is out of range, the model has 2 classes \(0\.\.1\) \(a regression target needs --objective neg-sse\)/);
});

test('CLI: convert --objective neg-sse prints RMSE and R²; check prints the baseline fit; a bad --objective is a usage error', async () => {
  const text = (await runOdaModel(['convert', fx('diabetes-v1.onnx'), '--calibration', fx('diabetes-train.csv'), '--dataset', fx('diabetes-eval.csv'), '--label', 'target', '--objective', 'neg-sse', '--out', join(tmp, 'cli')])).join('\n');
  assert.match(text, /dataset \(89 rows\): float RMSE 62\.\d+, R² 0\.3\d+; integer RMSE 62\.\d+, R² 0\.3\d+ \(chain score -\d+/);
  assert.match(text, /regression output: one step = 0\.0\d+ target units/);
  assert.match((await runOdaModel(['check', join(tmp, 'cli')])).join('\n'), /baseline score: -\d+ \(neg-sse over 89 rows: RMSE 62\.\d+, R² 0\.3\d+\)/);
  try {
    await runOdaModel(['convert', fx('diabetes-v1.onnx'), '--calibration', fx('diabetes-train.csv'), '--objective', 'mse', '--out', join(tmp, 'x')]);
    assert.unreachable('usage error expected');
  } catch (e) {
    assert.match((e as Error).message, /--objective is accuracy or neg-sse, not 'mse'/);
  }
});

test.after(async () => {
  await clearSessionCache();
  rmSync(tmp, { recursive: true, force: true });
});

test.run();
