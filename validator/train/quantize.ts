// Post-training quantization of a float MLP (trained on inputs scaled by 1/inputScale) into
// the exact-class integer MLP of models/mlp.ts. Per layer with input step s_in:
//   hidden: W_q[:, j] = round(W[:, j] / s_w[j]), s_w[j] = max|W[:, j]| / 63   (7-bit rule)
//           b_q[j]    = round(b[j] / (s_in s_w[j]) + 0.5 s_out / (s_in s_w[j]))  (+half step: Div truncates)
//           m[j]      = round(s_in s_w[j] / s_out * 2^shift),  s_out = max activation / 127
//   output: one s_w for the whole layer so that the int32 logits keep the float logits' order.
import type { MlpSpec } from '../models/mlp.js';
import type { Tensor } from '../tensor.js';
import { WEIGHT_MAX } from '../ops/matmul.js';

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
