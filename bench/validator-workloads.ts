// Workloads for the validator benchmarks: graphs that stress each cost term (MAC-bound
// MatMulInteger/ConvInteger, elementwise chains, data movement, per-node overhead).
import { GraphBuilder } from '../validator/onnx/graph-builder.js';
import { encodeModel } from '../validator/onnx/encode.js';
import { encodeTensors } from '../validator/blobs.js';
import { buildMlp, DIGITS_MLP, mlpWeightShapes } from '../tools/models/mlp.js';
import { buildCnn, DIGITS_CNN, cnnWeightShapes } from '../tools/models/cnn.js';
import type { ElemType, Tensor } from '../validator/tensor.js';
import { allocData } from '../validator/tensor.js';

// The tests' seeded PRNG (mulberry32), so bench workloads match test data for a seed.
import { rng as prng } from '../test/validator/helpers.js';
export { prng };

export function fill(r: () => number, type: ElemType, dims: number[], lo: number, hi: number): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = allocData(type, n) as Int32Array;
  for (let i = 0; i < n; i++) data[i] = lo + Math.floor(r() * (hi - lo + 1));
  return { type, dims, data };
}

export interface Workload {
  name: string;
  architecture: Uint8Array;
  weights: Uint8Array;
  /** Inputs for `rows` rows. */
  inputs(rows: number): Tensor[];
}

function weightsFor(r: () => number, shapes: { name: string; type: 'int8' | 'int32'; dims: number[] }[]): Uint8Array {
  const m = new Map<string, Tensor>();
  for (const s of shapes) m.set(s.name, s.type === 'int8' ? fill(r, 'int8', s.dims, -64, 63) : fill(r, 'int32', s.dims, s.name.endsWith('scale') ? 1 : -5000, s.name.endsWith('scale') ? 4096 : 5000));
  return encodeTensors(m);
}

export function digitsMlp(): Workload {
  const r = prng(1);
  return { name: 'digits-mlp', architecture: buildMlp(DIGITS_MLP), weights: weightsFor(r, mlpWeightShapes(DIGITS_MLP)), inputs: (n) => [fill(r, 'uint8', [n, 64], 0, 16)] };
}

export function digitsCnn(): Workload {
  const r = prng(2);
  return { name: 'digits-cnn', architecture: buildCnn(DIGITS_CNN), weights: weightsFor(r, cnnWeightShapes(DIGITS_CNN)), inputs: (n) => [fill(r, 'uint8', [n, 1, 8, 8], 0, 16)] };
}

/** Big int8 MLP: MAC-bound. */
export function wideMlp(): Workload {
  const r = prng(3);
  const spec = { inputType: 'int8' as const, inputSize: 512, hidden: [512, 512], outputs: 64, shift: 16 };
  return { name: 'wide-mlp-512', architecture: buildMlp(spec), weights: weightsFor(r, mlpWeightShapes(spec)), inputs: (n) => [fill(r, 'int8', [n, 512], -128, 127)] };
}

/** Elementwise chain on wide rows: numel-bound. */
export function elementwise(): Workload {
  const r = prng(4);
  const g = new GraphBuilder();
  let v = g.input('x', 'int32', [1024]);
  const k = g.constant('k', 'int32', [1024], Array.from({ length: 1024 }, () => Math.floor(r() * 1000) - 500));
  const d = g.constant('d', 'int32', [], [7]);
  const lo = g.constant('lo', 'int32', [], [-100000]);
  const hi = g.constant('hi', 'int32', [], [100000]);
  for (let i = 0; i < 8; i++) {
    v = g.op('Add', [v, k]);
    v = g.op('Mul', [v, k]);
    v = g.op('Div', [v, d]);
    v = g.op('Clip', [v, lo, hi]);
    v = g.op('Max', [v, k]);
  }
  g.op('Identity', [v], {}, 'y');
  g.output('y', 'int32', [1024]);
  return { name: 'elementwise-40x1024', architecture: encodeModel(g.build()), weights: encodeTensors(new Map()), inputs: (n) => [fill(r, 'int32', [n, 1024], -1000, 1000)] };
}

