// oda-model.json: what a directory made by `oda-model convert` holds and how its inputs are
// quantized. The chain never sees this file (the architecture has no metadata fields); it is
// for the user's tools: pack-dataset, export-weights and inference rows need the same input
// quantization, and addmodel reads the file names from it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from './errors.js';
import type { InputQuant } from './input-quant.js';
import type { IntLayer } from './quantize.js';

export const MANIFEST_FILE = 'oda-model.json';
export const MANIFEST_FORMAT = 'oda-model/1';
export const DEFAULT_FILES = { architecture: 'model.onnx', weights: 'weights.safetensors', dataset: 'dataset.safetensors' } as const;

/** A classifier's classes (objective accuracy), or a regression output (neg-sse): `size` values per row in steps of `scale` (label = round(y / scale)). */
export type OutputKind = { classes: number } | { size: number; scale: number };
export type OutputSpec = OutputKind & { name: string };

export function isRegressionOutput(o: OutputKind): o is { size: number; scale: number } {
  return 'scale' in o;
}

export type FileRole = 'architecture' | 'weights' | 'dataset';

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  objective: 'accuracy' | 'neg-sse';
  /** shape: the float model's row dims [C, H, W] when it is not a flat feature vector (the integer model takes the row flattened in C order). */
  input: { name: string; type: 'uint8'; columns: string[]; shape?: number[] } & InputQuant;
  output: OutputSpec;
  /** Label column of the tables packed for this model. */
  label?: string;
  layers: (IntLayer & { source: string })[];
  files: { architecture: string; weights: string; dataset?: string };
  /** SHA-256 of each file as oda-model wrote it, so a changed file is named before anything is paid for. */
  sha256?: Partial<Record<FileRole, string>>;
  source: { file: string; sha256: string; head: string };
}

export function writeManifest(dir: string, m: Manifest): void {
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
}

/** Reads and sanity-checks DIR/oda-model.json. */
export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new ModelError(`${dir} is not a directory made by oda-model convert (no ${MANIFEST_FILE})`);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (e) {
    throw new ModelError(`${path}: ${(e as Error).message}`);
  }
  const ok =
    m !== null && typeof m === 'object' && m.format === MANIFEST_FORMAT &&
    typeof m.input?.name === 'string' && Array.isArray(m.input.columns) && Array.isArray(m.input.min) && Array.isArray(m.input.step) &&
    m.input.min.length === m.input.columns.length && m.input.step.length === m.input.columns.length &&
    m.input.step.every((s) => typeof s === 'number' && s > 0 && Number.isFinite(s)) && m.input.min.every((v) => Number.isFinite(v)) &&
    Array.isArray(m.layers) && m.layers.length > 0 && typeof m.files?.architecture === 'string' && typeof m.files.weights === 'string' &&
    typeof m.output === 'object' && m.output !== null && outputOk(m);
  if (!ok) throw new ModelError(`${path} is not a valid ${MANIFEST_FORMAT} manifest`);
  for (const f of [m.files.architecture, m.files.weights, m.files.dataset]) {
    if (f !== undefined && (f.includes('/') || f.includes('\\') || f.startsWith('.'))) throw new ModelError(`${path}: file name '${f}' must be a plain name inside the directory`);
  }
  return m;
}

function outputOk(m: Manifest): boolean {
  const o = m.output as { classes?: unknown; size?: unknown; scale?: unknown };
  if (m.objective === 'accuracy') return Number.isInteger(o.classes) && (o.classes as number) >= 2;
  if (m.objective === 'neg-sse') return Number.isInteger(o.size) && (o.size as number) >= 1 && typeof o.scale === 'number' && Number.isFinite(o.scale) && o.scale > 0;
  return false;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Throws when a file of the directory is not the one oda-model wrote (manifests without
 * digests, from before they were recorded, pass). `bytes` are the files as read.
 */
export function verifyFile(dir: string, m: Manifest, role: FileRole, bytes: Uint8Array): void {
  const want = m.sha256?.[role];
  if (want === undefined) return;
  if (sha256Hex(bytes) !== want) {
    const redo = role === 'dataset' ? `oda-model pack-dataset DATA --label COL --like ${dir}` : 'oda-model convert';
    throw new ModelError(`${join(dir, m.files[role]!)} was changed after oda-model wrote it (its SHA-256 differs from ${MANIFEST_FILE}): restore it or run ${redo} again`);
  }
}

/** The three blob paths of a model directory (dataset only when packed). */
export function modelFiles(dir: string, m = readManifest(dir)): { architecture: string; weights: string; dataset?: string } {
  return {
    architecture: join(dir, m.files.architecture),
    weights: join(dir, m.files.weights),
    ...(m.files.dataset !== undefined ? { dataset: join(dir, m.files.dataset) } : {}),
  };
}
