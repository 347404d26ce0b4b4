// ODA payloads (ODA-BIP-0003 "Payloads"): the four transaction types and their canonical
// binary encodings. Decoding is strict: fixed-width little-endian integers, length-prefixed
// fields with bounds, strict UTF-8, known enum values only, no trailing bytes. Because
// encode(decode(b)) === b for every accepted b, a payload has exactly one encoding.
import { createHash } from 'node:crypto';
import { OBJECTIVES, type Objective } from '../validator/index.js';
import { OdaDecodeError, Reader, Writer, fromHex, toHex, utf8Length } from './codec.js';

export const ODA_VERSION = 1;

export const OdaType = { ADD_MODEL: 1, COMMIT_WEIGHTS: 2, REVEAL_WEIGHTS: 3, INFERENCE: 4, ADD_PRIVATE_MODEL: 5, APPROVE_VERSION: 6 } as const;
export type OdaTypeCode = (typeof OdaType)[keyof typeof OdaType];
export const ODA_TYPE_NAME: Record<OdaTypeCode, 'add-model' | 'commit-weights' | 'reveal-weights' | 'inference' | 'add-private-model' | 'approve-version'> = {
  1: 'add-model',
  2: 'commit-weights',
  3: 'reveal-weights',
  4: 'inference',
  5: 'add-private-model',
  6: 'approve-version',
};

/** Field bounds (bytes). */
export const BOUNDS = {
  /** Largest blob an ODA transaction may reference (model-store MAX_BLOB_LENGTH, 64 GiB). */
  MAX_BLOB_LENGTH: 2 ** 36,
  MAX_OBJECTIVE_NAME: 32,
  MAX_OBJECTIVE_PARAMS: 255,
  MAX_SCRIPT: 80,
  MAX_NAME: 64,
  MAX_DESCRIPTION: 255,
  MAX_LICENSE: 64,
  MAX_VERSION_LABEL: 32,
  /** Largest inline tensor list in an inference payload; larger data goes in a blob. */
  MAX_INLINE_DATA: 65_536,
  /** Most owners of a private model (ODA-BIP-0007b): 16 keys and 16 signatures keep an approval under 1.6 kB. */
  MAX_OWNERS: 16,
  /** 21 million BTC in satoshis. */
  MAX_MONEY: 21_000_000n * 100_000_000n,
} as const;

/** A model-store blob: BEP 52 pieces root (hex, SHA-256 output order) and exact length. */
export interface BlobRef {
  root: string;
  length: number;
}

export interface AddModelPayload {
  type: 'add-model';
  architecture: BlobRef;
  dataset: BlobRef;
  weights: BlobRef;
  objective: Objective;
  /** Objective parameters (hex); the v1 objectives take none, so this must be empty. */
  objectiveParams: string;
  /** Satoshis every inference pays the model's current trainer. */
  royalty: bigint;
  /** scriptPubKey (hex) of the creator, the trainer of version 0. */
  payoutScript: string;
  name: string;
  description: string;
  license: string;
  versionLabel: string;
  /**
   * Present only on a private model (type 5, ODA-BIP-0007b): its blobs are encrypted, its
   * versions are approved by `threshold` of `owners` (BIP340 x-only keys, hex, strictly
   * ascending) instead of being scored. Absent, the payload is the type-1 add-model, byte for byte.
   */
  private?: PrivateTerms;
}

export interface PrivateTerms {
  threshold: number;
  owners: string[];
}

/** ODA-BIP-0007b: owners move a private model's current version (a new one, or back to an earlier one). */
export type ApprovalTarget =
  | { kind: 'new'; weights: BlobRef; payoutScript: string; versionLabel: string }
  | { kind: 'existing'; version: number };

export interface ApprovalSignature {
  /** Index of the signing key in the model's owners. */
  index: number;
  /** BIP340 signature, 64 bytes hex. */
  signature: string;
}

export interface ApproveVersionPayload {
  type: 'approve-version';
  modelId: string;
  /** The model's approval count when signed: each approval is single-use and ordered. */
  seq: number;
  target: ApprovalTarget;
  /** Strictly ascending owner indices. */
  signatures: ApprovalSignature[];
}

export interface CommitWeightsPayload {
  type: 'commit-weights';
  modelId: string;
  /** commitHash(modelId, weights, payoutScript, salt), hex. */
  commitment: string;
}

