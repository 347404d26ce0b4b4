// Small fluent helper for writing ONNX graphs in TypeScript (the model builders, tests and
// the differential fuzzer use it). It produces the in-memory Model; encodeModel gives bytes.
import { AttrType, DataType } from './proto.js';
import type { Attribute, Dim, Model, Node, TensorProto, ValueInfo } from './proto.js';

export const EXACT_OPSET = 17;
export const EXACT_IR_VERSION = 8;

export type ElemName = 'int8' | 'uint8' | 'int32' | 'int64' | 'float32';

export function dataTypeOf(e: ElemName): number {
  switch (e) {
    case 'int8':
      return DataType.INT8;
    case 'uint8':
      return DataType.UINT8;
    case 'int32':
      return DataType.INT32;
    case 'int64':
      return DataType.INT64;
    case 'float32':
      return DataType.FLOAT;
  }
}

export type AttrValue = number | bigint | string | number[];

function attr(name: string, v: AttrValue): Attribute {
  if (typeof v === 'number' || typeof v === 'bigint') return { name, type: AttrType.INT, i: BigInt(v) };
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  return { name, type: AttrType.INTS, ints: v.map((x) => BigInt(x)) };
}

/** Raw little-endian bytes of integer values for a given element type. */
export function rawOf(e: ElemName, values: ArrayLike<number | bigint>): Uint8Array {
  const n = values.length;
  switch (e) {
    case 'int8':
      return new Uint8Array(Int8Array.from(values as ArrayLike<number>, Number).buffer);
    case 'uint8':
      return Uint8Array.from(values as ArrayLike<number>, Number);
    case 'int32':
      return new Uint8Array(Int32Array.from(values as ArrayLike<number>, Number).buffer);
    case 'int64': {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(values[i]);
      return new Uint8Array(a.buffer);
    }
    case 'float32':
      return new Uint8Array(Float32Array.from(values as ArrayLike<number>, Number).buffer);
  }
}

export class GraphBuilder {
  private nodes: Node[] = [];
  private inits: TensorProto[] = [];
  private ins: ValueInfo[] = [];
  private outs: ValueInfo[] = [];
  private counter = 0;

  constructor(readonly batchParam = 'N') {}

  fresh(prefix = 't'): string {
    return `${prefix}${this.counter++}`;
  }

  /** A data input: leading symbolic batch dimension, then static dims. */
  input(name: string, elem: ElemName, rowDims: number[]): string {
    this.ins.push({ name, elemType: dataTypeOf(elem), dims: [{ param: this.batchParam }, ...rowDims.map((v): Dim => ({ value: v }))] });
    return name;
  }

  output(name: string, elem: ElemName, rowDims: number[]): void {
    this.outs.push({ name, elemType: dataTypeOf(elem), dims: [{ param: this.batchParam }, ...rowDims.map((v): Dim => ({ value: v }))] });
  }

  /** A constant initializer (part of the architecture, not trainable). */
  constant(name: string, elem: ElemName, dims: number[], values: ArrayLike<number | bigint>): string {
    this.inits.push({ name, dataType: dataTypeOf(elem), dims, raw: rawOf(elem, values) });
    return name;
  }

  /** A weight slot: an initializer with no data, filled from the weights blob. */
  weight(name: string, elem: ElemName, dims: number[]): string {
    this.inits.push({ name, dataType: dataTypeOf(elem), dims });
    return name;
  }

  node(opType: string, inputs: string[], outputs: string[] | number = 1, attrs: Record<string, AttrValue> = {}): string[] {
    const outNames = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh()) : outputs;
    this.nodes.push({
      inputs,
      outputs: outNames,
      name: '',
      opType,
      domain: '',
      attributes: Object.keys(attrs)
        .sort()
        .map((k) => attr(k, attrs[k])),
    });
    return outNames;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outName?: string): string {
    return this.node(opType, inputs, outName === undefined ? 1 : [outName], attrs)[0];
  }

  build(opset = EXACT_OPSET, producerName = 'oda-validator'): Model {
    return {
      irVersion: EXACT_IR_VERSION,
      opsetImports: [{ domain: '', version: opset }],
      producerName,
      graph: { name: 'g', nodes: this.nodes, initializers: this.inits, inputs: this.ins, outputs: this.outs },
    };
  }
}
