// `oda-model convert`: a float ONNX MLP, linear model or small CNN → a directory with the exact-class
// architecture, int8/int32 weights, the packed dataset and oda-model.json. The result is
// checked and scored with the node's own code (validator/index.ts), so the integer accuracy
// (or, for a regression model, the integer RMSE and R²) printed is the baseline score the
// chain will record.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { encodeSafetensors } from '../../model-store/safetensors.js';
import { checkModel, inferenceCost, runInference, scoreWeights, MAX_TX_CU, LIMITS, type ModelContext } from '../../validator/index.js';
import { isVerifyError } from '../../chain/errors.js';
import type { Dataset } from '../../validator/dataset.js';
import type { Tensor } from '../../validator/tensor.js';
import { ModelError } from './errors.js';
import { readFloatOnnx } from './float-onnx.js';
import { extractNet, floatForward, predict, type FloatNet } from './float-net.js';
import { crossCheckFloat } from './float-check.js';
import { fitInputQuant, quantizeInputs } from './input-quant.js';
import { buildIntGraph } from './int-graph.js';
import { fitConvInputQuant, quantizeNet, type IntLayer, type Quantized } from './quantize.js';
import { readTable, type Table } from './table.js';
import { inputMetadata, packTable, type InputSpec } from './pack-dataset.js';
import { DEFAULT_FILES, sha256Hex, writeManifest, type Manifest, type OutputSpec } from './manifest.js';
import { fitOutputScale, floatFit, integerFit } from './regression.js';

export interface ConvertOptions {
  /** Float ONNX file. */
  model: string;
  /** Calibration table (.csv, .npy or .safetensors; see table.ts). */
  calibration: string;
  /** Label column (CSV) or tensor (safetensors); without labels no dataset is written and only float/integer agreement is reported. */
  label?: string;
  /** Labels of a .npy calibration table (a [rows] .npy). */
  labels?: string;
  /** Labels of a .npy --dataset table. */
  datasetLabels?: string;
  /** Feature columns in the model's input order (default: every non-label column). */
  features?: string[];
  /** Table packed as the evaluation dataset (default: the calibration table). */
  dataset?: string;
  out: string;
  /** Check the float reading against onnxruntime (default true). */
  crossCheck?: boolean;
  /** accuracy (a classifier, default) or neg-sse (a regression model; the label column holds real-valued targets). */
  objective?: 'accuracy' | 'neg-sse';
}

export interface Accuracy {
  /** accuracy: float and integer are fractions of correct rows in [0, 1]. r2 (regression): they are R², and rmse holds the errors in the target's units. */
  metric: 'accuracy' | 'r2';
  rows: number;
  /** Float on the original float features, integer by the node's scorer. */
  float: number;
  integer: number;
  /** Regression only: root-mean-square error of the float and the integer model. */
  rmse?: { float: number; integer: number };
  /** Integer score the chain computes (correct rows, or −SSE in output steps²). */
  score: bigint;
}

export interface ConvertReport {
  dir: string;
  files: { architecture: string; weights: string; dataset?: string; manifest: string };
  layers: (Pick<IntLayer, 'name' | 'inSize' | 'outSize' | 'relu' | 'shift' | 'conv' | 'pool' | 'zeroPoint'> & { source: string })[];
  params: number;
  cuPerRow: bigint;
  calibration: Accuracy | { rows: number; agreement: number };
  dataset?: Accuracy;
  head: string;
  objective: 'accuracy' | 'neg-sse';
  /** Regression: the output step s_y (label = round(y / s_y)). */
  outputScale?: number;
}

/** A ModelError naming the rule from the node's VerifyError (bad-model-*, bad-weights-*, …). */
export function explain(e: unknown, what: string): never {
  if (isVerifyError(e)) throw new ModelError(`${what}: ${e.reason}${e.details ? `: ${e.details}` : ''}`);
  throw e;
}

export function classesOf(net: FloatNet): number {
  const w = net.layers[net.layers.length - 1].outSize;
  return w === 1 ? 2 : w;
}

export async function integerAccuracy(ctx: ModelContext, weights: Uint8Array, ds: Dataset, objective: 'accuracy' | 'neg-sse' = 'accuracy'): Promise<bigint> {
  try {
    return await scoreWeights(ctx, weights, ds, objective);
  } catch (e) {
    return explain(e, 'scoring');
  }
}

export function floatAccuracy(net: FloatNet, t: Table): number {
  if (!t.y) return NaN;
  const { out, width } = floatForward(net, t.x, t.rows);
  const p = predict(out, width, t.rows);
  let ok = 0;
  for (let r = 0; r < t.rows; r++) if (p[r] === t.y[r]) ok++;
  return ok / t.rows;
}

