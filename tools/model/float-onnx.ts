// Lenient reader for the float ONNX files that torch.onnx.export, tf2onnx and skl2onnx write.
// It is a user-side tool, not consensus: unknown fields (value_info, metadata_props, doc
// strings, …) are skipped instead of rejected, float data is kept, and there is no 4 MiB cap
// (a 1 M-parameter float MLP is 4 MB). The node's strict decoder (validator/onnx/decode.ts)
// sees only what `convert` writes.
import { Reader, WT_I32, WT_I64, WT_LEN, WT_VARINT, decodeUtf8 } from '../../validator/onnx/wire.js';
import { DataType } from '../../validator/onnx/proto.js';
import { ModelError } from './errors.js';

export interface FTensor {
  name: string;
  dataType: number;
  dims: number[];
  /** Values as float64 (float, double, integer types); undefined when the file has no data. */
  values?: Float64Array;
  /** Integer values exactly (int64 shape vectors). */
  ints?: bigint[];
}

export interface FAttr {
  name: string;
  i?: bigint;
  f?: number;
  s?: string;
  ints?: bigint[];
  floats?: number[];
  t?: FTensor;
  graph?: boolean;
}

export interface FNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, FAttr>;
}

export interface FDim {
  value?: number;
  param?: string;
}

export interface FValue {
  name: string;
  elemType: number;
  dims?: FDim[];
}

export interface FloatModel {
  opset: number;
  producer: string;
  nodes: FNode[];
  initializers: Map<string, FTensor>;
  inputs: FValue[];
  outputs: FValue[];
}

function skip(r: Reader, wt: number): void {
  if (wt === WT_VARINT) r.varint();
  else if (wt === WT_LEN) r.bytes();
  else if (wt === WT_I32) r.fixed32();
  else if (wt === WT_I64) r.fixed64();
  else throw new ModelError(`not an ONNX file (wire type ${wt})`);
}

function str(r: Reader): string {
  return decodeUtf8(r.bytes());
}

function varints(r: Reader, wt: number, out: bigint[]): void {
  if (wt === WT_VARINT) out.push(r.int64());
  else {
    const s = r.sub();
    while (!s.done()) out.push(s.int64());
  }
}

function floatsOf(r: Reader, wt: number, out: number[]): void {
  if (wt === WT_I32) out.push(new DataView(r.fixed32().slice().buffer).getFloat32(0, true));
  else {
    const b = r.bytes();
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let o = 0; o + 4 <= b.length; o += 4) out.push(dv.getFloat32(o, true));
  }
}

function numel(dims: number[]): number {
  return dims.reduce((a, d) => a * d, 1);
}

function rawValues(dataType: number, raw: Uint8Array, n: number, name: string): Float64Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(n);
  const size = { [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.INT64]: 8, [DataType.INT32]: 4, [DataType.INT8]: 1, [DataType.UINT8]: 1 }[dataType];
  if (size === undefined) throw new ModelError(`tensor '${name}': element type ${dataType} is not supported (float32, float64 or integers)`);
  if (raw.length !== n * size) throw new ModelError(`tensor '${name}': ${raw.length} data bytes for ${n} elements`);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    if (dataType === DataType.FLOAT) out[i] = dv.getFloat32(o, true);
    else if (dataType === DataType.DOUBLE) out[i] = dv.getFloat64(o, true);
    else if (dataType === DataType.INT64) out[i] = Number(dv.getBigInt64(o, true));
    else if (dataType === DataType.INT32) out[i] = dv.getInt32(o, true);
    else if (dataType === DataType.INT8) out[i] = dv.getInt8(o);
    else out[i] = dv.getUint8(o);
  }
  return out;
}

