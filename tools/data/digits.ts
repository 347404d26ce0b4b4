// Loader for the handwritten digits dataset shipped in datasets/digits.csv.gz (see
// datasets/README.md): 1,797 rows of 64 pixels (0..16) and a label (0..9), and its fixed
// train/eval split (row i is evaluation iff i % 5 == 0).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { encodeDataset } from '../../validator/blobs.js';
import type { Tensor } from '../../validator/tensor.js';

export const DIGITS_FILE = fileURLToPath(new URL('../../datasets/digits.csv.gz', import.meta.url));
export const DIGITS_ROWS = 1797;
export const DIGITS_PIXELS = 64;

export interface Digits {
  /** uint8 pixels, row-major [rows, 64]. */
  pixels: Uint8Array;
  labels: Int32Array;
  rows: number;
}

export function parseDigitsCsv(text: string): Digits {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const pixels = new Uint8Array(lines.length * DIGITS_PIXELS);
  const labels = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const cols = line.split(',');
    if (cols.length !== DIGITS_PIXELS + 1) throw new Error(`digits row ${i} has ${cols.length} columns`);
    for (let j = 0; j < DIGITS_PIXELS; j++) {
      const v = Number(cols[j]);
      if (!Number.isInteger(v) || v < 0 || v > 16) throw new Error(`digits row ${i} pixel ${j} is ${cols[j]}`);
      pixels[i * DIGITS_PIXELS + j] = v;
    }
    const y = Number(cols[DIGITS_PIXELS]);
    if (!Number.isInteger(y) || y < 0 || y > 9) throw new Error(`digits row ${i} label is ${cols[DIGITS_PIXELS]}`);
    labels[i] = y;
  });
  return { pixels, labels, rows: lines.length };
}

export function loadDigits(file = DIGITS_FILE): Digits {
  return parseDigitsCsv(gunzipSync(readFileSync(file)).toString('utf8'));
}

export function isEvalRow(i: number): boolean {
  return i % 5 === 0;
}

/** The rows of one split, in file order. */
export function digitsSplit(d: Digits, split: 'train' | 'eval'): Digits {
  const idx: number[] = [];
  for (let i = 0; i < d.rows; i++) if (isEvalRow(i) === (split === 'eval')) idx.push(i);
  const pixels = new Uint8Array(idx.length * DIGITS_PIXELS);
  const labels = new Int32Array(idx.length);
  idx.forEach((src, k) => {
    pixels.set(d.pixels.subarray(src * DIGITS_PIXELS, (src + 1) * DIGITS_PIXELS), k * DIGITS_PIXELS);
    labels[k] = d.labels[src];
  });
  return { pixels, labels, rows: idx.length };
}

/** Input tensor for a model whose input row shape is [64] (MLP) or [1, 8, 8] (CNN). */
export function digitsInput(d: Digits, rowDims: number[] = [DIGITS_PIXELS]): Tensor {
  return { type: 'uint8', dims: [d.rows, ...rowDims], data: d.pixels };
}

/** An ODA dataset blob: tensor `inputName` (U8 [R, ...rowDims]) and `label` (I32 [R]). */
export function digitsDatasetBlob(d: Digits, inputName = 'input', rowDims: number[] = [DIGITS_PIXELS]): Uint8Array {
  return encodeDataset(new Map([[inputName, digitsInput(d, rowDims)]]), { type: 'int32', dims: [d.rows], data: d.labels }, {
    source: 'UCI optical recognition of handwritten digits via scikit-learn digits.csv.gz (BSD-3-Clause)',
    split: 'eval: rows with index % 5 == 0',
  });
}