export function weightsBlob(q: Quantized, spec: InputSpec): Uint8Array {
  const tensors = [...q.tensors].map(([name, t]) => ({
    name,
    dtype: t.type === 'int8' ? ('I8' as const) : ('I32' as const),
    shape: t.dims,
    data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
  }));
  return encodeSafetensors(tensors, inputMetadata(spec));
}

export function readFloatModel(path: string): { bytes: Uint8Array; net: FloatNet } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ModelError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return { bytes, net: extractNet(readFloatOnnx(bytes)) };
}

export function checkWidth(net: FloatNet, t: Table, file: string): void {
  if (t.columns.length !== net.inSize) {
    const cols = t.columns.length > 8 ? `${t.columns.slice(0, 8).join(', ')}, …` : t.columns.join(', ');
    throw new ModelError(`${file}: ${t.columns.length} feature columns (${cols}), the model's input '${net.inputName}' has ${net.inSize}${t.y ? '' : ' (name the label column with --label)'}`);
  }
}

/** Float vs integer figures of one table: accuracy, or R² and RMSE for a regression model. */
async function measure(ctx: ModelContext, weights: Uint8Array, net: FloatNet, t: Table, dataset: Dataset, output: OutputSpec): Promise<Accuracy> {
  if (!('scale' in output)) {
    const score = await integerAccuracy(ctx, weights, dataset);
    return { metric: 'accuracy', rows: t.rows, float: floatAccuracy(net, t), integer: Number(score) / t.rows, score };
  }
  const score = await integerAccuracy(ctx, weights, dataset, 'neg-sse');
  const f = floatFit(floatForward(net, t.x, t.rows).out, t.target!);
  const i = integerFit(score, output.scale, t.target!);
  return { metric: 'r2', rows: t.rows, float: f.r2, integer: i.r2, rmse: { float: f.rmse, integer: i.rmse }, score };
}

