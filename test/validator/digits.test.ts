// The shipped digits dataset, its fixed split and blob, the trainer (small and fast here; the
// full run is tools/train/train-digits.ts) and the integer objectives' batch independence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { loadDigits, digitsSplit, digitsDatasetBlob, digitsInput } from '../../tools/data/digits.js';
import { DIGITS_EVAL_FILE } from '../../tools/data/paths.js';
import { trainDigitsMlp } from '../../tools/train/digits-mlp.js';
import { trainDigitsCnn } from '../../tools/train/digits-cnn.js';
import { buildMlp, DIGITS_MLP, mlpWeightShapes } from '../../tools/models/mlp.js';
import { buildCnn, DIGITS_CNN, cnnWeightShapes } from '../../tools/models/cnn.js';
import { admitModel, checkModel, checkUpdate, runInference, referenceRun, scoreWeights, clearSessionCache, bindDataset } from '../../validator/index.js';
import { scoreBatch } from '../../validator/objective.js';
import { sliceRows } from '../../validator/dataset.js';
import { encodeTensors, encodeDataset } from '../../validator/blobs.js';
import { tensorsEqual } from '../../validator/tensor.js';
import { GraphBuilder } from '../../validator/onnx/graph-builder.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import { rng, randomWeights } from './helpers.js';

const digits = loadDigits();

