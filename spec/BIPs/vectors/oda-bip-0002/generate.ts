// Generates the ODA-BIP-0002 test vectors. Outputs come from the consensus engine
// (onnxruntime-node 1.30.0 with the pinned session options) and are cross-checked against the
// reference interpreter before being written; test/validator/vectors.test.ts re-checks both.
//   node --import tsx spec/BIPs/vectors/oda-bip-0002/generate.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { GraphBuilder } from '../../../../validator/onnx/graph-builder.js';
import { encodeModel } from '../../../../validator/onnx/encode.js';
import { Writer } from '../../../../validator/onnx/wire.js';
import { encodeTensors } from '../../../../validator/blobs.js';
import { checkModel, runInference, referenceRun, admitModel, inferenceCost, evaluationCost, clearSessionCache } from '../../../../validator/index.js';
import { VerifyError } from '../../../../chain/errors.js';
import { buildMlp, DIGITS_MLP, mlpWeightShapes } from '../../../../tools/models/mlp.js';
import { digitsDatasetBlob, digitsSplit, loadDigits } from '../../../../tools/data/digits.js';
import { tensorsEqual, type ElemType, type Tensor } from '../../../../validator/tensor.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface JsonTensor {
  type: ElemType;
  dims: number[];
  values: (number | string)[];
}

function toJson(t: Tensor): JsonTensor {
  return { type: t.type, dims: t.dims, values: Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v.toString() : v)) };
}

function tensor(type: ElemType, dims: number[], values: number[]): Tensor {
  const data = type === 'int8' ? Int8Array.from(values) : type === 'uint8' ? Uint8Array.from(values) : type === 'int32' ? Int32Array.from(values) : BigInt64Array.from(values.map(BigInt));
  return { type, dims, data };
}

const MIN = -(2 ** 31);
const MAX = 2 ** 31 - 1;

// ---- op semantics -------------------------------------------------------------------------
interface OpCase {
  name: string;
  build: (g: GraphBuilder) => void;
  weights?: Map<string, Tensor>;
  inputs: Tensor[];
}

const unary = (op: string, type: ElemType, n: number, attrs: Record<string, number> = {}, outType: ElemType = type, outRow = [n]) => (g: GraphBuilder) => {
  g.input('x', type as 'int32', [n]);
  g.op(op, ['x'], attrs, 'y');
  g.output('y', outType as 'int32', outRow);
};
const binaryConst = (op: string, k: number[]) => (g: GraphBuilder) => {
  g.input('x', 'int32', [k.length]);
  g.constant('k', 'int32', [k.length], k);
  g.op(op, ['x', 'k'], {}, 'y');
  g.output('y', 'int32', [k.length]);
};

