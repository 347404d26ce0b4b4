// What the addmodel RPC needs from a directory made by `oda-model convert`: the three blob
// paths, the objective and a default name, read from oda-model.json; and a hint for the most
// common mistake, submitting the float model itself. Kept apart from the converter so the RPC
// layer imports no quantization code.
import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { VerifyError, isVerifyError } from '../../chain/errors.js';
import { ModelError } from './errors.js';
import { modelFiles, readManifest } from './manifest.js';

export interface ModelDirArgs {
  architecture: unknown;
  weights: unknown;
  dataset: unknown;
  objective: unknown;
  /** Default model name (the directory name) when the architecture argument was a directory. */
  name?: string;
}

/**
 * addmodel's first three arguments, with a model directory expanded: `addmodel DIR` (weights
 * and dataset omitted or null) means DIR's files and objective. Anything else passes through.
 * Throws ModelError for a directory that oda-model did not make or that lacks a dataset.
 */
export function expandModelDir(a: ModelDirArgs): ModelDirArgs {
  if (typeof a.architecture !== 'string' || a.architecture === '') return a;
  const path = isAbsolute(a.architecture) ? a.architecture : resolve(a.architecture);
  if (!existsSync(path) || !statSync(path).isDirectory()) return a;
  if ((a.weights !== undefined && a.weights !== null) || (a.dataset !== undefined && a.dataset !== null)) {
    throw new ModelError('architecture is a model directory: leave weights and dataset empty (null), they come from its oda-model.json');
  }
  const m = readManifest(path);
  const f = modelFiles(path, m);
  if (f.dataset === undefined) throw new ModelError(`${path} has no dataset: run oda-model pack-dataset DATA.csv --label COL --like ${path}`);
  if (a.objective !== undefined && a.objective !== null && a.objective !== m.objective) throw new ModelError(`the model directory was converted for objective '${m.objective}', not '${String(a.objective)}'`);
  return { architecture: f.architecture, weights: f.weights, dataset: f.dataset, objective: m.objective, name: basename(path) };
}

/** A float-model rejection gets the way out appended: oda-model convert. */
export function withConvertHint(e: unknown): unknown {
  if (!isVerifyError(e) || e.reason !== 'bad-model-dtype' || !e.details.includes('float')) return e;
  return new VerifyError(e.kind, e.reason, e.score, `${e.details} (ODA-BIP-0002 section 5: float models are rejected; run oda-model convert, see docs/bring-your-own-model.md)`);
}
