// Reads a float ONNX graph as a chain of dense layers, the shape that torch.onnx.export,
// tf2onnx and skl2onnx-style exports of MLPs and linear models have:
//   [input affine: Sub/Add/Mul/Div by constants]  (Gemm | MatMul [+ Add])  [Relu]  …  [Softmax | LogSoftmax | Sigmoid]
// Layout no-ops (Identity, Dropout, Flatten/Reshape that keep [batch, width]) are skipped. Every
// other node is collected, so the user sees all of them at once with what to change.
import { DataType } from '../../validator/onnx/proto.js';
import { ModelError } from './errors.js';
import type { FloatModel, FNode, FTensor } from './float-onnx.js';

export interface FloatLayer {
  /** Name of the source weight tensor (for messages and the manifest). */
  source: string;
  inSize: number;
  outSize: number;
  /** Row-major [in, out]. */
  w: Float64Array;
  b: Float64Array;
  relu: boolean;
}

export type Head = 'none' | 'softmax' | 'log-softmax' | 'sigmoid';

export interface FloatNet {
  inputName: string;
  outputName: string;
  inSize: number;
  /** Feature-wise affine map applied before layer 0: x' = scale·x + shift. */
  scale: Float64Array;
  shift: Float64Array;
  layers: FloatLayer[];
  /** Monotone output activation; dropped by convert (it changes no argmax or threshold at 0.5). */
  head: Head;
}

const HINTS: Record<string, string> = {
  Tanh: 'only Relu activations are in the exact class: retrain with torch.nn.ReLU',
  LeakyRelu: 'only Relu activations are in the exact class: retrain with torch.nn.ReLU',
  Elu: 'only Relu activations are in the exact class: retrain with torch.nn.ReLU',
  Gelu: 'only Relu activations are in the exact class: retrain with torch.nn.ReLU',
  Selu: 'only Relu activations are in the exact class: retrain with torch.nn.ReLU',
  Sigmoid: 'Sigmoid is allowed only as the last op (it is dropped); use Relu inside the network',
  Softmax: 'Softmax is allowed only as the last op (it is dropped)',
  Clip: 'Clip/ReLU6 is not supported by convert: use torch.nn.ReLU',
  Conv: 'convolutions are not supported by convert (MLPs and linear models only)',
  BatchNormalization: 'fold batch norm into the preceding Linear layer before export, or export in eval mode',
  Shape: 'dynamic reshapes: export with a fixed feature count (x.view(-1, F) or torch.nn.Flatten)',
};

function hint(n: FNode): string {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return `custom domain '${n.domain}' (skl2onnx ML ops): express the model as torch.nn.Linear layers, or export a Gemm-based graph`;
  return HINTS[n.opType] ?? 'not in the exact class (supported: Gemm, MatMul, Add, Sub, Mul, Div by constants, Relu, Identity, Dropout, Flatten, Reshape, final Softmax/LogSoftmax/Sigmoid)';
}

function label(n: FNode): string {
  return `node '${n.name || n.outputs[0] || '?'}' (${n.opType})`;
}

function attrInt(n: FNode, name: string, def: number): number {
  const a = n.attrs.get(name);
  return a?.i === undefined ? def : Number(a.i);
}

function attrFloat(n: FNode, name: string, def: number): number {
  return n.attrs.get(name)?.f ?? def;
}

