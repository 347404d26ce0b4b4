// Float CNN training for 8x8 single-channel images on tfjs, matching the exact-class CNN of
// models/cnn.ts: conv 3x3 'same' + ReLU -> max-pool 2x2 -> dense softmax. tfjs 4.22's wasm
// backend has no Conv2DBackpropFilter kernel, so convolutions train on tfjs's pure-JS 'cpu'
// backend (the MLP trainer stays on wasm); the backend is restored afterwards.
import * as tf from '@tensorflow/tfjs';
import { initTf, shuffled } from './tf-mlp.js';

export interface FloatCnn {
  /** tfjs layout [kH, kW, C, M]. */
  convW: Float32Array;
  convB: Float32Array;
  /** tfjs layout [(h * W + w) * M + m, classes] (flatten of NHWC). */
  fcW: Float32Array;
  fcB: Float32Array;
  channels: number;
  size: number;
  classes: number;
  /** Largest conv activation over the training inputs (calibration). */
  convMax: number;
  loss: number;
}

/** x: row-major [rows, size*size] floats; y: class labels. */
export async function trainCnn(x: Float32Array, y: Int32Array, size: number, channels: number, classes: number, opts: { epochs: number; batchSize: number; learningRate: number; seed: number }): Promise<FloatCnn> {
  await initTf();
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return await train(x, y, size, channels, classes, opts);
  } finally {
    await tf.setBackend(previous);
  }
}

async function train(x: Float32Array, y: Int32Array, size: number, channels: number, classes: number, opts: { epochs: number; batchSize: number; learningRate: number; seed: number }): Promise<FloatCnn> {
  const rows = y.length;
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [size, size, 1], filters: channels, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed }) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed + 1 }) }));
  model.compile({ optimizer: tf.train.adam(opts.learningRate), loss: 'categoricalCrossentropy' });
  const pixels = size * size;
  let loss = NaN;
  for (let e = 0; e < opts.epochs; e++) {
    const idx = shuffled(rows, opts.seed * 7919 + e);
    const xs = new Float32Array(rows * pixels);
    const ys = new Int32Array(rows);
    idx.forEach((src, k) => {
      xs.set(x.subarray(src * pixels, (src + 1) * pixels), k * pixels);
      ys[k] = y[src];
    });
    const xt = tf.tensor4d(xs, [rows, size, size, 1]);
    const yt = tf.oneHot(tf.tensor1d(ys, 'int32'), classes);
    const h = await model.fit(xt, yt, { epochs: 1, batchSize: opts.batchSize, shuffle: false, verbose: 0 });
    loss = Number(h.history.loss[0]);
    xt.dispose();
    yt.dispose();
  }
  const [cw, cb, fw, fb] = model.getWeights();
  const convW = (await cw.data()) as Float32Array;
  const convB = (await cb.data()) as Float32Array;
  const all = tf.tensor4d(x, [rows, size, size, 1]);
  const act = tf.relu(tf.add(tf.conv2d(all, tf.tensor4d(convW, [3, 3, 1, channels]), 1, 'same'), tf.tensor1d(convB)));
  const convMax = (await act.max().data())[0];
  all.dispose();
  act.dispose();
  const out: FloatCnn = { convW, convB, fcW: (await fw.data()) as Float32Array, fcB: (await fb.data()) as Float32Array, channels, size, classes, convMax, loss };
  model.dispose();
  return out;
}
