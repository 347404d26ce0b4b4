// Strict, bounded decoder for the ONNX ModelProto subset of ODA-BIP-0002. It parses untrusted
// bytes (architecture blobs arrive from peers), so:
// - the input size, node/initializer/IO counts, names, ranks and element counts are capped
//   before anything proportional to them is allocated;
// - fields outside the subset are rejected, not skipped (a field ORT would honour but this
//   decoder dropped would make the bytes ORT sees differ from what admission checked);
//   the only skipped fields are the documentation strings listed in IGNORED;
// - a non-repeated field present twice is rejected (protobuf's last-wins is a malleability);
// - subgraph attributes (If/Loop/Scan bodies) are recorded by type but never parsed, so
//   nesting depth is fixed at ModelProto > GraphProto > NodeProto > AttributeProto > TensorProto.
import { Reader, WireError, WT_I32, WT_I64, WT_LEN, WT_VARINT, decodeUtf8 } from './wire.js';
import { AttrType, DataType, elemSize } from './proto.js';
import type { Attribute, Dim, Graph, Model, Node, OpsetId, TensorProto, ValueInfo } from './proto.js';

export const DECODE_LIMITS = {
  maxModelBytes: 4 * 1024 * 1024,
  maxNodes: 1024,
  maxInitializers: 1024,
  maxGraphInputs: 64,
  maxGraphOutputs: 64,
  maxNodeInputs: 64,
  maxNodeOutputs: 16,
  maxAttributes: 32,
  maxAttrInts: 64,
  maxRank: 8,
  maxNameBytes: 256,
  maxOpsetImports: 8,
  /** Elements in any one tensor declared in the file (data-bearing or not). */
  maxTensorElems: 1 << 26,
  /** Values in typed data fields (int32_data, int64_data, float_data) over the whole model:
   *  each becomes a JS value before packing, so large constants must use raw_data. */
  maxTypedValues: 1 << 16,
} as const;

/** Running count of typed data values, shared by every tensor of one model. */
interface Budget {
  typedValues: number;
}

export class DecodeError extends WireError {}

function fail(msg: string): never {
  throw new DecodeError(msg);
}

/** Tracks non-repeated fields so that a duplicate is rejected. */
class Seen {
  private s = new Set<number>();
  once(field: number, what: string): void {
    if (this.s.has(field)) fail(`duplicate field ${field} in ${what}`);
    this.s.add(field);
  }
}

function expectWt(wt: number, want: number, field: number, what: string): void {
  if (wt !== want) fail(`wrong wire type ${wt} for field ${field} in ${what}`);
}

function skipField(r: Reader, wt: number): void {
  if (wt === WT_VARINT) r.varint();
  else if (wt === WT_LEN) r.bytes();
  else if (wt === WT_I32) r.fixed32();
  else if (wt === WT_I64) r.fixed64();
  else fail(`unsupported wire type ${wt}`);
}

function name(r: Reader): string {
  const b = r.bytes();
  if (b.length > DECODE_LIMITS.maxNameBytes) fail('name too long');
  return decodeUtf8(b);
}