/** Data movement: Transpose/Gather/Concat on [B, 32, 32]. */
export function movement(): Workload {
  const r = prng(5);
  const g = new GraphBuilder();
  let v = g.input('x', 'int32', [32, 32]);
  const ix = g.constant('ix', 'int64', [32], Array.from({ length: 32 }, (_, i) => 31 - i));
  for (let i = 0; i < 10; i++) {
    v = g.op('Transpose', [v], { perm: [0, 2, 1] });
    v = g.op('Gather', [v, ix], { axis: 2 });
  }
  g.op('Identity', [v], {}, 'y');
  g.output('y', 'int32', [32, 32]);
  return { name: 'movement-20x1024', architecture: encodeModel(g.build()), weights: encodeTensors(new Map()), inputs: (n) => [fill(r, 'int32', [n, 32, 32], -1000, 1000)] };
}

/** Many tiny nodes: per-node overhead. */
export function tinyNodes(): Workload {
  const r = prng(6);
  const g = new GraphBuilder();
  let v = g.input('x', 'int32', [1]);
  for (let i = 0; i < 1000; i++) v = g.op('Relu', [v]);
  g.op('Identity', [v], {}, 'y');
  g.output('y', 'int32', [1]);
  return { name: 'tiny-1000-nodes', architecture: encodeModel(g.build()), weights: encodeTensors(new Map()), inputs: (n) => [fill(r, 'int32', [n, 1], -1000, 1000)] };
}