/** Reads the chain; throws one ModelError listing every problem. */
export function extractNet(m: FloatModel): FloatNet {
  const problems: string[] = [];
  if (m.inputs.length !== 1) throw new ModelError(`the model has ${m.inputs.length} data inputs; convert supports exactly one (a feature vector)`);
  if (m.outputs.length !== 1) throw new ModelError(`the model has ${m.outputs.length} outputs (${m.outputs.map((o) => o.name).join(', ')}); convert supports exactly one`);
  const input = m.inputs[0];
  if (input.elemType !== DataType.FLOAT && input.elemType !== DataType.DOUBLE) throw new ModelError(`input '${input.name}' has element type ${input.elemType}; convert expects a float input`);
  if (input.dims === undefined) throw new ModelError(`dynamic shapes: input '${input.name}' has no shape; export with a fixed feature count`);
  const rank = input.dims.length;
  if (rank !== 2) throw new ModelError(`input '${input.name}' has rank ${rank}; convert supports [batch, features] inputs`);
  const fd = input.dims[1];
  if (fd.value === undefined || fd.value < 1) throw new ModelError(`dynamic shapes: input '${input.name}' dimension 1 is ${fd.param !== undefined ? `symbolic '${fd.param}'` : 'unknown'}; export with a fixed feature count (only the batch dimension may be dynamic)`);
  const inSize = fd.value;

  const consts = new Map<string, FTensor>(m.initializers);
  const net: FloatNet = { inputName: input.name, outputName: m.outputs[0].name, inSize, scale: new Float64Array(inSize).fill(1), shift: new Float64Array(inSize), layers: [], head: 'none' };
  let cur = input.name;
  let width = inSize;
  // What the current value is: the (affine-mapped) input, a layer's pre-activation, or an activation.
  let state: 'input' | 'linear' | 'relu' | 'head' = 'input';

  const constOf = (name: string): FTensor | undefined => {
    const t = consts.get(name);
    return t?.values ? t : undefined;
  };
  /** A constant broadcast over the feature axis: scalar, [w] or [1, w]. */
  const vector = (t: FTensor, w: number): Float64Array | undefined => {
    const n = t.values!.length;
    const shapeOk = t.dims.length === 0 || (t.dims.length === 1 && (n === 1 || n === w)) || (t.dims.length === 2 && t.dims[0] === 1 && (n === 1 || n === w));
    if (!shapeOk) return undefined;
    return n === 1 ? new Float64Array(w).fill(t.values![0]) : Float64Array.from(t.values!);
  };

  for (const n of m.nodes) {
    if (n.opType === 'Constant' && (n.domain === '' || n.domain === 'ai.onnx')) {
      const t = n.attrs.get('value')?.t;
      if (t === undefined) problems.push(`${label(n)}: only tensor constants are supported`);
      else consts.set(n.outputs[0], { ...t, name: n.outputs[0] });
      continue;
    }
    const usesCur = n.inputs.includes(cur);
    if (!usesCur || (n.domain !== '' && n.domain !== 'ai.onnx')) {
      problems.push(`${label(n)}: ${hint(n)}`);
      continue;
    }
    if (state === 'head') {
      problems.push(`${label(n)}: nothing may follow the final ${net.head}`);
      continue;
    }
    const out = n.outputs[0];
    const other = n.inputs.find((x) => x !== cur);
    switch (n.opType) {
      case 'Identity':
      case 'Dropout':
        cur = out;
        continue;
      case 'Flatten':
        if (attrInt(n, 'axis', 1) !== 1) problems.push(`${label(n)}: only axis 1 keeps [batch, features]`);
        cur = out;
        continue;
      case 'Reshape': {
        const s = other === undefined ? undefined : constOf(other);
        const v = s?.values;
        if (!v || v.length !== 2 || !(v[0] === -1 || v[0] === 0) || !(v[1] === width || (v[1] === -1 && v[0] === 0))) problems.push(`${label(n)}: only a reshape to [batch, ${width}] is supported`);
        cur = out;
        continue;
      }
      case 'Gemm':
      case 'MatMul': {
        const bName = n.inputs[1];
        const B = constOf(bName);
        if (n.inputs[0] !== cur || !B || B.dims.length !== 2) {
          problems.push(`${label(n)}: needs the running value times a constant 2-D weight`);
          cur = out;
          continue;
        }
        const gemm = n.opType === 'Gemm';
        if (gemm && attrInt(n, 'transA', 0) !== 0) problems.push(`${label(n)}: transA=1 is not supported`);
        const transB = gemm && attrInt(n, 'transB', 0) === 1;
        const alpha = gemm ? attrFloat(n, 'alpha', 1) : 1;
        const beta = gemm ? attrFloat(n, 'beta', 1) : 1;
        const [r, c] = B.dims;
        const [inN, outN] = transB ? [c, r] : [r, c];
        if (inN !== width) {
          problems.push(`${label(n)}: weight '${bName}' expects ${inN} inputs, the value has ${width}`);
          cur = out;
          continue;
        }
        const w = new Float64Array(inN * outN);
        for (let i = 0; i < inN; i++) for (let j = 0; j < outN; j++) w[i * outN + j] = alpha * B.values![transB ? j * inN + i : i * outN + j];
        const b = new Float64Array(outN);
        if (gemm && n.inputs[2]) {
          const C = constOf(n.inputs[2]);
          const cv = C && vector(C, outN);
          if (!cv) problems.push(`${label(n)}: bias '${n.inputs[2]}' must be a constant of ${outN} values`);
          else for (let j = 0; j < outN; j++) b[j] = beta * cv[j];
        }
        net.layers.push({ source: bName, inSize: inN, outSize: outN, w, b, relu: false });
        width = outN;
        state = 'linear';
        cur = out;
        continue;
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div': {
        const k = other === undefined ? undefined : constOf(other);
        const kv = k && vector(k, width);
        if (!kv || n.inputs.length !== 2) {
          problems.push(`${label(n)}: only elementwise ${n.opType} by a constant scalar or [${width}] vector is supported`);
          cur = out;
          continue;
        }
        const curFirst = n.inputs[0] === cur;
        if ((n.opType === 'Div' && !curFirst) || state === 'relu') {
          problems.push(`${label(n)}: ${state === 'relu' ? 'arithmetic after Relu is not supported' : 'dividing by the running value is not supported'}`);
          cur = out;
          continue;
        }
        // Apply y = op(v) to the affine form of the running value, per feature (input) or per output (layer).
        const apply = (mulA: Float64Array, addC: Float64Array, len: number) => {
          for (let i = 0; i < len; i++) {
            if (n.opType === 'Add') addC[i] += kv[i];
            else if (n.opType === 'Sub') {
              if (curFirst) addC[i] -= kv[i];
              else {
                mulA[i] = -mulA[i];
                addC[i] = kv[i] - addC[i];
              }
            } else {
              const f = n.opType === 'Mul' ? kv[i] : 1 / kv[i];
              mulA[i] *= f;
              addC[i] *= f;
            }
          }
        };
        if (state === 'input') apply(net.scale, net.shift, width);
        else {
          const L = net.layers[net.layers.length - 1];
          const colScale = new Float64Array(width).fill(1);
          apply(colScale, L.b, width);
          for (let i = 0; i < L.inSize; i++) for (let j = 0; j < width; j++) L.w[i * width + j] *= colScale[j];
        }
        cur = out;
        continue;
      }
      case 'Relu':
        if (state !== 'linear') problems.push(`${label(n)}: Relu must follow a Gemm/MatMul layer`);
        else net.layers[net.layers.length - 1].relu = true;
        state = 'relu';
        cur = out;
        continue;
      case 'Softmax':
      case 'LogSoftmax':
      case 'Sigmoid': {
        const axis = attrInt(n, 'axis', -1);
        if (n.opType !== 'Sigmoid' && axis !== -1 && axis !== 1) problems.push(`${label(n)}: softmax over axis ${axis}, expected the class axis`);
        if (state !== 'linear') problems.push(`${label(n)}: must follow the last Gemm/MatMul`);
        net.head = n.opType === 'Softmax' ? 'softmax' : n.opType === 'LogSoftmax' ? 'log-softmax' : 'sigmoid';
        state = 'head';
        cur = out;
        continue;
      }
      default:
        problems.push(`${label(n)}: ${hint(n)}`);
        cur = out;
    }
  }
  if (net.layers.length === 0) problems.push('no Gemm/MatMul layer found: convert needs an MLP or a linear model');
  else if (net.layers[net.layers.length - 1].relu) problems.push('the last layer ends in Relu: the output must be the raw logits (or a final Softmax/Sigmoid)');
  if (problems.length === 0 && cur !== net.outputName) problems.push(`graph output '${net.outputName}' is not the end of the layer chain`);
  if (net.head === 'sigmoid' && width !== 1) problems.push(`a final Sigmoid needs one output, the model has ${width}`);
  if (problems.length > 0) throw new ModelError(`cannot convert this model:\n  - ${problems.join('\n  - ')}`);
  return net;
}

