// Post-training quantization of a dense float network into the integer layers of int-graph.ts.
// Per layer with input step s_in (1 for layer 0, whose input is the uint8 code q):
//   hidden: W_q[:, j] = round(W[:, j] / s_w[j]), s_w[j] = max|W[:, j]| / 63       (7-bit rule)
//           s_out = largest calibration activation / 127
//           b_q[j] = round((b[j] + s_out / 2) / (s_in s_w[j]))                      (Div truncates: +half step)
//           m[j]  = round(s_in s_w[j] / s_out · 2^shift)                          (fixed-point multiplier)
//   output: one s_w for the whole layer, so the int32 logits keep the float logits' order.
//   regression output (objective neg-sse): requantized like a hidden layer, but to the fixed
//           output step s_y the dataset's targets are quantized with (label = round(y / s_y)),
//           without a clip; per-column s_w, since each output has its own multiplier. s_y and
//           the shift are fixed at registration, so a retrain only changes weight, bias, scale.
// Conv layers are the same per output channel (s_w[m], b_q[m], m[m] broadcast as [M, 1, 1]).
// A CNN's uint8 input is not folded into layer 0 (zero padding would then pad with x = min, not
// with 0): it is uniform over all pixels with a zero point z, x' = s_in·(q − z) after the
// model's own input scaling, and ConvInteger pads with z, i.e. with x' = 0, as the float Conv.
// No value may wrap: |acc| ≤ inMax·Σ|W_q[:, j]| + |b_q[j]| and m[j]·that bound < 2^31 for every
// input, not just the calibration rows. convert picks the largest such shift per layer (the
// shift is a constant of the architecture); export-weights keeps the registered shift and
// widens s_out instead when new weights would need more headroom.
import type { Tensor } from '../../validator/tensor.js';
import type { ConvGeom, FloatLayer, FloatNet, PoolGeom } from './float-net.js';
import { floatForward } from './float-net.js';
import type { InputQuant } from './input-quant.js';
import { INPUT_LEVELS, dequantizeInputs } from './input-quant.js';
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
  /** Requantization divisor 2^shift (hidden layers, and a regression model's output layer). */
  shift?: number;
  conv?: ConvGeom;
  pool?: PoolGeom;
  /** Layer 0 of a CNN: the uint8 input's zero point (ConvInteger's x_zero_point). */
  zeroPoint?: number;
}

export function layerName(l: number, conv = false): string {
  return `${conv ? 'conv' : 'fc'}${l}`;
}

function uniform(v: ArrayLike<number>): boolean {
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i] - v[0]) > 1e-12 * Math.max(1, Math.abs(v[0]))) return false;
  return true;
}

/** A CNN's input scaling x' = a·x + c must be one scalar pair for every pixel (a > 0). */
export function convInputAffine(net: FloatNet): { a: number; c: number } {
  if (!uniform(net.scale) || !uniform(net.shift) || !(net.scale[0] > 0)) {
    throw new ModelError('a CNN input may only be scaled by one positive scalar for all pixels ((x - mean) / std with scalar mean and std); per-pixel or per-channel normalisation is not supported: normalise the data before export instead');
  }
  return { a: net.scale[0], c: net.shift[0] };
}

