// A small integer CNN in the exact class, for 8x8 single-channel images:
//   ConvInteger 3x3 (pad 1) -> + bias -> requantize (Mul m, Div 2^shift, Clip 0..127, Cast int8)
//   -> MaxPool 2x2 -> Reshape [0, -1] -> MatMulInteger -> + bias = int32 logits.
import { GraphBuilder } from '../../validator/onnx/graph-builder.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import type { Model } from '../../validator/onnx/proto.js';
import type { WeightShape } from './mlp.js';

export interface CnnSpec {
  size: number;
  channels: number;
  outputs: number;
  shift: number;
}

export const DIGITS_CNN: CnnSpec = { size: 8, channels: 8, outputs: 10, shift: 16 };

export function cnnWeightShapes(s: CnnSpec): WeightShape[] {
  const pooled = s.channels * (s.size / 2) * (s.size / 2);
  return [
    { name: 'conv.weight', type: 'int8', dims: [s.channels, 1, 3, 3] },
    { name: 'conv.bias', type: 'int32', dims: [1, s.channels, 1, 1] },
    { name: 'conv.scale', type: 'int32', dims: [1, s.channels, 1, 1] },
    { name: 'fc.weight', type: 'int8', dims: [pooled, s.outputs] },
    { name: 'fc.bias', type: 'int32', dims: [s.outputs] },
  ];
}

export function buildCnnModel(s: CnnSpec): Model {
  if (s.size % 2 !== 0) throw new Error('image size must be even');
  const g = new GraphBuilder();
  g.input('input', 'uint8', [1, s.size, s.size]);
  for (const w of cnnWeightShapes(s)) g.weight(w.name, w.type, w.dims);
  const div = g.constant('requant.divisor', 'int32', [], [2 ** s.shift]);
  const lo = g.constant('relu.min', 'int32', [], [0]);
  const hi = g.constant('relu.max', 'int32', [], [127]);
  const flat = g.constant('flatten.shape', 'int64', [2], [0, -1]);
  const conv = g.op('ConvInteger', ['input', 'conv.weight'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const acc = g.op('Add', [conv, 'conv.bias']);
  const q = g.op('Div', [g.op('Mul', [acc, 'conv.scale']), div]);
  const a = g.op('Cast', [g.op('Clip', [q, lo, hi])], { to: 3 });
  const p = g.op('MaxPool', [a], { kernel_shape: [2, 2], strides: [2, 2] });
  const f = g.op('Reshape', [p, flat]);
  g.op('Add', [g.op('MatMulInteger', [f, 'fc.weight']), 'fc.bias'], {}, 'logits');
  g.output('logits', 'int32', [s.outputs]);
  return g.build();
}

export function buildCnn(s: CnnSpec): Uint8Array {
  return encodeModel(buildCnnModel(s));
}