const opCases: OpCase[] = [
  { name: 'Add int32 wraps modulo 2^32', build: binaryConst('Add', [1, -1, MAX, MIN, 5]), inputs: [tensor('int32', [1, 5], [MAX, MIN, MAX, MIN, -7])] },
  { name: 'Sub int32 wraps modulo 2^32', build: binaryConst('Sub', [-1, 1, MIN, MAX, 5]), inputs: [tensor('int32', [1, 5], [MAX, MIN, 0, -2, -7])] },
  { name: 'Mul int32 keeps the low 32 bits', build: binaryConst('Mul', [2, 65536, -1, 46341, -3]), inputs: [tensor('int32', [1, 5], [MAX, 65536, MIN, 46341, 715827883])] },
  { name: 'Div int32 truncates toward zero', build: binaryConst('Div', [2, 2, 3, 1, MAX, 7]), inputs: [tensor('int32', [1, 6], [-7, 7, -1, MIN, MIN, -13])] },
  { name: 'Cast int32 -> int8 reduces modulo 2^8', build: unary('Cast', 'int32', 6, { to: 3 }, 'int8'), inputs: [tensor('int32', [1, 6], [300, -300, 128, -129, MIN, MAX])] },
  { name: 'Cast int32 -> uint8 reduces modulo 2^8', build: unary('Cast', 'int32', 4, { to: 2 }, 'uint8'), inputs: [tensor('int32', [1, 4], [-1, 256, 255, MIN + 1])] },
  { name: 'Cast int8 -> int32 sign-extends', build: unary('Cast', 'int8', 3, { to: 6 }, 'int32'), inputs: [tensor('int8', [1, 3], [-128, -1, 127])] },
  { name: 'Relu int32', build: unary('Relu', 'int32', 4), inputs: [tensor('int32', [1, 4], [MIN, -1, 0, MAX])] },
  {
    name: 'Clip int32 with constant bounds',
    build: (g) => {
      g.input('x', 'int32', [5]);
      g.constant('lo', 'int32', [], [-128]);
      g.constant('hi', 'int32', [], [127]);
      g.op('Clip', ['x', 'lo', 'hi'], {}, 'y');
      g.output('y', 'int32', [5]);
    },
    inputs: [tensor('int32', [2, 5], [MIN, -129, -128, 127, MAX, 0, 1, -1, 200, -200])],
  },
  { name: 'ArgMax picks the first maximum', build: unary('ArgMax', 'int32', 6, { axis: 1 }, 'int64', [1]), inputs: [tensor('int32', [2, 6], [1, 5, 5, 2, 5, 0, -3, -3, -3, -3, -3, -3])] },
  { name: 'ArgMax select_last_index picks the last maximum', build: unary('ArgMax', 'int32', 6, { axis: 1, select_last_index: 1 }, 'int64', [1]), inputs: [tensor('int32', [2, 6], [1, 5, 5, 2, 5, 0, -3, -3, -3, -3, -3, -3])] },
  {
    name: 'MatMulInteger uint8 x int8 with A zero point',
    build: (g) => {
      g.input('x', 'uint8', [4]);
      g.weight('w', 'int8', [4, 2]);
      g.constant('az', 'uint8', [], [128]);
      g.op('MatMulInteger', ['x', 'w', 'az'], {}, 'y');
      g.output('y', 'int32', [2]);
    },
    weights: new Map([['w', tensor('int8', [4, 2], [-64, 63, 63, -64, -64, -64, 63, 63])]]),
    inputs: [tensor('uint8', [3, 4], [255, 255, 255, 255, 0, 0, 0, 0, 0, 255, 128, 1])],
  },
  {
    name: 'MatMulInteger int8 x int8 extremes',
    build: (g) => {
      g.input('x', 'int8', [4]);
      g.constant('w', 'int8', [4, 3], [-64, -64, 63, -64, 63, 63, -64, -64, 63, -64, 63, 63]);
      g.op('MatMulInteger', ['x', 'w'], {}, 'y');
      g.output('y', 'int32', [3]);
    },
    inputs: [tensor('int8', [2, 4], [-128, -128, -128, -128, 127, -128, 127, -128])],
  },
  {
    name: 'ConvInteger padding contributes zero (x zero point)',
    build: (g) => {
      g.input('x', 'uint8', [1, 3, 3]);
      g.constant('w', 'int8', [1, 1, 2, 2], [1, 2, 3, 4]);
      g.constant('xz', 'uint8', [], [10]);
      g.op('ConvInteger', ['x', 'w', 'xz'], { kernel_shape: [2, 2], pads: [1, 1, 0, 0] }, 'y');
      g.output('y', 'int32', [1, 3, 3]);
    },
    inputs: [tensor('uint8', [1, 1, 3, 3], [10, 11, 12, 13, 14, 15, 16, 17, 255])],
  },
  {
    name: 'MaxPool int8 ignores padding',
    build: (g) => {
      g.input('x', 'int8', [1, 3, 3]);
      g.op('MaxPool', ['x'], { kernel_shape: [2, 2], pads: [1, 1, 1, 1], strides: [2, 2] }, 'y');
      g.output('y', 'int8', [1, 2, 2]);
    },
    inputs: [tensor('int8', [1, 1, 3, 3], [-128, -100, -90, -80, -70, -60, -50, -40, -30])],
  },
  {
    name: 'Gather with negative indices',
    build: (g) => {
      g.input('x', 'int32', [5]);
      g.constant('ix', 'int64', [3], [-1, 0, -5]);
      g.op('Gather', ['x', 'ix'], { axis: 1 }, 'y');
      g.output('y', 'int32', [3]);
    },
    inputs: [tensor('int32', [2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])],
  },
  {
    name: 'Reshape [0, -1], Transpose, Concat keep rows apart',
    build: (g) => {
      g.input('x', 'int8', [2, 3]);
      g.constant('s', 'int64', [2], [0, -1]);
      const t = g.op('Transpose', ['x'], { perm: [0, 2, 1] });
      const r = g.op('Reshape', [t, 's']);
      g.op('Concat', [r, r], { axis: -1 }, 'y');
      g.output('y', 'int8', [12]);
    },
    inputs: [tensor('int8', [2, 2, 3], [1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6])],
  },
];

