// Data-movement ops (Identity, Reshape, Flatten, Transpose, Concat, Gather) and ArgMax. Each
// keeps axis 0 as the batch axis when its input is batched: Reshape must copy dim 0 (shape[0]
// = 0), Flatten uses axis 1, Transpose fixes perm[0] = 0, Concat/Gather/ArgMax work on axes >= 1.
import { allocData, getNumber, numel, type Tensor } from '../tensor.js';
import { reject } from '../errors.js';
import { Reason } from '../reasons.js';
import { need, normAxis, opFail, requireType, type OpContext, type OpRule, type ValueType } from './types.js';

const ANY = ['int8', 'uint8', 'int32', 'int64'] as const;

function copyTensor(x: Tensor, dims: number[]): Tensor {
  return { type: x.type, dims, data: x.data.slice() };
}

export const Identity: OpRule = {
  minInputs: 1,
  maxInputs: 1,
  attributes: [],
  infer: (ctx) => ({ ...need(ctx, 0).vt, dims: [...need(ctx, 0).vt.dims] }),
  run: (_n, inputs) => copyTensor(inputs[0]!, [...inputs[0]!.dims]),
};

function reshapeDims(ctx: OpContext, inDims: number[], shape: number[]): number[] {
  const out: number[] = [];
  let infer = -1;
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i];
    if (s === 0) {
      if (i >= inDims.length) opFail(ctx.node, 'shape 0 beyond input rank');
      out.push(inDims[i]);
    } else if (s === -1) {
      if (infer >= 0) opFail(ctx.node, 'more than one -1 in shape');
      infer = i;
      out.push(1);
    } else if (s > 0) out.push(s);
    else opFail(ctx.node, `invalid shape entry ${s}`);
  }
  const total = numel(inDims);
  const known = numel(out);
  if (infer >= 0) {
    if (known === 0 || total % known !== 0) reject(Reason.SHAPE, 'Reshape: -1 cannot be inferred');
    out[infer] = total / known;
  }
  if (numel(out) !== total) reject(Reason.SHAPE, `Reshape: [${inDims}] cannot become [${out}]`);
  return out;
}

export const Reshape: OpRule = {
  minInputs: 2,
  maxInputs: 2,
  attributes: [],
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ANY, 'data');
    const s = need(ctx, 1);
    if (s.constant === undefined || s.vt.type !== 'int64' || s.vt.dims.length !== 1) opFail(ctx.node, 'shape must be a constant 1-D int64 initializer');
    const shape = Array.from(s.constant.data as BigInt64Array, (v) => {
      if (v < -1n || v > 1n << 31n) opFail(ctx.node, 'shape entry out of range');
      return Number(v);
    });
    if (x.vt.batched && shape[0] !== 0) reject(Reason.BATCH_AXIS, 'Reshape: shape[0] must be 0 (keep the batch axis)');
    return { type: x.vt.type, dims: reshapeDims(ctx, x.vt.dims, shape), batched: x.vt.batched };
  },
  run(_node, inputs) {
    const x = inputs[0]!;
    const shape = Array.from(inputs[1]!.data as BigInt64Array, Number);
    const out: number[] = [];
    let infer = -1;
    shape.forEach((s, i) => {
      if (s === 0) out.push(x.dims[i]);
      else if (s === -1) {
        infer = i;
        out.push(1);
      } else out.push(s);
    });
    if (infer >= 0) out[infer] = numel(x.dims) / numel(out);
    return copyTensor(x, out);
  },
};

export const Flatten: OpRule = {
  minInputs: 1,
  maxInputs: 1,
  attributes: ['axis'],
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ANY, 'input');
    const axis = ctx.attrs.int('axis', 1);
    const a = axis < 0 ? axis + x.vt.dims.length : axis;
    if (a < 0 || a > x.vt.dims.length) opFail(ctx.node, 'axis out of range');
    if (x.vt.batched && a !== 1) reject(Reason.BATCH_AXIS, 'Flatten: axis must be 1 for a batched input');
    return { type: x.vt.type, dims: [numel(x.vt.dims.slice(0, a)), numel(x.vt.dims.slice(a))], batched: x.vt.batched };
  },
  run(_node, inputs, attrs) {
    const x = inputs[0]!;
    const axis = attrs.int('axis', 1);
    const a = axis < 0 ? axis + x.dims.length : axis;
    return copyTensor(x, [numel(x.dims.slice(0, a)), numel(x.dims.slice(a))]);
  },
};

