// The model registry in the chain state (ODA-BIP-0003 "Chain state"). Records live in the
// chain DB under the extension namespace X"oda"\0 (chain/layout.ts), written only inside the
// chain's block batches; every value has one canonical encoding.
//
//   m | modelId(32)              -> ModelRecord
//   v | modelId(32) | ver u32 BE -> VersionRecord (every version ever accepted, 0 = initial)
//   c | commitment(32)           -> CommitRecord (pending commit-weights, removed by its reveal)
//   i | txid(32, internal order) -> InferenceRecord (the inference index)
//
// RegistryView layers a block's pending changes over the database so a block is validated
// transaction by transaction without writing; its undo record holds the prior value of every
// key it touched, so disconnecting restores the state byte for byte.
import { layout } from '../chain/layout.js';
import type { KvChange, KvSource } from '../chain/extension.js';
import { Reader, Writer, fromHex, toHex } from './codec.js';
import { OdaType, decodePayloadBody, encodePayloadBody, type AddModelPayload, type BlobRef } from './payload.js';

export const EXTENSION_NAME = 'oda';

export interface ModelRecord {
  modelId: string;
  /** The add-model payload as mined. */
  add: AddModelPayload;
  /** add-model txid (display hex) and height. */
  txid: string;
  height: number;
  /** Index of the current version (= number of accepted updates). */
  currentVersion: number;
  currentScore: bigint;
  currentWeights: BlobRef;
  /** scriptPubKey (hex) of the current trainer: receives each inference's royalty. */
  trainerScript: string;
  /** Private models only (ODA-BIP-0007b; owners and threshold are in `add.private`). */
  private?: PrivateState;
}

export interface PrivateState {
  /** Approvals accepted so far: the `seq` the next approval must carry. */
  approvals: number;
  /** Versions recorded (0..versions-1); the current one may be any of them after a rollback. */
  versions: number;
}

export interface VersionRecord {
  version: number;
  weights: BlobRef;
  score: bigint;
  trainerScript: string;
  /** add-model or reveal-weights txid (display hex) and height. */
  txid: string;
  height: number;
  label: string;
}

export interface CommitRecord {
  commitment: string;
  modelId: string;
  txid: string;
  height: number;
}

export interface InferenceRecord {
  txid: string;
  modelId: string;
  version: number;
  /** SHA-256 of the inline tensor list, or the blob root. */
  inputHash: string;
  outputHash: string;
  rows: number;
  royalty: bigint;
  height: number;
}

const K_MODEL = 0x6d; // m
const K_VERSION = 0x76; // v
const K_COMMIT = 0x63; // c
const K_INFERENCE = 0x69; // i

function key(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  const w = new Writer().u8(prefix);
  for (const p of parts) w.bytes(p);
  return layout.x(EXTENSION_NAME, w.finish());
}

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

function txidBytes(txid: string): Uint8Array {
  return fromHex(txid, 32, 'txid').reverse();
}

function txidHex(b: Uint8Array): string {
  return toHex(Uint8Array.from(b).reverse());
}

export const keys = {
  model: (modelId: string) => key(K_MODEL, fromHex(modelId, 32, 'modelId')),
  version: (modelId: string, v: number) => key(K_VERSION, fromHex(modelId, 32, 'modelId'), u32be(v)),
  commit: (commitment: string) => key(K_COMMIT, fromHex(commitment, 32, 'commitment')),
  inference: (txid: string) => key(K_INFERENCE, txidBytes(txid)),
  modelRange: () => ({ gte: key(K_MODEL), lt: key(K_MODEL + 1) }),
  inferenceRange: () => ({ gte: key(K_INFERENCE), lt: key(K_INFERENCE + 1) }),
};

function writeBlob(w: Writer, b: BlobRef): void {
  w.bytes(fromHex(b.root, 32, 'root')).u64(BigInt(b.length));
}
function readBlob(r: Reader): BlobRef {
  return { root: toHex(r.take(32, 'root')), length: Number(r.u64('length')) };
}