function safeInt(v: bigint, what: string): number {
  if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} out of range`);
  return Number(v);
}

/** Repeated varint field, packed (wire type 2) or not (wire type 0). */
function repeatedVarint(r: Reader, wt: number, out: bigint[], max: number, what: string): void {
  if (wt === WT_VARINT) out.push(r.int64());
  else if (wt === WT_LEN) {
    const sub = r.sub();
    while (!sub.done()) {
      if (out.length >= max) fail(`too many values in ${what}`);
      out.push(sub.int64());
    }
  } else fail(`wrong wire type for ${what}`);
  if (out.length > max) fail(`too many values in ${what}`);
}

function numelOf(dims: number[]): number {
  let n = 1;
  for (const d of dims) {
    if (d < 0) fail('negative tensor dimension');
    n *= d;
    if (n > DECODE_LIMITS.maxTensorElems) fail('tensor too large');
  }
  return n;
}

// TensorProto: dims=1, data_type=2, float_data=4, int32_data=5, string_data=6, int64_data=7,
// name=8, raw_data=9, doc_string=12 (ignored). segment=3, double_data=10, uint64_data=11,
// external_data=13, data_location=14 are rejected.
function decodeTensor(r: Reader, budget: Budget): TensorProto {
  const seen = new Seen();
  const dims: bigint[] = [];
  let dataType = 0;
  let tname = '';
  let raw: Uint8Array | undefined;
  const int32Data: bigint[] = [];
  const int64Data: bigint[] = [];
  let floatData: Uint8Array[] | undefined;
  let sources = 0;
  while (!r.done()) {
    const [f, wt] = r.key();
    switch (f) {
      case 1:
        repeatedVarint(r, wt, dims, DECODE_LIMITS.maxRank, 'tensor dims');
        break;
      case 2:
        expectWt(wt, WT_VARINT, f, 'TensorProto');
        seen.once(f, 'TensorProto');
        dataType = r.int32();
        break;
      case 4: {
        // float_data: accepted only so that float models reach admission and get the precise
        // rejection reason instead of an encoding error.
        floatData ??= [];
        if (wt === WT_I32) floatData.push(r.fixed32());
        else if (wt === WT_LEN) {
          const sub = r.sub();
          while (!sub.done()) floatData.push(sub.fixed32());
        } else fail('wrong wire type for float_data');
        if (floatData.length > DECODE_LIMITS.maxTypedValues) fail('too many values in typed data fields (use raw_data)');
        break;
      }
      case 5:
        repeatedVarint(r, wt, int32Data, DECODE_LIMITS.maxTypedValues, 'int32_data');
        break;
      case 7:
        repeatedVarint(r, wt, int64Data, DECODE_LIMITS.maxTypedValues, 'int64_data');
        break;
      case 8:
        expectWt(wt, WT_LEN, f, 'TensorProto');
        seen.once(f, 'TensorProto');
        tname = name(r);
        break;
      case 9:
        expectWt(wt, WT_LEN, f, 'TensorProto');
        seen.once(f, 'TensorProto');
        raw = r.bytes();
        break;
      case 12:
        skipField(r, wt);
        break;
      default:
        fail(`unsupported field ${f} in TensorProto`);
    }
  }
  budget.typedValues += int32Data.length + int64Data.length + (floatData?.length ?? 0);
  if (budget.typedValues > DECODE_LIMITS.maxTypedValues) fail('too many values in typed data fields (use raw_data)');
  const dimsN = dims.map((d) => safeInt(d, 'tensor dim'));
  const numel = numelOf(dimsN);
  const size = elemSize(dataType);
  if (raw !== undefined) sources++;
  if (int32Data.length > 0) sources++;
  if (int64Data.length > 0) sources++;
  if (floatData !== undefined && floatData.length > 0) sources++;
  if (sources > 1) fail(`tensor ${tname} has more than one data field`);
  if (sources === 0) return { name: tname, dataType, dims: dimsN };
  if (size === undefined) fail(`tensor ${tname} has unsupported data type ${dataType}`);
  if (raw !== undefined) {
    if (raw.length !== numel * size) fail(`tensor ${tname} raw_data length does not match its shape`);
    return { name: tname, dataType, dims: dimsN, raw: raw.slice() };
  }
  const out = new Uint8Array(numel * size);
  const view = new DataView(out.buffer);
  if (floatData !== undefined && floatData.length > 0) {
    if (dataType !== DataType.FLOAT || floatData.length !== numel) fail(`tensor ${tname} float_data does not match`);
    floatData.forEach((b, i) => out.set(b, i * 4));
  } else if (int64Data.length > 0) {
    if (dataType !== DataType.INT64 || int64Data.length !== numel) fail(`tensor ${tname} int64_data does not match`);
    int64Data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  } else {
    // int32_data carries INT32, INT16, INT8, UINT16, UINT8 and BOOL, one value per element.
    if (int32Data.length !== numel) fail(`tensor ${tname} int32_data length does not match its shape`);
    for (let i = 0; i < numel; i++) {
      const v = int32Data[i];
      switch (dataType) {
        case DataType.INT32:
          if (v < -(1n << 31n) || v >= 1n << 31n) fail('int32_data value out of range');
          view.setInt32(i * 4, Number(v), true);
          break;
        case DataType.INT8:
          if (v < -128n || v > 127n) fail('int8 value out of range');
          view.setInt8(i, Number(v));
          break;
        case DataType.UINT8:
        case DataType.BOOL:
          if (v < 0n || v > 255n) fail('uint8 value out of range');
          view.setUint8(i, Number(v));
          break;
        case DataType.INT16:
          if (v < -32768n || v > 32767n) fail('int16 value out of range');
          view.setInt16(i * 2, Number(v), true);
          break;
        case DataType.UINT16:
          if (v < 0n || v > 65535n) fail('uint16 value out of range');
          view.setUint16(i * 2, Number(v), true);
          break;
        default:
          fail(`tensor ${tname} int32_data used with data type ${dataType}`);
      }
    }
  }
  return { name: tname, dataType, dims: dimsN, raw: out };
}

// AttributeProto: name=1, f=2, i=3, s=4, t=5, g=6 (skipped, flagged), floats=7, ints=8,
// strings=9, tensors=10, graphs=11 (skipped, flagged), doc_string=13 (ignored), type=20.
function decodeAttribute(r: Reader, budget: Budget): Attribute {
  const seen = new Seen();
  const a: Attribute = { name: '', type: 0 };
  const ints: bigint[] = [];
  const floats: number[] = [];
  let hasGraph = false;
  while (!r.done()) {
    const [f, wt] = r.key();
    switch (f) {
      case 1:
        expectWt(wt, WT_LEN, f, 'AttributeProto');
        seen.once(f, 'AttributeProto');
        a.name = name(r);
        break;
      case 2: {
        expectWt(wt, WT_I32, f, 'AttributeProto');
        seen.once(f, 'AttributeProto');
        const b = r.fixed32();
        a.f = new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
        break;
      }
      case 3:
        expectWt(wt, WT_VARINT, f, 'AttributeProto');
        seen.once(f, 'AttributeProto');
        a.i = r.int64();
        break;
      case 4:
        expectWt(wt, WT_LEN, f, 'AttributeProto');
        seen.once(f, 'AttributeProto');
        a.s = r.bytes().slice();
        if (a.s.length > DECODE_LIMITS.maxNameBytes) fail('string attribute too long');
        break;
      case 5:
        expectWt(wt, WT_LEN, f, 'AttributeProto');
        seen.once(f, 'AttributeProto');
        a.t = decodeTensor(r.sub(), budget);
        break;
      case 6:
      case 11:
        expectWt(wt, WT_LEN, f, 'AttributeProto');
        r.bytes();
        hasGraph = true;
        break;
      case 7:
        if (wt === WT_I32) floats.push(new DataView(r.fixed32().slice().buffer).getFloat32(0, true));
        else if (wt === WT_LEN) {
          const sub = r.sub();
          while (!sub.done()) floats.push(new DataView(sub.fixed32().slice().buffer).getFloat32(0, true));
        } else fail('wrong wire type for floats');
        if (floats.length > DECODE_LIMITS.maxAttrInts) fail('too many floats');
        break;
      case 8:
        repeatedVarint(r, wt, ints, DECODE_LIMITS.maxAttrInts, 'attribute ints');
        break;
      case 13:
        skipField(r, wt);
        break;
      case 20:
        expectWt(wt, WT_VARINT, f, 'AttributeProto');
        seen.once(f, 'AttributeProto');
        a.type = r.int32();
        break;
      default:
        fail(`unsupported field ${f} in AttributeProto`);
    }
  }
  if (ints.length > 0) a.ints = ints;
  if (floats.length > 0) a.floats = floats;
  if (hasGraph && a.type !== AttrType.GRAPH && a.type !== AttrType.GRAPHS) fail('graph attribute with another type');
  return a;
}

// NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, doc_string=6 (ignored), domain=7.
function decodeNode(r: Reader, budget: Budget): Node {
  const seen = new Seen();
  const n: Node = { inputs: [], outputs: [], name: '', opType: '', domain: '', attributes: [] };
  while (!r.done()) {
    const [f, wt] = r.key();
    switch (f) {
      case 1:
        expectWt(wt, WT_LEN, f, 'NodeProto');
        if (n.inputs.length >= DECODE_LIMITS.maxNodeInputs) fail('too many node inputs');
        n.inputs.push(name(r));
        break;
      case 2:
        expectWt(wt, WT_LEN, f, 'NodeProto');
        if (n.outputs.length >= DECODE_LIMITS.maxNodeOutputs) fail('too many node outputs');
        n.outputs.push(name(r));
        break;
      case 3:
        expectWt(wt, WT_LEN, f, 'NodeProto');
        seen.once(f, 'NodeProto');
        n.name = name(r);
        break;
      case 4:
        expectWt(wt, WT_LEN, f, 'NodeProto');
        seen.once(f, 'NodeProto');
        n.opType = name(r);
        break;
      case 5:
        expectWt(wt, WT_LEN, f, 'NodeProto');
        if (n.attributes.length >= DECODE_LIMITS.maxAttributes) fail('too many attributes');
        n.attributes.push(decodeAttribute(r.sub(), budget));
        break;
      case 6:
        skipField(r, wt);
        break;
      case 7:
        expectWt(wt, WT_LEN, f, 'NodeProto');
        seen.once(f, 'NodeProto');
        n.domain = name(r);
        break;
      default:
        fail(`unsupported field ${f} in NodeProto`);
    }
  }
  return n;
}

// TypeProto.Tensor: elem_type=1, shape=2. TensorShapeProto: dim=1. Dimension: dim_value=1,
// dim_param=2, denotation=3 (ignored).
function decodeDim(r: Reader): Dim {
  const seen = new Seen();
  const d: Dim = {};
  while (!r.done()) {
    const [f, wt] = r.key();
    if (f === 1) {
      expectWt(wt, WT_VARINT, f, 'Dimension');
      seen.once(1, 'Dimension');
      d.value = safeInt(r.int64(), 'dim_value');
    } else if (f === 2) {
      expectWt(wt, WT_LEN, f, 'Dimension');
      seen.once(2, 'Dimension');
      d.param = name(r);
    } else if (f === 3) skipField(r, wt);
    else fail(`unsupported field ${f} in Dimension`);
  }
  if (d.value !== undefined && d.param !== undefined) fail('dimension has both value and param');
  return d;
}

function decodeShape(r: Reader): Dim[] {
  const dims: Dim[] = [];
  while (!r.done()) {
    const [f, wt] = r.key();
    if (f !== 1) fail(`unsupported field ${f} in TensorShapeProto`);
    expectWt(wt, WT_LEN, f, 'TensorShapeProto');
    if (dims.length >= DECODE_LIMITS.maxRank) fail('rank too large');
    dims.push(decodeDim(r.sub()));
  }
  return dims;
}

function decodeTensorType(r: Reader, vi: ValueInfo): void {
  const seen = new Seen();
  while (!r.done()) {
    const [f, wt] = r.key();
    if (f === 1) {
      expectWt(wt, WT_VARINT, f, 'TypeProto.Tensor');
      seen.once(1, 'TypeProto.Tensor');
      vi.elemType = r.int32();
    } else if (f === 2) {
      expectWt(wt, WT_LEN, f, 'TypeProto.Tensor');
      seen.once(2, 'TypeProto.Tensor');
      vi.dims = decodeShape(r.sub());
    } else fail(`unsupported field ${f} in TypeProto.Tensor`);
  }
}

// ValueInfoProto: name=1, type=2, doc_string=3 (ignored). TypeProto: tensor_type=1,
// denotation=6 (ignored); sequence/map/optional/sparse types are rejected.
function decodeValueInfo(r: Reader): ValueInfo {
  const seen = new Seen();
  const vi: ValueInfo = { name: '', elemType: 0 };
  let typed = false;
  while (!r.done()) {
    const [f, wt] = r.key();
    if (f === 1) {
      expectWt(wt, WT_LEN, f, 'ValueInfoProto');
      seen.once(1, 'ValueInfoProto');
      vi.name = name(r);
    } else if (f === 2) {
      expectWt(wt, WT_LEN, f, 'ValueInfoProto');
      seen.once(2, 'ValueInfoProto');
      const tr = r.sub();
      const tseen = new Seen();
      while (!tr.done()) {
        const [tf, twt] = tr.key();
        if (tf === 1) {
          expectWt(twt, WT_LEN, tf, 'TypeProto');
          tseen.once(1, 'TypeProto');
          decodeTensorType(tr.sub(), vi);
          typed = true;
        } else if (tf === 6) skipField(tr, twt);
        else fail(`unsupported field ${tf} in TypeProto (only tensor types)`);
      }
    } else if (f === 3) skipField(r, wt);
    else fail(`unsupported field ${f} in ValueInfoProto`);
  }
  if (!typed) fail(`value ${vi.name} has no tensor type`);
  return vi;
}

// GraphProto: node=1, name=2, initializer=5, doc_string=10 (ignored), input=11, output=12.
// sparse_initializer=15, value_info=13, quantization_annotation=14 are rejected.
function decodeGraph(r: Reader, budget: Budget): Graph {
  const seen = new Seen();
  const g: Graph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  while (!r.done()) {
    const [f, wt] = r.key();
    switch (f) {
      case 1:
        expectWt(wt, WT_LEN, f, 'GraphProto');
        if (g.nodes.length >= DECODE_LIMITS.maxNodes) fail('too many nodes');
        g.nodes.push(decodeNode(r.sub(), budget));
        break;
      case 2:
        expectWt(wt, WT_LEN, f, 'GraphProto');
        seen.once(f, 'GraphProto');
        g.name = name(r);
        break;
      case 5:
        expectWt(wt, WT_LEN, f, 'GraphProto');
        if (g.initializers.length >= DECODE_LIMITS.maxInitializers) fail('too many initializers');
        g.initializers.push(decodeTensor(r.sub(), budget));
        break;
      case 10:
        skipField(r, wt);
        break;
      case 11:
        expectWt(wt, WT_LEN, f, 'GraphProto');
        if (g.inputs.length >= DECODE_LIMITS.maxGraphInputs + DECODE_LIMITS.maxInitializers) fail('too many graph inputs');
        g.inputs.push(decodeValueInfo(r.sub()));
        break;
      case 12:
        expectWt(wt, WT_LEN, f, 'GraphProto');
        if (g.outputs.length >= DECODE_LIMITS.maxGraphOutputs) fail('too many graph outputs');
        g.outputs.push(decodeValueInfo(r.sub()));
        break;
      default:
        fail(`unsupported field ${f} in GraphProto`);
    }
  }
  return g;
}

function decodeOpset(r: Reader): OpsetId {
  const seen = new Seen();
  const o: OpsetId = { domain: '', version: 0 };
  while (!r.done()) {
    const [f, wt] = r.key();
    if (f === 1) {
      expectWt(wt, WT_LEN, f, 'OperatorSetIdProto');
      seen.once(1, 'OperatorSetIdProto');
      o.domain = name(r);
    } else if (f === 2) {
      expectWt(wt, WT_VARINT, f, 'OperatorSetIdProto');
      seen.once(2, 'OperatorSetIdProto');
      o.version = safeInt(r.int64(), 'opset version');
    } else fail(`unsupported field ${f} in OperatorSetIdProto`);
  }
  return o;
}

// ModelProto: ir_version=1, producer_name=2, producer_version=3, domain=4, model_version=5,
// doc_string=6 (3..6 ignored), graph=7, opset_import=8. metadata_props=14,
// training_info=20, functions=25 and everything else are rejected.
export function decodeModel(bytes: Uint8Array): Model {
  if (bytes.length > DECODE_LIMITS.maxModelBytes) fail('model too large');
  const r = new Reader(bytes);
  const seen = new Seen();
  let irVersion = 0;
  let producerName = '';
  let graph: Graph | undefined;
  const opsetImports: OpsetId[] = [];
  while (!r.done()) {
    const [f, wt] = r.key();
    switch (f) {
      case 1:
        expectWt(wt, WT_VARINT, f, 'ModelProto');
        seen.once(f, 'ModelProto');
        irVersion = safeInt(r.int64(), 'ir_version');
        break;
      case 2:
        expectWt(wt, WT_LEN, f, 'ModelProto');
        seen.once(f, 'ModelProto');
        producerName = name(r);
        break;
      case 3:
      case 4:
      case 5:
      case 6:
        seen.once(f, 'ModelProto');
        skipField(r, wt);
        break;
      case 7:
        expectWt(wt, WT_LEN, f, 'ModelProto');
        seen.once(f, 'ModelProto');
        graph = decodeGraph(r.sub(), { typedValues: 0 });
        break;
      case 8:
        expectWt(wt, WT_LEN, f, 'ModelProto');
        if (opsetImports.length >= DECODE_LIMITS.maxOpsetImports) fail('too many opset imports');
        opsetImports.push(decodeOpset(r.sub()));
        break;
      default:
        fail(`unsupported field ${f} in ModelProto`);
    }
  }
  if (graph === undefined) fail('model has no graph');
  return { irVersion, opsetImports, producerName, graph };
}
