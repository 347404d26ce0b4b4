// The contract each whitelisted op implements: a static rule (operand kinds, attributes,
// output types and shapes at a concrete batch size) and the reference kernel. Keeping both in
// one record per op means the whitelist and the second implementation can never disagree
// about which ops exist; the CU formula of each op is in cost.ts (OP_CU), checked complete.
import type { Attribute, Node } from '../onnx/proto.js';
import { AttrType } from '../onnx/proto.js';
import type { ElemType, Tensor } from '../tensor.js';
import { reject } from '../errors.js';
import { Reason } from '../reasons.js';

export interface ValueType {
  type: ElemType;
  dims: number[];
  /** Axis 0 is the batch axis (rows). Constants and weights are never batched. */
  batched: boolean;
}

export interface Operand {
  vt: ValueType;
  /** Known contents: data-bearing initializers (architecture constants). */
  constant?: Tensor;
  /** A weight slot (initializer without data, filled from the weights blob). */
  weight: boolean;
}

export interface OpContext {
  node: Node;
  /** undefined for an omitted optional input (empty name). */
  inputs: (Operand | undefined)[];
  attrs: Attrs;
}

export interface OpRule {
  minInputs: number;
  maxInputs: number;
  attributes: readonly string[];
  infer(ctx: OpContext): ValueType;
  /** Reference kernel (TypeScript interpreter). */
  run(node: Node, inputs: (Tensor | undefined)[], attrs: Attrs): Tensor;
  /** Inputs that must be initializers (weights or constants) and the int8 range their values must lie in. */
  weightRange?: { input: number; min: number; max: number };
}

export function opFail(node: Node, detail: string): never {
  reject(Reason.OP_ATTR, `${node.opType}: ${detail}`);
}

/** Typed, validated access to a node's attributes. Unknown names are rejected by the checker. */
export class Attrs {
  private map = new Map<string, Attribute>();
  constructor(readonly node: Node) {
    for (const a of node.attributes) {
      if (this.map.has(a.name)) opFail(node, `duplicate attribute ${a.name}`);
      this.map.set(a.name, a);
    }
  }

  names(): string[] {
    return [...this.map.keys()];
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  int(name: string, dflt: number): number {
    const a = this.map.get(name);
    if (a === undefined) return dflt;
    if (a.type !== AttrType.INT || a.i === undefined) opFail(this.node, `attribute ${name} must be an int`);
    if (a.i < -(1n << 31n) || a.i >= 1n << 31n) opFail(this.node, `attribute ${name} out of range`);
    return Number(a.i);
  }

  ints(name: string): number[] | undefined {
    const a = this.map.get(name);
    if (a === undefined) return undefined;
    if (a.type !== AttrType.INTS) opFail(this.node, `attribute ${name} must be ints`);
    return (a.ints ?? []).map((v) => {
      if (v < -(1n << 31n) || v >= 1n << 31n) opFail(this.node, `attribute ${name} out of range`);
      return Number(v);
    });
  }

  string(name: string): string | undefined {
    const a = this.map.get(name);
    if (a === undefined) return undefined;
    if (a.type !== AttrType.STRING || a.s === undefined) opFail(this.node, `attribute ${name} must be a string`);
    return new TextDecoder().decode(a.s);
  }
}

/** Normalise a possibly negative axis against a rank; rejects out-of-range axes. */
export function normAxis(node: Node, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) opFail(node, `axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function need(ctx: OpContext, i: number): Operand {
  const o = ctx.inputs[i];
  if (o === undefined) opFail(ctx.node, `input ${i} is required`);
  return o;
}

export function requireType(ctx: OpContext, o: Operand, allowed: readonly ElemType[], what: string): void {
  if (!allowed.includes(o.vt.type)) reject(Reason.DTYPE, `${ctx.node.opType}: ${what} has type ${o.vt.type}, allowed ${allowed.join('/')}`);
}

export function requireScalarConstant(ctx: OpContext, i: number, type: ElemType): Tensor {
  const o = need(ctx, i);
  if (o.constant === undefined) opFail(ctx.node, `input ${i} must be a constant initializer`);
  if (o.vt.type !== type) reject(Reason.DTYPE, `${ctx.node.opType}: input ${i} must be ${type}`);
  if (o.vt.dims.length !== 0) reject(Reason.SHAPE, `${ctx.node.opType}: input ${i} must be a scalar`);
  return o.constant;
}
