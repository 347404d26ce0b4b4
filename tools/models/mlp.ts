// Builder of integer MLPs in the exact class. Each layer:
//   acc = MatMulInteger(h, W) + b                       (int8 W in [-64, 63], int32 b)
// hidden layers then requantize with a per-channel integer multiplier and a power-of-two divisor:
//   h' = Cast<int8>(Clip(Div(Mul(acc, m), 2^shift), 0, 127))   (Clip at 0 is the ReLU)
// The last layer's acc is the int32 output ("logits"). W, b and m are weight slots, so an
// update-weights transaction can change scales as well as weights; shift is architecture.
import { GraphBuilder, type ElemName } from '../../validator/onnx/graph-builder.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import type { Model } from '../../validator/onnx/proto.js';

export interface MlpSpec {
  inputName?: string;
  outputName?: string;
  inputType: 'uint8' | 'int8';
  inputSize: number;
  hidden: number[];
  outputs: number;
  /** Requantization divisor is 2^shift. */
  shift: number;
}

export interface WeightShape {
  name: string;
  type: 'int8' | 'int32';
  dims: number[];
}

export function mlpWeightShapes(spec: MlpSpec): WeightShape[] {
  const sizes = [spec.inputSize, ...spec.hidden, spec.outputs];
  const out: WeightShape[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    out.push({ name: `fc${l}.weight`, type: 'int8', dims: [sizes[l], sizes[l + 1]] });
    out.push({ name: `fc${l}.bias`, type: 'int32', dims: [sizes[l + 1]] });
    if (l + 2 < sizes.length) out.push({ name: `fc${l}.scale`, type: 'int32', dims: [sizes[l + 1]] });
  }
  return out;
}

export function buildMlpModel(spec: MlpSpec): Model {
  const g = new GraphBuilder();
  const inName = spec.inputName ?? 'input';
  const outName = spec.outputName ?? 'logits';
  let h = g.input(inName, spec.inputType as ElemName, [spec.inputSize]);
  const sizes = [spec.inputSize, ...spec.hidden, spec.outputs];
  const div = g.constant('requant.divisor', 'int32', [], [2 ** spec.shift]);
  const lo = g.constant('relu.min', 'int32', [], [0]);
  const hi = g.constant('relu.max', 'int32', [], [127]);
  for (const w of mlpWeightShapes(spec)) g.weight(w.name, w.type, w.dims);
  for (let l = 0; l + 1 < sizes.length; l++) {
    const last = l + 2 === sizes.length;
    const mm = g.op('MatMulInteger', [h, `fc${l}.weight`]);
    const acc = g.op('Add', [mm, `fc${l}.bias`], {}, last ? outName : undefined);
    if (last) break;
    const scaled = g.op('Mul', [acc, `fc${l}.scale`]);
    const q = g.op('Div', [scaled, div]);
    const r = g.op('Clip', [q, lo, hi]);
    h = g.op('Cast', [r], { to: 3 });
  }
  g.output(outName, 'int32', [spec.outputs]);
  return g.build();
}

export function buildMlp(spec: MlpSpec): Uint8Array {
  return encodeModel(buildMlpModel(spec));
}

/** The digits model: 8x8 pixels (0..16) -> 32 hidden -> 10 classes. */
export const DIGITS_MLP: MlpSpec = { inputType: 'uint8', inputSize: 64, hidden: [32], outputs: 10, shift: 16 };
