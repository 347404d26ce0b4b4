// The strict ONNX-subset codec: round trips, canonical re-encoding, and rejection (never a
// crash) of malformed, duplicated, unknown or oversized fields.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeModel, DecodeError } from '../../validator/onnx/decode.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import { WireError, Writer } from '../../validator/onnx/wire.js';
import { buildMlpModel, DIGITS_MLP } from '../../tools/models/mlp.js';
import { buildCnnModel, DIGITS_CNN } from '../../tools/models/cnn.js';
import { rng, randInt } from './helpers.js';

const mlp = encodeModel(buildMlpModel(DIGITS_MLP));

function expectDecodeError(bytes: Uint8Array, pattern: RegExp) {
  try {
    decodeModel(bytes);
  } catch (e) {
    assert.instance(e, WireError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`decoded, expected ${pattern}`);
}

/** Wraps graph bytes into a ModelProto with opset 17. */
function modelWithGraph(graph: Uint8Array, extra?: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  w.varintField(1, 8);
  w.bytesField(7, graph);
  const os = new Writer();
  os.varintField(2, 17);
  w.bytesField(8, os.finish());
  extra?.(w);
  return w.finish();
}

test('encode -> decode -> encode is the identity on builder models', () => {
  for (const m of [buildMlpModel(DIGITS_MLP), buildCnnModel(DIGITS_CNN)]) {
    const a = encodeModel(m);
    const b = encodeModel(decodeModel(a));
    assert.equal(b, a);
  }
});

test('non-ASCII names and negative int64 attributes round trip', () => {
  const m = buildMlpModel(DIGITS_MLP);
  m.graph.nodes[0].name = 'schicht-é-层';
  m.graph.nodes[0].attributes.push({ name: 'x', type: 7, ints: [-1n, 2n ** 40n] });
  const a = encodeModel(m);
  const d = decodeModel(a);
  assert.is(d.graph.nodes[0].name, 'schicht-é-层');
  assert.equal(d.graph.nodes[0].attributes[0].ints, [-1n, 2n ** 40n]);
  assert.equal(encodeModel(d), a);
});

test('decoded digits MLP has the expected structure', () => {
  const m = decodeModel(mlp);
  assert.is(m.irVersion, 8);
  assert.equal(m.opsetImports, [{ domain: '', version: 17 }]);
  assert.equal(m.graph.inputs.map((i) => i.name), ['input']);
  assert.equal(m.graph.nodes.map((n) => n.opType), ['MatMulInteger', 'Add', 'Mul', 'Div', 'Clip', 'Cast', 'MatMulInteger', 'Add']);
  assert.equal(m.graph.initializers.filter((t) => t.raw === undefined).map((t) => t.name), ['fc0.weight', 'fc0.bias', 'fc0.scale', 'fc1.weight', 'fc1.bias']);
});

test('unpacked repeated dims and int32_data decode to the same canonical form', () => {
  // TensorProto{dims:2 (unpacked), dims:1, data_type:INT32, name:"c", int32_data:[-1, 5] (unpacked)}
  const t = new Writer();
  t.varintField(1, 2);
  t.varintField(1, 1);
  t.varintField(2, 6);
  t.stringField(8, 'c');
  t.varintField(5, -1);
  t.varintField(5, 5);
  const g = new Writer();
  g.bytesField(5, t.finish());
  const m = decodeModel(modelWithGraph(g.finish()));
  const init = m.graph.initializers[0];
  assert.equal(init.dims, [2, 1]);
  assert.equal(Array.from(new Int32Array(init.raw!.buffer)), [-1, 5]);
});

test('rejects truncated input, bad varints and lengths past the end', () => {
  expectDecodeError(mlp.subarray(0, mlp.length - 3), /truncated|length exceeds|wrong wire type|unsupported/);
  expectDecodeError(Uint8Array.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /varint longer/);
  expectDecodeError(Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0x0f]), /length exceeds/);
  expectDecodeError(new Uint8Array(0), /no graph/);
});

test('rejects unknown fields, duplicates and wrong wire types', () => {
  const g = new Writer().finish();
  expectDecodeError(modelWithGraph(g, (w) => w.bytesField(14, new Uint8Array([1]))), /unsupported field 14 in ModelProto/);
  expectDecodeError(modelWithGraph(g, (w) => w.varintField(1, 8)), /duplicate field 1/);
  expectDecodeError(modelWithGraph(g, (w) => w.varintField(7, 1)), /wrong wire type/);
  const vi = new Writer();
  vi.stringField(1, 'x');
  const gw = new Writer();
  gw.bytesField(13, vi.finish()); // value_info
  expectDecodeError(modelWithGraph(gw.finish()), /unsupported field 13 in GraphProto/);
  const t = new Writer();
  t.stringField(8, 'ext');
  t.varintField(14, 1); // data_location EXTERNAL
  const g2 = new Writer();
  g2.bytesField(5, t.finish());
  expectDecodeError(modelWithGraph(g2.finish()), /unsupported field 14 in TensorProto/);
});

test('rejects tensors whose data does not match the shape, and shape bombs', () => {
  const t = new Writer();
  t.varintField(1, 4);
  t.varintField(2, 6);
  t.stringField(8, 'c');
  t.bytesField(9, new Uint8Array(12)); // 3 int32 for 4 elements
  const g = new Writer();
  g.bytesField(5, t.finish());
  expectDecodeError(modelWithGraph(g.finish()), /raw_data length/);
  const big = new Writer();
  const dims = new Writer();
  dims.varint(1 << 20);
  dims.varint(1 << 20);
  big.bytesField(1, dims.finish());
  big.varintField(2, 3);
  big.stringField(8, 'bomb');
  const g3 = new Writer();
  g3.bytesField(5, big.finish());
  expectDecodeError(modelWithGraph(g3.finish()), /tensor too large/);
});

test('typed data fields are capped over the whole model (large constants must use raw_data)', () => {
  const t = new Writer();
  t.varintField(1, 70_000);
  t.varintField(2, 6);
  t.stringField(8, 'big');
  const packed = new Writer();
  for (let i = 0; i < 70_000; i++) packed.varint(1);
  t.bytesField(5, packed.finish());
  const g = new Writer();
  g.bytesField(5, t.finish());
  expectDecodeError(modelWithGraph(g.finish()), /too many values/);
});

test('subgraph attributes are skipped unparsed (rejected later as control flow)', () => {
  const attr = new Writer();
  attr.stringField(1, 'then_branch');
  attr.bytesField(6, Uint8Array.from([0xff, 0xff])); // garbage: never parsed
  attr.varintField(20, 5);
  const node = new Writer();
  node.stringField(1, 'c');
  node.stringField(2, 'y');
  node.stringField(4, 'If');
  node.bytesField(5, attr.finish());
  const g = new Writer();
  g.bytesField(1, node.finish());
  const m = decodeModel(modelWithGraph(g.finish()));
  assert.is(m.graph.nodes[0].attributes[0].type, 5);
});

test('random mutations of a valid model never throw anything but a decode error', () => {
  const r = rng(7);
  let decoded = 0;
  for (let i = 0; i < 3000; i++) {
    const b = mlp.slice();
    const flips = randInt(r, 1, 4);
    for (let k = 0; k < flips; k++) b[randInt(r, 0, b.length - 1)] = randInt(r, 0, 255);
    try {
      decodeModel(r() < 0.2 ? b.subarray(0, randInt(r, 0, b.length)) : b);
      decoded++;
    } catch (e) {
      if (!(e instanceof DecodeError) && !(e instanceof WireError)) throw e;
    }
  }
  assert.ok(decoded < 3000);
});

test.run();