/** Float forward pass over rows (row-major [rows, inSize]); returns the logits (head not applied) and each hidden layer's largest activation magnitude. */
export function floatForward(net: FloatNet, x: Float64Array, rows: number): { out: Float64Array; width: number; hiddenMax: number[] } {
  let h = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) for (let i = 0; i < net.inSize; i++) h[r * net.inSize + i] = net.scale[i] * x[r * net.inSize + i] + net.shift[i];
  const hiddenMax: number[] = [];
  for (const L of net.layers) {
    const y = new Float64Array(rows * L.outSize);
    let mx = 0;
    // Row-major [in, out] weights: accumulate whole output rows so memory is read in order.
    for (let r = 0; r < rows; r++) {
      const yr = y.subarray(r * L.outSize, (r + 1) * L.outSize);
      yr.set(L.b);
      for (let i = 0; i < L.inSize; i++) {
        const v = h[r * L.inSize + i];
        if (v === 0) continue;
        const wi = L.w.subarray(i * L.outSize, (i + 1) * L.outSize);
        for (let j = 0; j < L.outSize; j++) yr[j] += v * wi[j];
      }
      for (let j = 0; j < L.outSize; j++) {
        if (L.relu && yr[j] < 0) yr[j] = 0;
        mx = Math.max(mx, Math.abs(yr[j]));
      }
    }
    hiddenMax.push(mx);
    h = y;
  }
  hiddenMax.pop();
  return { out: h, width: net.layers[net.layers.length - 1].outSize, hiddenMax };
}

/** The class of each row: argmax (first on ties), or logit > 0 for one output. */
export function predict(logits: Float64Array, width: number, rows: number): Int32Array {
  const p = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (width === 1) {
      p[r] = logits[r] > 0 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let j = 1; j < width; j++) if (logits[r * width + j] > logits[r * width + best]) best = j;
    p[r] = best;
  }
  return p;
}
