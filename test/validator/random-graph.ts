// Random exact-class graphs for differential testing. The generator tracks each value's type
// and row shape, only emits nodes that the whitelist rules admit, and injects edge values
// (INT32_MIN/MAX, -1, 0, wrap-around products, negative dividends, ties for ArgMax).
import { GraphBuilder } from '../../validator/onnx/graph-builder.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import type { ElemType, Tensor } from '../../validator/tensor.js';
import { allocData } from '../../validator/tensor.js';
import { randInt } from './helpers.js';

interface Val {
  name: string;
  type: ElemType;
  row: number[];
}

export interface RandomCase {
  architecture: Uint8Array;
  weights: Map<string, Tensor>;
  inputs: { name: string; type: ElemType; row: number[] }[];
  ops: string[];
}

const I32_EDGES = [-(2 ** 31), 2 ** 31 - 1, -1, 0, 1, 2 ** 30, -(2 ** 30), 65535, -65536, 46341, -46341];

export function edgeValue(r: () => number, type: ElemType, narrow: boolean): number {
  if (type === 'int8') return narrow ? randInt(r, -2, 2) : r() < 0.2 ? [-128, 127, -1, 0][randInt(r, 0, 3)] : randInt(r, -128, 127);
  if (type === 'uint8') return narrow ? randInt(r, 0, 3) : r() < 0.2 ? [0, 255, 128, 127][randInt(r, 0, 3)] : randInt(r, 0, 255);
  if (type === 'int64') return randInt(r, 0, 5);
  if (narrow) return randInt(r, -3, 3);
  const p = r();
  if (p < 0.25) return I32_EDGES[randInt(r, 0, I32_EDGES.length - 1)];
  if (p < 0.5) return randInt(r, -1000, 1000);
  return randInt(r, -(2 ** 31), 2 ** 31 - 1);
}

export function fillTensor(r: () => number, type: ElemType, dims: number[], narrow: boolean, lo?: number, hi?: number): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = allocData(type, n);
  for (let i = 0; i < n; i++) {
    const v = lo !== undefined && hi !== undefined ? randInt(r, lo, hi) : edgeValue(r, type, narrow);
    if (type === 'int64') (data as BigInt64Array)[i] = BigInt(v);
    else (data as Int32Array)[i] = v;
  }
  return { type, dims, data };
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[randInt(r, 0, xs.length - 1)];
}

