// Float MLP training on @tensorflow/tfjs with the wasm backend (training only: tfjs is never
// used for consensus). Seeded initializers and a seeded shuffle make runs repeatable.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { FloatLayer } from './quantize.js';

export interface TrainOptions {
  hidden: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Start from these layers instead of a fresh initialisation (continue training a model). */
  init?: FloatLayer[];
}

let ready: Promise<void> | undefined;
export function initTf(): Promise<void> {
  ready ??= (async () => {
    tf.env().set('IS_NODE', true);
    await tf.setBackend('wasm');
    await tf.ready();
  })();
  return ready;
}

/** A seeded Fisher–Yates permutation of 0..n-1 (LCG), so training runs are reproducible. */
export function shuffled(n: number, seed: number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

/** x: row-major [rows, inSize] floats; y: class labels. Returns the trained dense layers. */
export async function trainMlp(x: Float32Array, y: Int32Array, inSize: number, classes: number, opts: TrainOptions): Promise<{ layers: FloatLayer[]; hiddenMax: number[]; loss: number }> {
  await initTf();
  const rows = y.length;
  const sizes = [inSize, ...opts.hidden, classes];
  const model = tf.sequential();
  for (let l = 0; l + 1 < sizes.length; l++) {
    model.add(
      tf.layers.dense({
        inputShape: l === 0 ? [inSize] : undefined,
        units: sizes[l + 1],
        activation: l + 2 === sizes.length ? 'softmax' : 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed + l }),
        biasInitializer: 'zeros',
      }),
    );
  }
  if (opts.init !== undefined) {
    model.setWeights(opts.init.flatMap((L) => [tf.tensor2d(L.w, [L.inSize, L.outSize]), tf.tensor1d(L.b)]));
  }
  model.compile({ optimizer: tf.train.adam(opts.learningRate), loss: 'categoricalCrossentropy' });
  let loss = NaN;
  for (let e = 0; e < opts.epochs; e++) {
    const idx = shuffled(rows, opts.seed * 7919 + e);
    const xs = new Float32Array(rows * inSize);
    const ys = new Int32Array(rows);
    idx.forEach((src, k) => {
      xs.set(x.subarray(src * inSize, (src + 1) * inSize), k * inSize);
      ys[k] = y[src];
    });
    const xt = tf.tensor2d(xs, [rows, inSize]);
    const yt = tf.oneHot(tf.tensor1d(ys, 'int32'), classes);
    const h = await model.fit(xt, yt, { epochs: 1, batchSize: opts.batchSize, shuffle: false, verbose: 0 });
    loss = Number(h.history.loss[0]);
    xt.dispose();
    yt.dispose();
  }
  const weights = model.getWeights();
  const layers: FloatLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    layers.push({ w: (await weights[2 * l].data()) as Float32Array, b: (await weights[2 * l + 1].data()) as Float32Array, inSize: sizes[l], outSize: sizes[l + 1] });
  }
  // Calibration: the largest activation of each hidden layer over the training inputs.
  const hiddenMax: number[] = [];
  let h = tf.tensor2d(x, [rows, inSize]);
  for (let l = 0; l < opts.hidden.length; l++) {
    const next = tf.relu(tf.add(tf.matMul(h, tf.tensor2d(layers[l].w, [layers[l].inSize, layers[l].outSize])), tf.tensor1d(layers[l].b)));
    h.dispose();
    h = next as tf.Tensor2D;
    hiddenMax.push((await h.max().data())[0]);
  }
  h.dispose();
  model.dispose();
  return { layers, hiddenMax, loss };
}
