// The dataset blob of ODA-BIP-0002 section 9 from a table: one uint8 tensor named as the graph
// input ([R, features], quantized like the model's input) and an I32 "label" tensor: class
// indices [R] (accuracy), or a regression's targets in the model's output steps [R, 1]
// (neg-sse, regression.ts). The input quantization is also written to the blob's __metadata__
// (ignored by validators).
import { writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { encodeSafetensors } from '../../model-store/safetensors.js';
import { LIMITS } from '../../validator/limits.js';
import { LABEL_TENSOR } from '../../validator/dataset.js';
import type { Dataset } from '../../validator/dataset.js';
import { ModelError } from './errors.js';
import { fitInputQuant, quantizeInputs, type InputQuant } from './input-quant.js';
import { checkLabels, readTable, type Table } from './table.js';
import { DEFAULT_FILES, isRegressionOutput, readManifest, sha256Hex, writeManifest, type OutputKind } from './manifest.js';
import { quantizeTargets } from './regression.js';

export interface InputSpec extends InputQuant {
  name: string;
  columns: string[];
}

export function inputMetadata(spec: InputSpec): Record<string, string> {
  return { 'oda.input': JSON.stringify({ name: spec.name, type: 'uint8', columns: spec.columns, min: spec.min, step: spec.step, rule: 'q = clamp(round((x - min) / step), 0, 255)' }) };
}

/** The in-memory dataset (what bindDataset would return) and its blob. */
export function packTable(t: Table, spec: InputSpec, output: OutputKind, file: string): { blob: Uint8Array; dataset: Dataset } {
  const regression = isRegressionOutput(output);
  if (regression ? !t.target : !t.y) throw new ModelError(`${file}: a dataset needs ${regression ? 'targets' : 'labels'} (--label COL for .csv/.safetensors, --labels LABELS.npy for .npy)`);
  if (t.columns.join('\u0000') !== spec.columns.join('\u0000')) throw new ModelError(`${file}: feature columns do not match the model's input columns`);
  if (spec.name === LABEL_TENSOR) throw new ModelError(`the graph input may not be named '${LABEL_TENSOR}' (ODA-BIP-0002 section 9)`);
  if (t.rows > LIMITS.maxDatasetRows) throw new ModelError(`${file}: ${t.rows} rows, a dataset holds at most ${LIMITS.maxDatasetRows}`);
  let y: Int32Array;
  let labelDims: number[];
  const meta = inputMetadata(spec);
  if (isRegressionOutput(output)) {
    if (output.size !== 1) throw new ModelError(`the model has ${output.size} outputs; a regression dataset from a table has one target column (one output)`);
    y = quantizeTargets(t.target!, output.scale, file);
    labelDims = [t.rows, 1];
    meta['oda.target'] = JSON.stringify({ scale: output.scale, rule: 'label = round(y / scale)' });
  } else {
    checkLabels(t, output.classes, file);
    y = t.y!;
    labelDims = [t.rows];
  }
  const q = quantizeInputs(t, spec);
  const F = spec.columns.length;
  const blob = encodeSafetensors(
    [
      { name: spec.name, dtype: 'U8', shape: [t.rows, F], data: q },
      { name: LABEL_TENSOR, dtype: 'I32', shape: labelDims, data: new Uint8Array(y.buffer, y.byteOffset, y.byteLength) },
    ],
    meta,
  );
  if (blob.length > LIMITS.maxDatasetBytes) throw new ModelError(`${file}: the dataset blob would be ${blob.length} bytes, limit ${LIMITS.maxDatasetBytes}`);
  return { blob, dataset: { rows: t.rows, inputs: [{ type: 'uint8', dims: [t.rows, F], data: q }], label: { type: 'int32', dims: labelDims, data: y }, bytes: blob.length } };
}

export interface PackOptions {
  table: string;
  /** Label column (CSV) or tensor (safetensors). */
  label?: string;
  /** Labels of a .npy table. */
  labels?: string;
  /** A model directory whose input quantization and columns to use (and whose dataset to replace when `out` is omitted). */
  like?: string;
  /** Without `like`: the graph input's name; the quantization is fitted on this table. */
  input?: string;
  features?: string[];
  out?: string;
}

/** `oda-model pack-dataset`: writes the blob and returns its path, row count and input spec. */
export function packDatasetFile(o: PackOptions): { out: string; rows: number; spec: InputSpec } {
  const file = basename(o.table);
  let spec: InputSpec;
  let output: OutputKind;
  let t: Table;
  let out = o.out;
  if (o.like !== undefined) {
    const m = readManifest(o.like);
    t = readTable(o.table, { label: o.label, labels: o.labels, features: o.features ?? m.input.columns, tensor: m.input.name, regression: m.objective === 'neg-sse' });
    spec = { name: m.input.name, columns: m.input.columns, min: m.input.min, step: m.input.step };
    output = m.output;
    const own = join(o.like, m.files.dataset ?? DEFAULT_FILES.dataset);
    if (out === undefined || resolve(out) === resolve(own)) {
      // The directory's own dataset: the manifest names it and records its digest.
      const { blob } = packTable(t, spec, output, file);
      writeFileSync(own, blob);
      writeManifest(o.like, { ...m, ...(o.label !== undefined ? { label: o.label } : {}), files: { ...m.files, dataset: m.files.dataset ?? DEFAULT_FILES.dataset }, sha256: { ...m.sha256, dataset: sha256Hex(blob) } });
      return { out: own, rows: t.rows, spec };
    }
  } else {
    if (o.input === undefined) throw new ModelError('pack-dataset needs --like DIR (a converted model) or --input NAME');
    if (out === undefined) throw new ModelError('pack-dataset needs --out FILE');
    t = readTable(o.table, { label: o.label, labels: o.labels, features: o.features, tensor: o.input });
    spec = { name: o.input, columns: t.columns, ...fitInputQuant(t) };
    output = { classes: t.y ? Math.max(2, Math.max(...t.y) + 1) : 2 };
  }
  const { blob } = packTable(t, spec, output, file);
  writeFileSync(out, blob);
  return { out, rows: t.rows, spec };
}

/** `oda-model quantize-rows`: a table's rows as the model's raw uint8 input bytes (what `infer` takes as a file or hex). */
export function quantizeRowsFile(dir: string, table: string, out: string): { out: string; rows: number; bytes: number } {
  const m = readManifest(dir);
  const t = readTable(table, { features: m.input.columns, tensor: m.input.name });
  const q = quantizeInputs(t, { min: m.input.min, step: m.input.step });
  writeFileSync(out, q);
  return { out, rows: t.rows, bytes: q.length };
}
