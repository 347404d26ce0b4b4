// The dataset blob of ODA-BIP-0002 section 9 from a table: one uint8 tensor named as the graph
// input ([R, features], quantized like the model's input) and an I32 "label" tensor [R]. The
// input quantization is also written to the blob's __metadata__ (ignored by validators).
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { encodeSafetensors } from '../../model-store/safetensors.js';
import { LIMITS } from '../../validator/limits.js';
import { LABEL_TENSOR } from '../../validator/dataset.js';
import type { Dataset } from '../../validator/dataset.js';
import { ModelError } from './errors.js';
import { fitInputQuant, quantizeInputs, type InputQuant } from './input-quant.js';
import { checkLabels, readTable, type Table } from './table.js';
import { DEFAULT_FILES, readManifest, writeManifest } from './manifest.js';

export interface InputSpec extends InputQuant {
  name: string;
  columns: string[];
}

export function inputMetadata(spec: InputSpec): Record<string, string> {
  return { 'oda.input': JSON.stringify({ name: spec.name, type: 'uint8', columns: spec.columns, min: spec.min, step: spec.step, rule: 'q = clamp(round((x - min) / step), 0, 255)' }) };
}

/** The in-memory dataset (what bindDataset would return) and its blob. */
export function packTable(t: Table, spec: InputSpec, classes: number, file: string): { blob: Uint8Array; dataset: Dataset } {
  if (!t.y) throw new ModelError(`${file}: a dataset needs labels (--label COL for .csv/.safetensors, --labels LABELS.npy for .npy)`);
  if (t.columns.join('\u0000') !== spec.columns.join('\u0000')) throw new ModelError(`${file}: feature columns do not match the model's input columns`);
  if (spec.name === LABEL_TENSOR) throw new ModelError(`the graph input may not be named '${LABEL_TENSOR}' (ODA-BIP-0002 section 9)`);
  if (t.rows > LIMITS.maxDatasetRows) throw new ModelError(`${file}: ${t.rows} rows, a dataset holds at most ${LIMITS.maxDatasetRows}`);
  checkLabels(t, classes, file);
  const q = quantizeInputs(t, spec);
  const F = spec.columns.length;
  const blob = encodeSafetensors(
    [
      { name: spec.name, dtype: 'U8', shape: [t.rows, F], data: q },
      { name: LABEL_TENSOR, dtype: 'I32', shape: [t.rows], data: new Uint8Array(t.y.buffer, t.y.byteOffset, t.y.byteLength) },
    ],
    inputMetadata(spec),
  );
  if (blob.length > LIMITS.maxDatasetBytes) throw new ModelError(`${file}: the dataset blob would be ${blob.length} bytes, limit ${LIMITS.maxDatasetBytes}`);
  return { blob, dataset: { rows: t.rows, inputs: [{ type: 'uint8', dims: [t.rows, F], data: q }], label: { type: 'int32', dims: [t.rows], data: t.y }, bytes: blob.length } };
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
  let classes: number;
  let t: Table;
  let out = o.out;
  if (o.like !== undefined) {
    const m = readManifest(o.like);
    t = readTable(o.table, { label: o.label, labels: o.labels, features: o.features ?? m.input.columns, tensor: m.input.name });
    spec = { name: m.input.name, columns: m.input.columns, min: m.input.min, step: m.input.step };
    classes = m.output.classes;
    if (out === undefined) {
      out = join(o.like, m.files.dataset ?? DEFAULT_FILES.dataset);
      if (m.files.dataset === undefined) writeManifest(o.like, { ...m, ...(o.label !== undefined ? { label: o.label } : {}), files: { ...m.files, dataset: DEFAULT_FILES.dataset } });
    }
  } else {
    if (o.input === undefined) throw new ModelError('pack-dataset needs --like DIR (a converted model) or --input NAME');
    if (out === undefined) throw new ModelError('pack-dataset needs --out FILE');
    t = readTable(o.table, { label: o.label, labels: o.labels, features: o.features, tensor: o.input });
    spec = { name: o.input, columns: t.columns, ...fitInputQuant(t) };
    classes = t.y ? Math.max(2, Math.max(...t.y) + 1) : 2;
  }
  const { blob } = packTable(t, spec, classes, file);
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