export interface RevealWeightsPayload {
  type: 'reveal-weights';
  modelId: string;
  weights: BlobRef;
  /** The submitter: scriptPubKey (hex) that becomes the model's trainer. */
  payoutScript: string;
  /** 32 bytes hex. */
  salt: string;
  versionLabel: string;
}

/** Inference data: an encoded tensor list (tensors.ts), inline or as a model-store blob. */
export type DataRef = { kind: 'inline'; data: string } | { kind: 'blob'; blob: BlobRef };

export interface InferencePayload {
  type: 'inference';
  modelId: string;
  /** Index of the model version used; must be the model's current version. */
  version: number;
  input: DataRef;
  output: DataRef;
}

export type OdaPayload = AddModelPayload | CommitWeightsPayload | RevealWeightsPayload | InferencePayload | ApproveVersionPayload;

const TAG_MODEL = 'ODA/model';
const TAG_PRIVATE_MODEL = 'ODA/private-model';
const TAG_COMMIT = 'ODA/commit';
const TAG_APPROVE = 'ODA/approve';

/** BIP340-style tagged hash: SHA256(SHA256(tag) || SHA256(tag) || msg). */
export function taggedHash(tag: string, msg: Uint8Array): Uint8Array {
  const t = createHash('sha256').update(tag, 'utf8').digest();
  return new Uint8Array(createHash('sha256').update(t).update(t).update(msg).digest());
}

function writeBlob(w: Writer, b: BlobRef, what: string): void {
  if (!Number.isSafeInteger(b.length) || b.length < 1 || b.length > BOUNDS.MAX_BLOB_LENGTH) throw new RangeError(`${what}: length ${b.length} outside [1, 2^36]`);
  w.bytes(fromHex(b.root, 32, `${what}.root`)).u64(BigInt(b.length));
}

function readBlob(r: Reader, what: string): BlobRef {
  const root = toHex(r.take(32, `${what}.root`));
  const len = r.u64(`${what}.length`);
  if (len < 1n || len > BigInt(BOUNDS.MAX_BLOB_LENGTH)) r.fail(`${what}: length ${len} outside [1, 2^36]`);
  return { root, length: Number(len) };
}

function checkStr(s: string, what: string, min: number, max: number): void {
  const n = utf8Length(s);
  if (n < min || n > max) throw new RangeError(`${what}: ${n} UTF-8 bytes, must be in [${min}, ${max}]`);
}

function hexBytes(h: string, what: string, min: number, max: number): Uint8Array {
  if (typeof h !== 'string' || h.length % 2 !== 0 || !/^[0-9a-f]*$/.test(h)) throw new TypeError(`${what}: expected lowercase hex`);
  const b = new Uint8Array(Buffer.from(h, 'hex'));
  if (b.length < min || b.length > max) throw new RangeError(`${what}: ${b.length} bytes, must be in [${min}, ${max}]`);
  return b;
}

/**
 * The model id: tagged hash of what can never change (architecture, dataset, objective). A
 * private model's id has its own tag and also commits to its owners and threshold, so it can
 * never equal a public model's id nor be re-added with other owners.
 */
export function modelIdOf(p: Pick<AddModelPayload, 'architecture' | 'dataset' | 'objective' | 'objectiveParams' | 'private'>): string {
  const w = new Writer();
  writeBlob(w, p.architecture, 'architecture');
  writeBlob(w, p.dataset, 'dataset');
  w.str8(p.objective).var8(hexBytes(p.objectiveParams, 'objectiveParams', 0, BOUNDS.MAX_OBJECTIVE_PARAMS));
  if (!p.private) return toHex(taggedHash(TAG_MODEL, w.finish()));
  writeTerms(w, p.private);
  return toHex(taggedHash(TAG_PRIVATE_MODEL, w.finish()));
}

function writeTerms(w: Writer, t: PrivateTerms): void {
  const n = t.owners.length;
  if (n < 1 || n > BOUNDS.MAX_OWNERS) throw new RangeError(`owners: ${n}, must be in [1, ${BOUNDS.MAX_OWNERS}]`);
  if (!Number.isInteger(t.threshold) || t.threshold < 1 || t.threshold > n) throw new RangeError(`threshold ${t.threshold} outside [1, ${n}]`);
  for (let i = 1; i < n; i++) if (!(t.owners[i - 1] < t.owners[i])) throw new RangeError('owners must be strictly ascending (sorted, no duplicates)');
  w.u8(t.threshold).u8(n);
  for (const o of t.owners) w.bytes(fromHex(o, 32, 'owner'));
}

