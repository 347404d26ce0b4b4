// The demo's model files, made at run time from the repository alone: the digits MLP
// architecture (tools/models/mlp.ts), the fixed evaluation dataset (datasets/, the split in
// tools/data/digits.ts), a briefly trained baseline and a longer-trained improvement
// (tools/train/, tfjs on the training split only), quantized into the exact class.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMlp, DIGITS_MLP } from '../tools/models/mlp.js';
import { digitsDatasetBlob, digitsSplit, loadDigits, DIGITS_PIXELS, type Digits } from '../tools/data/digits.js';
import { trainDigitsMlp } from '../tools/train/digits-mlp.js';
import { admitModel, runInference, type ModelContext } from '../validator/index.js';
import { getNumber } from '../validator/tensor.js';

export interface DigitsModelFiles {
  architecture: string;
  baseWeights: string;
  improvedWeights: string;
  dataset: string;
  /** Exact-class scores (correct rows of the evaluation split), as every validator computes them. */
  baseScore: bigint;
  improvedScore: bigint;
  datasetRows: number;
  /**
   * Evaluation rows for inference requests: pixels as hex (64 bytes per row), the true label,
   * and each model's answer. Rows both get right come first, then rows only the improvement gets right.
   */
  samples: { hex: string; label: number; base: number; improved: number }[];
}

export interface DigitsModelOptions {
  baseEpochs?: number;
  improvedEpochs?: number;
  seed?: number;
  samples?: number;
}

async function predictions(mc: ModelContext, weights: Uint8Array, d: Digits): Promise<number[]> {
  const [logits] = await runInference(mc, weights, [{ type: 'uint8', dims: [d.rows, DIGITS_PIXELS], data: d.pixels }]);
  const width = logits.dims[1];
  const out: number[] = [];
  for (let r = 0; r < d.rows; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (getNumber(logits, r * width + j) > getNumber(logits, r * width + best)) best = j;
    out.push(best);
  }
  return out;
}

function sampleRows(d: Digits, base: number[], improved: number[], n: number): DigitsModelFiles['samples'] {
  const row = (r: number) => ({ hex: Buffer.from(d.pixels.subarray(r * DIGITS_PIXELS, (r + 1) * DIGITS_PIXELS)).toString('hex'), label: d.labels[r], base: base[r], improved: improved[r] });
  const rows = [...Array(d.rows).keys()];
  const both = rows.filter((r) => base[r] === d.labels[r] && improved[r] === d.labels[r]);
  const fixed = rows.filter((r) => base[r] !== d.labels[r] && improved[r] === d.labels[r]);
  const nFixed = Math.min(fixed.length, Math.floor(n / 2));
  return [...both.slice(0, n - nFixed), ...fixed.slice(0, nFixed)].map(row);
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
  const samples = sampleRows(evalSplit, await predictions(b.ctx, base.weights, evalSplit), await predictions(i.ctx, improved.weights, evalSplit), opts.samples ?? 4);
  return { ...files, baseScore: b.score, improvedScore: i.score, datasetRows: b.datasetRows, samples };
}
