// Post-training quantization of a float MLP (trained on inputs scaled by 1/inputScale) into
// the exact-class integer MLP of models/mlp.ts. Per layer with input step s_in:
//   hidden: W_q[:, j] = round(W[:, j] / s_w[j]), s_w[j] = max|W[:, j]| / 63   (7-bit rule)
//           b_q[j]    = round(b[j] / (s_in s_w[j]) + 0.5 s_out / (s_in s_w[j]))  (+half step: Div truncates)
//           m[j]      = round(s_in s_w[j] / s_out * 2^shift),  s_out = max activation / 127
//   output: one s_w for the whole layer so that the int32 logits keep the float logits' order.
import type { MlpSpec } from '../models/mlp.js';
import type { Tensor } from '../../validator/tensor.js';
import { WEIGHT_MAX } from '../../validator/ops/matmul.js';

export interface FloatLayer {
  /** Row-major [in, out]. */
  w: Float32Array;
  b: Float32Array;
  inSize: number;
  outSize: number;
}

/** hiddenMax[l]: the largest activation of hidden layer l over the calibration data. */
export function quantizeMlp(spec: MlpSpec, layers: FloatLayer[], inputStep: number, hiddenMax: number[]): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  let sIn = inputStep;
  layers.forEach((L, l) => {
    const last = l === layers.length - 1;
    const sw = new Float64Array(L.outSize);
    let layerMax = 0;
    for (let j = 0; j < L.outSize; j++) {
      let m = 0;
      for (let i = 0; i < L.inSize; i++) m = Math.max(m, Math.abs(L.w[i * L.outSize + j]));
      sw[j] = m > 0 ? m / WEIGHT_MAX : 1;
      layerMax = Math.max(layerMax, m);
    }
    if (last) sw.fill(layerMax > 0 ? layerMax / WEIGHT_MAX : 1);
    const wq = new Int8Array(L.inSize * L.outSize);
    for (let i = 0; i < L.inSize; i++) {
      for (let j = 0; j < L.outSize; j++) {
        wq[i * L.outSize + j] = Math.max(-64, Math.min(WEIGHT_MAX, Math.round(L.w[i * L.outSize + j] / sw[j])));
      }
    }
    out.set(`fc${l}.weight`, { type: 'int8', dims: [L.inSize, L.outSize], data: wq });
    const bq = new Int32Array(L.outSize);
    if (last) {
      for (let j = 0; j < L.outSize; j++) bq[j] = Math.round(L.b[j] / (sIn * sw[j]));
      out.set(`fc${l}.bias`, { type: 'int32', dims: [L.outSize], data: bq });
      return;
    }
    const sOut = Math.max(hiddenMax[l], 1e-6) / 127;
    const m = new Int32Array(L.outSize);
    for (let j = 0; j < L.outSize; j++) {
      const acc = sIn * sw[j];
      bq[j] = Math.round(L.b[j] / acc + (0.5 * sOut) / acc);
      m[j] = Math.max(1, Math.min(2 ** 20, Math.round((acc / sOut) * 2 ** spec.shift)));
    }
    out.set(`fc${l}.bias`, { type: 'int32', dims: [L.outSize], data: bq });
    out.set(`fc${l}.scale`, { type: 'int32', dims: [L.outSize], data: m });
    sIn = sOut;
  });
  return out;
}

/**
 * Quantization of the float CNN (train/tf-cnn.ts) into models/cnn.ts's weight slots. The conv
 * layer is a hidden layer (per-channel scales, requantized to 0..127 before the int8 MaxPool,
 * which commutes with the monotone requantization); the dense layer is an output layer. tfjs
 * flattens NHWC, the exact-class Reshape flattens NCHW, so the dense rows are permuted.
 */
export function quantizeCnn(f: import('./tf-cnn.js').FloatCnn, inputStep: number, shift: number): Map<string, Tensor> {
  const { channels: M, size, classes } = f;
  const half = size / 2;
  const out = new Map<string, Tensor>();
  const sw = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    let mx = 0;
    for (let k = 0; k < 9; k++) mx = Math.max(mx, Math.abs(f.convW[k * M + m]));
    sw[m] = mx > 0 ? mx / WEIGHT_MAX : 1;
  }
  const wq = new Int8Array(M * 9);
  for (let m = 0; m < M; m++) for (let k = 0; k < 9; k++) wq[m * 9 + k] = Math.max(-64, Math.min(WEIGHT_MAX, Math.round(f.convW[k * M + m] / sw[m])));
  const sOut = Math.max(f.convMax, 1e-6) / 127;
  const bq = new Int32Array(M);
  const mult = new Int32Array(M);
  for (let m = 0; m < M; m++) {
    const acc = inputStep * sw[m];
    bq[m] = Math.round(f.convB[m] / acc + (0.5 * sOut) / acc);
    mult[m] = Math.max(1, Math.min(2 ** 20, Math.round((acc / sOut) * 2 ** shift)));
  }
  out.set('conv.weight', { type: 'int8', dims: [M, 1, 3, 3], data: wq });
  out.set('conv.bias', { type: 'int32', dims: [1, M, 1, 1], data: bq });
  out.set('conv.scale', { type: 'int32', dims: [1, M, 1, 1], data: mult });
  const rows = M * half * half;
  let mx = 0;
  for (const v of f.fcW) mx = Math.max(mx, Math.abs(v));
  const s2 = mx > 0 ? mx / WEIGHT_MAX : 1;
  const fq = new Int8Array(rows * classes);
  for (let c = 0; c < M; c++) {
    for (let p = 0; p < half * half; p++) {
      const onnxRow = c * half * half + p;
      const tfRow = p * M + c;
      for (let j = 0; j < classes; j++) fq[onnxRow * classes + j] = Math.max(-64, Math.min(WEIGHT_MAX, Math.round(f.fcW[tfRow * classes + j] / s2)));
    }
  }
  const fb = new Int32Array(classes);
  for (let j = 0; j < classes; j++) fb[j] = Math.round(f.fcB[j] / (sOut * s2));
  out.set('fc.weight', { type: 'int8', dims: [rows, classes], data: fq });
  out.set('fc.bias', { type: 'int32', dims: [classes], data: fb });
  return out;
}