function readTerms(r: Reader): PrivateTerms {
  const threshold = r.u8('threshold');
  const n = r.u8('owners');
  if (n < 1 || n > BOUNDS.MAX_OWNERS) r.fail(`owners: ${n}, must be in [1, ${BOUNDS.MAX_OWNERS}]`);
  if (threshold < 1 || threshold > n) r.fail(`threshold ${threshold} outside [1, ${n}]`);
  const owners: string[] = [];
  for (let i = 0; i < n; i++) {
    const o = toHex(r.take(32, 'owner'));
    if (i > 0 && !(owners[i - 1] < o)) r.fail('owners not strictly ascending');
    owners.push(o);
  }
  return { threshold, owners };
}

function writeTarget(w: Writer, t: ApprovalTarget): void {
  if (t.kind === 'new') {
    checkStr(t.versionLabel, 'versionLabel', 0, BOUNDS.MAX_VERSION_LABEL);
    writeBlob(w.u8(0), t.weights, 'weights');
    w.var8(hexBytes(t.payoutScript, 'payoutScript', 1, BOUNDS.MAX_SCRIPT)).str8(t.versionLabel);
  } else if (t.kind === 'existing') {
    if (!Number.isInteger(t.version) || t.version < 0 || t.version > 0xffffffff) throw new RangeError('version outside u32');
    w.u8(1).u32(t.version);
  } else throw new TypeError('approval target: unknown kind');
}

function readTarget(r: Reader): ApprovalTarget {
  const kind = r.u8('target.kind');
  if (kind === 0) {
    const weights = readBlob(r, 'weights');
    const payoutScript = toHex(r.var8('payoutScript', 1, BOUNDS.MAX_SCRIPT));
    return { kind: 'new', weights, payoutScript, versionLabel: r.str8('versionLabel', 0, BOUNDS.MAX_VERSION_LABEL) };
  }
  if (kind === 1) return { kind: 'existing', version: r.u32('version') };
  return r.fail(`approval target: unknown kind ${kind}`);
}

/** The unsigned part of an approval: model id, sequence and target. */
function approvalBody(a: Pick<ApproveVersionPayload, 'modelId' | 'seq' | 'target'>): Uint8Array {
  if (!Number.isInteger(a.seq) || a.seq < 0 || a.seq > 0xffffffff) throw new RangeError('seq outside u32');
  const w = new Writer().bytes(fromHex(a.modelId, 32, 'modelId')).u32(a.seq);
  writeTarget(w, a.target);
  return w.finish();
}

/** The 32-byte message every owner signs (BIP340) to approve `target` as approval number `seq`. */
export function approvalMessage(a: Pick<ApproveVersionPayload, 'modelId' | 'seq' | 'target'>): Uint8Array {
  return taggedHash(TAG_APPROVE, approvalBody(a));
}

/** The commit-weights commitment H(model ‖ weights root ‖ weights length ‖ submitter ‖ salt). */
export function commitHash(modelId: string, weights: BlobRef, payoutScript: string, salt: string): string {
  const w = new Writer().bytes(fromHex(modelId, 32, 'modelId'));
  writeBlob(w, weights, 'weights');
  w.var8(hexBytes(payoutScript, 'payoutScript', 1, BOUNDS.MAX_SCRIPT)).bytes(fromHex(salt, 32, 'salt'));
  return toHex(taggedHash(TAG_COMMIT, w.finish()));
}

function writeData(w: Writer, d: DataRef, what: string): void {
  if (d.kind === 'inline') w.u8(0).var32(hexBytes(d.data, what, 1, BOUNDS.MAX_INLINE_DATA));
  else if (d.kind === 'blob') writeBlob(w.u8(1), d.blob, what);
  else throw new TypeError(`${what}: unknown data kind`);
}

/** The bytes behind decoded inline data, while its `data` has not been assigned since. */
const inlineDecoded = new WeakMap<object, Uint8Array>();

/** The bytes of inline data as decoded, or undefined when `d` was not produced by the decoder (or `data` was assigned since). */
export function decodedInlineBytes(d: { kind: 'inline'; data: string }): Uint8Array | undefined {
  return inlineDecoded.get(d);
}