function tensor(r: Reader): FTensor {
  const dims: bigint[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const ints: bigint[] = [];
  const doubles: number[] = [];
  let external = false;
  while (!r.done()) {
    const [f, wt] = r.key();
    if (f === 1) varints(r, wt, dims);
    else if (f === 2) dataType = Number(r.int64());
    else if (f === 4) floatsOf(r, wt, floats);
    else if (f === 5 || f === 7) varints(r, wt, ints);
    else if (f === 8) name = str(r);
    else if (f === 9) raw = r.bytes();
    else if (f === 10) {
      if (wt === WT_I64) doubles.push(new DataView(r.fixed64().slice().buffer).getFloat64(0, true));
      else {
        const b = r.bytes();
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        for (let o = 0; o + 8 <= b.length; o += 8) doubles.push(dv.getFloat64(o, true));
      }
    } else if (f === 13 || f === 14) {
      external = true;
      skip(r, wt);
    } else skip(r, wt);
  }
  const d = dims.map(Number);
  if (external) throw new ModelError(`tensor '${name}' uses external data: export with the weights inside the .onnx file`);
  const n = numel(d);
  const t: FTensor = { name, dataType, dims: d };
  if (raw !== undefined) t.values = rawValues(dataType, raw, n, name);
  else if (floats.length > 0) t.values = Float64Array.from(floats);
  else if (doubles.length > 0) t.values = Float64Array.from(doubles);
  else if (ints.length > 0) t.values = Float64Array.from(ints, Number);
  else if (n === 0) t.values = new Float64Array(0);
  if (dataType === DataType.INT64 && t.values) t.ints = Array.from(t.values, (v) => BigInt(v));
  if (t.values && t.values.length !== n) throw new ModelError(`tensor '${name}': ${t.values.length} values for shape [${d}]`);
  return t;
}

function attribute(r: Reader): FAttr {
  const a: FAttr = { name: '' };
  const ints: bigint[] = [];
  const floats: number[] = [];
  while (!r.done()) {
    const [f, wt] = r.key();
    if (f === 1) a.name = str(r);
    else if (f === 2) a.f = new DataView(r.fixed32().slice().buffer).getFloat32(0, true);
    else if (f === 3) a.i = r.int64();
    else if (f === 4) a.s = str(r);
    else if (f === 5) a.t = tensor(r.sub());
    else if (f === 6 || f === 11) {
      a.graph = true;
      skip(r, wt);
    }
    else if (f === 7) floatsOf(r, wt, floats);
    else if (f === 8) varints(r, wt, ints);
    else skip(r, wt);
  }
  if (ints.length > 0) a.ints = ints;
  if (floats.length > 0) a.floats = floats;
  return a;
}

function node(r: Reader): FNode {
  const n: FNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attrs: new Map() };
  while (!r.done()) {
    const [f, wt] = r.key();
    if (f === 1) n.inputs.push(str(r));
    else if (f === 2) n.outputs.push(str(r));
    else if (f === 3) n.name = str(r);
    else if (f === 4) n.opType = str(r);
    else if (f === 5) {
      const a = attribute(r.sub());
      n.attrs.set(a.name, a);
    } else if (f === 7) n.domain = str(r);
    else skip(r, wt);
  }
  return n;
}

function valueInfo(r: Reader): FValue {
  const v: FValue = { name: '', elemType: 0 };
  while (!r.done()) {
    const [f, wt] = r.key();
    if (f === 1) v.name = str(r);
    else if (f === 2) {
      const tp = r.sub();
      while (!tp.done()) {
        const [tf, twt] = tp.key();
        if (tf !== 1) {
          skip(tp, twt);
          continue;
        }
        const tt = tp.sub();
        while (!tt.done()) {
          const [ef, ewt] = tt.key();
          if (ef === 1) v.elemType = Number(tt.int64());
          else if (ef === 2) {
            v.dims = [];
            const sh = tt.sub();
            while (!sh.done()) {
              const [sf, swt] = sh.key();
              if (sf !== 1) {
                skip(sh, swt);
                continue;
              }
              const dr = sh.sub();
              const d: FDim = {};
              while (!dr.done()) {
                const [df, dwt] = dr.key();
                if (df === 1) d.value = Number(dr.int64());
                else if (df === 2) d.param = str(dr);
                else skip(dr, dwt);
              }
              v.dims.push(d);
            }
          } else skip(tt, ewt);
        }
      }
    } else skip(r, wt);
  }
  return v;
}

/** Parses a float ONNX ModelProto; throws ModelError when the bytes are not ONNX. */
export function readFloatOnnx(bytes: Uint8Array): FloatModel {
  const m: FloatModel = { opset: 0, producer: '', nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  let graphSeen = false;
  try {
    const r = new Reader(bytes);
    while (!r.done()) {
      const [f, wt] = r.key();
      if (f === 2 && wt === WT_LEN) m.producer = str(r);
      else if (f === 7 && wt === WT_LEN) {
        graphSeen = true;
        const g = r.sub();
        while (!g.done()) {
          const [gf, gwt] = g.key();
          if (gf === 1 && gwt === WT_LEN) m.nodes.push(node(g.sub()));
          else if (gf === 5 && gwt === WT_LEN) {
            const t = tensor(g.sub());
            m.initializers.set(t.name, t);
          } else if (gf === 11 && gwt === WT_LEN) m.inputs.push(valueInfo(g.sub()));
          else if (gf === 12 && gwt === WT_LEN) m.outputs.push(valueInfo(g.sub()));
          else skip(g, gwt);
        }
      } else if (f === 8 && wt === WT_LEN) {
        const o = r.sub();
        let domain = '';
        let version = 0;
        while (!o.done()) {
          const [of, owt] = o.key();
          if (of === 1) domain = str(o);
          else if (of === 2) version = Number(o.int64());
          else skip(o, owt);
        }
        if (domain === '' || domain === 'ai.onnx') m.opset = version;
      } else skip(r, wt);
    }
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`not a readable ONNX file: ${(e as Error).message}`);
  }
  if (!graphSeen) throw new ModelError('not an ONNX model: no graph');
  // Old exporters list initializers among the graph inputs too; those are not data inputs.
  m.inputs = m.inputs.filter((v) => !m.initializers.has(v.name));
  return m;
}
