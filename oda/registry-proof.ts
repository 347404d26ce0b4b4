// ODA-BIP-0007 model proofs: "model M's record is R in the registry committed by block B",
// checkable against B's header alone (80 bytes, or 113 with ODA-BIP-0006's extension). A
// proof carries B's coinbase (non-witness serialization), its Merkle branch to the header's
// merkle root, and for each record (the model, optionally one version) the key, the value
// and the registry-tree path.
//
//   proof   = coinbase var32 | branch u8 n, n x 32 | records u8 n, n x record
//   record  = key var8 | present u8 (0/1) | [value var32] | path
//   path    = depth u16 | bitmap ceil(depth/8) (bit i set: sibling i non-empty, MSB first)
//             | non-empty siblings x 32 | terminal u8 (0 empty, 1 leaf) | [keyHash 32 | valueHash 32]
import { hash256 } from '../chain/script/hashes.js';
import { Transaction } from '../chain/block.js';
import { decodeHeader, HEADER_SIZE, headerId, headerLength } from '../chain/header.js';
import { Reader, Writer, fromHex, toHex } from './codec.js';
import { findRegistryCommitment } from './registry-commitment.js';
import { EMPTY_HASH, bit, proofRoot, sha256, type TreeProof } from './registry-tree.js';
import { decodeModel, decodeVersion, type ModelRecord, type VersionRecord } from './registry.js';

const MAX_BRANCH = 32;
const MAX_RECORDS = 8;
const MAX_COINBASE = 100_000;
const K_MODEL = 0x6d;
const K_VERSION = 0x76;

export interface ProvenRecord {
  /** Registry key without the chain namespace (kind byte first). */
  key: Uint8Array;
  value: Uint8Array | undefined;
  path: TreeProof;
}

export interface ModelProof {
  coinbase: Uint8Array;
  branch: Uint8Array[];
  records: ProvenRecord[];
}

export class ModelProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelProofError';
  }
}

export function modelRecordKey(modelId: string): Uint8Array {
  return Uint8Array.from([K_MODEL, ...fromHex(modelId, 32, 'model id')]);
}

export function versionRecordKey(modelId: string, version: number): Uint8Array {
  const k = new Uint8Array(37);
  k[0] = K_VERSION;
  k.set(fromHex(modelId, 32, 'model id'), 1);
  new DataView(k.buffer).setUint32(33, version, false);
  return k;
}

function encodePath(w: Writer, p: TreeProof): void {
  const depth = p.siblings.length;
  w.u16(depth);
  const bitmap = new Uint8Array((depth + 7) >> 3);
  p.siblings.forEach((s, i) => { if (!s.every((b) => b === 0)) bitmap[i >> 3] |= 0x80 >> (i & 7); });
  w.bytes(bitmap);
  p.siblings.forEach((s, i) => { if (bitmap[i >> 3] & (0x80 >> (i & 7))) w.bytes(s); });
  if (!p.terminal) w.u8(0);
  else w.u8(1).bytes(p.terminal.keyHash).bytes(p.terminal.valueHash);
}

function decodePath(r: Reader): TreeProof {
  const depth = r.u16('depth');
  if (depth > 256) r.fail(`path depth ${depth} over 256`);
  const bitmap = r.take((depth + 7) >> 3, 'bitmap');
  if (depth & 7 && bitmap[bitmap.length - 1] & (0xff >> (depth & 7))) r.fail('bitmap padding bits set');
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < depth; i++) siblings.push(bitmap[i >> 3] & (0x80 >> (i & 7)) ? r.take(32, 'sibling').slice() : EMPTY_HASH);
  const t = r.u8('terminal');
  if (t > 1) r.fail('terminal flag');
  return { siblings, terminal: t ? { keyHash: r.take(32, 'keyHash').slice(), valueHash: r.take(32, 'valueHash').slice() } : undefined };
}

export function encodeModelProof(p: ModelProof): Uint8Array {
  const w = new Writer().var32(p.coinbase).u8(p.branch.length);
  for (const h of p.branch) w.bytes(h);
  w.u8(p.records.length);
  for (const rec of p.records) {
    w.var8(rec.key);
    if (rec.value === undefined) w.u8(0);
    else w.u8(1).var32(rec.value);
    encodePath(w, rec.path);
  }
  return w.finish();
}

export function decodeModelProof(b: Uint8Array): ModelProof {
  const r = new Reader(b, 'bad-model-proof');
  const coinbase = r.var32('coinbase', 1, MAX_COINBASE).slice();
  const nb = r.u8('branch');
  if (nb > MAX_BRANCH) r.fail(`branch of ${nb}`);
  const branch: Uint8Array[] = [];
  for (let i = 0; i < nb; i++) branch.push(r.take(32, 'branch').slice());
  const nr = r.u8('records');
  if (nr < 1 || nr > MAX_RECORDS) r.fail(`${nr} records`);
  const records: ProvenRecord[] = [];
  for (let i = 0; i < nr; i++) {
    const key = r.var8('key', 1, 64).slice();
    const present = r.u8('present');
    if (present > 1) r.fail('present flag');
    const value = present ? r.var32('value', 0, 1 << 20).slice() : undefined;
    records.push({ key, value, path: decodePath(r) });
  }
  r.end();
  return { coinbase, branch, records };
}