export function randomGraph(r: () => number, maxNodes = 8): RandomCase {
  const g = new GraphBuilder();
  const weights = new Map<string, Tensor>();
  const vals: Val[] = [];
  const ops: string[] = [];
  const inputs: RandomCase['inputs'] = [];
  let k = 0;
  const fresh = (p: string) => `${p}${k++}`;
  const narrow = r() < 0.3;

  const addInput = (type: ElemType, row: number[]) => {
    const name = fresh('in');
    g.input(name, type as 'int8', row);
    inputs.push({ name, type, row });
    vals.push({ name, type, row });
  };
  addInput(pick(r, ['int8', 'uint8'] as const), [randInt(r, 1, 4), randInt(r, 1, 6)]);
  if (r() < 0.6) addInput('int32', [randInt(r, 1, 5)]);
  if (r() < 0.5) addInput(pick(r, ['int8', 'uint8'] as const), [randInt(r, 1, 3), randInt(r, 3, 6), randInt(r, 3, 6)]);

  /** Constant or weight slot with given dims. */
  const operand = (type: ElemType, dims: number[], asWeight: boolean, lo?: number, hi?: number): string => {
    const name = fresh(asWeight ? 'w' : 'c');
    const t = fillTensor(r, type, dims, narrow, lo, hi);
    if (asWeight) {
      g.weight(name, type as 'int8', dims);
      weights.set(name, t);
    } else g.constant(name, type as 'int8', dims, t.data as ArrayLike<number | bigint>);
    return name;
  };
  const emit = (op: string, ins: string[], type: ElemType, row: number[], attrs: Record<string, number | number[] | string> = {}) => {
    const name = g.op(op, ins, attrs);
    vals.push({ name, type, row });
    ops.push(op);
  };

  const nodes = randInt(r, 1, maxNodes);
  for (let step = 0; step < nodes * 4 && ops.length < nodes; step++) {
    const choice = randInt(r, 0, 15);
    // Bias the operand towards types the chosen op accepts, so every op is well exercised.
    const want: ((x: Val) => boolean) | undefined =
      choice === 0 ? (x) => (x.type === 'int8' || x.type === 'uint8') && x.row.length >= 1
      : choice >= 1 && choice <= 3 ? (x) => x.type === 'int32'
      : choice === 14 ? (x) => (x.type === 'int8' || x.type === 'uint8') && x.row.length === 3
      : undefined;
    const fits = want === undefined ? vals : vals.filter(want);
    const v = pick(r, fits.length > 0 ? fits : vals);
    const rank = v.row.length + 1;
    const last = v.row[v.row.length - 1] ?? 1;
    switch (choice) {
      case 0: {
        if ((v.type !== 'int8' && v.type !== 'uint8') || v.row.length < 1) break;
        const n = randInt(r, 1, 5);
        const b = operand('int8', [last, n], r() < 0.5, -64, 63);
        const ins = [v.name, b];
        if (r() < 0.4) ins.push(operand(v.type, [], false));
        emit('MatMulInteger', ins, 'int32', [...v.row.slice(0, -1), n]);
        break;
      }
      case 1:
      case 2: {
        if (v.type !== 'int32') break;
        const op = pick(r, ['Add', 'Sub', 'Mul'] as const);
        const same = vals.filter((x) => x.type === 'int32' && x.row.join() === v.row.join());
        let other: string;
        const p = r();
        if (p < 0.4) other = pick(r, same).name;
        else if (p < 0.7) other = operand('int32', v.row.length ? [last] : [], r() < 0.5);
        else other = operand('int32', [1, ...v.row.map((d) => (r() < 0.5 ? 1 : d))], false);
        emit(op, r() < 0.5 ? [v.name, other] : [other, v.name], 'int32', v.row);
        break;
      }
      case 3: {
        if (v.type !== 'int32') break;
        const dims = r() < 0.5 ? [] : [last];
        const n = dims.length ? last : 1;
        const divs = Array.from({ length: n }, () => pick(r, [1, 2, 3, 7, 10, 256, 65536, 2 ** 31 - 1, randInt(r, 1, 1 << 20)]));
        const name = fresh('d');
        g.constant(name, 'int32', dims, divs);
        emit('Div', [v.name, name], 'int32', v.row);
        break;
      }
      case 4: {
        if (v.type === 'int64') break;
        const op = pick(r, ['Max', 'Min'] as const);
        const same = vals.filter((x) => x.type === v.type && x.row.join() === v.row.join());
        const ins = [v.name];
        const extra = randInt(r, 0, 2);
        for (let i = 0; i < extra; i++) ins.push(r() < 0.6 ? pick(r, same).name : operand(v.type, v.row.length ? [last] : [], false));
        emit(op, ins, v.type, v.row);
        break;
      }
      case 5: {
        if (v.type !== 'int8' && v.type !== 'int32') break;
        emit('Relu', [v.name], v.type, v.row);
        break;
      }
      case 6: {
        if (v.type === 'int64') break;
        const a = edgeValue(r, v.type, false);
        const b = edgeValue(r, v.type, false);
        const lo = operand(v.type, [], false, Math.min(a, b), Math.min(a, b));
        const hi = operand(v.type, [], false, Math.max(a, b), Math.max(a, b));
        emit('Clip', [v.name, lo, hi], v.type, v.row);
        break;
      }
      case 7: {
        if (v.type === 'int64') break;
        const to = pick(r, [['int8', 3], ['uint8', 2], ['int32', 6]] as const);
        emit('Cast', [v.name], to[0], v.row, { to: to[1] });
        break;
      }
      case 8: {
        if (v.type === 'int64' || v.row.length < 1) break;
        const axis = randInt(r, 1, rank - 1) - (r() < 0.3 ? rank : 0);
        const keep = randInt(r, 0, 1);
        const a = axis < 0 ? axis + rank : axis;
        const row = keep ? v.row.map((d, i) => (i === a - 1 ? 1 : d)) : v.row.filter((_, i) => i !== a - 1);
        emit('ArgMax', [v.name], 'int64', row, { axis, keepdims: keep, select_last_index: randInt(r, 0, 1) });
        break;
      }
      case 9: {
        const total = v.row.reduce((a, b) => a * b, 1);
        const sh = r() < 0.5 ? [0, -1] : [0, total];
        emit('Reshape', [v.name, constShape(g, fresh('s'), sh)], v.type, [total]);
        break;
      }
      case 10: {
        if (v.row.length < 1) break;
        emit('Flatten', [v.name], v.type, [v.row.reduce((a, b) => a * b, 1)], { axis: 1 });
        break;
      }
      case 11: {
        if (v.row.length < 2) break;
        const rest = v.row.map((_, i) => i + 1);
        for (let i = rest.length - 1; i > 0; i--) {
          const j = randInt(r, 0, i);
          [rest[i], rest[j]] = [rest[j], rest[i]];
        }
        emit('Transpose', [v.name], v.type, rest.map((p) => v.row[p - 1]), { perm: [0, ...rest] });
        break;
      }
      case 12: {
        if (v.row.length < 1) break;
        const a = randInt(r, 1, rank - 1);
        const same = vals.filter((x) => x.type === v.type && x.row.length === v.row.length && x.row.every((d, i) => i === a - 1 || d === v.row[i]));
        const o = pick(r, same);
        const row = [...v.row];
        row[a - 1] += o.row[a - 1];
        emit('Concat', [v.name, o.name], v.type, row, { axis: r() < 0.5 ? a : a - rank });
        break;
      }
      case 13: {
        if (v.row.length < 1) break;
        const a = randInt(r, 1, rank - 1);
        const d = v.row[a - 1];
        const n = randInt(r, 1, 4);
        const name = fresh('ix');
        const t = r() < 0.5 ? 'int64' : 'int32';
        g.constant(name, t, [n], Array.from({ length: n }, () => randInt(r, -d, d - 1)));
        emit('Gather', [v.name, name], v.type, [...v.row.slice(0, a - 1), n, ...v.row.slice(a)], { axis: a });
        break;
      }
      case 14: {
        if ((v.type !== 'int8' && v.type !== 'uint8') || v.row.length !== 3) break;
        const [c, h, w] = v.row;
        const kh = randInt(r, 1, Math.min(3, h));
        const kw = randInt(r, 1, Math.min(3, w));
        const pads = [randInt(r, 0, kh - 1), randInt(r, 0, kw - 1), randInt(r, 0, kh - 1), randInt(r, 0, kw - 1)];
        const strides = [randInt(r, 1, 2), randInt(r, 1, 2)];
        const ho = Math.floor((h + pads[0] + pads[2] - kh) / strides[0]) + 1;
        const wo = Math.floor((w + pads[1] + pads[3] - kw) / strides[1]) + 1;
        if (r() < 0.5) {
          const m = randInt(r, 1, 3);
          const wt = operand('int8', [m, c, kh, kw], r() < 0.5, -64, 63);
          const ins = [v.name, wt];
          if (r() < 0.4) ins.push(operand(v.type, [], false));
          emit('ConvInteger', ins, 'int32', [m, ho, wo], { kernel_shape: [kh, kw], pads, strides });
        } else {
          emit('MaxPool', [v.name], v.type, [c, ho, wo], { kernel_shape: [kh, kw], pads, strides });
        }
        break;
      }
      case 15:
        emit('Identity', [v.name], v.type, v.row);
        break;
    }
  }
  if (ops.length === 0) emit('Identity', [vals[0].name], vals[0].type, vals[0].row);
  // Outputs: the last value and up to two others produced by nodes.
  const produced = vals.slice(inputs.length);
  const outs = new Set([produced[produced.length - 1]]);
  for (let i = 0; i < 2; i++) if (r() < 0.4) outs.add(pick(r, produced));
  for (const o of outs) g.output(o.name, o.type as 'int8', o.row);
  return { architecture: encodeModel(g.build()), weights, inputs, ops };
}

function constShape(g: GraphBuilder, name: string, shape: number[]): string {
  return g.constant(name, 'int64', [shape.length], shape);
}
