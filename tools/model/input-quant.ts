// Per-feature uint8 quantization of the model input: q = clamp(round((x − min) / step), 0, 255)
// with min and step fitted on the calibration data. The integer model takes q; convert folds
// x ≈ min + step·q into the first layer, and writes min and step into the model's metadata so
// that every later dataset and inference row is quantized the same way.
import type { Table } from './table.js';

export interface InputQuant {
  min: number[];
  step: number[];
}

export const INPUT_LEVELS = 255;

export function fitInputQuant(t: Table): InputQuant {
  const F = t.columns.length;
  const lo = new Array<number>(F).fill(Infinity);
  const hi = new Array<number>(F).fill(-Infinity);
  for (let r = 0; r < t.rows; r++) {
    for (let i = 0; i < F; i++) {
      const v = t.x[r * F + i];
      if (v < lo[i]) lo[i] = v;
      if (v > hi[i]) hi[i] = v;
    }
  }
  // A constant column gets step 1: every row quantizes to 0 and dequantizes to the constant.
  return { min: lo, step: lo.map((l, i) => (hi[i] > l ? (hi[i] - l) / INPUT_LEVELS : 1)) };
}

export function quantizeInputs(t: Table, q: InputQuant): Uint8Array {
  const F = q.min.length;
  const out = new Uint8Array(t.rows * F);
  for (let r = 0; r < t.rows; r++) {
    for (let i = 0; i < F; i++) {
      const v = Math.round((t.x[r * F + i] - q.min[i]) / q.step[i]);
      out[r * F + i] = v < 0 ? 0 : v > INPUT_LEVELS ? INPUT_LEVELS : v;
    }
  }
  return out;
}

/** The float values the integer model effectively sees (for the float reference on quantized inputs). */
export function dequantizeInputs(q: Uint8Array, iq: InputQuant, rows: number): Float64Array {
  const F = iq.min.length;
  const out = new Float64Array(rows * F);
  for (let r = 0; r < rows; r++) for (let i = 0; i < F; i++) out[r * F + i] = iq.min[i] + iq.step[i] * q[r * F + i];
  return out;
}
