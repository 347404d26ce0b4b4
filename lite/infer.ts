// `oda-lite infer`: runs a fetched model with the exact-class engine (validator/runInference,
// the engine every validator re-runs inference transactions with), so the output is the one
// the chain would accept. The files are re-hashed first: a file changed on disk since the
// fetch no longer has its proven root and is refused. A private model's decrypted files are
// checked against the plaintext roots recorded when they were decrypted (the ciphertext they
// came from was checked against the proven roots and every segment authenticated).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { piecesRoot, toHex } from '../model-store/merkle.js';
import { checkModel, runInference } from '../validator/index.js';
import { argmaxRows, parseInput, tensorJson } from '../rpc/methods/models-io.js';
import { FILE_NAMES, PROVENANCE_FILE, VERIFICATION, type Provenance } from './fetch.js';
import { LiteError } from './node.js';
import type { BlobRef } from '../oda/payload.js';

export interface LocalInference {
  model_id: string;
  version: number;
  rows: number;
  output: Record<string, unknown>[];
  argmax?: number[];
  provenance: {
    block: Provenance['block']; version: number; score: number | string; weights: Provenance['weights']; trainer: string; registry_root: string;
    verification: string; private?: Provenance['private'];
  };
}

function readVerified(dir: string, prov: Provenance, kind: 'architecture' | 'weights'): Uint8Array {
  const proven = prov[kind].root;
  const entry = prov.files?.[kind];
  // Decrypted private files: the plaintext root recorded at decryption; otherwise the proven root.
  const root = prov.private ? entry?.plaintext_root : proven;
  if (!root) throw new LiteError(`${join(dir, PROVENANCE_FILE)} records no plaintext root for ${kind}: fetch the model again`);
  const path = join(dir, FILE_NAMES[kind]);
  if (!existsSync(path)) throw new LiteError(`${path} is missing (run oda-lite fetch first)`);
  const bytes = new Uint8Array(readFileSync(path));
  const got = toHex(piecesRoot(bytes));
  if (got !== root) throw new LiteError(`${path} has root ${got}, not the ${prov.private ? 'decrypted' : 'proven'} ${root}: the file changed since it was fetched`);
  return bytes;
}

export function readProvenance(dir: string): Provenance {
  const path = join(dir, PROVENANCE_FILE);
  if (!existsSync(path)) throw new LiteError(`${path} not found: not a directory written by oda-lite fetch`);
  let prov: Provenance;
  try {
    prov = JSON.parse(readFileSync(path, 'utf8')) as Provenance;
  } catch (e) {
    throw new LiteError(`${path}: ${(e as Error).message}`);
  }
  // Hand-edited or foreign files: name what is missing rather than fail inside the engine.
  const blob = (b: unknown) => typeof b === 'object' && b !== null && typeof (b as BlobRef).root === 'string' && typeof (b as BlobRef).length === 'number';
  const missing = [
    typeof prov?.model_id !== 'string' && 'model_id', !blob(prov?.architecture) && 'architecture', !blob(prov?.weights) && 'weights',
    (typeof prov?.files !== 'object' || prov.files === null) && 'files',
  ].filter(Boolean);
  if (missing.length) throw new LiteError(`${path} is not a provenance file written by oda-lite fetch (missing or malformed: ${missing.join(', ')})`);
  return prov;
}

/** `input`: hex, a file, or rows of integers (as the `infer` RPC takes them). */
export async function inferLocal(dir: string, input: unknown): Promise<LocalInference> {
  const prov = readProvenance(dir);
  if (prov.private && !prov.private.decrypted) {
    throw new LiteError(`model ${prov.model_id} is private and the files in ${dir} are encrypted: a key is needed (fetch again with --key, --keyfile, or --wrapped and --devicekey)`);
  }
  const arch = readVerified(dir, prov, 'architecture');
  const weights = readVerified(dir, prov, 'weights');
  // The engine caches by root: a private model's plaintext is named by its plaintext root.
  const archRoot = prov.private ? prov.files.architecture!.plaintext_root! : prov.architecture.root;
  const weightsRoot = prov.private ? prov.files.weights!.plaintext_root! : prov.weights.root;
  const mc = checkModel(arch, archRoot);
  const inputs = parseInput(mc, input);
  const outputs = await runInference(mc, { bytes: weights, root: weightsRoot }, inputs);
  const argmax = argmaxRows(outputs[0]);
  return {
    model_id: prov.model_id, version: prov.version, rows: inputs[0].dims[0],
    output: outputs.map((t, i) => tensorJson(mc.outputSpec[i]?.name, t)), ...(argmax ? { argmax } : {}),
    provenance: { block: prov.block, version: prov.version, score: prov.score, weights: prov.weights, trainer: prov.trainer, registry_root: prov.registry_root,
      verification: prov.verification ?? VERIFICATION.scored, ...(prov.private ? { private: prov.private } : {}),
    },
  };
}
