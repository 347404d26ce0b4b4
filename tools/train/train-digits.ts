// Trains the digits MLP (or, with --model cnn, the small CNN) on the training split, quantizes
// it into the exact class and writes the blobs an add-model or update-weights transaction
// references:
//   <out>/digits-<model>.onnx               architecture (weight slots without data)
//   <out>/digits-<model>.weights.safetensors
//   <out>/digits-eval.safetensors           evaluation dataset (the fixed split)
// and prints the consensus score (correct rows of 360) as every validator computes it.
// With --current <weights.safetensors> it also checks the result as an update-weights
// transaction against those weights (score must improve by at least 1).
//
//   node --import tsx tools/train/train-digits.ts --epochs 40 --seed 1 --out /tmp/digits
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildMlp, DIGITS_MLP } from '../models/mlp.js';
import { buildCnn, DIGITS_CNN } from '../models/cnn.js';
import { trainDigitsCnn } from './digits-cnn.js';
import { digitsDatasetBlob, digitsSplit, loadDigits } from '../data/digits.js';
import { admitModel, checkUpdate } from '../../validator/index.js';
import { floatAccuracy, trainDigitsMlp } from './digits-mlp.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
    lr: { type: 'string', default: '0.01' },
    out: { type: 'string', default: 'digits-model' },
    current: { type: 'string' },
    model: { type: 'string', default: 'mlp' },
  },
});
if (values.model !== 'mlp' && values.model !== 'cnn') throw new Error('--model must be mlp or cnn');
const cnn = values.model === 'cnn';

const digits = loadDigits();
const train = digitsSplit(digits, 'train');
const evalSplit = digitsSplit(digits, 'eval');
const started = Date.now();
const opts = { epochs: Number(values.epochs), seed: Number(values.seed), learningRate: Number(values.lr) };
const trained = cnn ? await trainDigitsCnn(train, opts).then((t) => ({ weights: t.weights, loss: t.float.loss, floatCorrect: undefined })) : await trainDigitsMlp(train, opts).then((t) => ({ weights: t.weights, loss: t.loss, floatCorrect: floatAccuracy(t.layers, evalSplit) }));
const trainMs = Date.now() - started;

const architecture = cnn ? buildCnn(DIGITS_CNN) : buildMlp(DIGITS_MLP);
// The CNN reads each row as a [1, 8, 8] image; the dataset blob carries that row shape.
const dataset = cnn ? digitsDatasetBlob(evalSplit, 'input', [1, 8, 8]) : digitsDatasetBlob(evalSplit);
const name = `digits-${values.model}`;
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, `${name}.onnx`), architecture);
writeFileSync(join(values.out!, `${name}.weights.safetensors`), trained.weights);
writeFileSync(join(values.out!, 'digits-eval.safetensors'), dataset);

const admitted = await admitModel({ architecture, weights: trained.weights, dataset, objective: 'accuracy' });
console.log(`trained ${values.model} ${values.epochs} epochs in ${trainMs} ms (final float loss ${trained.loss.toFixed(4)})`);
if (trained.floatCorrect !== undefined) console.log(`float model (tfjs): ${trained.floatCorrect} of ${evalSplit.rows} eval rows correct`);
console.log(`exact-class score: ${admitted.score} of ${admitted.datasetRows} eval rows correct; add-model cost ${admitted.cost} CU`);
if (values.current !== undefined) {
  const current = readFileSync(values.current);
  const base = await admitModel({ architecture, weights: current, dataset, objective: 'accuracy' });
  try {
    const r = await checkUpdate(admitted.ctx, trained.weights, dataset, 'accuracy', base.score);
    console.log(`update-weights valid: ${base.score} -> ${r.score} (cost ${r.cost} CU)`);
  } catch (e) {
    console.log(`update-weights rejected against current score ${base.score}: ${(e as Error).message}`);
  }
}
console.log(`wrote ${values.out}/${name}.onnx, ${name}.weights.safetensors, digits-eval.safetensors`);
