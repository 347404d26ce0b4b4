// Canonical encoder for the ONNX subset (ODA-BIP-0002 "Canonical encoding"). The bytes handed
// to onnxruntime are always produced here, never the submitter's bytes, so every node feeds
// ORT the identical buffer: fields in ascending field-number order, repeated scalars packed,
// tensor contents in raw_data (little-endian), empty strings and documentation omitted.
import { Writer, WT_I32 } from './wire.js';
import type { Attribute, Graph, Model, Node, TensorProto, ValueInfo } from './proto.js';

function packedVarints(w: Writer, field: number, values: readonly (bigint | number)[]): void {
  if (values.length === 0) return;
  w.message(field, (x) => {
    for (const v of values) x.varint(v);
  });
}

function sub(w: Writer, field: number, fill: (inner: Writer) => void): void {
  w.message(field, fill);
}

export function encodeTensor(w: Writer, t: TensorProto): void {
  packedVarints(w, 1, t.dims);
  w.varintField(2, t.dataType);
  if (t.name !== '') w.stringField(8, t.name);
  if (t.raw !== undefined) w.bytesField(9, t.raw);
}

function encodeAttribute(w: Writer, a: Attribute): void {
  w.stringField(1, a.name);
  if (a.f !== undefined) {
    w.key(2, WT_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, a.f, true);
    w.raw(b);
  }
  if (a.i !== undefined) w.varintField(3, a.i);
  if (a.s !== undefined) w.bytesField(4, a.s);
  if (a.t !== undefined) sub(w, 5, (x) => encodeTensor(x, a.t!));
  if (a.floats !== undefined && a.floats.length > 0) {
    const b = new Uint8Array(a.floats.length * 4);
    const dv = new DataView(b.buffer);
    a.floats.forEach((f, i) => dv.setFloat32(i * 4, f, true));
    w.bytesField(7, b);
  }
  if (a.ints !== undefined) packedVarints(w, 8, a.ints);
  w.varintField(20, a.type);
}

function encodeNode(w: Writer, n: Node): void {
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name !== '') w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const a of n.attributes) sub(w, 5, (x) => encodeAttribute(x, a));
  if (n.domain !== '') w.stringField(7, n.domain);
}

function encodeValueInfo(w: Writer, v: ValueInfo): void {
  w.stringField(1, v.name);
  sub(w, 2, (typeProto) =>
    sub(typeProto, 1, (tensorType) => {
      tensorType.varintField(1, v.elemType);
      if (v.dims !== undefined) {
        sub(tensorType, 2, (shape) => {
          for (const d of v.dims!) {
            sub(shape, 1, (dim) => {
              if (d.value !== undefined) dim.varintField(1, d.value);
              else if (d.param !== undefined) dim.stringField(2, d.param);
            });
          }
        });
      }
    }),
  );
}

function encodeGraph(w: Writer, g: Graph): void {
  for (const n of g.nodes) sub(w, 1, (x) => encodeNode(x, n));
  if (g.name !== '') w.stringField(2, g.name);
  for (const t of g.initializers) sub(w, 5, (x) => encodeTensor(x, t));
  for (const v of g.inputs) sub(w, 11, (x) => encodeValueInfo(x, v));
  for (const v of g.outputs) sub(w, 12, (x) => encodeValueInfo(x, v));
}

export function encodeModel(m: Model): Uint8Array {
  const w = new Writer();
  w.varintField(1, m.irVersion);
  if (m.producerName !== '') w.stringField(2, m.producerName);
  sub(w, 7, (x) => encodeGraph(x, m.graph));
  for (const o of m.opsetImports) {
    sub(w, 8, (x) => {
      if (o.domain !== '') x.stringField(1, o.domain);
      x.varintField(2, o.version);
    });
  }
  return w.finish();
}
