// Tabular data for convert and pack-dataset: a CSV file with a header row (one column per
// feature, one label column), read strictly: every cell must be a finite number, every row
// the same width. Errors name the file, line and column, because a wrong column is the most
// common mistake when a dataset leaves pandas.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ModelError } from './errors.js';

export interface Table {
  /** Feature column names, in the order of `x`'s columns. */
  columns: string[];
  rows: number;
  /** Row-major [rows, columns.length]. */
  x: Float64Array;
  /** Label column values (integers), when a label column was named. */
  y?: Int32Array;
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
  /** Feature columns to use, in this order (default: every column except the label). */
  features?: string[];
}

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
  const y = labelCol >= 0 ? new Int32Array(rows) : undefined;
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
      if (s === '' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new ModelError(`${file} line ${line}, label column '${opts.label}': '${s}' is not a class index (an integer 0, 1, …)`);
      y[r] = v;
    }
  }
  return { columns: features, rows, x, y };
}

export function readTable(path: string, opts: ReadTableOptions = {}): Table {
  if (!path.toLowerCase().endsWith('.csv')) throw new ModelError(`${basename(path)}: only .csv tables are supported (write one with pandas: df.to_csv(path, index=False))`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ModelError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseCsv(text, basename(path), opts);
}

/** Labels must be class indices of a model with `classes` classes. */
export function checkLabels(t: Table, classes: number, file: string): void {
  if (!t.y) return;
  for (let r = 0; r < t.rows; r++) {
    if (t.y[r] >= classes) throw new ModelError(`${file} line ${r + 2}: label ${t.y[r]} is out of range, the model has ${classes} classes (0..${classes - 1})`);
  }
}