const opsOut = [];
for (const c of opCases) {
  const g = new GraphBuilder();
  c.build(g);
  const architecture = encodeModel(g.build());
  const weights = encodeTensors(c.weights ?? new Map());
  const ctx = checkModel(architecture);
  const ort = await runInference(ctx, weights, c.inputs);
  const ref = referenceRun(ctx, weights, c.inputs);
  ort.forEach((t, i) => {
    if (!tensorsEqual(t, ref[i])) throw new Error(`${c.name}: engines disagree`);
  });
  opsOut.push({ name: c.name, architecture: hex(architecture), weights: hex(weights), inputs: c.inputs.map(toJson), outputs: ort.map(toJson), inferenceCostOneRow: inferenceCost(ctx.arch, 1).toString() });
}
writeFileSync(`${dir}/ops.json`, JSON.stringify({ description: 'Exact-class op semantics: outputs of onnxruntime-node 1.30.0 (pinned options) equal to the reference interpreter', vectors: opsOut }, null, 1) + '\n');

// ---- admission rejections -----------------------------------------------------------------
const model = (f: (g: GraphBuilder) => void, opset?: number) => {
  const g = new GraphBuilder();
  f(g);
  return encodeModel(g.build(opset));
};
const relu = (g: GraphBuilder) => {
  g.input('x', 'int32', [4]);
  g.op('Relu', ['x'], {}, 'y');
  g.output('y', 'int32', [4]);
};
const admission: { name: string; architecture: Uint8Array }[] = [
  { name: 'valid single Relu', architecture: model(relu) },
  { name: 'opset 13', architecture: model(relu, 13) },
  { name: 'not protobuf', architecture: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) },
  {
    name: 'model with metadata_props (field 14)',
    architecture: (() => {
      const w = new Writer();
      w.raw(model(relu));
      w.bytesField(14, new Uint8Array([0x0a, 0x01, 0x6b]));
      return w.finish();
    })(),
  },
  {
    name: 'Softmax is not whitelisted',
    architecture: model((g) => {
      g.input('x', 'int32', [4]);
      g.op('Softmax', ['x'], {}, 'y');
      g.output('y', 'int32', [4]);
    }),
  },
  {
    name: 'float32 MatMul model',
    architecture: model((g) => {
      g.input('x', 'float32', [4]);
      g.weight('w', 'float32', [4, 2]);
      g.op('MatMul', ['x', 'w'], {}, 'y');
      g.output('y', 'float32', [2]);
    }),
  },
  {
    name: 'shape bomb: 2^30 elements per row',
    architecture: model((g) => {
      g.input('x', 'int32', [1 << 30]);
      g.op('Relu', ['x'], {}, 'y');
      g.output('y', 'int32', [1 << 30]);
    }),
  },
  {
    name: 'Transpose moves the batch axis',
    architecture: model((g) => {
      g.input('x', 'int32', [2, 3]);
      g.op('Transpose', ['x'], { perm: [1, 0, 2] }, 'y');
      g.output('y', 'int32', [2, 3]);
    }),
  },
  {
    name: 'Div by a zero constant',
    architecture: model((g) => {
      g.input('x', 'int32', [4]);
      g.constant('d', 'int32', [], [0]);
      g.op('Div', ['x', 'd'], {}, 'y');
      g.output('y', 'int32', [4]);
    }),
  },
  {
    name: 'MatMulInteger constant weight outside [-64, 63]',
    architecture: model((g) => {
      g.input('x', 'uint8', [2]);
      g.constant('w', 'int8', [2, 1], [64, 0]);
      g.op('MatMulInteger', ['x', 'w'], {}, 'y');
      g.output('y', 'int32', [1]);
    }),
  },
  {
    name: 'Relu with an unknown attribute',
    architecture: model((g) => {
      g.input('x', 'int32', [4]);
      g.op('Relu', ['x'], { alpha: 1 }, 'y');
      g.output('y', 'int32', [4]);
    }),
  },
  {
    name: 'unused weight slot',
    architecture: model((g) => {
      relu(g);
      g.weight('w', 'int8', [3]);
    }),
  },
];
const admissionOut = admission.map((c) => {
  let result = 'ok';
  let cost: string | undefined;
  try {
    const ctx = checkModel(c.architecture);
    cost = inferenceCost(ctx.arch, 1).toString();
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    result = e.reason;
  }
  return { name: c.name, architecture: hex(c.architecture), result, ...(cost ? { inferenceCostOneRow: cost } : {}) };
});
writeFileSync(`${dir}/admission.json`, JSON.stringify({ description: 'Architecture admission: "ok" or the reject reason', vectors: admissionOut }, null, 1) + '\n');

