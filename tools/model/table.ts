// Tabular data for convert and pack-dataset, read strictly: every value must be a finite
// number, every row the same width. Three sources:
//   .csv          a header row (one column per feature, one label column); errors name the
//                 file, line and column, because a wrong column is the most common mistake
//                 when a dataset leaves pandas;
//   .npy          one array [rows, …] (numpy.save), each row flattened in C order; the labels,
//                 if any, in a second .npy of shape [rows] (--labels);
//   .safetensors  a features tensor [rows, …] and, with --label NAME, the label tensor NAME
//                 [rows] (an ODA dataset blob is such a file: its input tensor and "label").
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseSafetensors, SafetensorsError, DTYPE_SIZE, type Dtype } from '../../model-store/safetensors.js';
import { ModelError } from './errors.js';
import { parseNpy } from './npy.js';

export interface Table {
  /** Feature column names, in the order of `x`'s columns. */
  columns: string[];
  rows: number;
  /** Row-major [rows, columns.length]. */
  x: Float64Array;
  /** Label column values (integers), when a label column was named. */
  y?: Int32Array;
  /** Regression targets (finite numbers) instead of class labels, with `regression`. */
  target?: Float64Array;
  /** Read from CSV: messages name a row by its file line. */
  csv?: boolean;
}

function splitLine(line: string): string[] {
  return line.split(',').map((c) => {
    const t = c.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
  });
}

export interface ReadTableOptions {
  /** Name of the label column (not a feature). */
  label?: string;
  /** Feature columns to use, in this order (default: every column except the label). For
   *  .npy/.safetensors the names of the flattened columns (default x0, x1, …). */
  features?: string[];
  /** .npy only: the labels file (shape [rows], integers). */
  labels?: string;
  /** .safetensors only: the features tensor (default: the one tensor that is not the label). */
  tensor?: string;
  /** The label is a real-valued regression target (objective neg-sse), read into `target`. */
  regression?: boolean;
}

const REGRESSION_HINT = ' (a regression target needs --objective neg-sse)';

/** Parses CSV text; `file` names the source in messages. */
export function parseCsv(text: string, file: string, opts: ReadTableOptions = {}): Table {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length < 2) throw new ModelError(`${file}: needs a header row and at least one data row`);
  const header = splitLine(lines[0]);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new ModelError(`${file}: column '${dup}' appears twice in the header`);
  if (header.some((h) => h !== '' && /^-?[0-9.]+(e-?[0-9]+)?$/i.test(h))) throw new ModelError(`${file}: the first row looks like data; the file needs a header row of column names`);
  let labelCol = -1;
  if (opts.label !== undefined) {
    labelCol = header.indexOf(opts.label);
    if (labelCol < 0) throw new ModelError(`${file}: no label column '${opts.label}' (columns: ${header.join(', ')})`);
  }
  const features = opts.features ?? header.filter((_, i) => i !== labelCol);
  const missing = features.filter((f) => !header.includes(f));
  if (missing.length > 0) throw new ModelError(`${file}: missing feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} (columns: ${header.join(', ')})`);
  if (opts.label !== undefined && features.includes(opts.label)) throw new ModelError(`${file}: the label column '${opts.label}' is also listed as a feature`);
  const idx = features.map((f) => header.indexOf(f));
  const rows = lines.length - 1;
  const x = new Float64Array(rows * features.length);
  const y = labelCol >= 0 && !opts.regression ? new Int32Array(rows) : undefined;
  const target = labelCol >= 0 && opts.regression ? new Float64Array(rows) : undefined;
  for (let r = 0; r < rows; r++) {
    const cells = splitLine(lines[r + 1]);
    const line = r + 2;
    if (cells.length !== header.length) throw new ModelError(`${file} line ${line}: ${cells.length} cells, the header has ${header.length}`);
    idx.forEach((c, k) => {
      const s = cells[c];
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) throw new ModelError(`${file} line ${line}, column '${header[c]}': ${s === '' ? 'empty cell' : `'${s}'`} is not a finite number (NaN/Inf and missing values must be imputed first)`);
      x[r * features.length + k] = v;
    });
    if (y) {
      const s = cells[labelCol];
      const v = Number(s);
      if (s === '' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new ModelError(`${file} line ${line}, label column '${opts.label}': '${s}' is not a class index (an integer 0, 1, …)${s !== '' && Number.isFinite(v) ? REGRESSION_HINT : ''}`);
      y[r] = v;
    }
    if (target) {
      const s = cells[labelCol];
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) throw new ModelError(`${file} line ${line}, target column '${opts.label}': ${s === '' ? 'empty cell' : `'${s}'`} is not a finite number`);
      target[r] = v;
    }
  }
  return { columns: features, rows, x, y, target, csv: true };
}

const EXTENSIONS = ['.csv', '.npy', '.safetensors'];

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ModelError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function extOf(path: string): string {
  const p = path.toLowerCase();
  return EXTENSIONS.find((e) => p.endsWith(e)) ?? '';
}

