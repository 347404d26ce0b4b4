// The demo's model files, made at run time from the repository alone: the digits MLP
// architecture (validator/models/mlp.ts), the fixed evaluation dataset (datasets/, the split in
// validator/data/digits.ts), a briefly trained baseline and a longer-trained improvement
// (validator/train/, tfjs on the training split only), quantized into the exact class.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMlp, DIGITS_MLP } from '../validator/models/mlp.js';
import { digitsDatasetBlob, digitsSplit, loadDigits, DIGITS_PIXELS, type Digits } from '../validator/data/digits.js';
import { trainDigitsMlp } from '../validator/train/digits-mlp.js';
import { admitModel } from '../validator/index.js';

export interface DigitsModelFiles {
  architecture: string;
  baseWeights: string;
  improvedWeights: string;
  dataset: string;
  /** Exact-class scores (correct rows of the evaluation split), as every validator computes them. */
  baseScore: bigint;
  improvedScore: bigint;
  datasetRows: number;
  /** Evaluation rows for inference requests: pixels as hex (64 bytes per row) and the true label. */
  samples: { hex: string; label: number }[];
}

export interface DigitsModelOptions {
  baseEpochs?: number;
  improvedEpochs?: number;
  seed?: number;
  samples?: number;
}

function sampleRows(d: Digits, n: number): { hex: string; label: number }[] {
  const out: { hex: string; label: number }[] = [];
  for (let r = 0; r < Math.min(n, d.rows); r++) {
    out.push({ hex: Buffer.from(d.pixels.subarray(r * DIGITS_PIXELS, (r + 1) * DIGITS_PIXELS)).toString('hex'), label: d.labels[r] });
  }
  return out;
}

/** Trains both weight sets and writes the four blobs into `dir`. */
export async function prepareDigitsModel(dir: string, opts: DigitsModelOptions = {}): Promise<DigitsModelFiles> {
  const digits = loadDigits();
  const train = digitsSplit(digits, 'train');
  const evalSplit = digitsSplit(digits, 'eval');
  const seed = opts.seed ?? 1;
  const base = await trainDigitsMlp(train, { epochs: opts.baseEpochs ?? 1, seed });
  const improved = await trainDigitsMlp(train, { epochs: opts.improvedEpochs ?? 8, seed });
  const architecture = buildMlp(DIGITS_MLP);
  const dataset = digitsDatasetBlob(evalSplit);

  const files = {
    architecture: join(dir, 'digits-mlp.onnx'),
    baseWeights: join(dir, 'digits-mlp.base.safetensors'),
    improvedWeights: join(dir, 'digits-mlp.improved.safetensors'),
    dataset: join(dir, 'digits-eval.safetensors'),
  };
  writeFileSync(files.architecture, architecture);
  writeFileSync(files.baseWeights, base.weights);
  writeFileSync(files.improvedWeights, improved.weights);
  writeFileSync(files.dataset, dataset);

  const b = await admitModel({ architecture, weights: base.weights, dataset, objective: 'accuracy' });
  const i = await admitModel({ architecture, weights: improved.weights, dataset, objective: 'accuracy' });
  if (i.score <= b.score) throw new Error(`training did not improve the model (${b.score} -> ${i.score}); change the epochs or seed`);
  return { ...files, baseScore: b.score, improvedScore: i.score, datasetRows: b.datasetRows, samples: sampleRows(evalSplit, opts.samples ?? 4) };
}