/**
 * Decoded inline data: validation reads the bytes (decodedInlineBytes), so the hex `data` is
 * made only when something asks for it. Assigning `data` detaches the bytes.
 */
function inlineRef(bytes: Uint8Array): DataRef {
  let hex: string | undefined;
  const d = {
    kind: 'inline' as const,
    get data(): string {
      return (hex ??= toHex(bytes));
    },
    set data(v: string) {
      hex = v;
      inlineDecoded.delete(d);
    },
  };
  inlineDecoded.set(d, bytes);
  return d;
}

function readData(r: Reader, what: string): DataRef {
  const tag = r.u8(`${what}.kind`);
  if (tag === 0) return inlineRef(r.var32(what, 1, BOUNDS.MAX_INLINE_DATA).slice());
  if (tag === 1) return { kind: 'blob', blob: readBlob(r, what) };
  return r.fail(`${what}: unknown data kind ${tag}`);
}

/** Canonical payload body (after magic, version and type). Throws RangeError/TypeError on out-of-bound fields. */
export function encodePayloadBody(p: OdaPayload): Uint8Array {
  const w = new Writer();
  switch (p.type) {
    case 'add-model':
      if (!OBJECTIVES.includes(p.objective)) throw new RangeError(`unknown objective ${p.objective}`);
      if (p.royalty < 0n || p.royalty > BOUNDS.MAX_MONEY) throw new RangeError('royalty outside [0, MAX_MONEY]');
      checkStr(p.name, 'name', 1, BOUNDS.MAX_NAME);
      checkStr(p.description, 'description', 0, BOUNDS.MAX_DESCRIPTION);
      checkStr(p.license, 'license', 0, BOUNDS.MAX_LICENSE);
      checkStr(p.versionLabel, 'versionLabel', 0, BOUNDS.MAX_VERSION_LABEL);
      writeBlob(w, p.architecture, 'architecture');
      writeBlob(w, p.dataset, 'dataset');
      writeBlob(w, p.weights, 'weights');
      w.str8(p.objective).var8(hexBytes(p.objectiveParams, 'objectiveParams', 0, BOUNDS.MAX_OBJECTIVE_PARAMS));
      w.u64(p.royalty).var8(hexBytes(p.payoutScript, 'payoutScript', 1, BOUNDS.MAX_SCRIPT));
      w.str8(p.name).str8(p.description).str8(p.license).str8(p.versionLabel);
      if (p.private) writeTerms(w, p.private);
      break;
    case 'approve-version': {
      w.bytes(approvalBody(p));
      const n = p.signatures.length;
      if (n < 1 || n > BOUNDS.MAX_OWNERS) throw new RangeError(`signatures: ${n}, must be in [1, ${BOUNDS.MAX_OWNERS}]`);
      w.u8(n);
      p.signatures.forEach((s, i) => {
        if (!Number.isInteger(s.index) || s.index < 0 || s.index >= BOUNDS.MAX_OWNERS) throw new RangeError(`signature index ${s.index} outside [0, ${BOUNDS.MAX_OWNERS})`);
        if (i > 0 && !(p.signatures[i - 1].index < s.index)) throw new RangeError('signature indices must be strictly ascending');
        w.u8(s.index).bytes(fromHex(s.signature, 64, 'signature'));
      });
      break;
    }
    case 'commit-weights':
      w.bytes(fromHex(p.modelId, 32, 'modelId')).bytes(fromHex(p.commitment, 32, 'commitment'));
      break;
    case 'reveal-weights':
      checkStr(p.versionLabel, 'versionLabel', 0, BOUNDS.MAX_VERSION_LABEL);
      w.bytes(fromHex(p.modelId, 32, 'modelId'));
      writeBlob(w, p.weights, 'weights');
      w.var8(hexBytes(p.payoutScript, 'payoutScript', 1, BOUNDS.MAX_SCRIPT)).bytes(fromHex(p.salt, 32, 'salt')).str8(p.versionLabel);
      break;
    case 'inference':
      if (!Number.isInteger(p.version) || p.version < 0 || p.version > 0xffffffff) throw new RangeError('version outside u32');
      w.bytes(fromHex(p.modelId, 32, 'modelId')).u32(p.version);
      writeData(w, p.input, 'input');
      writeData(w, p.output, 'output');
      break;
    default:
      throw new TypeError(`unknown ODA payload type ${(p as { type: string }).type}`);
  }
  return w.finish();
}

