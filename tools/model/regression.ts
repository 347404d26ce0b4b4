// Regression models (objective neg-sse, ODA-BIP-0002 section 10): the chain scores
// −Σ (output − label)² on int32 values, so the targets are quantized with the output step s_y
// the integer model's output is in (label = round(y / s_y)); s_y is written to oda-model.json.
// The chain score is an SSE in steps², so the error a user reads is RMSE = s_y·√(−score / n)
// and R² = 1 − SSE / Σ (y − ȳ)², on the same rows for the float and the integer model.
import { ModelError } from './errors.js';

/** Largest |quantized target| on the calibration data: 2^15 steps keep the label rounding (s_y / 2) far below any real model's error. */
export const TARGET_LEVELS = 32767;
const I32_MAX = 2 ** 31 - 1;

export interface Fit {
  rmse: number;
  r2: number;
}

/** s_y from the calibration targets and the float model's outputs on the same rows. */
export function fitOutputScale(targets: Float64Array, outputs: Float64Array): number {
  let m = 0;
  for (const v of targets) m = Math.max(m, Math.abs(v));
  for (const v of outputs) m = Math.max(m, Math.abs(v));
  return m > 0 ? m / TARGET_LEVELS : 1;
}

/** label = round(y / s_y) as int32; `file` names the source in messages. */
export function quantizeTargets(targets: Float64Array, scale: number, file: string): Int32Array {
  const out = new Int32Array(targets.length);
  for (let i = 0; i < targets.length; i++) {
    const q = Math.round(targets[i] / scale);
    if (!Number.isFinite(q) || Math.abs(q) > I32_MAX) throw new ModelError(`${file} row ${i}: target ${targets[i]} is ${Math.abs(targets[i] / scale / TARGET_LEVELS).toFixed(0)} times the calibration range and does not fit the model's int32 output (step ${scale}); calibrate on data that covers it`);
    out[i] = q;
  }
  return out;
}

function sst(targets: Float64Array): number {
  let mean = 0;
  for (const v of targets) mean += v;
  mean /= targets.length;
  let s = 0;
  for (const v of targets) s += (v - mean) ** 2;
  return s;
}

function fitOf(sse: number, targets: Float64Array): Fit {
  const total = sst(targets);
  return { rmse: Math.sqrt(sse / targets.length), r2: total > 0 ? 1 - sse / total : sse === 0 ? 1 : -Infinity };
}

/** The float model's RMSE and R² (outputs of a one-output model, one per row). */
export function floatFit(outputs: Float64Array, targets: Float64Array): Fit {
  let sse = 0;
  for (let i = 0; i < targets.length; i++) sse += (outputs[i] - targets[i]) ** 2;
  return fitOf(sse, targets);
}

/** The integer model's RMSE and R² from the chain score (−SSE in steps², against the quantized targets). */
export function integerFit(score: bigint, scale: number, targets: Float64Array): Fit {
  return fitOf(Number(-score) * scale * scale, targets);
}

/** RMSE (target units) and R² of a chain score on a packed dataset, whose labels are the quantized targets. */
export function datasetFit(score: bigint, scale: number, labels: ArrayLike<number>): Fit {
  const t = Float64Array.from(labels, (v) => v * scale);
  return integerFit(score, scale, t);
}
