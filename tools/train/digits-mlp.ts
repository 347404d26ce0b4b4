// Train -> quantize -> weights blob for the digits MLP (models/mlp.ts DIGITS_MLP).
import { DIGITS_MLP, mlpWeightShapes, type MlpSpec } from '../models/mlp.js';
import { encodeTensors } from '../../validator/blobs.js';
import type { Digits } from '../data/digits.js';
import { quantizeMlp, type FloatLayer } from './quantize.js';
import { trainMlp, type TrainOptions } from './tf-mlp.js';

/** Pixels 0..16 are fed to the float model as pixel / 16. */
export const DIGITS_INPUT_STEP = 1 / 16;

export interface TrainedMlp {
  spec: MlpSpec;
  layers: FloatLayer[];
  hiddenMax: number[];
  loss: number;
  /** safetensors weights blob in the exact class. */
  weights: Uint8Array;
}

export async function trainDigitsMlp(train: Digits, opts: Partial<TrainOptions> & { spec?: MlpSpec } = {}): Promise<TrainedMlp> {
  const spec = opts.spec ?? DIGITS_MLP;
  const x = Float32Array.from(train.pixels, (p) => p * DIGITS_INPUT_STEP);
  const o: TrainOptions = { hidden: spec.hidden, epochs: opts.epochs ?? 40, batchSize: opts.batchSize ?? 32, learningRate: opts.learningRate ?? 0.01, seed: opts.seed ?? 1, init: opts.init };
  const { layers, hiddenMax, loss } = await trainMlp(x, train.labels, spec.inputSize, spec.outputs, o);
  const q = quantizeMlp(spec, layers, DIGITS_INPUT_STEP, hiddenMax);
  // Same names and order as the architecture's weight slots.
  const ordered = new Map(mlpWeightShapes(spec).map((s) => [s.name, q.get(s.name)!]));
  return { spec, layers, hiddenMax, loss, weights: encodeTensors(ordered, { producer: 'oda validator/train' }) };
}

/** Float-model accuracy on a split (plain JS forward pass), to compare with the exact-class score. */
export function floatAccuracy(layers: FloatLayer[], d: Digits): number {
  let correct = 0;
  for (let r = 0; r < d.rows; r++) {
    let h: number[] = Array.from(d.pixels.subarray(r * 64, r * 64 + 64), (p) => p * DIGITS_INPUT_STEP);
    layers.forEach((L, l) => {
      const out = Array.from(L.b);
      for (let i = 0; i < L.inSize; i++) for (let j = 0; j < L.outSize; j++) out[j] += h[i] * L.w[i * L.outSize + j];
      h = l < layers.length - 1 ? out.map((v) => Math.max(0, v)) : out;
    });
    if (h.indexOf(Math.max(...h)) === d.labels[r]) correct++;
  }
  return correct;
}
