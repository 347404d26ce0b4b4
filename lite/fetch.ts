// The device flow (ODA-BIP-0007 "Lite node"): prove which version of a model is current (or
// a given version), fetch that version's blobs by their proven roots, and write them with a
// provenance file. Nothing is written to the output directory before every blob is complete
// and verified; the files are then exported from the lite node's store (re-hashed on read).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DownloadProgress } from '../p2p/blobs.js';
import type { BlobRef } from '../oda/payload.js';
import { provenanceJson } from '../oda/proof-json.js';
import type { LiteNode } from './node.js';
import { LiteError } from './node.js';

export const PROVENANCE_FILE = 'provenance.json';
export const FILE_NAMES = { architecture: 'architecture.onnx', weights: 'weights.safetensors', dataset: 'dataset.safetensors' } as const;
export type BlobKind = keyof typeof FILE_NAMES;

export interface FetchOptions {
  modelId: string;
  version?: number;
  /** Also fetch the model's dataset (the objective's evaluation data). */
  dataset?: boolean;
  outDir: string;
  timeout?: number;
  onProgress?: (kind: BlobKind, p: DownloadProgress) => void;
  onProof?: (provenance: Record<string, unknown>) => void;
}

export interface Provenance {
  model_id: string;
  name: string;
  block: { hash: string; height: number };
  registry_root: string;
  /** The version written to the directory, its score, weights and trainer (all proven). */
  version: number;
  score: number | string;
  weights: BlobRef;
  trainer: string;
  current_version: number;
  architecture: BlobRef;
  dataset: BlobRef;
  objective: string;
  files: Partial<Record<BlobKind, { file: string; root: string; length: number }>>;
  proof_bytes: number;
  header_tip: { hash: string; height: number };
}

export async function fetchModel(node: LiteNode, o: FetchOptions): Promise<Provenance> {
  const proven = await node.proveModel(o.modelId, o.version, { timeout: o.timeout });
  const j = provenanceJson(proven.verified, proven.entry.height, node.opts.params);
  o.onProof?.(j);
  const m = proven.verified.model;
  const v = proven.verified.version;
  const pv = j.proven_version as { score: number | string; trainer: string } | undefined;
  const weights = v ? v.weights : m.currentWeights;
  const wanted: [BlobKind, BlobRef][] = [['architecture', m.add.architecture], ['weights', weights]];
  if (o.dataset) wanted.push(['dataset', m.add.dataset]);
  for (const [kind, ref] of wanted) {
    const man = await node.fetchBlob(ref.root, { timeout: o.timeout, onProgress: o.onProgress && ((p) => o.onProgress!(kind, p)) });
    // The registry records the length too: a blob of another length is not the proven one.
    if (man.length !== ref.length) throw new LiteError(`${kind} blob ${ref.root} is ${man.length} bytes, the registry says ${ref.length}`);
    o.onProgress?.(kind, { root: ref.root, length: man.length, pieces: man.pieceLayer.length, piecesHave: man.pieceLayer.length, progress: 1, bytesReceived: 0, started: 0, rate: 0, peers: 0 });
  }

  // Write into a fresh sibling directory, then move it into place: DIR holds a complete
  // verified set or nothing new.
  const tmp = `${o.outDir}.part-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const files: Provenance['files'] = {};
  for (const [kind, ref] of wanted) {
    await node.store.exportFile(ref.root, join(tmp, FILE_NAMES[kind]));
    files[kind] = { file: FILE_NAMES[kind], root: ref.root, length: ref.length };
  }
  const prov: Provenance = {
    model_id: m.modelId, name: m.add.name, block: { hash: proven.entry.hash, height: proven.entry.height }, registry_root: proven.verified.root,
    version: v ? v.version : m.currentVersion, score: v ? pv!.score : (j.score as number | string), weights, trainer: v ? pv!.trainer : (j.trainer as string),
    current_version: m.currentVersion, architecture: m.add.architecture, dataset: m.add.dataset, objective: String(m.add.objective),
    files, proof_bytes: proven.size, header_tip: { hash: node.chain.tip.hash, height: node.chain.height },
  };
  writeFileSync(join(tmp, PROVENANCE_FILE), JSON.stringify(prov, null, 2) + '\n');
  mkdirSync(o.outDir, { recursive: true });
  for (const f of [...Object.values(files).map((x) => x!.file), PROVENANCE_FILE]) {
    const dest = join(o.outDir, f);
    if (existsSync(dest)) rmSync(dest);
    renameSync(join(tmp, f), dest);
  }
  rmSync(tmp, { recursive: true, force: true });
  return prov;
}