/** Convolution-bound: 16->16 channels 3x3 on 16x16. */
export function convNet(): Workload {
  const r = prng(7);
  const g = new GraphBuilder();
  g.input('x', 'uint8', [16, 16, 16]);
  g.weight('w', 'int8', [16, 16, 3, 3]);
  g.op('ConvInteger', ['x', 'w'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'y');
  g.output('y', 'int32', [16, 16, 16]);
  return { name: 'conv-16x16x16', architecture: encodeModel(g.build()), weights: encodeTensors(new Map([['w', fill(r, 'int8', [16, 16, 3, 3], -64, 63)]])), inputs: (n) => [fill(r, 'uint8', [n, 16, 16, 16], 0, 255)] };
}

export function allWorkloads(): Workload[] {
  return [digitsMlp(), digitsCnn(), wideMlp(), elementwise(), movement(), tinyNodes(), convNet()];
}

/** Single-op graphs at a wide row, to price each op family. */
export function singleOps(): Workload[] {
  const r = prng(9);
  const out: Workload[] = [];
  const mk = (name: string, build: (g: GraphBuilder) => void, input: (n: number) => Tensor[], weights = new Map<string, Tensor>()) => {
    const g = new GraphBuilder();
    build(g);
    out.push({ name, architecture: encodeModel(g.build()), weights: encodeTensors(weights), inputs: input });
  };
  const i32 = (n: number) => [fill(r, 'int32', [n, 4096], -100000, 100000)];
  for (const op of ['Add', 'Mul', 'Max']) {
    mk(`${op} i32x4096`, (g) => {
      g.input('x', 'int32', [4096]);
      g.constant('k', 'int32', [4096], Array.from({ length: 4096 }, (_, i) => i - 2048));
      g.op(op, ['x', 'k'], {}, 'y');
      g.output('y', 'int32', [4096]);
    }, i32);
  }
  mk('Div i32x4096', (g) => {
    g.input('x', 'int32', [4096]);
    g.constant('k', 'int32', [], [7]);
    g.op('Div', ['x', 'k'], {}, 'y');
    g.output('y', 'int32', [4096]);
  }, i32);
  mk('Clip i32x4096', (g) => {
    g.input('x', 'int32', [4096]);
    g.constant('lo', 'int32', [], [-5]);
    g.constant('hi', 'int32', [], [5]);
    g.op('Clip', ['x', 'lo', 'hi'], {}, 'y');
    g.output('y', 'int32', [4096]);
  }, i32);
  mk('Cast i32->i8 x4096', (g) => {
    g.input('x', 'int32', [4096]);
    g.op('Cast', ['x'], { to: 3 }, 'y');
    g.output('y', 'int8', [4096]);
  }, i32);
  mk('Relu i32x4096', (g) => {
    g.input('x', 'int32', [4096]);
    g.op('Relu', ['x'], {}, 'y');
    g.output('y', 'int32', [4096]);
  }, i32);
  mk('ArgMax i32 64x64', (g) => {
    g.input('x', 'int32', [64, 64]);
    g.op('ArgMax', ['x'], { axis: 2 }, 'y');
    g.output('y', 'int64', [64, 1]);
  }, (n) => [fill(r, 'int32', [n, 64, 64], -5, 5)]);
  mk('Transpose i32 64x64', (g) => {
    g.input('x', 'int32', [64, 64]);
    g.op('Transpose', ['x'], { perm: [0, 2, 1] }, 'y');
    g.output('y', 'int32', [64, 64]);
  }, (n) => [fill(r, 'int32', [n, 64, 64], -5, 5)]);
  mk('Gather i32 4096', (g) => {
    g.input('x', 'int32', [4096]);
    g.constant('ix', 'int64', [4096], Array.from({ length: 4096 }, (_, i) => 4095 - i));
    g.op('Gather', ['x', 'ix'], { axis: 1 }, 'y');
    g.output('y', 'int32', [4096]);
  }, i32);
  mk('Concat i32 2x2048', (g) => {
    g.input('x', 'int32', [2048]);
    g.op('Concat', ['x', 'x'], { axis: 1 }, 'y');
    g.output('y', 'int32', [4096]);
  }, (n) => [fill(r, 'int32', [n, 2048], -5, 5)]);
  mk('MaxPool i8 8x32x32 k2', (g) => {
    g.input('x', 'int8', [8, 32, 32]);
    g.op('MaxPool', ['x'], { kernel_shape: [2, 2], strides: [2, 2] }, 'y');
    g.output('y', 'int8', [8, 16, 16]);
  }, (n) => [fill(r, 'int8', [n, 8, 32, 32], -128, 127)]);
  mk('ConvInteger C1 M8 k3 8x8', (g) => {
    g.input('x', 'uint8', [1, 8, 8]);
    g.weight('w', 'int8', [8, 1, 3, 3]);
    g.op('ConvInteger', ['x', 'w'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'y');
    g.output('y', 'int32', [8, 8, 8]);
  }, (n) => [fill(r, 'uint8', [n, 1, 8, 8], 0, 16)], new Map([['w', fill(r, 'int8', [8, 1, 3, 3], -64, 63)]]));
  mk('MatMulInteger 64x10', (g) => {
    g.input('x', 'uint8', [64]);
    g.weight('w', 'int8', [64, 10]);
    g.op('MatMulInteger', ['x', 'w'], {}, 'y');
    g.output('y', 'int32', [10]);
  }, (n) => [fill(r, 'uint8', [n, 64], 0, 16)], new Map([['w', fill(r, 'int8', [64, 10], -64, 63)]]));
  mk('MatMulInteger 1024x1024', (g) => {
    g.input('x', 'int8', [1024]);
    g.weight('w', 'int8', [1024, 1024]);
    g.op('MatMulInteger', ['x', 'w'], {}, 'y');
    g.output('y', 'int32', [1024]);
  }, (n) => [fill(r, 'int8', [n, 1024], -128, 127)], new Map([['w', fill(r, 'int8', [1024, 1024], -64, 63)]]));
  return out;
}
