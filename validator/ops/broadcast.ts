// Multidirectional (numpy) broadcasting, and the batch-axis rule for it: when the output is
// batched, every batched operand has the output's full rank (its axis 0 is the batch axis)
// and every unbatched operand is 1 or absent on output axis 0, so row i of the output depends
// only on row i of the batched operands.
import type { Node } from '../onnx/proto.js';
import { reject } from '../errors.js';
import { Reason } from '../reasons.js';
import type { ValueType } from './types.js';

export function broadcastDims(node: Node, shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = i - (rank - s.length);
      if (k < 0) continue;
      const v = s[k];
      if (v === 1) continue;
      if (d !== 1 && v !== d) reject(Reason.SHAPE, `${node.opType}: shapes [${shapes.map((x) => x.join(',')).join('] [')}] do not broadcast`);
      d = v;
    }
    out.push(d);
  }
  return out;
}

export function broadcastBatched(node: Node, operands: ValueType[]): ValueType {
  const dims = broadcastDims(node, operands.map((o) => o.dims));
  const batched = operands.some((o) => o.batched);
  if (batched) {
    for (const o of operands) {
      if (o.batched && o.dims.length !== dims.length) reject(Reason.BATCH_AXIS, `${node.opType}: batched operands must share the output rank`);
      if (!o.batched && o.dims.length === dims.length && o.dims[0] !== 1) {
        reject(Reason.BATCH_AXIS, `${node.opType}: an unbatched operand spans the batch axis`);
      }
    }
  }
  return { type: operands[0].type, dims, batched };
}

/** Row-major strides of `dims` aligned to an output of rank `rank`, 0 on broadcast axes. */
export function broadcastStrides(dims: readonly number[], outDims: readonly number[]): number[] {
  const rank = outDims.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    const k = i + (rank - dims.length);
    strides[k] = dims[i] === 1 && outDims[k] !== 1 ? 0 : s;
    s *= dims[i];
  }
  return strides;
}

/** Calls f(outIndex, offsets[]) for every output element in row-major order. */
export function forEachBroadcast(outDims: readonly number[], inDims: readonly (readonly number[])[], f: (o: number, offs: number[]) => void): void {
  const rank = outDims.length;
  const strides = inDims.map((d) => broadcastStrides(d, outDims));
  const idx = new Array<number>(rank).fill(0);
  const offs = new Array<number>(inDims.length).fill(0);
  let total = 1;
  for (const d of outDims) total *= d;
  for (let o = 0; o < total; o++) {
    f(o, offs);
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      for (let j = 0; j < offs.length; j++) offs[j] += strides[j][ax];
      if (idx[ax] < outDims[ax]) break;
      for (let j = 0; j < offs.length; j++) offs[j] -= strides[j][ax] * outDims[ax];
      idx[ax] = 0;
    }
  }
}
