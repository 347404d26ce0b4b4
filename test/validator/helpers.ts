// Shared test helpers: a seeded PRNG and random exact-class tensors and weights.
import type { Tensor, ElemType } from '../../validator/tensor.js';
import { allocData } from '../../validator/tensor.js';
import type { WeightShape } from '../../tools/models/mlp.js';

/** mulberry32: small, seedable, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