/**
 * A public model's record is the ODA-BIP-0003 encoding, unchanged. A private model's
 * (ODA-BIP-0007b) appends approvals u32 | versions u32; its add body is then the type-5 body.
 */
export function encodeModel(m: ModelRecord): Uint8Array {
  if (!m.add.private !== !m.private) throw new TypeError('model record: private state without private terms, or the reverse');
  const w = new Writer().var32(encodePayloadBody(m.add)).bytes(txidBytes(m.txid)).u32(m.height).u32(m.currentVersion).i128(m.currentScore);
  writeBlob(w, m.currentWeights);
  w.var8(fromHex(m.trainerScript, m.trainerScript.length / 2, 'trainerScript'));
  if (m.private) w.u32(m.private.approvals).u32(m.private.versions);
  return w.finish();
}

export function decodeModel(modelId: string, b: Uint8Array): ModelRecord {
  const r = new Reader(b, 'bad-oda-state');
  const body = r.var32('add', 1, 1 << 20);
  const txid = txidHex(r.take(32, 'txid'));
  const height = r.u32('height');
  const currentVersion = r.u32('version');
  const currentScore = r.i128('score');
  const currentWeights = readBlob(r);
  const trainerScript = toHex(r.var8('trainer', 1, 255));
  const priv = r.remaining > 0 ? { approvals: r.u32('approvals'), versions: r.u32('versions') } : undefined;
  r.end();
  const add = decodePayloadBody(priv ? OdaType.ADD_PRIVATE_MODEL : OdaType.ADD_MODEL, body) as AddModelPayload;
  const m: ModelRecord = { modelId, add, txid, height, currentVersion, currentScore, currentWeights, trainerScript };
  if (priv) m.private = priv;
  return m;
}

export function encodeVersion(v: VersionRecord): Uint8Array {
  const w = new Writer();
  writeBlob(w, v.weights);
  return w.i128(v.score).var8(fromHex(v.trainerScript, v.trainerScript.length / 2, 'trainerScript')).bytes(txidBytes(v.txid)).u32(v.height).str8(v.label).finish();
}

export function decodeVersion(version: number, b: Uint8Array): VersionRecord {
  const r = new Reader(b, 'bad-oda-state');
  const weights = readBlob(r);
  const score = r.i128('score');
  const trainerScript = toHex(r.var8('trainer', 1, 255));
  const txid = txidHex(r.take(32, 'txid'));
  const height = r.u32('height');
  const label = r.str8('label', 0, 255);
  r.end();
  return { version, weights, score, trainerScript, txid, height, label };
}

export function encodeCommit(c: CommitRecord): Uint8Array {
  return new Writer().bytes(fromHex(c.modelId, 32, 'modelId')).bytes(txidBytes(c.txid)).u32(c.height).finish();
}

export function decodeCommit(commitment: string, b: Uint8Array): CommitRecord {
  const r = new Reader(b, 'bad-oda-state');
  const c = { commitment, modelId: toHex(r.take(32, 'modelId')), txid: txidHex(r.take(32, 'txid')), height: r.u32('height') };
  r.end();
  return c;
}

export function encodeInference(i: InferenceRecord): Uint8Array {
  return new Writer()
    .bytes(fromHex(i.modelId, 32, 'modelId'))
    .u32(i.version)
    .bytes(fromHex(i.inputHash, 32, 'inputHash'))
    .bytes(fromHex(i.outputHash, 32, 'outputHash'))
    .u32(i.rows)
    .u64(i.royalty)
    .u32(i.height)
    .finish();
}

export function decodeInference(txid: string, b: Uint8Array): InferenceRecord {
  const r = new Reader(b, 'bad-oda-state');
  const i = {
    txid,
    modelId: toHex(r.take(32, 'modelId')),
    version: r.u32('version'),
    inputHash: toHex(r.take(32, 'inputHash')),
    outputHash: toHex(r.take(32, 'outputHash')),
    rows: r.u32('rows'),
    royalty: r.u64('royalty'),
    height: r.u32('height'),
  };
  r.end();
  return i;
}