/** The uint8 quantization of a CNN input: one step for all pixels and a zero point z at x' = 0. */
export function fitConvInputQuant(net: FloatNet, x: Float64Array): InputQuant & { zeroPoint: number } {
  const { a, c } = convInputAffine(net);
  let lo = 0;
  let hi = 0;
  for (const v of x) {
    const t = a * v + c;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const s = hi > lo ? (hi - lo) / INPUT_LEVELS : 1;
  const z = Math.min(INPUT_LEVELS, Math.max(0, Math.round(-lo / s)));
  const step = s / a;
  const min = (-z * s - c) / a;
  return { min: new Array<number>(net.inSize).fill(min), step: new Array<number>(net.inSize).fill(step), zeroPoint: z };
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

/** Headroom convert leaves in a regression output's shift, for retrains with larger outputs (export-weights cannot change it). */
const OUTPUT_HEADROOM_BITS = 2;

/**
 * Quantizes `net` for inputs quantized by `iq`, calibrated on the uint8 codes `q` (rows × inSize).
 * `shifts` (one per requantized layer) fixes the requantization shifts of a registered architecture.
 * `outScale` (s_y) makes the last layer a regression output in steps of s_y.
 */
export function quantizeNet(net: FloatNet, iq: InputQuant, q: Uint8Array, rows: number, shifts?: number[], zeroPoint?: number, outScale?: number): Quantized {
  const cnn = net.layers[0].conv !== undefined;
  let layers: FloatLayer[];
  let hiddenMax: number[];
  let sIn = 1;
  let inMax = INPUT_LEVELS;
  let z: number | undefined;
  if (cnn) {
    const { a, c } = convInputAffine(net);
    if (!uniform(iq.min) || !uniform(iq.step)) throw new ModelError('a CNN input needs one quantization step for all pixels');
    sIn = a * iq.step[0];
    z = zeroPoint ?? Math.round(-(a * iq.min[0] + c) / sIn);
    // x' = sIn·q + (a·min + c) must be sIn·(q − z): the model's input scaling has to match the quantization.
    if (!(z >= 0 && z <= INPUT_LEVELS) || Math.abs(a * iq.min[0] + c + sIn * z) > 1e-6 * sIn) {
      throw new ModelError("the model's input scaling does not match the registered input quantization (a CNN's (x - mean) / std must stay the same across retrains)");
    }
    inMax = Math.max(z, INPUT_LEVELS - z);
    layers = net.layers;
    hiddenMax = floatForward(net, dequantizeInputs(q, iq, rows), rows).hiddenMax;
  } else {
    layers = foldInput(net, iq);
    const folded: FloatNet = { ...net, scale: new Float64Array(net.inSize).fill(1), shift: new Float64Array(net.inSize), layers };
    hiddenMax = floatForward(folded, Float64Array.from(q), rows).hiddenMax;
  }
  const tensors = new Map<string, Tensor>();
  const out: IntLayer[] = [];
  layers.forEach((L, l) => {
    const name = layerName(l, L.conv !== undefined);
    const last = l === layers.length - 1;
    // Weight (i, j): input i of output j; a conv's output j is a channel, its inputs C·KH·KW.
    const g = L.conv;
    const nIn = g ? g.c * g.kh * g.kw : L.inSize;
    const nOut = g ? g.m : L.outSize;
    const idx = g ? (i: number, j: number) => j * nIn + i : (i: number, j: number) => i * nOut + j;
    const wDims = g ? [g.m, g.c, g.kh, g.kw] : [L.inSize, L.outSize];
    const vDims = g ? [g.m, 1, 1] : [L.outSize];
    const geom = g ? { conv: g, ...(L.pool ? { pool: L.pool } : {}), ...(l === 0 && z !== undefined ? { zeroPoint: z } : {}) } : {};
    const colMax = new Float64Array(nOut);
    for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) colMax[j] = Math.max(colMax[j], Math.abs(L.w[idx(i, j)]));
    const sw = new Float64Array(nOut);
    let layerMax = 0;
    for (let j = 0; j < nOut; j++) {
      const m = colMax[j];
      if (!Number.isFinite(m)) throw new ModelError(`layer '${L.source}' has NaN/Inf weights`);
      sw[j] = m > 0 ? m / W_MAX : 1;
      layerMax = Math.max(layerMax, m);
    }
    const regression = last && outScale !== undefined;
    if (last && !regression) sw.fill(layerMax > 0 ? layerMax / W_MAX : 1);
    const wq = new Int8Array(nIn * nOut);
    const absSum = new Float64Array(nOut);
    for (let i = 0; i < nIn; i++) {
      for (let j = 0; j < nOut; j++) {
        const v = clampW(Math.round(L.w[idx(i, j)] / sw[j]));
        wq[idx(i, j)] = v;
        absSum[j] += Math.abs(v);
      }
    }
    tensors.set(`${name}.weight`, { type: 'int8', dims: wDims, data: wq });
    const bq = new Int32Array(nOut);
    const toI32 = (v: number, what: string) => {
      if (!Number.isFinite(v) || Math.abs(v) > I32_MAX) throw new ModelError(`layer '${L.source}': ${what} ${v} does not fit in int32 (weights or bias far larger than the inputs' range)`);
      return v;
    };
    if (last && g) throw new ModelError(`layer '${L.source}': the last layer must be dense (the ${regression ? 'outputs' : 'class logits'})`);
    if (last && !regression) {
      for (let j = 0; j < L.outSize; j++) bq[j] = toI32(Math.round(L.b[j] / (sIn * sw[j])), 'bias');
      tensors.set(`${name}.bias`, { type: 'int32', dims: [L.outSize], data: bq });
      out.push({ name, inSize: L.inSize, outSize: L.outSize, relu: false, last: true });
      return;
    }
    let sOut = regression ? (outScale as number) : Math.max(hiddenMax[l], 1e-9) / ACT_MAX;
    const plan = (s: number, shift: number) => {
      const b = new Float64Array(nOut);
      const m = new Float64Array(nOut);
      let worst = 0;
      for (let j = 0; j < nOut; j++) {
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
      if (regression) shift = Math.max(0, shift - OUTPUT_HEADROOM_BITS);
    }
    let p = plan(sOut, shift);
    if (regression) {
      // The output step is the dataset's label step: it cannot widen, so the retrain must fit.
      if (p.worst > I32_MAX) throw new ModelError(`layer '${L.source}': these weights could produce outputs beyond the int32 range of the registered output (step ${outScale}, shift ${shift}); the retrained model's outputs are far larger than the registered one's`);
      if (p.m.some((v, j) => v === 0 && absSum[j] > 0)) throw new ModelError(`layer '${L.source}': the output multiplier rounds to 0 at shift ${shift}: the inputs' range is too wide for the output step`);
    }
    // A fixed shift and larger new weights: widen the output step until nothing can wrap.
    for (let tries = 0; p.worst > I32_MAX && tries < 64; tries++) {
      sOut *= (p.worst / I32_MAX) * 1.001;
      p = plan(sOut, shift);
    }
    if (p.worst > I32_MAX) throw new ModelError(`layer '${L.source}': no int32-safe requantization at shift ${shift}`);
    const mq = new Int32Array(nOut);
    for (let j = 0; j < nOut; j++) {
      bq[j] = toI32(p.b[j], 'bias');
      mq[j] = toI32(p.m[j], 'multiplier');
    }
    tensors.set(`${name}.bias`, { type: 'int32', dims: vDims, data: bq });
    tensors.set(`${name}.scale`, { type: 'int32', dims: vDims, data: mq });
    out.push({ name, inSize: L.inSize, outSize: L.outSize, relu: L.relu, last, shift, ...geom });
    sIn = sOut;
    inMax = ACT_MAX;
  });
  return { layers: out, tensors };
}