export const Transpose: OpRule = {
  minInputs: 1,
  maxInputs: 1,
  attributes: ['perm'],
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ANY, 'input');
    const rank = x.vt.dims.length;
    const perm = ctx.attrs.ints('perm');
    if (perm === undefined) opFail(ctx.node, 'perm is required');
    if (perm.length !== rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) opFail(ctx.node, 'perm is not a permutation of the axes');
    if (x.vt.batched && perm[0] !== 0) reject(Reason.BATCH_AXIS, 'Transpose: perm[0] must be 0');
    return { type: x.vt.type, dims: perm.map((p) => x.vt.dims[p]), batched: x.vt.batched };
  },
  run(_node, inputs, attrs) {
    const x = inputs[0]!;
    const perm = attrs.ints('perm')!;
    const rank = x.dims.length;
    const outDims = perm.map((p) => x.dims[p]);
    const inStrides = new Array<number>(rank);
    let s = 1;
    for (let i = rank - 1; i >= 0; i--) {
      inStrides[i] = s;
      s *= x.dims[i];
    }
    const out = allocData(x.type, x.data.length);
    const idx = new Array<number>(rank).fill(0);
    for (let o = 0; o < out.length; o++) {
      let off = 0;
      for (let k = 0; k < rank; k++) off += idx[k] * inStrides[perm[k]];
      (out as Int32Array)[o] = (x.data as Int32Array)[off];
      for (let k = rank - 1; k >= 0; k--) {
        if (++idx[k] < outDims[k]) break;
        idx[k] = 0;
      }
    }
    return { type: x.type, dims: outDims, data: out };
  },
};

export const Concat: OpRule = {
  minInputs: 1,
  maxInputs: 16,
  attributes: ['axis'],
  infer(ctx) {
    const xs = ctx.inputs.map((o, i) => {
      if (o === undefined) opFail(ctx.node, `input ${i} is required`);
      requireType(ctx, o, ANY, `input ${i}`);
      return o.vt;
    });
    const rank = xs[0].dims.length;
    if (!ctx.attrs.has('axis')) opFail(ctx.node, 'axis is required');
    const axis = normAxis(ctx.node, ctx.attrs.int('axis', 0), rank);
    const batched = xs.some((x) => x.batched);
    if (batched && (axis === 0 || xs.some((x) => !x.batched))) reject(Reason.BATCH_AXIS, 'Concat: all operands batched and axis >= 1');
    const dims = [...xs[0].dims];
    dims[axis] = 0;
    for (const x of xs) {
      if (x.type !== xs[0].type) reject(Reason.DTYPE, 'Concat: operand types differ');
      if (x.dims.length !== rank || x.dims.some((d, i) => i !== axis && d !== xs[0].dims[i])) reject(Reason.SHAPE, 'Concat: operand shapes differ');
      dims[axis] += x.dims[axis];
    }
    return { type: xs[0].type, dims, batched };
  },
  run(_node, inputs, attrs) {
    const xs = inputs as Tensor[];
    const rank = xs[0].dims.length;
    const axis = attrs.int('axis', 0) < 0 ? attrs.int('axis', 0) + rank : attrs.int('axis', 0);
    const outer = numel(xs[0].dims.slice(0, axis));
    const dims = [...xs[0].dims];
    dims[axis] = xs.reduce((a, x) => a + x.dims[axis], 0);
    const out = allocData(xs[0].type, numel(dims)) as Int32Array;
    let o = 0;
    for (let i = 0; i < outer; i++) {
      for (const x of xs) {
        const chunk = numel(x.dims.slice(axis));
        const src = x.data as Int32Array;
        for (let j = 0; j < chunk; j++) out[o++] = src[i * chunk + j];
      }
    }
    return { type: xs[0].type, dims, data: out };
  },
};

