// MatMulInteger, ConvInteger (int8/uint8 activations x int8 weights -> int32) and MaxPool on
// int8/uint8. The weight operand must be an initializer (weight slot or constant) whose values
// lie in [-64, 63] (the "7-bit weight rule"): MLAS's x86 u8s8 kernels without VNNI sum two
// u8*s8 products into int16 with saturation (vpmaddubsw), which is exact only while
// 2*255*64 <= 32767. With the rule, int32 accumulation wraps modulo 2^32 identically in every
// kernel order, so results are bit-exact on every CPU.
import type { Tensor } from '../tensor.js';
import { reject } from '../errors.js';
import { Reason } from '../reasons.js';
import { need, opFail, requireScalarConstant, requireType, type OpContext, type OpRule } from './types.js';

export const WEIGHT_MIN = -64;
export const WEIGHT_MAX = 63;

function weightOperand(ctx: OpContext, i: number, rank: number) {
  const w = need(ctx, i);
  if (w.constant === undefined && !w.weight) opFail(ctx.node, `input ${i} must be an initializer (weight or constant)`);
  if (w.vt.type !== 'int8') reject(Reason.DTYPE, `${ctx.node.opType}: weight operand must be int8`);
  if (w.vt.dims.length !== rank) reject(Reason.SHAPE, `${ctx.node.opType}: weight operand must have rank ${rank}`);
  if (w.constant !== undefined) {
    for (const v of w.constant.data as Int8Array) {
      if (v < WEIGHT_MIN || v > WEIGHT_MAX) reject(Reason.CONSTANT, `${ctx.node.opType}: weight value ${v} outside [${WEIGHT_MIN}, ${WEIGHT_MAX}]`);
    }
  }
  return w;
}

function zeroPoint(inputs: (Tensor | undefined)[], i: number): number {
  const z = inputs[i];
  return z === undefined ? 0 : (z.data[0] as number);
}

export const MatMulInteger: OpRule = {
  minInputs: 2,
  maxInputs: 3,
  attributes: [],
  weightRange: { input: 1, min: WEIGHT_MIN, max: WEIGHT_MAX },
  infer(ctx) {
    const a = need(ctx, 0);
    requireType(ctx, a, ['int8', 'uint8'], 'A');
    if (a.vt.dims.length < 2) reject(Reason.SHAPE, 'MatMulInteger: A must have rank >= 2');
    const b = weightOperand(ctx, 1, 2);
    if (ctx.inputs[2] !== undefined) requireScalarConstant(ctx, 2, a.vt.type);
    const k = a.vt.dims[a.vt.dims.length - 1];
    if (b.vt.dims[0] !== k) reject(Reason.SHAPE, `MatMulInteger: inner dimensions ${k} and ${b.vt.dims[0]} differ`);
    return { type: 'int32', dims: [...a.vt.dims.slice(0, -1), b.vt.dims[1]], batched: a.vt.batched };
  },
  run(_node, inputs) {
    const a = inputs[0]!;
    const b = inputs[1]!;
    const az = zeroPoint(inputs, 2);
    const [k, n] = b.dims;
    const m = a.data.length / k;
    const x = a.data as Int8Array | Uint8Array;
    const w = b.data as Int8Array;
    const out = new Int32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) acc = (acc + Math.imul(x[i * k + t] - az, w[t * n + j])) | 0;
        out[i * n + j] = acc;
      }
    }
    return { type: 'int32', dims: [...a.dims.slice(0, -1), n], data: out };
  },
};

interface Window {
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  pb: number;
  pr: number;
}

function windowAttrs(ctx: OpContext, kh: number, kw: number): Window {
  const { attrs, node } = ctx;
  const ks = attrs.ints('kernel_shape');
  if (ks !== undefined && (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw)) opFail(node, 'kernel_shape does not match');
  const strides = attrs.ints('strides') ?? [1, 1];
  const pads = attrs.ints('pads') ?? [0, 0, 0, 0];
  const dil = attrs.ints('dilations');
  if (strides.length !== 2 || strides.some((s) => s < 1 || s > 64)) opFail(node, 'strides must be 2 values in [1, 64]');
  if (pads.length !== 4 || pads.some((p) => p < 0)) opFail(node, 'pads must be 4 non-negative values');
  if (pads[0] >= kh || pads[2] >= kh || pads[1] >= kw || pads[3] >= kw) opFail(node, 'pads must be smaller than the kernel');
  if (dil !== undefined && (dil.length !== 2 || dil[0] !== 1 || dil[1] !== 1)) opFail(node, 'dilations must be 1');
  const ap = attrs.string('auto_pad');
  if (ap !== undefined && ap !== 'NOTSET') opFail(node, 'auto_pad must be NOTSET');
  return { kh, kw, sh: strides[0], sw: strides[1], pt: pads[0], pl: pads[1], pb: pads[2], pr: pads[3] };
}

function outHW(h: number, w: number, win: Window): [number, number] {
  return [Math.floor((h + win.pt + win.pb - win.kh) / win.sh) + 1, Math.floor((w + win.pl + win.pr - win.kw) / win.sw) + 1];
}

function windowFromAttrs(node: OpContext['node'], attrs: OpContext['attrs'], kh: number, kw: number): Window {
  return windowAttrs({ node, attrs, inputs: [] }, kh, kw);
}

