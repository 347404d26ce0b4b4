// Post-training quantization of a dense float network into the integer layers of int-graph.ts.
// Per layer with input step s_in (1 for layer 0, whose input is the uint8 code q):
//   hidden: W_q[:, j] = round(W[:, j] / s_w[j]), s_w[j] = max|W[:, j]| / 63       (7-bit rule)
//           s_out = largest calibration activation / 127
//           b_q[j] = round((b[j] + s_out / 2) / (s_in s_w[j]))                      (Div truncates: +half step)
//           m[j]  = round(s_in s_w[j] / s_out · 2^shift)                          (fixed-point multiplier)
//   output: one s_w for the whole layer, so the int32 logits keep the float logits' order.
// No value may wrap: |acc| ≤ inMax·Σ|W_q[:, j]| + |b_q[j]| and m[j]·that bound < 2^31 for every
// input, not just the calibration rows. convert picks the largest such shift per layer (the
// shift is a constant of the architecture); export-weights keeps the registered shift and
// widens s_out instead when new weights would need more headroom.
import type { Tensor } from '../../validator/tensor.js';
import type { FloatLayer, FloatNet } from './float-net.js';
import { floatForward } from './float-net.js';
import type { InputQuant } from './input-quant.js';
import { INPUT_LEVELS } from './input-quant.js';
import { ModelError } from './errors.js';

export const W_MAX = 63;
const I32_MAX = 2 ** 31 - 1;
const MAX_SHIFT = 30;
/** Largest int8 activation between layers (symmetric, so no zero point is needed). */
export const ACT_MAX = 127;

export interface IntLayer {
  name: string;
  inSize: number;
  outSize: number;
  relu: boolean;
  last: boolean;
  /** Requantization divisor 2^shift (hidden layers). */
  shift?: number;
}

export function layerName(l: number): string {
  return `fc${l}`;
}

/** Layer 0 with the input affine map and the input quantization folded in: its input is q ∈ [0, 255]. */
export function foldInput(net: FloatNet, iq: InputQuant): FloatLayer[] {
  const [L0, ...rest] = net.layers;
  const w = new Float64Array(L0.w.length);
  const b = Float64Array.from(L0.b);
  for (let i = 0; i < L0.inSize; i++) {
    const a = net.scale[i] * iq.step[i];
    const c = net.scale[i] * iq.min[i] + net.shift[i];
    for (let j = 0; j < L0.outSize; j++) {
      w[i * L0.outSize + j] = a * L0.w[i * L0.outSize + j];
      b[j] += c * L0.w[i * L0.outSize + j];
    }
  }
  return [{ ...L0, w, b }, ...rest];
}

function clampW(v: number): number {
  return v < -64 ? -64 : v > W_MAX ? W_MAX : v;
}

export interface Quantized {
  layers: IntLayer[];
  tensors: Map<string, Tensor>;
}

/**
 * Quantizes `net` for inputs quantized by `iq`, calibrated on the uint8 codes `q` (rows × inSize).
 * `shifts` (one per hidden layer) fixes the requantization shifts of a registered architecture.
 */
export function quantizeNet(net: FloatNet, iq: InputQuant, q: Uint8Array, rows: number, shifts?: number[]): Quantized {
  const layers = foldInput(net, iq);
  const folded: FloatNet = { ...net, scale: new Float64Array(net.inSize).fill(1), shift: new Float64Array(net.inSize), layers };
  const { hiddenMax } = floatForward(folded, Float64Array.from(q), rows);
  const tensors = new Map<string, Tensor>();
  const out: IntLayer[] = [];
  let sIn = 1;
  let inMax = INPUT_LEVELS;
  layers.forEach((L, l) => {
    const name = layerName(l);
    const last = l === layers.length - 1;
    const colMax = new Float64Array(L.outSize);
    for (let i = 0; i < L.inSize; i++) for (let j = 0; j < L.outSize; j++) colMax[j] = Math.max(colMax[j], Math.abs(L.w[i * L.outSize + j]));
    const sw = new Float64Array(L.outSize);
    let layerMax = 0;
    for (let j = 0; j < L.outSize; j++) {
      const m = colMax[j];
      if (!Number.isFinite(m)) throw new ModelError(`layer '${L.source}' has NaN/Inf weights`);
      sw[j] = m > 0 ? m / W_MAX : 1;
      layerMax = Math.max(layerMax, m);
    }
    if (last) sw.fill(layerMax > 0 ? layerMax / W_MAX : 1);
    const wq = new Int8Array(L.inSize * L.outSize);
    const absSum = new Float64Array(L.outSize);
    for (let i = 0; i < L.inSize; i++) {
      for (let j = 0; j < L.outSize; j++) {
        const v = clampW(Math.round(L.w[i * L.outSize + j] / sw[j]));
        wq[i * L.outSize + j] = v;
        absSum[j] += Math.abs(v);
      }
    }
    tensors.set(`${name}.weight`, { type: 'int8', dims: [L.inSize, L.outSize], data: wq });
    const bq = new Int32Array(L.outSize);
    const toI32 = (v: number, what: string) => {
      if (!Number.isFinite(v) || Math.abs(v) > I32_MAX) throw new ModelError(`layer '${L.source}': ${what} ${v} does not fit in int32 (weights or bias far larger than the inputs' range)`);
      return v;
    };
    if (last) {
      for (let j = 0; j < L.outSize; j++) bq[j] = toI32(Math.round(L.b[j] / (sIn * sw[j])), 'bias');
      tensors.set(`${name}.bias`, { type: 'int32', dims: [L.outSize], data: bq });
      out.push({ name, inSize: L.inSize, outSize: L.outSize, relu: false, last: true });
      return;
    }
    let sOut = Math.max(hiddenMax[l], 1e-9) / ACT_MAX;
    const plan = (s: number, shift: number) => {
      const b = new Float64Array(L.outSize);
      const m = new Float64Array(L.outSize);
      let worst = 0;
      for (let j = 0; j < L.outSize; j++) {
        const acc = sIn * sw[j];
        b[j] = Math.round((L.b[j] + s / 2) / acc);
        m[j] = Math.max(0, Math.round((acc / s) * 2 ** shift));
        const bound = inMax * absSum[j] + Math.abs(b[j]);
        worst = Math.max(worst, (acc / s) * 2 ** shift * bound, m[j] * bound);
      }
      return { b, m, worst };
    };
    let shift = shifts?.[l];
    if (shift === undefined) {
      shift = MAX_SHIFT;
      while (shift > 0 && plan(sOut, shift).worst > I32_MAX) shift--;
    }
    let p = plan(sOut, shift);
    // A fixed shift and larger new weights: widen the output step until nothing can wrap.
    for (let tries = 0; p.worst > I32_MAX && tries < 64; tries++) {
      sOut *= (p.worst / I32_MAX) * 1.001;
      p = plan(sOut, shift);
    }
    if (p.worst > I32_MAX) throw new ModelError(`layer '${L.source}': no int32-safe requantization at shift ${shift}`);
    const mq = new Int32Array(L.outSize);
    for (let j = 0; j < L.outSize; j++) {
      bq[j] = toI32(p.b[j], 'bias');
      mq[j] = toI32(p.m[j], 'multiplier');
    }
    tensors.set(`${name}.bias`, { type: 'int32', dims: [L.outSize], data: bq });
    tensors.set(`${name}.scale`, { type: 'int32', dims: [L.outSize], data: mq });
    out.push({ name, inSize: L.inSize, outSize: L.outSize, relu: L.relu, last: false, shift });
    sIn = sOut;
    inMax = ACT_MAX;
  });
  return { layers: out, tensors };
}
