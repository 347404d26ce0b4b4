// The exact-class architecture of a converted network (ODA-BIP-0002 section 6). Per layer:
//   acc = Add(MatMulInteger(h, fcL.weight), fcL.bias)                       int32
//   hidden: h' = Cast<int8>(Clip(Div(Mul(acc, fcL.scale), 2^shift), lo, 127))  lo = 0 with Relu, else −127
//   output: acc (the logits), or Clip(acc, 0, 1) for a one-logit model, so the accuracy objective
//           compares the predicted class itself with the label; a regression output (a last
//           layer with a shift) is Div(Mul(acc, scale), 2^shift) in steps of the target's scale.
// A conv layer is the same with ConvInteger (x_zero_point z for a CNN's uint8 input) and
// [M, 1, 1] bias and scale, then MaxPool on the int8 activations when the float model pools.
// A CNN's input stays a flat uint8 row (C·H·W, C order, as a table row holds it) reshaped to
// [batch, C, H, W] in the graph; a dense layer after a conv starts with Flatten.
// weight, bias and scale are weight slots (an update may change all three); the divisor and clip
// bounds are constants, so the shift is fixed at registration.
import { GraphBuilder } from '../../validator/onnx/graph-builder.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import type { IntLayer } from './quantize.js';
import { ACT_MAX } from './quantize.js';

export function buildIntGraph(inputName: string, outputName: string, layers: IntLayer[]): Uint8Array {
  const g = new GraphBuilder();
  let h = g.input(inputName, 'uint8', [layers[0].inSize]);
  const c0 = layers[0].conv;
  if (c0) h = g.op('Reshape', [h, g.constant('input.shape', 'int64', [4], [0, c0.c, c0.h, c0.w])]);
  let hi: string | undefined;
  let lo0: string | undefined;
  let loNeg: string | undefined;
  for (const L of layers) {
    const c = L.conv;
    g.weight(`${L.name}.weight`, 'int8', c ? [c.m, c.c, c.kh, c.kw] : [L.inSize, L.outSize]);
    g.weight(`${L.name}.bias`, 'int32', c ? [c.m, 1, 1] : [L.outSize]);
    if (L.shift !== undefined) g.weight(`${L.name}.scale`, 'int32', c ? [c.m, 1, 1] : [L.outSize]);
  }
  const last = layers[layers.length - 1];
  let spatial = c0 !== undefined;
  for (const L of layers) {
    const c = L.conv;
    if (!c && spatial) {
      h = g.op('Flatten', [h], { axis: 1 });
      spatial = false;
    }
    const mm = c
      ? g.op('ConvInteger', L.zeroPoint ? [h, `${L.name}.weight`, g.constant(`${L.name}.x_zero_point`, 'uint8', [], [L.zeroPoint])] : [h, `${L.name}.weight`], { kernel_shape: [c.kh, c.kw], strides: c.strides, pads: c.pads })
      : g.op('MatMulInteger', [h, `${L.name}.weight`]);
    if (L.last && L.shift !== undefined) {
      const acc = g.op('Add', [mm, `${L.name}.bias`]);
      g.op('Div', [g.op('Mul', [acc, `${L.name}.scale`]), g.constant(`${L.name}.divisor`, 'int32', [], [2 ** L.shift])], {}, outputName);
      break;
    }
    if (L.last) {
      if (L.outSize === 1) {
        const acc = g.op('Add', [mm, `${L.name}.bias`]);
        g.op('Clip', [acc, (lo0 ??= g.constant('act.zero', 'int32', [], [0])), g.constant('class.one', 'int32', [], [1])], {}, outputName);
      } else g.op('Add', [mm, `${L.name}.bias`], {}, outputName);
      break;
    }
    const acc = g.op('Add', [mm, `${L.name}.bias`]);
    const div = g.constant(`${L.name}.divisor`, 'int32', [], [2 ** L.shift!]);
    const lo = L.relu ? (lo0 ??= g.constant('act.zero', 'int32', [], [0])) : (loNeg ??= g.constant('act.min', 'int32', [], [-ACT_MAX]));
    const q = g.op('Div', [g.op('Mul', [acc, `${L.name}.scale`]), div]);
    h = g.op('Cast', [g.op('Clip', [q, lo, (hi ??= g.constant('act.max', 'int32', [], [ACT_MAX]))])], { to: 3 });
    if (L.pool) h = g.op('MaxPool', [h], { kernel_shape: [L.pool.kh, L.pool.kw], strides: L.pool.strides, pads: L.pool.pads });
  }
  g.output(outputName, 'int32', [last.outSize]);
  return encodeModel(g.build(17, 'oda-model'));
}