export function readTable(path: string, opts: ReadTableOptions = {}): Table {
  const file = basename(path);
  const ext = extOf(path);
  if (ext === '') throw new ModelError(`${file}: tables are .csv (df.to_csv(path, index=False)), .npy (numpy.save) or .safetensors files`);
  if (opts.labels !== undefined && ext !== '.npy') throw new ModelError(`${file}: --labels is for .npy tables (a ${ext} file names its label ${ext === '.csv' ? 'column' : 'tensor'} with --label)`);
  if (ext === '.csv') return parseCsv(new TextDecoder().decode(readBytes(path)), file, opts);
  if (ext === '.npy') {
    if (opts.label !== undefined && opts.labels === undefined) throw new ModelError(`${file}: a .npy file holds one array; give the labels as a second file with --labels LABELS.npy`);
    const x = parseNpy(readBytes(path), file);
    const y = opts.labels === undefined ? undefined : parseNpy(readBytes(opts.labels), basename(opts.labels));
    return arrayTable(file, x.shape, x.values, opts.features, y && { file: basename(opts.labels!), shape: y.shape, values: y.values }, opts.regression);
  }
  let st;
  try {
    st = parseSafetensors(readBytes(path));
  } catch (e) {
    if (e instanceof SafetensorsError) throw new ModelError(`${file}: ${e.message}`);
    throw e;
  }
  const names = [...st.tensors.keys()];
  const listed = names.map((n) => `'${n}'`).join(', ');
  if (opts.label !== undefined && !st.tensors.has(opts.label)) throw new ModelError(`${file}: no label tensor '${opts.label}' (tensors: ${listed})`);
  let xName = opts.tensor !== undefined && st.tensors.has(opts.tensor) ? opts.tensor : undefined;
  if (xName === undefined) {
    const rest = names.filter((n) => n !== opts.label && n !== 'label');
    if (rest.length !== 1) throw new ModelError(`${file}: ${rest.length === 0 ? 'no features tensor' : `which tensor holds the features? (tensors: ${listed}; name it like the model's input${opts.tensor !== undefined ? ` '${opts.tensor}'` : ''})`}`);
    xName = rest[0];
  }
  const num = (name: string) => {
    const t = st.tensors.get(name)!;
    return { file: `${file} tensor '${name}'`, shape: t.shape, values: tensorValues(t.dtype, t.data, `${file} tensor '${name}'`) };
  };
  const xt = num(xName);
  return arrayTable(xt.file, xt.shape, xt.values, opts.features, opts.label === undefined ? undefined : num(opts.label), opts.regression);
}

function tensorValues(dtype: Dtype, data: Uint8Array, what: string): Float64Array {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = data.length / DTYPE_SIZE[dtype];
  const out = new Float64Array(n);
  const get: ((o: number) => number) | undefined = {
    F64: (o: number) => v.getFloat64(o, true), F32: (o: number) => v.getFloat32(o, true),
    I8: (o: number) => v.getInt8(o), U8: (o: number) => v.getUint8(o), BOOL: (o: number) => v.getUint8(o),
    I16: (o: number) => v.getInt16(o, true), U16: (o: number) => v.getUint16(o, true),
    I32: (o: number) => v.getInt32(o, true), U32: (o: number) => v.getUint32(o, true),
    I64: (o: number) => Number(v.getBigInt64(o, true)), U64: (o: number) => Number(v.getBigUint64(o, true)),
  }[dtype as string];
  if (get === undefined) throw new ModelError(`${what}: dtype ${dtype} is not supported (F32, F64 and integer tensors are)`);
  for (let i = 0; i < n; i++) out[i] = get(i * DTYPE_SIZE[dtype]);
  return out;
}

/** A table from a [rows, …] array and an optional [rows] label array. */
function arrayTable(what: string, shape: number[], values: Float64Array, names: string[] | undefined, labels?: { file: string; shape: number[]; values: Float64Array }, regression = false): Table {
  if (shape.length < 1 || shape[0] < 1) throw new ModelError(`${what}: shape [${shape}] has no rows (expected [rows, features…])`);
  const rows = shape[0];
  const F = shape.length === 1 ? 1 : shape.slice(1).reduce((a, d) => a * d, 1);
  if (F < 1) throw new ModelError(`${what}: shape [${shape}] has no features`);
  if (names !== undefined && names.length !== F) throw new ModelError(`${what}: ${F} values per row, the model's input has ${names.length} columns`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new ModelError(`${what}: row ${Math.floor(i / F)}, column ${i % F}: ${values[i]} is not a finite number (NaN/Inf and missing values must be imputed first)`);
  }
  const columns = names ?? Array.from({ length: F }, (_, i) => `x${i}`);
  if (!labels) return { columns, rows, x: values };
  if (labels.shape.length === 0 || labels.shape[0] !== rows || labels.shape.slice(1).some((d) => d !== 1)) throw new ModelError(`${labels.file}: shape [${labels.shape}], the features have ${rows} rows (labels must be [${rows}])`);
  if (regression) {
    for (let r = 0; r < rows; r++) if (!Number.isFinite(labels.values[r])) throw new ModelError(`${labels.file}: row ${r}: target ${labels.values[r]} is not a finite number`);
    return { columns, rows, x: values, target: labels.values.slice(0, rows) };
  }
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const v = labels.values[r];
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new ModelError(`${labels.file}: row ${r}: ${v} is not a class index (an integer 0, 1, …)${Number.isFinite(v) ? REGRESSION_HINT : ''}`);
    y[r] = v;
  }
  return { columns, rows, x: values, y };
}

/** Labels must be class indices of a model with `classes` classes. */
export function checkLabels(t: Table, classes: number, file: string): void {
  if (!t.y) return;
  for (let r = 0; r < t.rows; r++) {
    if (t.y[r] >= classes) throw new ModelError(`${file} ${t.csv ? `line ${r + 2}` : `row ${r}`}: label ${t.y[r]} is out of range, the model has ${classes} classes (0..${classes - 1})${REGRESSION_HINT}`);
  }
}
