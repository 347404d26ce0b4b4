// Reads a float ONNX graph as a chain of layers, the shape that torch.onnx.export, tf2onnx and
// skl2onnx-style exports of MLPs, linear models and small CNNs have:
//   [input affine: Sub/Add/Mul/Div by constants]
//   (Conv [Relu] [MaxPool])*  [Flatten | Reshape to [batch, C·H·W]]
//   (Gemm | MatMul [+ Add])  [Relu]  …  [Softmax | LogSoftmax | Sigmoid]
// Layout no-ops (Identity, Dropout, Flatten/Reshape that keep [batch, width]) are skipped. Every
// other node is collected, so the user sees all of them at once with what to change.
import { DataType } from '../../validator/onnx/proto.js';
import { ModelError } from './errors.js';
import type { FloatModel, FNode, FTensor } from './float-onnx.js';

/** A sliding window over [H, W] (ONNX attributes) and the output size it gives. */
export interface WindowGeom {
  kh: number;
  kw: number;
  strides: [number, number];
  /** ONNX order: top, left, bottom, right. */
  pads: [number, number, number, number];
  oh: number;
  ow: number;
}

/** A 2-D convolution over a [C, H, W] row (group 1, dilation 1), output [M, OH, OW]. */
export interface ConvGeom extends WindowGeom {
  c: number;
  h: number;
  w: number;
  m: number;
}

/** A MaxPool after a conv layer (on its activations), output [M, OH, OW]. */
export type PoolGeom = WindowGeom;

export interface FloatLayer {
  /** Name of the source weight tensor (for messages and the manifest). */
  source: string;
  /** Elements of one row in and out (after the pool, for a conv layer). */
  inSize: number;
  outSize: number;
  /** Dense: row-major [in, out]. Conv: ONNX's [M, C, KH, KW]. */
  w: Float64Array;
  /** Per output (dense) or per output channel (conv). */
  b: Float64Array;
  relu: boolean;
  conv?: ConvGeom;
  pool?: PoolGeom;
}

export type Head = 'none' | 'softmax' | 'log-softmax' | 'sigmoid';

export interface FloatNet {
  inputName: string;
  outputName: string;
  inSize: number;
  /** Row dims of the float input: [features] or [C, H, W]. */
  inShape: number[];
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
  Conv: 'only a Conv on the running [C, H, W] value with a constant 4-D weight, group 1 and dilation 1 is supported',
  AveragePool: 'only MaxPool is in the exact class: use torch.nn.MaxPool2d',
  GlobalAveragePool: 'only MaxPool is in the exact class: use torch.nn.MaxPool2d and Flatten',
  BatchNormalization: 'fold batch norm into the preceding Linear layer before export, or export in eval mode',
  Shape: 'dynamic reshapes: export with a fixed feature count (x.view(-1, F) or torch.nn.Flatten)',
};

// skl2onnx writes scikit-learn's linear models as single ai.onnx.ml nodes: there is no layer
// to read, only coefficients in attributes. Say what to export instead.
const ML_HINTS: Record<string, string> = {
  LinearClassifier: "skl2onnx's LinearClassifier (LogisticRegression, LinearSVC, …) is not in the exact class: export the same coefficients as a torch.nn.Linear (weight = clf.coef_, bias = clf.intercept_), or train an MLPClassifier",
  LinearRegressor: "skl2onnx's LinearRegressor is a regression model: convert supports classifiers only (objective accuracy)",
  Scaler: "skl2onnx's Scaler (StandardScaler): put the scaling in the model as Sub/Div by constants (or convert the classifier alone: the calibration data then must be scaled already)",
  ZipMap: "skl2onnx's ZipMap output: convert with options={id(clf): {'zipmap': False}} and keep only the probabilities output",
  Normalizer: 'per-row normalisation is not in the exact class',
};

