// Trains the digits MLP on the training split, quantizes it into the exact class and writes
// the blobs an add-model or update-weights transaction references:
//   <out>/digits-mlp.onnx               architecture (weight slots without data)
//   <out>/digits-mlp.weights.safetensors
//   <out>/digits-eval.safetensors       evaluation dataset (the fixed split)
// and prints the consensus score (correct rows of 360) as every validator computes it.
// With --current <weights.safetensors> it also checks the result as an update-weights
// transaction against those weights (score must improve by at least 1).
//
//   node --import tsx validator/train/train-digits.ts --epochs 40 --seed 1 --out /tmp/digits
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildMlp, DIGITS_MLP } from '../models/mlp.js';
import { digitsDatasetBlob, digitsSplit, loadDigits } from '../data/digits.js';
import { admitModel, checkUpdate } from '../index.js';
import { floatAccuracy, trainDigitsMlp } from './digits-mlp.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
    lr: { type: 'string', default: '0.01' },
    out: { type: 'string', default: 'digits-model' },
    current: { type: 'string' },
  },
});

const digits = loadDigits();
const train = digitsSplit(digits, 'train');
const evalSplit = digitsSplit(digits, 'eval');
const started = Date.now();
const trained = await trainDigitsMlp(train, { epochs: Number(values.epochs), seed: Number(values.seed), learningRate: Number(values.lr) });
const trainMs = Date.now() - started;

const architecture = buildMlp(DIGITS_MLP);
const dataset = digitsDatasetBlob(evalSplit);
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'digits-mlp.onnx'), architecture);
writeFileSync(join(values.out!, 'digits-mlp.weights.safetensors'), trained.weights);
writeFileSync(join(values.out!, 'digits-eval.safetensors'), dataset);

const admitted = await admitModel({ architecture, weights: trained.weights, dataset, objective: 'accuracy' });
console.log(`trained ${values.epochs} epochs in ${trainMs} ms (final float loss ${trained.loss.toFixed(4)})`);
console.log(`float model (tfjs): ${floatAccuracy(trained.layers, evalSplit)} of ${evalSplit.rows} eval rows correct`);
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
console.log(`wrote ${values.out}/digits-mlp.onnx, digits-mlp.weights.safetensors, digits-eval.safetensors`);
