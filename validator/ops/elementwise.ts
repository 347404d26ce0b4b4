// Integer elementwise ops. Semantics (verified against onnxruntime 1.30.0 by the differential
// tests): int32 Add/Sub/Mul wrap modulo 2^32; Div truncates toward zero and its divisor must
// be a constant >= 1 (ORT's integer Div has undefined behaviour on 0 and INT32_MIN / -1);
// Cast reduces modulo 2^8 / 2^32 into two's complement; Relu/Max/Min/Clip are exact.
import type { Node } from '../onnx/proto.js';
import { allocData, numel, type ElemType, type Tensor } from '../tensor.js';
import { reject } from '../errors.js';
import { Reason } from '../reasons.js';
import { broadcastBatched, forEachBroadcast } from './broadcast.js';
import { need, opFail, requireScalarConstant, requireType, type Attrs, type OpContext, type OpRule, type ValueType } from './types.js';

type Num = number;

function binaryRun(f: (a: Num, b: Num) => Num) {
  return (_node: Node, inputs: (Tensor | undefined)[]): Tensor => {
    const a = inputs[0]!;
    const b = inputs[1]!;
    const outDims = broadcastOut(a.dims, b.dims);
    const out = allocData(a.type, numel(outDims)) as Int32Array | Int8Array | Uint8Array;
    const x = a.data as Int32Array;
    const y = b.data as Int32Array;
    forEachBroadcast(outDims, [a.dims, b.dims], (o, offs) => {
      out[o] = f(x[offs[0]], y[offs[1]]);
    });
    return { type: a.type, dims: outDims, data: out };
  };
}

function broadcastOut(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
    const y = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

function sameTypes(ctx: OpContext, allowed: readonly ElemType[]): ValueType[] {
  const ops = ctx.inputs.map((o, i) => {
    if (o === undefined) opFail(ctx.node, `input ${i} is required`);
    requireType(ctx, o, allowed, `input ${i}`);
    return o.vt;
  });
  for (const v of ops) if (v.type !== ops[0].type) reject(Reason.DTYPE, `${ctx.node.opType}: operand types differ`);
  return ops;
}

function binaryRule(types: readonly ElemType[], f: (a: Num, b: Num) => Num): OpRule {
  return {
    minInputs: 2,
    maxInputs: 2,
    attributes: [],
    infer: (ctx) => broadcastBatched(ctx.node, sameTypes(ctx, types)),
    run: binaryRun(f),
  };
}

export const Add = binaryRule(['int32'], (a, b) => (a + b) | 0);
export const Sub = binaryRule(['int32'], (a, b) => (a - b) | 0);
export const Mul = binaryRule(['int32'], (a, b) => Math.imul(a, b));

export const Div: OpRule = {
  ...binaryRule(['int32'], (a, b) => Math.trunc(a / b) | 0),
  infer(ctx) {
    const out = broadcastBatched(ctx.node, sameTypes(ctx, ['int32']));
    const d = need(ctx, 1);
    if (d.constant === undefined) opFail(ctx.node, 'divisor must be a constant initializer');
    for (const v of d.constant.data as Int32Array) {
      if (v < 1) reject(Reason.CONSTANT, `Div: divisor ${v} < 1`);
    }
    return out;
  },
};

function variadic(f: (a: Num, b: Num) => Num): OpRule {
  return {
    minInputs: 1,
    maxInputs: 8,
    attributes: [],
    infer: (ctx) => broadcastBatched(ctx.node, sameTypes(ctx, ['int8', 'uint8', 'int32'])),
    run(node, inputs) {
      let acc = inputs[0]!;
      if (inputs.length === 1) return { type: acc.type, dims: [...acc.dims], data: acc.data.slice() };
      for (let i = 1; i < inputs.length; i++) acc = binaryRun(f)(node, [acc, inputs[i]]);
      return acc;
    },
  };
}

export const Max = variadic((a, b) => (a > b ? a : b));
export const Min = variadic((a, b) => (a < b ? a : b));

export const Relu: OpRule = {
  minInputs: 1,
  maxInputs: 1,
  attributes: [],
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ['int8', 'int32'], 'input');
    return { ...x.vt, dims: [...x.vt.dims] };
  },
  run(_node, inputs) {
    const x = inputs[0]!;
    const out = x.data.slice() as Int32Array;
    for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] = 0;
    return { type: x.type, dims: [...x.dims], data: out };
  },
};

export const Clip: OpRule = {
  minInputs: 3,
  maxInputs: 3,
  attributes: [],
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ['int8', 'uint8', 'int32'], 'input');
    const lo = requireScalarConstant(ctx, 1, x.vt.type).data[0] as number;
    const hi = requireScalarConstant(ctx, 2, x.vt.type).data[0] as number;
    if (lo > hi) reject(Reason.CONSTANT, `Clip: min ${lo} > max ${hi}`);
    return { ...x.vt, dims: [...x.vt.dims] };
  },
  run(_node, inputs) {
    const x = inputs[0]!;
    const lo = inputs[1]!.data[0] as number;
    const hi = inputs[2]!.data[0] as number;
    const out = x.data.slice() as Int32Array;
    for (let i = 0; i < out.length; i++) out[i] = out[i] < lo ? lo : out[i] > hi ? hi : out[i];
    return { type: x.type, dims: [...x.dims], data: out };
  },
};

const CAST_TARGETS: Record<number, ElemType> = { 2: 'uint8', 3: 'int8', 6: 'int32' };

export const Cast: OpRule = {
  minInputs: 1,
  maxInputs: 1,
  attributes: ['to'],
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ['int8', 'uint8', 'int32'], 'input');
    const to = CAST_TARGETS[ctx.attrs.int('to', -1)];
    if (to === undefined) reject(Reason.DTYPE, `Cast: target type ${ctx.attrs.int('to', -1)} is not int8/uint8/int32`);
    return { type: to, dims: [...x.vt.dims], batched: x.vt.batched };
  },
  run(_node, inputs, attrs: Attrs) {
    const x = inputs[0]!;
    const to = CAST_TARGETS[attrs.int('to', -1)];
    const out = allocData(to, x.data.length) as Int32Array;
    // Typed-array stores reduce modulo 2^bits, the same two's-complement wrap ORT's static_cast gives.
    for (let i = 0; i < out.length; i++) out[i] = x.data[i] as number;
    return { type: to, dims: [...x.dims], data: out };
  },
};