function hint(n: FNode): string {
  if (n.domain === 'ai.onnx.ml' && ML_HINTS[n.opType]) return ML_HINTS[n.opType];
  if (n.domain !== '' && n.domain !== 'ai.onnx') return `custom domain '${n.domain}' (skl2onnx ML ops): express the model as torch.nn.Linear layers, or export a Gemm-based graph`;
  return HINTS[n.opType] ?? 'not in the exact class (supported: Gemm, MatMul, Conv, MaxPool, Add, Sub, Mul, Div by constants, Relu, Identity, Dropout, Flatten, Reshape, final Softmax/LogSoftmax/Sigmoid)';
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
  if (m.outputs.length !== 1) throw new ModelError(`the model has ${m.outputs.length} outputs (${m.outputs.map((o) => o.name).join(', ')}); convert supports exactly one${m.outputs.length === 2 ? " (skl2onnx writes a label and a probabilities output: export the probabilities alone, or the network as torch.nn layers)" : ''}`);
  const input = m.inputs[0];
  if (input.elemType !== DataType.FLOAT && input.elemType !== DataType.DOUBLE) throw new ModelError(`input '${input.name}' has element type ${input.elemType}; convert expects a float input`);
  if (input.dims === undefined) throw new ModelError(`dynamic shapes: input '${input.name}' has no shape; export with a fixed feature count`);
  const rank = input.dims.length;
  if (rank !== 2 && rank !== 4) throw new ModelError(`input '${input.name}' has rank ${rank}; convert supports [batch, features] and [batch, channels, height, width] inputs`);
  const inShape = input.dims.slice(1).map((fd, i) => {
    if (fd.value === undefined || fd.value < 1) throw new ModelError(`dynamic shapes: input '${input.name}' dimension ${i + 1} is ${fd.param !== undefined ? `symbolic '${fd.param}'` : 'unknown'}; export with a fixed ${rank === 2 ? 'feature count' : 'image size'} (only the batch dimension may be dynamic)`);
    return fd.value;
  });
  const inSize = inShape.reduce((a, d) => a * d, 1);

  const consts = new Map<string, FTensor>(m.initializers);
  const net: FloatNet = { inputName: input.name, outputName: m.outputs[0].name, inSize, inShape, scale: new Float64Array(inSize).fill(1), shift: new Float64Array(inSize), layers: [], head: 'none' };
  let cur = input.name;
  let width = inSize;
  /** Row dims of the running value: [width] or [C, H, W]. */
  let shape = [...inShape];
  // What the current value is: the (affine-mapped) input, a layer's pre-activation, or an activation.
  let state: 'input' | 'linear' | 'relu' | 'head' = 'input';

  const constOf = (name: string): FTensor | undefined => {
    const t = consts.get(name);
    return t?.values ? t : undefined;
  };
  /** A constant broadcast over the feature axis: scalar, [w] or [1, w]. */
  const vector = (t: FTensor, w: number): Float64Array | undefined => {
    const n = t.values!.length;
    if (n === 1 && t.dims.length <= 4) return new Float64Array(w).fill(t.values![0]);
    if (shape.length !== 1) return undefined;
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
        shape = [width];
        cur = out;
        continue;
      case 'Reshape': {
        const s = other === undefined ? undefined : constOf(other);
        const v = s?.values;
        if (!v || v.length !== 2 || !(v[0] === -1 || v[0] === 0) || !(v[1] === width || (v[1] === -1 && v[0] === 0))) problems.push(`${label(n)}: only a reshape to [batch, ${width}] is supported`);
        shape = [width];
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
        if (shape.length !== 1) {
          problems.push(`${label(n)}: the value is [${shape}] per row; flatten it first (torch.nn.Flatten)`);
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
        shape = [outN];
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
        if (state !== 'input' && net.layers[net.layers.length - 1].conv) {
          problems.push(`${label(n)}: arithmetic after a Conv is not supported (put the bias in the Conv, fold batch norm by exporting in eval mode)`);
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
      case 'Conv': {
        const W = constOf(n.inputs[1]);
        const at = (name: string) => n.attrs.get(name)?.ints?.map(Number);
        if (n.inputs[0] !== cur || !W || W.dims.length !== 4 || shape.length !== 3 || W.dims[1] !== shape[0]) {
          problems.push(`${label(n)}: ${shape.length !== 3 ? `the value is [${shape}] per row, a Conv needs [C, H, W]` : `needs the running [${shape}] value and a constant [M, ${shape[0]}, KH, KW] weight`}`);
          cur = out;
          continue;
        }
        const [M, C, KH, KW] = W.dims;
        const strides = (at('strides') ?? [1, 1]) as [number, number];
        const pads = (at('pads') ?? [0, 0, 0, 0]) as [number, number, number, number];
        const autoPad = n.attrs.get('auto_pad')?.s;
        const ks = at('kernel_shape');
        const bad: string[] = [];
        if (attrInt(n, 'group', 1) !== 1) bad.push('group must be 1 (no depthwise/grouped convolutions)');
        if ((at('dilations') ?? [1, 1]).some((d) => d !== 1)) bad.push('dilations must be 1');
        if (autoPad !== undefined && autoPad !== 'NOTSET') bad.push(`auto_pad ${autoPad}: export with explicit padding`);
        if (ks !== undefined && (ks[0] !== KH || ks[1] !== KW)) bad.push('kernel_shape differs from the weight');
        if (strides.length !== 2 || pads.length !== 4 || strides.some((v) => v < 1 || v > 64) || pads.some((v, i) => v < 0 || v >= (i % 2 === 0 ? KH : KW))) bad.push('strides must be 2 values in [1, 64] and pads 4 values smaller than the kernel');
        const [, H, Wd] = shape;
        const oh = Math.floor((H + pads[0] + pads[2] - KH) / strides[0]) + 1;
        const ow = Math.floor((Wd + pads[1] + pads[3] - KW) / strides[1]) + 1;
        if (oh < 1 || ow < 1) bad.push('the kernel is larger than the padded input');
        const b = new Float64Array(M);
        if (n.inputs[2]) {
          const B = constOf(n.inputs[2]);
          if (!B || B.values!.length !== M) bad.push(`bias '${n.inputs[2]}' must be a constant of ${M} values`);
          else b.set(B.values!);
        }
        if (bad.length > 0) {
          problems.push(`${label(n)}: ${bad.join('; ')}`);
          cur = out;
          continue;
        }
        const conv: ConvGeom = { c: C, h: H, w: Wd, m: M, kh: KH, kw: KW, strides, pads, oh, ow };
        net.layers.push({ source: n.inputs[1], inSize: width, outSize: M * oh * ow, w: Float64Array.from(W.values!), b, relu: false, conv });
        shape = [M, oh, ow];
        width = M * oh * ow;
        state = 'linear';
        cur = out;
        continue;
      }
      case 'MaxPool': {
        const L = net.layers[net.layers.length - 1];
        const at = (name: string) => n.attrs.get(name)?.ints?.map(Number);
        const ks = at('kernel_shape');
        const strides = (at('strides') ?? [1, 1]) as [number, number];
        const pads = (at('pads') ?? [0, 0, 0, 0]) as [number, number, number, number];
        const autoPad = n.attrs.get('auto_pad')?.s;
        if (state === 'input' || !L?.conv || L.pool || shape.length !== 3 || !ks || ks.length !== 2 || n.outputs.length !== 1) {
          problems.push(`${label(n)}: one MaxPool (values output only) may follow each Conv [+ Relu]`);
          cur = out;
          continue;
        }
        const bad: string[] = [];
        if (attrInt(n, 'ceil_mode', 0) !== 0 || attrInt(n, 'storage_order', 0) !== 0) bad.push('ceil_mode and storage_order must be 0');
        if ((at('dilations') ?? [1, 1]).some((d) => d !== 1)) bad.push('dilations must be 1');
        if (autoPad !== undefined && autoPad !== 'NOTSET') bad.push(`auto_pad ${autoPad}: export with explicit padding`);
        if (strides.length !== 2 || pads.length !== 4 || ks.some((k) => k < 1 || k > 64) || strides.some((v) => v < 1 || v > 64) || pads.some((v, i) => v < 0 || v >= ks[i % 2])) bad.push('kernel and strides must be in [1, 64], pads smaller than the kernel');
        const oh = Math.floor((shape[1] + pads[0] + pads[2] - ks[0]) / strides[0]) + 1;
        const ow = Math.floor((shape[2] + pads[1] + pads[3] - ks[1]) / strides[1]) + 1;
        if (oh < 1 || ow < 1) bad.push('the kernel is larger than the padded input');
        if (bad.length > 0) {
          problems.push(`${label(n)}: ${bad.join('; ')}`);
          cur = out;
          continue;
        }
        // max(relu(x)) = relu(max(x)): a Relu before or after the pool is the same layer.
        L.pool = { kh: ks[0], kw: ks[1], strides, pads, oh, ow };
        shape = [shape[0], oh, ow];
        width = shape[0] * oh * ow;
        L.outSize = width;
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
  else if (net.layers[net.layers.length - 1].conv) problems.push('the last layer is a Conv: end the network with Flatten and a Gemm/Linear layer giving the class logits');
  else if (net.layers[net.layers.length - 1].relu) problems.push('the last layer ends in Relu: the output must be the raw logits (or a final Softmax/Sigmoid)');
  if (problems.length === 0 && cur !== net.outputName) problems.push(`graph output '${net.outputName}' is not the end of the layer chain`);
  if (net.head === 'sigmoid' && width !== 1) problems.push(`a final Sigmoid needs one output, the model has ${width}`);
  if (problems.length > 0) throw new ModelError(`cannot convert this model:\n  - ${problems.join('\n  - ')}`);
  return net;
}

/** Float forward pass over rows (row-major [rows, inSize]); returns the logits (head not applied) and each hidden layer's largest activation magnitude. */
export function floatForward(net: FloatNet, x: Float64Array, rows: number): { out: Float64Array; width: number; hiddenMax: number[] } {
  let h: Float64Array = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) for (let i = 0; i < net.inSize; i++) h[r * net.inSize + i] = net.scale[i] * x[r * net.inSize + i] + net.shift[i];
  const hiddenMax: number[] = [];
  for (const L of net.layers) {
    if (L.conv) {
      const { y, max } = convForward(L, h, rows);
      hiddenMax.push(max);
      h = y;
      continue;
    }
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

/** Conv [+ Relu] [+ MaxPool] over rows of [C, H, W]; max is the largest |activation| before the pool. */
function convForward(L: FloatLayer, x: Float64Array, rows: number): { y: Float64Array; max: number } {
  const g = L.conv!;
  const K = g.c * g.kh * g.kw;
  const plane = g.oh * g.ow;
  const inRow = g.c * g.h * g.w;
  const act = new Float64Array(g.m * plane);
  const y = new Float64Array(rows * L.outSize);
  let max = 0;
  for (let r = 0; r < rows; r++) {
    const xr = x.subarray(r * inRow, (r + 1) * inRow);
    for (let f = 0; f < g.m; f++) {
      const wf = L.w.subarray(f * K, (f + 1) * K);
      for (let oy = 0; oy < g.oh; oy++) {
        for (let ox = 0; ox < g.ow; ox++) {
          let acc = L.b[f];
          for (let ch = 0; ch < g.c; ch++) {
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = oy * g.strides[0] - g.pads[0] + ky;
              if (iy < 0 || iy >= g.h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = ox * g.strides[1] - g.pads[1] + kx;
                if (ix < 0 || ix >= g.w) continue;
                acc += xr[(ch * g.h + iy) * g.w + ix] * wf[(ch * g.kh + ky) * g.kw + kx];
              }
            }
          }
          if (L.relu && acc < 0) acc = 0;
          max = Math.max(max, Math.abs(acc));
          act[f * plane + oy * g.ow + ox] = acc;
        }
      }
    }
    const yr = y.subarray(r * L.outSize, (r + 1) * L.outSize);
    if (!L.pool) yr.set(act);
    else maxPool(act, g.m, g.oh, g.ow, L.pool, yr);
  }
  return { y, max };
}

/** MaxPool of [C, H, W] into out [C, OH, OW]; padding never wins (as ONNX's -inf padding). */
export function maxPool(x: ArrayLike<number>, c: number, h: number, w: number, p: PoolGeom, out: { [i: number]: number }): void {
  let o = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < p.oh; oy++) {
      for (let ox = 0; ox < p.ow; ox++) {
        let best = -Infinity;
        for (let ky = 0; ky < p.kh; ky++) {
          const iy = oy * p.strides[0] - p.pads[0] + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < p.kw; kx++) {
            const ix = ox * p.strides[1] - p.pads[1] + kx;
            if (ix < 0 || ix >= w) continue;
            best = Math.max(best, x[(ch * h + iy) * w + ix]);
          }
        }
        out[o++] = best;
      }
    }
  }
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