export function typeCodeOf(p: OdaPayload): OdaTypeCode {
  if (p.type === 'add-model' && p.private) return OdaType.ADD_PRIVATE_MODEL;
  return ({ 'add-model': 1, 'commit-weights': 2, 'reveal-weights': 3, inference: 4, 'approve-version': 6 } as const)[p.type];
}

/** Decodes a payload body of the given type; throws OdaDecodeError ('bad-oda-payload'). */
export function decodePayloadBody(type: number, body: Uint8Array): OdaPayload {
  const r = new Reader(body);
  let p: OdaPayload;
  switch (type) {
    case OdaType.ADD_MODEL:
    case OdaType.ADD_PRIVATE_MODEL: {
      const architecture = readBlob(r, 'architecture');
      const dataset = readBlob(r, 'dataset');
      const weights = readBlob(r, 'weights');
      const objective = r.str8('objective', 1, BOUNDS.MAX_OBJECTIVE_NAME);
      if (!OBJECTIVES.includes(objective as Objective)) r.fail(`unknown objective ${JSON.stringify(objective)}`, 'bad-oda-objective');
      const objectiveParams = toHex(r.var8('objectiveParams', 0, BOUNDS.MAX_OBJECTIVE_PARAMS));
      const royalty = r.u64('royalty');
      if (royalty > BOUNDS.MAX_MONEY) r.fail('royalty above MAX_MONEY');
      const payoutScript = toHex(r.var8('payoutScript', 1, BOUNDS.MAX_SCRIPT));
      const name = r.str8('name', 1, BOUNDS.MAX_NAME);
      const description = r.str8('description', 0, BOUNDS.MAX_DESCRIPTION);
      const license = r.str8('license', 0, BOUNDS.MAX_LICENSE);
      const versionLabel = r.str8('versionLabel', 0, BOUNDS.MAX_VERSION_LABEL);
      p = { type: 'add-model', architecture, dataset, weights, objective: objective as Objective, objectiveParams, royalty, payoutScript, name, description, license, versionLabel };
      if (type === OdaType.ADD_PRIVATE_MODEL) p.private = readTerms(r);
      break;
    }
    case OdaType.APPROVE_VERSION: {
      const modelId = toHex(r.take(32, 'modelId'));
      const seq = r.u32('seq');
      const target = readTarget(r);
      const n = r.u8('signatures');
      if (n < 1 || n > BOUNDS.MAX_OWNERS) r.fail(`signatures: ${n}, must be in [1, ${BOUNDS.MAX_OWNERS}]`);
      const signatures: ApprovalSignature[] = [];
      for (let i = 0; i < n; i++) {
        const index = r.u8('signature.index');
        if (index >= BOUNDS.MAX_OWNERS || (i > 0 && index <= signatures[i - 1].index)) r.fail('signature indices not strictly ascending below MAX_OWNERS');
        signatures.push({ index, signature: toHex(r.take(64, 'signature')) });
      }
      p = { type: 'approve-version', modelId, seq, target, signatures };
      break;
    }
    case OdaType.COMMIT_WEIGHTS:
      p = { type: 'commit-weights', modelId: toHex(r.take(32, 'modelId')), commitment: toHex(r.take(32, 'commitment')) };
      break;
    case OdaType.REVEAL_WEIGHTS: {
      const modelId = toHex(r.take(32, 'modelId'));
      const weights = readBlob(r, 'weights');
      const payoutScript = toHex(r.var8('payoutScript', 1, BOUNDS.MAX_SCRIPT));
      const salt = toHex(r.take(32, 'salt'));
      const versionLabel = r.str8('versionLabel', 0, BOUNDS.MAX_VERSION_LABEL);
      p = { type: 'reveal-weights', modelId, weights, payoutScript, salt, versionLabel };
      break;
    }
    case OdaType.INFERENCE: {
      const modelId = toHex(r.take(32, 'modelId'));
      const version = r.u32('version');
      const input = readData(r, 'input');
      const output = readData(r, 'output');
      p = { type: 'inference', modelId, version, input, output };
      break;
    }
    default:
      throw new OdaDecodeError('bad-oda-type', `unknown ODA type ${type}`);
  }
  r.end();
  return p;
}