// ---- the digits model end to end ------------------------------------------------------------
function seededWeights(seed: number): Map<string, Tensor> {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const m = new Map<string, Tensor>();
  for (const w of mlpWeightShapes(DIGITS_MLP)) {
    const n = w.dims.reduce((a, b) => a * b, 1);
    const vals = Array.from({ length: n }, () => {
      const v = next();
      if (w.type === 'int8') return (v % 128) - 64;
      return w.name.endsWith('scale') ? 1 + (v % 2048) : (v % 2001) - 1000;
    });
    m.set(w.name, tensor(w.type, w.dims, vals));
  }
  return m;
}
const architecture = buildMlp(DIGITS_MLP);
const dataset = digitsDatasetBlob(digitsSplit(loadDigits(), 'eval'));
const digitsOut = [];
for (const seed of [1, 2]) {
  const weights = encodeTensors(seededWeights(seed));
  const res = await admitModel({ architecture, weights, dataset, objective: 'accuracy' });
  digitsOut.push({ weightsSeed: seed, weights: hex(weights), weightsSha256: sha(weights), score: res.score.toString(), admissionCost: res.cost.toString() });
}
const ctx = checkModel(architecture);
writeFileSync(
  `${dir}/digits-mlp.json`,
  JSON.stringify(
    {
      description: 'Digits MLP (validator/models/mlp.ts DIGITS_MLP) on datasets/digits-eval.safetensors, objective accuracy; weights from the LCG in generate.ts',
      architecture: hex(architecture),
      architectureSha256: sha(architecture),
      datasetSha256: sha(dataset),
      datasetBytes: dataset.length,
      inferenceCost: { rows1: inferenceCost(ctx.arch, 1).toString(), rows100: inferenceCost(ctx.arch, 100).toString() },
      evaluationCost: evaluationCost(ctx.arch, 360, dataset.length).toString(),
      cases: digitsOut,
    },
    null,
    1,
  ) + '\n',
);
await clearSessionCache();
console.log(`wrote ops.json (${opsOut.length}), admission.json (${admissionOut.length}), digits-mlp.json`);