export type { KvSource } from '../chain/extension.js';

/**
 * Registry queries against a state source: the chain's scoped state of this extension
 * (Chain.extensionState(EXTENSION_NAME): the tip) or a reorganization's scratch overlay.
 */
export class RegistryReader {
  constructor(protected readonly db: Pick<KvSource, 'get'> & Partial<Pick<KvSource, 'iterator' | 'getMany'>>) {}

  protected read(k: Uint8Array): Promise<Uint8Array | undefined> {
    return this.db.get(k);
  }

  async getModel(modelId: string): Promise<ModelRecord | undefined> {
    const v = await this.read(keys.model(modelId));
    return v && this.decodeModelCached(modelId, v);
  }
  protected decodeModelCached(modelId: string, v: Uint8Array): ModelRecord {
    return decodeModel(modelId, v);
  }
  async getVersion(modelId: string, version: number): Promise<VersionRecord | undefined> {
    const v = await this.read(keys.version(modelId, version));
    return v && decodeVersion(version, v);
  }
  async getCommit(commitment: string): Promise<CommitRecord | undefined> {
    const v = await this.read(keys.commit(commitment));
    return v && decodeCommit(commitment, v);
  }
  async getInference(txid: string): Promise<InferenceRecord | undefined> {
    const v = await this.read(keys.inference(txid));
    return v && decodeInference(txid, v);
  }
  /** Every version of a model, oldest first. */
  async getHistory(modelId: string): Promise<VersionRecord[] | undefined> {
    const m = await this.getModel(modelId);
    if (!m) return undefined;
    const out: VersionRecord[] = [];
    // A private model may have rolled back: its history runs to the newest version, not the current.
    const last = m.private ? m.private.versions - 1 : m.currentVersion;
    for (let v = 0; v <= last; v++) out.push((await this.getVersion(modelId, v))!);
    return out;
  }
  /** All models in model-id order (database only). */
  async listModels(): Promise<ModelRecord[]> {
    if (!this.db.iterator) throw new Error('listModels needs an iterable source');
    const out: ModelRecord[] = [];
    const prefix = keys.modelRange().gte.length;
    for await (const [k, v] of this.db.iterator(keys.modelRange())) out.push(decodeModel(toHex(k.subarray(prefix)), v));
    return out;
  }
  /**
   * Inference records of one model (database only). The index is keyed by txid, so this
   * scans every inference: for explorers and reports, never for validation.
   */
  async listInferences(modelId: string): Promise<InferenceRecord[]> {
    if (!this.db.iterator) throw new Error('listInferences needs an iterable source');
    const out: InferenceRecord[] = [];
    const prefix = keys.inferenceRange().gte.length;
    const id = fromHex(modelId, 32, 'modelId');
    for await (const [k, v] of this.db.iterator(keys.inferenceRange())) {
      // The record starts with the model id: compare bytes before decoding.
      if (!id.every((b, i) => v[i] === b)) continue;
      out.push(decodeInference(txidHex(k.subarray(prefix)), v));
    }
    return out;
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

type Change = KvChange;

/**
 * A block's pending registry changes over the database, with its undo record. The prior
 * value of a key written without having been read first (an inference record, a new
 * version) is not fetched as each transaction is applied but in one getMany by
 * loadPriors(), which must run before undo(): block validation then makes no database
 * round trip per inference transaction.
 */
export class RegistryView extends RegistryReader {
  private readonly changes = new Map<string, Change>();
  private readonly prior = new Map<string, Change>();
  /** Keys written whose prior database value is not known yet (loadPriors fetches them). */
  private readonly unknownPrior = new Map<string, Uint8Array>();
  /** Database values read by this view: a block's txs mostly name the same few models. */
  private readonly cache = new Map<string, Uint8Array | undefined>();
  /** Decoded model records by the value bytes they came from (decoding is per read otherwise). */
  private readonly decoded = new WeakMap<Uint8Array, ModelRecord>();

  private async dbRead(h: string, k: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.cache.has(h)) return this.cache.get(h);
    const v = await this.db.get(k);
    this.cache.set(h, v);
    return v;
  }

  protected override async read(k: Uint8Array): Promise<Uint8Array | undefined> {
    const h = toHex(k);
    const c = this.changes.get(h);
    if (c) return c.value;
    return this.dbRead(h, k);
  }

  /** Shared between the reads of one view, hence frozen (callers derive records by spreading). */
  protected override decodeModelCached(modelId: string, v: Uint8Array): ModelRecord {
    const hit = this.decoded.get(v);
    if (hit && hit.modelId === modelId) return hit;
    const m = deepFreeze(decodeModel(modelId, v));
    this.decoded.set(v, m);
    return m;
  }

  private async set(k: Uint8Array, value: Uint8Array | undefined): Promise<void> {
    const h = toHex(k);
    if (!this.prior.has(h) && !this.changes.has(h) && !this.unknownPrior.has(h)) {
      if (this.cache.has(h)) this.prior.set(h, { key: k, value: this.cache.get(h) });
      else this.unknownPrior.set(h, k);
    }
    this.changes.set(h, { key: k, value });
  }

  /** Fetches, in one round trip, the prior values undo() needs that no read has brought in. */
  async loadPriors(): Promise<void> {
    if (this.unknownPrior.size === 0) return;
    const entries = [...this.unknownPrior.entries()];
    const ks = entries.map(([, k]) => k);
    const vals = this.db.getMany ? await this.db.getMany(ks) : await Promise.all(ks.map((k) => this.db.get(k)));
    entries.forEach(([h, k], i) => {
      const v = vals[i] ?? undefined;
      this.cache.set(h, v);
      this.prior.set(h, { key: k, value: v });
    });
    this.unknownPrior.clear();
  }

  putModel(m: ModelRecord): Promise<void> {
    return this.set(keys.model(m.modelId), encodeModel(m));
  }
  putVersion(modelId: string, v: VersionRecord): Promise<void> {
    return this.set(keys.version(modelId, v.version), encodeVersion(v));
  }
  putCommit(c: CommitRecord): Promise<void> {
    return this.set(keys.commit(c.commitment), encodeCommit(c));
  }
  delCommit(commitment: string): Promise<void> {
    return this.set(keys.commit(commitment), undefined);
  }
  putInference(i: InferenceRecord): Promise<void> {
    return this.set(keys.inference(i.txid), encodeInference(i));
  }

  /** The changes in key order (deterministic batches). */
  writes(): Change[] {
    return [...this.changes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  }

  /** Undo record: count u32 | per key: key var32 | present u8 | [value var32], keys sorted. */
  undo(): Uint8Array {
    if (this.unknownPrior.size) throw new Error('RegistryView.undo before loadPriors');
    const entries = [...this.prior.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const w = new Writer().u32(entries.length);
    for (const [, c] of entries) {
      w.var32(c.key);
      if (c.value === undefined) w.u8(0);
      else w.u8(1).var32(c.value);
    }
    return w.finish();
  }
}

/** Decodes an undo record into the writes that restore the prior state. */
export function decodeUndo(b: Uint8Array): Change[] {
  if (b.length === 0) return [];
  const r = new Reader(b, 'bad-oda-undo');
  const n = r.u32('count');
  const out: Change[] = [];
  for (let i = 0; i < n; i++) {
    const k = r.var32('key', 1, 1024).slice();
    const present = r.u8('present');
    if (present > 1) r.fail('present flag');
    out.push({ key: k, value: present ? r.var32('value', 0, 1 << 24).slice() : undefined });
  }
  r.end();
  return out;
}
