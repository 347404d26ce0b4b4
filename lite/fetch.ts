// The device flow (ODA-BIP-0007 "Lite node"): prove which version of a model is current (or
// a given version), fetch that version's blobs by their proven roots, and write them with a
// provenance file. Nothing is written to the output directory before every blob is complete
// and verified; the files are then exported from the lite node's store (re-hashed on read).
// A private model (ODA-BIP-0007b) is fetched the same way (its ciphertext is what the registry
// commits to); with its content key the files are decrypted (every segment authenticated, so a
// wrong key or a tampered blob writes nothing), without it they are kept encrypted (*.enc).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decryptStream, DecryptionError, writeStreamAtomic } from '../model-store/encryption.js';
import { MerkleBuilder, toHex } from '../model-store/merkle.js';
import type { ModelRecord } from '../oda/registry.js';
import { resolveContentKey, type ContentKeySource } from './content-key.js';
import type { DownloadProgress } from '../p2p/blobs.js';
import type { BlobRef } from '../oda/payload.js';
import { provenanceJson } from '../oda/proof-json.js';
import type { LiteNode } from './node.js';
import { LiteError } from './node.js';

export const PROVENANCE_FILE = 'provenance.json';
export const FILE_NAMES = { architecture: 'architecture.onnx', weights: 'weights.safetensors', dataset: 'dataset.safetensors' } as const;
export type BlobKind = keyof typeof FILE_NAMES;
/** Suffix of a private model's files kept encrypted (fetched without its key). */
export const ENCRYPTED_SUFFIX = '.enc';
/** How a version became current: judged by the objective, or approved by the owners (ODA-BIP-0007b). */
export const VERIFICATION = {
  scored: 'scored: every validator re-ran the objective on this version (ODA-BIP-0003)',
  approved: 'owner-approved, not scored: threshold owners signed this model\'s current version (ODA-BIP-0007b); nodes cannot score encrypted blobs',
} as const;

export interface FetchOptions {
  modelId: string;
  version?: number;
  /** Also fetch the model's dataset (the objective's evaluation data). */
  dataset?: boolean;
  outDir: string;
  timeout?: number;
  onProgress?: (kind: BlobKind, p: DownloadProgress) => void;
  onProof?: (provenance: Record<string, unknown>) => void;
  /** A private model's content key (ignored for a public model). */
  key?: ContentKeySource;
}

export interface FileEntry {
  file: string;
  /** The proven root (of the ciphertext, for a private model). */
  root: string;
  length: number;
  /** Private model, decrypted: root and length of the plaintext written (re-checked by infer). */
  plaintext_root?: string;
  plaintext_length?: number;
  encrypted?: boolean;
}

/** What the proven record says about a private model (ODA-BIP-0007b). */
export interface PrivateProvenance {
  owners: string[];
  threshold: number;
  /** Approvals (approve-version transactions) so far, rollbacks included. */
  approvals: number;
  /** Versions the model has (0..versions-1); the current one may be an earlier one (rollback). */
  versions: number;
  approved_version: number;
  decrypted: boolean;
  /** The root the wrapped key was bound to, when one was given. */
  key_wrapped_for?: string;
}

export function privateProvenance(m: ModelRecord): Omit<PrivateProvenance, 'decrypted'> | undefined {
  if (!m.add.private || !m.private) return undefined;
  return { owners: m.add.private.owners, threshold: m.add.private.threshold, approvals: m.private.approvals, versions: m.private.versions, approved_version: m.currentVersion };
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
  files: Partial<Record<BlobKind, FileEntry>>;
  verification: string;
  private?: PrivateProvenance;
  proof_bytes: number;
  header_tip: { hash: string; height: number };
}

export async function fetchModel(node: LiteNode, o: FetchOptions): Promise<Provenance> {
  const proven = await node.proveModel(o.modelId, o.version, { timeout: o.timeout });
  const j = provenanceJson(proven.verified, proven.entry.height, node.opts.params);
  const m = proven.verified.model;
  const priv = privateProvenance(m);
  o.onProof?.(priv ? { ...j, private: priv } : j);
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

  const opened = priv && o.key ? resolveContentKey(o.key, [...new Set(wanted.map(([, ref]) => ref.root))]) : undefined;

  // Write into a fresh sibling directory, then move it into place: DIR holds a complete
  // verified set or nothing new.
  const tmp = `${o.outDir}.part-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const files: Provenance['files'] = {};
  try {
    for (const [kind, ref] of wanted) {
      if (opened) files[kind] = await decryptBlob(node, kind, ref, opened.key, tmp);
      else {
        const file = FILE_NAMES[kind] + (priv ? ENCRYPTED_SUFFIX : '');
        await node.store.exportFile(ref.root, join(tmp, file));
        files[kind] = { file, root: ref.root, length: ref.length, ...(priv ? { encrypted: true } : {}) };
      }
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const prov: Provenance = {
    model_id: m.modelId, name: m.add.name, block: { hash: proven.entry.hash, height: proven.entry.height }, registry_root: proven.verified.root,
    version: v ? v.version : m.currentVersion, score: v ? pv!.score : (j.score as number | string), weights, trainer: v ? pv!.trainer : (j.trainer as string),
    current_version: m.currentVersion, architecture: m.add.architecture, dataset: m.add.dataset, objective: String(m.add.objective),
    files, verification: priv ? VERIFICATION.approved : VERIFICATION.scored,
    ...(priv ? { private: { ...priv, decrypted: !!opened, ...(opened?.wrappedFor ? { key_wrapped_for: opened.wrappedFor } : {}) } } : {}),
    proof_bytes: proven.size, header_tip: { hash: node.chain.tip.hash, height: node.chain.height },
  };
  writeFileSync(join(tmp, PROVENANCE_FILE), JSON.stringify(prov, null, 2) + '\n');
  mkdirSync(o.outDir, { recursive: true });
  // A file of the other form (ciphertext vs plaintext) from an earlier fetch is not this version.
  for (const kind of Object.keys(files) as BlobKind[]) {
    const other = join(o.outDir, files[kind]!.file === FILE_NAMES[kind] ? FILE_NAMES[kind] + ENCRYPTED_SUFFIX : FILE_NAMES[kind]);
    if (existsSync(other)) rmSync(other);
  }
  for (const f of [...Object.values(files).map((x) => x!.file), PROVENANCE_FILE]) {
    const dest = join(o.outDir, f);
    if (existsSync(dest)) rmSync(dest);
    renameSync(join(tmp, f), dest);
  }
  rmSync(tmp, { recursive: true, force: true });
  return prov;
}

/**
 * Decrypts one verified ciphertext blob from the store into `dir`, hashing the plaintext as
 * it is written. Every GCM segment is authenticated: a wrong key fails on the key check of
 * the first piece, a tampered one on its tag; either way a LiteError and no file.
 */
async function decryptBlob(node: LiteNode, kind: BlobKind, ref: BlobRef, key: Uint8Array, dir: string): Promise<FileEntry> {
  const hasher = new MerkleBuilder();
  async function* hashed(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of src) {
      hasher.update(chunk);
      yield chunk;
    }
  }
  try {
    await writeStreamAtomic(join(dir, FILE_NAMES[kind]), hashed(decryptStream(node.store.readBlob(ref.root), key)));
  } catch (e) {
    if (e instanceof DecryptionError) throw new LiteError(`${kind} ${ref.root} does not decrypt: ${e.message}; nothing written`);
    throw e;
  }
  const d = hasher.digest();
  return { file: FILE_NAMES[kind], root: ref.root, length: ref.length, plaintext_root: toHex(d.root), plaintext_length: d.length };
}
