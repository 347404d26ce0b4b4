// `oda-model convert`: a float ONNX MLP, linear model or small CNN → a directory with the exact-class
// architecture, int8/int32 weights, the packed dataset and oda-model.json. The result is
// checked and scored with the node's own code (validator/index.ts), so the integer accuracy
// printed is the baseline score the chain will record.
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
import { DEFAULT_FILES, writeManifest, type Manifest } from './manifest.js';

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
}

export interface Accuracy {
  rows: number;
  /** Fractions in [0, 1]; float on the original float features, integer by the node's scorer. */
  float: number;
  integer: number;
  /** Integer score the chain computes (correct rows). */
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

export async function integerAccuracy(ctx: ModelContext, weights: Uint8Array, ds: Dataset): Promise<bigint> {
  try {
    return await scoreWeights(ctx, weights, ds, 'accuracy');
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

export async function convert(opts: ConvertOptions): Promise<ConvertReport> {
  const { bytes: floatBytes, net } = readFloatModel(opts.model);
  const calFile = basename(opts.calibration);
  const cal = readTable(opts.calibration, { label: opts.label, labels: opts.labels, features: opts.features, tensor: net.inputName });
  checkWidth(net, cal, calFile);
  const classes = classesOf(net);
  if (opts.crossCheck !== false) await crossCheckFloat(floatBytes, net, cal.x, cal.rows);

  // A CNN's pixels share one step and a zero point (see quantize.ts); tabular features get their own range.
  const { zeroPoint, ...iq } = net.layers[0].conv ? fitConvInputQuant(net, cal.x) : { ...fitInputQuant(cal), zeroPoint: undefined };
  const spec: InputSpec = { name: net.inputName, columns: cal.columns, ...iq };
  const qCal = quantizeInputs(cal, iq);
  const q = quantizeNet(net, iq, qCal, cal.rows, undefined, zeroPoint);
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
  if (cal.y) {
    const packed = packTable(cal, spec, classes, calFile);
    const score = await integerAccuracy(ctx, weights, packed.dataset);
    calibration = { rows: cal.rows, float: floatAccuracy(net, cal), integer: Number(score) / cal.rows, score };
    const ev = opts.dataset === undefined ? cal : readTable(opts.dataset, { label: opts.label, labels: opts.datasetLabels, features: cal.columns, tensor: net.inputName });
    if (!ev.y) throw new ModelError(`${basename(opts.dataset!)}: the evaluation dataset needs labels too${opts.labels !== undefined ? ' (--dataset-labels LABELS.npy)' : ''}`);
    const evFile = opts.dataset === undefined ? calFile : basename(opts.dataset);
    const evPacked = ev === cal ? packed : packTable(ev, spec, classes, evFile);
    const evScore = ev === cal ? score : await integerAccuracy(ctx, weights, evPacked.dataset);
    dataset = { rows: ev.rows, float: floatAccuracy(net, ev), integer: Number(evScore) / ev.rows, score: evScore };
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
    objective: 'accuracy',
    input: { name: net.inputName, type: 'uint8', columns: cal.columns, min: iq.min, step: iq.step, ...(net.inShape.length > 1 ? { shape: net.inShape } : {}) },
    output: { name: net.outputName, classes },
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    layers,
    files: { architecture: DEFAULT_FILES.architecture, weights: DEFAULT_FILES.weights, ...(datasetBlob ? { dataset: DEFAULT_FILES.dataset } : {}) },
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
  };
}