export async function convert(opts: ConvertOptions): Promise<ConvertReport> {
  const { bytes: floatBytes, net } = readFloatModel(opts.model);
  const objective = opts.objective ?? 'accuracy';
  const regression = objective === 'neg-sse';
  const calFile = basename(opts.calibration);
  const cal = readTable(opts.calibration, { label: opts.label, labels: opts.labels, features: opts.features, tensor: net.inputName, regression });
  if (regression && !cal.target) throw new ModelError(`${calFile}: a regression model (--objective neg-sse) is calibrated on its targets: name the target column with --label COL (or --labels Y.npy for a .npy table)`);
  checkWidth(net, cal, calFile);
  const outSize = net.layers[net.layers.length - 1].outSize;
  let output: OutputSpec = { name: net.outputName, classes: classesOf(net) };
  if (regression && cal.target) {
    if (net.head !== 'none') throw new ModelError(`the model ends in ${net.head}, which changes its values: a regression model (neg-sse) is scored on its raw output; export it without the final ${net.head}`);
    if (outSize !== 1) throw new ModelError(`the model has ${outSize} outputs; convert's regression takes one target column (one output)`);
    output = { name: net.outputName, size: 1, scale: fitOutputScale(cal.target, floatForward(net, cal.x, cal.rows).out) };
  }
  if (opts.crossCheck !== false) await crossCheckFloat(floatBytes, net, cal.x, cal.rows);

  // A CNN's pixels share one step and a zero point (see quantize.ts); tabular features get their own range.
  const { zeroPoint, ...iq } = net.layers[0].conv ? fitConvInputQuant(net, cal.x) : { ...fitInputQuant(cal), zeroPoint: undefined };
  const spec: InputSpec = { name: net.inputName, columns: cal.columns, ...iq };
  const qCal = quantizeInputs(cal, iq);
  const q = quantizeNet(net, iq, qCal, cal.rows, undefined, zeroPoint, 'scale' in output ? output.scale : undefined);
  const architecture = buildIntGraph(net.inputName, net.outputName, q.layers);
  if (architecture.length > LIMITS.maxArchitectureBytes) throw new ModelError(`the architecture is ${architecture.length} bytes, limit ${LIMITS.maxArchitectureBytes}`);
  let ctx: ModelContext;
  try {
    ctx = checkModel(architecture);
  } catch (e) {
    return explain(e, 'the converted model fails the admission check');
  }
  const weights = weightsBlob(q, spec);
  if (weights.length > LIMITS.maxWeightsBytes) throw new ModelError(`the weights are ${weights.length} bytes, limit ${LIMITS.maxWeightsBytes} (ODA-BIP-0002 section 2): use a smaller model`);
  const cuPerRow = inferenceCost(ctx.arch, 1);
  if (cuPerRow > MAX_TX_CU) throw new ModelError(`one row costs ${cuPerRow} CU, limit ${MAX_TX_CU}`);

  let calibration: ConvertReport['calibration'];
  let dataset: Accuracy | undefined;
  let datasetBlob: Uint8Array | undefined;
  if (cal.y || cal.target) {
    const packed = packTable(cal, spec, output, calFile);
    calibration = await measure(ctx, weights, net, cal, packed.dataset, output);
    const ev = opts.dataset === undefined ? cal : readTable(opts.dataset, { label: opts.label, labels: opts.datasetLabels, features: cal.columns, tensor: net.inputName, regression });
    if (!ev.y && !ev.target) throw new ModelError(`${basename(opts.dataset!)}: the evaluation dataset needs ${regression ? 'targets' : 'labels'} too${opts.labels !== undefined ? ' (--dataset-labels LABELS.npy)' : ''}`);
    const evFile = opts.dataset === undefined ? calFile : basename(opts.dataset);
    const evPacked = ev === cal ? packed : packTable(ev, spec, output, evFile);
    dataset = ev === cal ? calibration : await measure(ctx, weights, net, ev, evPacked.dataset, output);
    datasetBlob = evPacked.blob;
  } else {
    if (opts.dataset !== undefined) throw new ModelError('--dataset needs labels (--label COL, or --labels LABELS.npy for a .npy calibration table): the dataset is scored against them');
    const { out, width } = floatForward(net, cal.x, cal.rows);
    const fp = predict(out, width, cal.rows);
    const input: Tensor = { type: 'uint8', dims: [cal.rows, cal.columns.length], data: qCal };
    let outs: Tensor[];
    try {
      outs = await runInference(ctx, weights, [input]);
    } catch (e) {
      return explain(e, 'running the converted model');
    }
    const logits = Float64Array.from(outs[0].data as Int32Array);
    const ip = width === 1 ? Int32Array.from(logits) : predict(logits, width, cal.rows);
    let agree = 0;
    for (let r = 0; r < cal.rows; r++) if (fp[r] === ip[r]) agree++;
    calibration = { rows: cal.rows, agreement: agree / cal.rows };
  }

  mkdirSync(opts.out, { recursive: true });
  const files = {
    architecture: join(opts.out, DEFAULT_FILES.architecture),
    weights: join(opts.out, DEFAULT_FILES.weights),
    ...(datasetBlob ? { dataset: join(opts.out, DEFAULT_FILES.dataset) } : {}),
    manifest: join(opts.out, 'oda-model.json'),
  };
  writeFileSync(files.architecture, architecture);
  writeFileSync(files.weights, weights);
  if (datasetBlob) writeFileSync(files.dataset!, datasetBlob);
  const layers = q.layers.map((L, l) => ({ ...L, source: net.layers[l].source }));
  const manifest: Manifest = {
    format: 'oda-model/1',
    objective,
    input: { name: net.inputName, type: 'uint8', columns: cal.columns, min: iq.min, step: iq.step, ...(net.inShape.length > 1 ? { shape: net.inShape } : {}) },
    output,
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    layers,
    files: { architecture: DEFAULT_FILES.architecture, weights: DEFAULT_FILES.weights, ...(datasetBlob ? { dataset: DEFAULT_FILES.dataset } : {}) },
    sha256: { architecture: sha256Hex(architecture), weights: sha256Hex(weights), ...(datasetBlob ? { dataset: sha256Hex(datasetBlob) } : {}) },
    source: { file: basename(opts.model), sha256: createHash('sha256').update(floatBytes).digest('hex'), head: net.head },
  };
  writeManifest(opts.out, manifest);
  return {
    dir: opts.out,
    files,
    layers: layers.map(({ name, source, inSize, outSize, relu, shift, conv, pool, zeroPoint }) => ({ name, source, inSize, outSize, relu, ...(shift !== undefined ? { shift } : {}), ...(conv ? { conv } : {}), ...(pool ? { pool } : {}), ...(zeroPoint !== undefined ? { zeroPoint } : {}) })),
    params: [...q.tensors].filter(([n]) => !n.endsWith('.scale')).reduce((a, [, t]) => a + t.data.length, 0),
    cuPerRow,
    calibration,
    ...(dataset ? { dataset } : {}),
    head: net.head,
    objective,
    ...('scale' in output ? { outputScale: output.scale } : {}),
  };
}