test('digits.csv.gz: 1797 rows, labels 0..9, fixed 1437/360 split', () => {
  assert.is(digits.rows, 1797);
  const counts = new Array(10).fill(0);
  for (const y of digits.labels) counts[y]++;
  assert.equal(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  assert.is(digitsSplit(digits, 'train').rows, 1437);
  const ev = digitsSplit(digits, 'eval');
  assert.is(ev.rows, 360);
  assert.equal(Array.from(ev.labels.subarray(0, 10)), [0, 5, 0, 5, 0, 5, 0, 5, 0, 5].map((_, i) => digits.labels[i * 5]));
});

test('datasets/digits-eval.safetensors is reproduced byte for byte by the loader', () => {
  const blob = digitsDatasetBlob(digitsSplit(digits, 'eval'));
  const committed = readFileSync(DIGITS_EVAL_FILE);
  assert.equal(bytesToHex(sha256(blob)), bytesToHex(sha256(committed)));
  assert.is(bytesToHex(sha256(committed)), '8315173b4235d4919a0723840a3bf76c76090c5348165787416f6f2a9943e022');
});

test('trainer: a few epochs on a subset give an admissible exact-class model that beats chance, and more training is a valid update', async () => {
  const train = digitsSplit(digits, 'train');
  const sub = { rows: 400, pixels: train.pixels.subarray(0, 400 * 64), labels: train.labels.subarray(0, 400) };
  const ev = digitsSplit(digits, 'eval');
  const dataset = digitsDatasetBlob(ev);
  const arch = buildMlp(DIGITS_MLP);
  const weak = await trainDigitsMlp(sub, { epochs: 1, seed: 3 });
  const strong = await trainDigitsMlp(sub, { epochs: 8, seed: 3 });
  const a = await admitModel({ architecture: arch, weights: weak.weights, dataset, objective: 'accuracy' });
  assert.ok(a.score > 36n, `weak model scores ${a.score}`);
  const up = await checkUpdate(a.ctx, strong.weights, dataset, 'accuracy', a.score);
  assert.ok(up.score > a.score && up.score > 250n, `strong model scores ${up.score}`);
  // The same quantized model on the reference interpreter gives identical logits.
  const x = digitsInput(ev);
  const [o] = await runInference(a.ctx, strong.weights, [x]);
  assert.ok(tensorsEqual(o, referenceRun(a.ctx, strong.weights, [x])[0]));
});

test('CNN trainer (tfjs cpu backend): one epoch on a subset quantizes into an admissible model that beats chance', async () => {
  const train = digitsSplit(digits, 'train');
  const sub = { rows: 300, pixels: train.pixels.subarray(0, 300 * 64), labels: train.labels.subarray(0, 300) };
  const ev = digitsSplit(digits, 'eval');
  const { weights } = await trainDigitsCnn(sub, { epochs: 1, seed: 2 });
  const res = await admitModel({ architecture: buildCnn(DIGITS_CNN), weights, dataset: digitsDatasetBlob(ev, 'input', [1, 8, 8]), objective: 'accuracy' });
  assert.ok(res.score > 72n, `cnn scores ${res.score}`);
  const x = digitsInput({ ...ev, rows: 50, pixels: ev.pixels.subarray(0, 50 * 64) }, [1, 8, 8]);
  assert.ok(tensorsEqual((await runInference(res.ctx, weights, [x]))[0], referenceRun(res.ctx, weights, [x])[0]));
  await clearSessionCache();
});

test('scores do not depend on batching (accuracy and neg-sse, 1 / 7 / 100 / all rows per run)', async () => {
  const ev = digitsSplit(digits, 'eval');
  const arch = buildMlp(DIGITS_MLP);
  const ctx = checkModel(arch);
  const weights = encodeTensors(randomWeights(rng(21), mlpWeightShapes(DIGITS_MLP)));
  const ds = bindDataset(ctx.arch, 'accuracy', digitsDatasetBlob(ev));
  const total = await scoreWeights(ctx, weights, ds, 'accuracy');
  for (const batch of [1, 7, 100, 360]) {
    let s = 0n;
    for (let i = 0; i < ds.rows; i += batch) {
      const end = Math.min(ds.rows, i + batch);
      const [o] = await runInference(ctx, weights, [sliceRows(ds.inputs[0], i, end)]);
      s += scoreBatch('accuracy', o, sliceRows(ds.label, i, end));
    }
    assert.is(s, total, `batch ${batch}`);
  }
  await clearSessionCache();
});

test('neg-sse: exact bigint sum of squared errors, checked by hand', async () => {
  const g = new GraphBuilder();
  g.input('x', 'int32', [2]);
  g.weight('k', 'int32', [2]);
  g.op('Mul', ['x', 'k'], {}, 'y');
  g.output('y', 'int32', [2]);
  const arch = encodeModel(g.build());
  const x = { type: 'int32' as const, dims: [3, 2], data: Int32Array.from([1, 2, 3, 4, -2147483648, 2147483647]) };
  const label = { type: 'int32' as const, dims: [3, 2], data: Int32Array.from([0, 0, 3, 8, 2147483647, -2147483648]) };
  const weights = encodeTensors(new Map([['k', { type: 'int32' as const, dims: [2], data: Int32Array.from([1, 2]) }]]));
  const res = await admitModel({ architecture: arch, weights, dataset: encodeDataset(new Map([['x', x]]), label), objective: 'neg-sse' });
  // outputs: [1,4], [3,8], [-2^31, wrap(2^32 - 2) = -2]; errors: 1,4,0,0,-(2^32-1), 2^31-2
  const want = -(1n + 16n + (2n ** 32n - 1n) ** 2n + (2n ** 31n - 2n) ** 2n);
  assert.is(res.score, want);
});

test('the small CNN runs identically on both engines over digits', async () => {
  const ctx = checkModel(buildCnn(DIGITS_CNN));
  const weights = encodeTensors(randomWeights(rng(8), cnnWeightShapes(DIGITS_CNN)));
  const ev = digitsSplit(digits, 'eval');
  const x = digitsInput({ ...ev, rows: 40, pixels: ev.pixels.subarray(0, 40 * 64) }, [1, 8, 8]);
  const [o] = await runInference(ctx, weights, [x]);
  assert.ok(tensorsEqual(o, referenceRun(ctx, weights, [x])[0]));
  const ds = encodeDataset(new Map([['input', x]]), { type: 'int32', dims: [40], data: ev.labels.slice(0, 40) });
  const s = await scoreWeights(ctx, weights, ds, 'accuracy');
  assert.ok(s >= 0n && s <= 40n);
  await clearSessionCache();
});

test.run();