export const Gather: OpRule = {
  minInputs: 2,
  maxInputs: 2,
  attributes: ['axis'],
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ANY, 'data');
    const ix = need(ctx, 1);
    if (ix.constant === undefined || (ix.vt.type !== 'int64' && ix.vt.type !== 'int32')) opFail(ctx.node, 'indices must be a constant int32/int64 initializer');
    const axis = normAxis(ctx.node, ctx.attrs.int('axis', 0), x.vt.dims.length);
    if (x.vt.batched && axis === 0) reject(Reason.BATCH_AXIS, 'Gather: axis must be >= 1 for batched data');
    const d = x.vt.dims[axis];
    for (let i = 0; i < ix.constant.data.length; i++) {
      const v = getNumber(ix.constant, i);
      if (v < -d || v >= d) reject(Reason.CONSTANT, `Gather: index ${v} out of range [${-d}, ${d - 1}]`);
    }
    return { type: x.vt.type, dims: [...x.vt.dims.slice(0, axis), ...ix.vt.dims, ...x.vt.dims.slice(axis + 1)], batched: x.vt.batched };
  },
  run(_node, inputs, attrs) {
    const x = inputs[0]!;
    const ix = inputs[1]!;
    const rank = x.dims.length;
    const axis = attrs.int('axis', 0) < 0 ? attrs.int('axis', 0) + rank : attrs.int('axis', 0);
    const outer = numel(x.dims.slice(0, axis));
    const inner = numel(x.dims.slice(axis + 1));
    const d = x.dims[axis];
    const n = ix.data.length;
    const dims = [...x.dims.slice(0, axis), ...ix.dims, ...x.dims.slice(axis + 1)];
    const out = allocData(x.type, numel(dims)) as Int32Array;
    const src = x.data as Int32Array;
    let o = 0;
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < n; j++) {
        let k = getNumber(ix, j);
        if (k < 0) k += d;
        const base = (i * d + k) * inner;
        for (let t = 0; t < inner; t++) out[o++] = src[base + t];
      }
    }
    return { type: x.type, dims, data: out };
  },
};

export const ArgMax: OpRule = {
  minInputs: 1,
  maxInputs: 1,
  attributes: ['axis', 'keepdims', 'select_last_index'],
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ['int8', 'uint8', 'int32'], 'input');
    const axis = normAxis(ctx.node, ctx.attrs.int('axis', 0), x.vt.dims.length);
    if (x.vt.batched && axis === 0) reject(Reason.BATCH_AXIS, 'ArgMax: axis must be >= 1 for a batched input');
    const keep = ctx.attrs.int('keepdims', 1);
    const last = ctx.attrs.int('select_last_index', 0);
    if ((keep !== 0 && keep !== 1) || (last !== 0 && last !== 1)) opFail(ctx.node, 'keepdims/select_last_index must be 0 or 1');
    if (x.vt.dims[axis] === 0) reject(Reason.SHAPE, 'ArgMax: empty axis');
    const dims = keep ? x.vt.dims.map((d, i) => (i === axis ? 1 : d)) : x.vt.dims.filter((_, i) => i !== axis);
    return { type: 'int64', dims, batched: x.vt.batched } satisfies ValueType;
  },
  run(_node, inputs, attrs) {
    const x = inputs[0]!;
    const rank = x.dims.length;
    const axis = attrs.int('axis', 0) < 0 ? attrs.int('axis', 0) + rank : attrs.int('axis', 0);
    const keep = attrs.int('keepdims', 1);
    const last = attrs.int('select_last_index', 0) === 1;
    const outer = numel(x.dims.slice(0, axis));
    const d = x.dims[axis];
    const inner = numel(x.dims.slice(axis + 1));
    const out = new BigInt64Array(outer * inner);
    const src = x.data as Int32Array;
    for (let i = 0; i < outer; i++) {
      for (let t = 0; t < inner; t++) {
        let best = 0;
        let bv = src[i * d * inner + t];
        for (let k = 1; k < d; k++) {
          const v = src[(i * d + k) * inner + t];
          if (v > bv || (last && v === bv)) {
            bv = v;
            best = k;
          }
        }
        out[i * inner + t] = BigInt(best);
      }
    }
    const dims = keep ? x.dims.map((v, i) => (i === axis ? 1 : v)) : x.dims.filter((_, i) => i !== axis);
    return { type: 'int64', dims, data: out };
  },
};
