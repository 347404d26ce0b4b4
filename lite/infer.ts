// `oda-lite infer`: runs a fetched model with the exact-class engine (validator/runInference,
// the engine every validator re-runs inference transactions with), so the output is the one
// the chain would accept. The files are re-hashed first: a file changed on disk since the
// fetch no longer has its proven root and is refused.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { piecesRoot, toHex } from '../model-store/merkle.js';
import { checkModel, runInference } from '../validator/index.js';
import { argmaxRows, parseInput, tensorJson } from '../rpc/methods/models-io.js';
import { FILE_NAMES, PROVENANCE_FILE, type Provenance } from './fetch.js';
import { LiteError } from './node.js';

export interface LocalInference {
  model_id: string;
  version: number;
  rows: number;
  output: Record<string, unknown>[];
  argmax?: number[];
  provenance: { block: Provenance['block']; version: number; score: number | string; weights: Provenance['weights']; trainer: string; registry_root: string };
}

function readVerified(dir: string, kind: 'architecture' | 'weights', root: string): Uint8Array {
  const path = join(dir, FILE_NAMES[kind]);
  if (!existsSync(path)) throw new LiteError(`${path} is missing (run oda-lite fetch first)`);
  const bytes = new Uint8Array(readFileSync(path));
  const got = toHex(piecesRoot(bytes));
  if (got !== root) throw new LiteError(`${path} has root ${got}, not the proven ${root}: the file changed since it was fetched`);
  return bytes;
}

export function readProvenance(dir: string): Provenance {
  const path = join(dir, PROVENANCE_FILE);
  if (!existsSync(path)) throw new LiteError(`${path} not found: not a directory written by oda-lite fetch`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Provenance;
  } catch (e) {
    throw new LiteError(`${path}: ${(e as Error).message}`);
  }
}

/** `input`: hex, a file, or rows of integers (as the `infer` RPC takes them). */
export async function inferLocal(dir: string, input: unknown): Promise<LocalInference> {
  const prov = readProvenance(dir);
  const arch = readVerified(dir, 'architecture', prov.architecture.root);
  const weights = readVerified(dir, 'weights', prov.weights.root);
  const mc = checkModel(arch, prov.architecture.root);
  const inputs = parseInput(mc, input);
  const outputs = await runInference(mc, { bytes: weights, root: prov.weights.root }, inputs);
  const argmax = argmaxRows(outputs[0]);
  return {
    model_id: prov.model_id, version: prov.version, rows: inputs[0].dims[0],
    output: outputs.map((t, i) => tensorJson(mc.outputSpec[i]?.name, t)), ...(argmax ? { argmax } : {}),
    provenance: { block: prov.block, version: prov.version, score: prov.score, weights: prov.weights, trainer: prov.trainer, registry_root: prov.registry_root },
  };
}
