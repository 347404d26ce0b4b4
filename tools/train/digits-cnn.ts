// Train -> quantize -> weights blob for the digits CNN (models/cnn.ts DIGITS_CNN).
import { DIGITS_CNN, cnnWeightShapes, type CnnSpec } from '../models/cnn.js';
import { encodeTensors } from '../../validator/blobs.js';
import type { Digits } from '../data/digits.js';
import { quantizeCnn } from './quantize.js';
import { trainCnn, type FloatCnn } from './tf-cnn.js';
import { DIGITS_INPUT_STEP } from './digits-mlp.js';

export async function trainDigitsCnn(train: Digits, opts: { epochs?: number; seed?: number; learningRate?: number; spec?: CnnSpec } = {}): Promise<{ float: FloatCnn; weights: Uint8Array }> {
  const spec = opts.spec ?? DIGITS_CNN;
  const x = Float32Array.from(train.pixels, (p) => p * DIGITS_INPUT_STEP);
  const float = await trainCnn(x, train.labels, spec.size, spec.channels, spec.outputs, { epochs: opts.epochs ?? 20, batchSize: 32, learningRate: opts.learningRate ?? 0.01, seed: opts.seed ?? 1 });
  const q = quantizeCnn(float, DIGITS_INPUT_STEP, spec.shift);
  const ordered = new Map(cnnWeightShapes(spec).map((s) => [s.name, q.get(s.name)!]));
  return { float, weights: encodeTensors(ordered, { producer: 'oda validator/train' }) };
}