export const ConvInteger: OpRule = {
  minInputs: 2,
  maxInputs: 3,
  attributes: ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'auto_pad'],
  weightRange: { input: 1, min: WEIGHT_MIN, max: WEIGHT_MAX },
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ['int8', 'uint8'], 'X');
    if (x.vt.dims.length !== 4) reject(Reason.SHAPE, 'ConvInteger: X must be [N, C, H, W]');
    const w = weightOperand(ctx, 1, 4);
    if (ctx.inputs[2] !== undefined) requireScalarConstant(ctx, 2, x.vt.type);
    if (ctx.attrs.int('group', 1) !== 1) opFail(ctx.node, 'group must be 1');
    const [, c, h, wd] = x.vt.dims;
    const [m, wc, kh, kw] = w.vt.dims;
    if (wc !== c) reject(Reason.SHAPE, 'ConvInteger: channel counts differ');
    const win = windowAttrs(ctx, kh, kw);
    const [ho, wo] = outHW(h, wd, win);
    if (ho < 1 || wo < 1) reject(Reason.SHAPE, 'ConvInteger: kernel larger than the padded input');
    return { type: 'int32', dims: [x.vt.dims[0], m, ho, wo], batched: x.vt.batched };
  },
  run(node, inputs, attrs) {
    const x = inputs[0]!;
    const w = inputs[1]!;
    const xz = zeroPoint(inputs, 2);
    const [nb, c, h, wd] = x.dims;
    const [m, , kh, kw] = w.dims;
    const win = windowFromAttrs(node, attrs, kh, kw);
    const [ho, wo] = outHW(h, wd, win);
    const xs = x.data as Int8Array | Uint8Array;
    const ws = w.data as Int8Array;
    const out = new Int32Array(nb * m * ho * wo);
    let o = 0;
    for (let b = 0; b < nb; b++) {
      for (let f = 0; f < m; f++) {
        for (let oy = 0; oy < ho; oy++) {
          for (let ox = 0; ox < wo; ox++) {
            let acc = 0;
            for (let ch = 0; ch < c; ch++) {
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * win.sh - win.pt + ky;
                if (iy < 0 || iy >= h) continue; // padding contributes (zero_point - zero_point) * w = 0
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * win.sw - win.pl + kx;
                  if (ix < 0 || ix >= wd) continue;
                  const xv = xs[((b * c + ch) * h + iy) * wd + ix] - xz;
                  acc = (acc + Math.imul(xv, ws[((f * c + ch) * kh + ky) * kw + kx])) | 0;
                }
              }
            }
            out[o++] = acc;
          }
        }
      }
    }
    return { type: 'int32', dims: [nb, m, ho, wo], data: out };
  },
};

export const MaxPool: OpRule = {
  minInputs: 1,
  maxInputs: 1,
  attributes: ['kernel_shape', 'strides', 'pads', 'dilations', 'auto_pad', 'ceil_mode', 'storage_order'],
  infer(ctx) {
    const x = need(ctx, 0);
    requireType(ctx, x, ['int8', 'uint8'], 'X');
    if (x.vt.dims.length !== 4) reject(Reason.SHAPE, 'MaxPool: X must be [N, C, H, W]');
    const ks = ctx.attrs.ints('kernel_shape');
    if (ks === undefined || ks.length !== 2 || ks.some((k) => k < 1 || k > 64)) opFail(ctx.node, 'kernel_shape must be 2 values in [1, 64]');
    if (ctx.attrs.int('ceil_mode', 0) !== 0 || ctx.attrs.int('storage_order', 0) !== 0) opFail(ctx.node, 'ceil_mode and storage_order must be 0');
    if (ctx.node.outputs.length !== 1) opFail(ctx.node, 'only the values output is allowed');
    const win = windowAttrs(ctx, ks[0], ks[1]);
    const [n, c, h, w] = x.vt.dims;
    const [ho, wo] = outHW(h, w, win);
    if (ho < 1 || wo < 1) reject(Reason.SHAPE, 'MaxPool: kernel larger than the padded input');
    return { type: x.vt.type, dims: [n, c, ho, wo], batched: x.vt.batched };
  },
  run(node, inputs, attrs) {
    const x = inputs[0]!;
    const ks = attrs.ints('kernel_shape')!;
    const win = windowFromAttrs(node, attrs, ks[0], ks[1]);
    const [n, c, h, w] = x.dims;
    const [ho, wo] = outHW(h, w, win);
    const xs = x.data as Int8Array;
    const out = x.type === 'int8' ? new Int8Array(n * c * ho * wo) : new Uint8Array(n * c * ho * wo);
    let o = 0;
    for (let p = 0; p < n * c; p++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          let best = -Infinity;
          for (let ky = 0; ky < win.kh; ky++) {
            const iy = oy * win.sh - win.pt + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < win.kw; kx++) {
              const ix = ox * win.sw - win.pl + kx;
              if (ix < 0 || ix >= w) continue;
              const v = xs[(p * h + iy) * w + ix];
              if (v > best) best = v;
            }
          }
          out[o++] = best;
        }
      }
    }
    return { type: x.type, dims: [n, c, ho, wo], data: out };
  },
};
