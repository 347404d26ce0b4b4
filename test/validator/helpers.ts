// Shared test helpers: a seeded PRNG and random exact-class tensors and weights.
import type { Tensor, ElemType } from '../../validator/tensor.js';
import { allocData } from '../../validator/tensor.js';
import type { WeightShape } from '../../tools/models/mlp.js';

export { rng } from '../../util/rng.js';

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function randTensor(r: () => number, type: ElemType, dims: number[], lo?: number, hi?: number): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = allocData(type, n);
  const range = { int8: [-128, 127], uint8: [0, 255], int32: [-(2 ** 31), 2 ** 31 - 1], int64: [0, 9] }[type];
  const a = lo ?? range[0];
  const b = hi ?? range[1];
  for (let i = 0; i < n; i++) {
    const v = randInt(r, a, b);
    if (type === 'int64') (data as BigInt64Array)[i] = BigInt(v);
    else (data as Int32Array)[i] = v;
  }
  return { type, dims, data };
}

export function randomWeights(r: () => number, shapes: WeightShape[], scaleRange: [number, number] = [1, 4096]): Map<string, Tensor> {
  const m = new Map<string, Tensor>();
  for (const s of shapes) {
    if (s.type === 'int8') m.set(s.name, randTensor(r, 'int8', s.dims, -64, 63));
    else if (s.name.endsWith('scale')) m.set(s.name, randTensor(r, 'int32', s.dims, scaleRange[0], scaleRange[1]));
    else m.set(s.name, randTensor(r, 'int32', s.dims, -5000, 5000));
  }
  return m;
}