/** The Merkle branch of transaction 0 (the coinbase) in a block's txid list (internal order). */
export function coinbaseBranch(txids: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let level = txids.slice();
  while (level.length > 1) {
    if (level.length & 1) level.push(level[level.length - 1]);
    out.push(level[1]);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hash256(Uint8Array.from([...level[i], ...level[i + 1]])));
    level = next;
  }
  return out;
}

export interface VerifiedModelProof {
  blockHash: string;
  /** The registry root the block commits to (hex). */
  root: string;
  model: ModelRecord;
  /** The version record proven, when one was asked for. */
  version?: VersionRecord;
}

function fail(msg: string): never {
  throw new ModelProofError(msg);
}

/** Checks one record's path against `root`: membership when it has a value, absence otherwise. */
function checkRecord(root: Uint8Array, rec: ProvenRecord): void {
  const keyHash = sha256(rec.key);
  if (Buffer.compare(proofRoot(keyHash, rec.path), root) !== 0) fail(`registry path of key ${toHex(rec.key)} does not lead to the committed root`);
  const t = rec.path.terminal;
  if (rec.value !== undefined) {
    if (!t || Buffer.compare(t.keyHash, keyHash) !== 0) fail(`key ${toHex(rec.key)} is not the leaf its path ends at`);
    if (Buffer.compare(t.valueHash, sha256(rec.value)) !== 0) fail(`value of key ${toHex(rec.key)} differs from the committed one`);
  } else if (t) {
    if (Buffer.compare(t.keyHash, keyHash) === 0) fail(`key ${toHex(rec.key)} is present, the proof claims absence`);
    for (let d = 0; d < rec.path.siblings.length; d++) if (bit(t.keyHash, d) !== bit(keyHash, d)) fail('absence leaf off the key path');
  }
}

/**
 * Verifies a model proof against a block header (pure): the coinbase is in the header's
 * Merkle tree, commits to a registry root, and each record is (or is absent) under that root.
 * The caller checks that the header is on its best chain. Throws ModelProofError.
 */
export function verifyModelProof(header: Uint8Array, proof: ModelProof, want: { modelId: string; version?: number }): VerifiedModelProof {
  if (header.length < HEADER_SIZE || header.length !== headerLength(header)) fail(`header is ${header.length} bytes`);
  const h = decodeHeader(header);
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(Buffer.from(proof.coinbase));
  } catch {
    fail('coinbase does not decode');
  }
  if (tx.hasWitnesses()) fail('coinbase must be given without witness');
  if (tx.ins.length !== 1 || !tx.ins[0].hash.every((b) => b === 0) || tx.ins[0].index !== 0xffffffff) fail('not a coinbase');
  let node = hash256(proof.coinbase);
  for (const s of proof.branch) node = hash256(Uint8Array.from([...node, ...s]));
  if (Buffer.compare(node, h.merkleRoot) !== 0) fail('coinbase is not in the block (merkle branch mismatch)');
  const found = findRegistryCommitment(tx.outs);
  if ('error' in found) fail(`block has no valid registry commitment: ${found.error}`);
  for (const rec of proof.records) checkRecord(found.root, rec);

  const mk = modelRecordKey(want.modelId);
  const mrec = proof.records.find((r) => Buffer.compare(r.key, mk) === 0);
  if (!mrec) fail(`the proof does not cover model ${want.modelId}`);
  if (!mrec.value) fail(`model ${want.modelId} is not in the registry at block ${headerId(header)}`);
  let model: ModelRecord;
  try {
    model = decodeModel(want.modelId, mrec.value);
  } catch (e) {
    fail(`model record does not decode: ${(e as Error).message}`);
  }
  let version: VersionRecord | undefined;
  if (want.version !== undefined) {
    const vk = versionRecordKey(want.modelId, want.version);
    const vrec = proof.records.find((r) => Buffer.compare(r.key, vk) === 0);
    if (!vrec) fail(`the proof does not cover version ${want.version}`);
    if (!vrec.value) fail(`model ${want.modelId} has no version ${want.version} at block ${headerId(header)}`);
    try {
      version = decodeVersion(want.version, vrec.value);
    } catch (e) {
      fail(`version record does not decode: ${(e as Error).message}`);
    }
  }
  return { blockHash: headerId(header), root: toHex(found.root), model, version };
}
