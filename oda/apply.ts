// Applying ODA transactions to a registry view (ODA-BIP-0003 "Validation"). Transactions are
// applied in block order, each seeing the state left by the ones before it; stateful rules
// (duplicates, commits, versions, royalties) are checked as each is applied, and the
// inference claims are collected and re-executed afterwards, one batched engine run per
// (model, version) (validator.verifyInferences).
import type { Transaction } from '../chain/block.js';
import { VerifyError, type RejectKind } from '../chain/errors.js';
import type { BlobStore } from '../model-store/store.js';
import {
  admitModel, bindDataset, checkModel, checkUpdate, inferenceCost, verifyInferences, LIMITS, MAX_TX_CU, Reason,
  type Dataset, type InferenceClaim, type ModelContext, type Objective, type ScoreMemo,
} from '../validator/index.js';
import type { Tensor } from '../validator/tensor.js';
import { CU_PER_BYTE } from '../validator/cost.js';
import { OdaDecodeError, fromHex } from './codec.js';
import { decodeOdaTx } from './envelope.js';
import { commitHash, decodedInlineBytes, modelIdOf, type AddModelPayload, type BlobRef, type DataRef, type InferencePayload, type RevealWeightsPayload, type CommitWeightsPayload } from './payload.js';
import { RegistryView, type ModelRecord } from './registry.js';
import { COMMIT_CU, MissingBlobError, odaReject, requireModel } from './rules.js';
import { decodeTensorList } from './tensors.js';
import { OdaReason } from './reasons.js';
import { dataHash } from './build.js';
import { txidOf } from '../chain/block.js';
import { EvaluationTracker, type EvaluationLabel } from './evaluations.js';
import type { NetworkParams } from '../chain/params.js';
import { applyApprove, checkPrivateTerms, privateActive } from './private.js';

/** Loaded model: checked architecture and bound dataset, cached by model id. */
interface LoadedModel { ctx: ModelContext; dataset: Dataset; objective: Objective }

/** Blob access and validation caches shared by block and mempool validation. */
export class OdaContext {
  private readonly models = new Map<string, LoadedModel>();
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly scores = new Map<string, bigint>();
  /** NetworkParams.commitRevealDelay: blocks between a commit and its reveal (ODA-BIP-0003). */
  commitRevealDelay: number;
  /** Progress of running evaluations (getevaluations, the log); the plugin gives it the node's logger. */
  evaluations = new EvaluationTracker();
  /** NetworkParams.activation.privateModels (ODA-BIP-0007b). */
  privateModelsHeight: number;
  /**
   * Capability class (ODA-BIP-0007b, not consensus): inference claims costing more CU than
   * this are not re-executed by this node; undefined = re-execute everything.
   */
  maxValidationCost: bigint | undefined = undefined;

  /** The consensus settings come from the network's params, so no caller can leave a default in place. */
  constructor(readonly store: BlobStore, params: Pick<NetworkParams, 'commitRevealDelay' | 'activation'>, private readonly cacheSize = 8) {
    this.commitRevealDelay = params.commitRevealDelay;
    this.privateModelsHeight = params.activation.privateModels;
  }

  /**
   * The validation cache: one score per (model, weights, dataset), shared by the RPC pre-check,
   * the mempool and block validation, so a node evaluates given weights once. The model id
   * commits to the architecture root, dataset root and objective, and every root is the
   * store's verified root of the bytes scored, so a hit is the identical pure function's
   * result; the version is not part of the key because the improvement rule is re-checked
   * against the branch's current score on every call (two forks may share a version number).
   */
  scoreMemo(modelId: string, weights: BlobRef, dataset: BlobRef): ScoreMemo {
    const key = `${modelId}:${weights.root}:${weights.length}:${dataset.root}:${dataset.length}`;
    return {
      get: () => this.scores.get(key),
      set: (score) => this.remember(this.scores, key, score, 256),
    };
  }

  /** Throws MissingBlobError listing every ref the store does not hold completely with that length. */
  async requireBlobs(refs: readonly BlobRef[]): Promise<void> {
    const missing: BlobRef[] = [];
    for (const r of refs) {
      // getStatus is getManifest plus completeness in one lookup (has() would read the manifest again).
      const s = await this.store.getStatus(r.root);
      if (!s || s.manifest.length !== r.length || !s.complete) missing.push(r);
    }
    if (missing.length) throw new MissingBlobError(missing);
  }

  /**
   * Blob bytes; model blobs (architecture, dataset, weights) are cached, inference data is not.
   * `required`: the caller has just run requireBlobs on `ref`, so it is not checked twice.
   */
  async blob(ref: BlobRef, cache = true, required = false): Promise<Uint8Array> {
    const key = `${ref.root}:${ref.length}`;
    const hit = this.blobs.get(key);
    if (hit) return hit;
    if (!required) await this.requireBlobs([ref]);
    const bytes = await this.store.readAll(ref.root);
    if (cache) this.remember(this.blobs, key, bytes);
    return bytes;
  }

  private remember<V>(m: Map<string, V>, k: string, v: V, size = this.cacheSize): void {
    m.set(k, v);
    while (m.size > size) m.delete(m.keys().next().value as string);
  }

  /** The model's checked architecture and bound dataset (both immutable, so cached by id). */
  async model(m: ModelRecord, kind: RejectKind): Promise<LoadedModel> {
    const hit = this.models.get(m.modelId);
    if (hit) return hit;
    const [arch, ds] = [await this.blob(m.add.architecture), await this.blob(m.add.dataset)];
    const loaded = await asKind(kind, async () => {
      const ctx = checkModel(arch, m.add.architecture.root);
      return { ctx, dataset: bindDataset(ctx.arch, m.add.objective, ds), objective: m.add.objective };
    });
    this.remember(this.models, m.modelId, loaded);
    return loaded;
  }
}

/** Who asked for an evaluation, for its progress label. */
function evalLabel(type: EvaluationLabel['type'], modelId: string, txid: string | undefined, kind: RejectKind, height?: number): EvaluationLabel {
  return kind === 'block' ? { type, modelId, txid, source: 'block', height } : { type, modelId, txid, source: 'mempool' };
}

/** Re-raises a validator rejection (kind 'tx') as `kind`; in a block every rejection is final (score 100). */
export async function asKind<T>(kind: RejectKind, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof VerifyError && e.kind !== kind) throw new VerifyError(kind, e.reason, kind === 'block' ? 100 : e.score, e.details);
    throw e;
  }
}

export interface PendingClaim {
  txid: string;
  /** The claim's inference CU (a capability class skips claims above its limit). */
  cu: bigint;
  modelId: string;
  version: number;
  claim: InferenceClaim;
  rows: number;
}

export interface AppliedTx {
  txid: string;
  type: 'add-model' | 'commit-weights' | 'reveal-weights' | 'inference' | 'approve-version';
  cu: bigint;
  modelId: string;
  /** add-model / reveal: the recorded score. */
  score?: bigint;
  /** add-model / reveal: the blobs the registry now names (pinned on connect). */
  blobs?: BlobRef[];
  claim?: PendingClaim;
}

function dataRefs(d: DataRef): BlobRef[] {
  return d.kind === 'blob' ? [d.blob] : [];
}

/**
 * Largest inference data blob: input bytes cost CU_PER_BYTE each, so a larger input could never
 * fit MAX_TX_CU; bounding outputs the same way keeps a bogus length from being read at all.
 */
export const MAX_DATA_BLOB = Number(MAX_TX_CU / CU_PER_BYTE);

/** Rejects a blob whose committed length is over `limit` before anything is read. */
function bound(ref: BlobRef, limit: number, kind: RejectKind, reason: string, what: string): void {
  if (ref.length > limit) odaReject(kind, reason, `${what} is ${ref.length} bytes, limit ${limit}`);
}

async function tensorsOf(oc: OdaContext, d: DataRef, kind: RejectKind, what: string): Promise<Tensor[]> {
  if (d.kind === 'blob') bound(d.blob, MAX_DATA_BLOB, kind, OdaReason.TX_CU, what);
  const bytes = d.kind === 'inline' ? (decodedInlineBytes(d) ?? fromHex(d.data, d.data.length / 2, what)) : await oc.blob(d.blob, false, true);
  try {
    return decodeTensorList(bytes);
  } catch (e) {
    if (e instanceof OdaDecodeError) odaReject(kind, e.reason, `${what}: ${e.message}`);
    throw e;
  }
}

async function applyAdd(oc: OdaContext, view: RegistryView, p: AddModelPayload, txid: string, height: number, kind: RejectKind): Promise<AppliedTx> {
  const modelId = modelIdOf(p);
  if (await view.getModel(modelId)) odaReject(kind, OdaReason.MODEL_DUPLICATE, `model ${modelId} exists`);
  if (p.objectiveParams !== '') odaReject(kind, OdaReason.OBJECTIVE, `objective ${p.objective} takes no parameters`);
  bound(p.architecture, LIMITS.maxArchitectureBytes, kind, Reason.ENCODING, 'architecture');
  bound(p.weights, LIMITS.maxWeightsBytes, kind, Reason.WEIGHTS_ENCODING, 'weights');
  bound(p.dataset, LIMITS.maxDatasetBytes, kind, Reason.DATASET_ENCODING, 'dataset');
  // ODA-BIP-0007b §2: the owners' terms are judged before the blobs are asked for, so a
  // malformed private add-model is refused, never parked waiting for data.
  if (p.private) checkPrivateTerms(p.private, kind);
  await oc.requireBlobs([p.architecture, p.dataset, p.weights]);
  if (p.private) {
    // Encrypted: nodes keep the blobs available but cannot read, so nothing is admitted or scored.
    await view.putModel({ modelId, add: p, txid, height, currentVersion: 0, currentScore: 0n, currentWeights: p.weights, trainerScript: p.payoutScript, private: { approvals: 0, versions: 1 } });
    await view.putVersion(modelId, { version: 0, weights: p.weights, score: 0n, trainerScript: p.payoutScript, txid, height, label: p.versionLabel });
    return { txid, type: 'add-model', cu: 0n, modelId, score: 0n, blobs: [p.architecture, p.dataset, p.weights] };
  }
  const [architecture, weights, dataset] = [await oc.blob(p.architecture, true, true), await oc.blob(p.weights, true, true), await oc.blob(p.dataset, true, true)];
  const memo = oc.scoreMemo(modelId, p.weights, p.dataset);
  const res = await oc.evaluations.track(evalLabel('add-model', modelId, txid, kind, height), (observe) =>
    asKind(kind, () => admitModel({ architecture, weights, dataset, objective: p.objective, architectureRoot: p.architecture.root, weightsRoot: p.weights.root }, memo, observe)));
  await view.putModel({ modelId, add: p, txid, height, currentVersion: 0, currentScore: res.score, currentWeights: p.weights, trainerScript: p.payoutScript });
  await view.putVersion(modelId, { version: 0, weights: p.weights, score: res.score, trainerScript: p.payoutScript, txid, height, label: p.versionLabel });
  return { txid, type: 'add-model', cu: res.cost, modelId, score: res.score, blobs: [p.architecture, p.dataset, p.weights] };
}


async function applyCommit(view: RegistryView, p: CommitWeightsPayload, txid: string, height: number, kind: RejectKind): Promise<AppliedTx> {
  const m = await requireModel(view, p.modelId, kind);
  if (m.private) odaReject(kind, OdaReason.PRIVATE_UPDATE, `model ${p.modelId} is private: versions move by owner approval`);
  if (await view.getCommit(p.commitment)) odaReject(kind, OdaReason.COMMIT_DUPLICATE, `commitment ${p.commitment}`);
  await view.putCommit({ commitment: p.commitment, modelId: p.modelId, txid, height });
  return { txid, type: 'commit-weights', cu: COMMIT_CU, modelId: p.modelId };
}

async function applyReveal(oc: OdaContext, view: RegistryView, p: RevealWeightsPayload, txid: string, height: number, kind: RejectKind): Promise<AppliedTx> {
  const m = await requireModel(view, p.modelId, kind);
  if (m.private) odaReject(kind, OdaReason.PRIVATE_UPDATE, `model ${p.modelId} is private: versions move by owner approval`);
  const commitment = commitHash(p.modelId, p.weights, p.payoutScript, p.salt);
  const c = await view.getCommit(commitment);
  // The commitment binds the submitter: a copied reveal with another payout script has none.
  if (!c || c.modelId !== p.modelId) odaReject(kind, OdaReason.REVEAL_NO_COMMIT, `no commitment ${commitment} for model ${p.modelId}`);
  if (height < c.height + oc.commitRevealDelay) {
    odaReject(kind, OdaReason.REVEAL_EARLY, `committed at ${c.height}, reveal allowed from ${c.height + oc.commitRevealDelay}`, kind === 'block' ? 100 : 0);
  }
  bound(p.weights, LIMITS.maxWeightsBytes, kind, Reason.WEIGHTS_ENCODING, 'weights');
  await oc.requireBlobs([p.weights]);
  const lm = await oc.model(m, kind);
  const weights = await oc.blob(p.weights, true, true);
  const memo = oc.scoreMemo(m.modelId, p.weights, m.add.dataset);
  const res = await oc.evaluations.track(evalLabel('update-weights', p.modelId, txid, kind, height), (observe) =>
    asKind(kind, () => checkUpdate(lm.ctx, { bytes: weights, root: p.weights.root }, lm.dataset, lm.objective, m.currentScore, memo, observe)));
  const version = m.currentVersion + 1;
  await view.delCommit(commitment);
  await view.putVersion(p.modelId, { version, weights: p.weights, score: res.score, trainerScript: p.payoutScript, txid, height, label: p.versionLabel });
  await view.putModel({ ...m, currentVersion: version, currentScore: res.score, currentWeights: p.weights, trainerScript: p.payoutScript });
  return { txid, type: 'reveal-weights', cu: res.cost, modelId: p.modelId, score: res.score, blobs: [p.weights] };
}

/** A view hands out one record object per stored value, so the trainer script is parsed once a block, not once a tx. */
const trainerCache = new WeakMap<ModelRecord, Buffer>();
function trainerBytes(m: ModelRecord): Buffer {
  let b = trainerCache.get(m);
  if (!b) trainerCache.set(m, (b = Buffer.from(fromHex(m.trainerScript, m.trainerScript.length / 2, 'trainer'))));
  return b;
}

async function applyInference(oc: OdaContext, view: RegistryView, tx: Transaction, p: InferencePayload, txid: string, height: number, kind: RejectKind): Promise<AppliedTx> {
  const m = await requireModel(view, p.modelId, kind);
  if (p.version !== m.currentVersion) odaReject(kind, OdaReason.INFERENCE_STALE, `version ${p.version}, current ${m.currentVersion}`, kind === 'block' ? 100 : 0);
  const trainer = trainerBytes(m);
  let paid = 0n;
  for (const o of tx.outs) if (trainer.equals(Buffer.from(o.script.buffer, o.script.byteOffset, o.script.length))) paid += o.value;
  if (paid < m.add.royalty) odaReject(kind, OdaReason.INFERENCE_ROYALTY, `pays ${paid} to the trainer, royalty ${m.add.royalty}`);
  await oc.requireBlobs([...dataRefs(p.input), ...dataRefs(p.output)]);
  if (m.private) {
    // Recorded, not re-executed: nodes hold neither the key nor a plaintext to run (ODA-BIP-0007b).
    await view.putInference({ txid, modelId: p.modelId, version: p.version, inputHash: dataHash(p.input), outputHash: dataHash(p.output), rows: 0, royalty: paid, height });
    return { txid, type: 'inference', cu: 0n, modelId: p.modelId };
  }
  const lm = await oc.model(m, kind);
  const inputs = await tensorsOf(oc, p.input, kind, 'input');
  const outputs = await tensorsOf(oc, p.output, kind, 'output');
  const rows = inputs[0].dims[0];
  const cu = inferenceCost(lm.ctx.arch, rows);
  if (cu > MAX_TX_CU) odaReject(kind, OdaReason.TX_CU, `${rows} rows cost ${cu} CU, limit ${MAX_TX_CU}`);
  await view.putInference({ txid, modelId: p.modelId, version: p.version, inputHash: dataHash(p.input), outputHash: dataHash(p.output), rows, royalty: paid, height });
  return { txid, type: 'inference', cu, modelId: p.modelId, claim: { txid, cu, modelId: p.modelId, version: p.version, claim: { inputs, outputs }, rows } };
}

/** Applies one transaction's ODA payload (if any) to the view; undefined for an ordinary tx. `txid`: tx.getId() when the caller has it. */
export async function applyTx(oc: OdaContext, view: RegistryView, tx: Transaction, height: number, kind: RejectKind, txid?: string): Promise<AppliedTx | undefined> {
  // The one activation gate of ODA-BIP-0007b: below it, types 5 and 6 are unknown types.
  const d = decodeOdaTx(tx, kind, privateActive(oc, height));
  if (!d) return undefined;
  txid ??= txidOf(tx);
  const p = d.payload;
  switch (p.type) {
    case 'add-model':
      return applyAdd(oc, view, p, txid, height, kind);
    case 'commit-weights':
      return applyCommit(view, p, txid, height, kind);
    case 'reveal-weights':
      return applyReveal(oc, view, p, txid, height, kind);
    case 'inference':
      return applyInference(oc, view, tx, p, txid, height, kind);
    case 'approve-version':
      return applyApprove(oc, view, p, txid, height, kind);
  }
}

/**
 * Re-executes the inference claims: one verifyInferences run per (model, version), split
 * into chunks whose combined rows stay within MAX_TX_CU (the engine's per-run limit).
 * Returns the txids of claims a capability class left unchecked (oc.maxValidationCost).
 */
export async function verifyClaims(oc: OdaContext, view: RegistryView, claims: readonly PendingClaim[], kind: RejectKind): Promise<string[]> {
  const groups = new Map<string, PendingClaim[]>();
  const skipped: string[] = [];
  for (const c of claims) {
    if (oc.maxValidationCost !== undefined && c.cu > oc.maxValidationCost) {
      skipped.push(c.txid);
      continue;
    }
    const k = `${c.modelId}:${c.version}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  for (const g of groups.values()) {
    const { modelId, version } = g[0];
    const m = (await view.getModel(modelId))!;
    // The model record names its current version's weights (add-model and reveals write both
    // alike), so the usual case needs no version read; a claim made stale by a later reveal
    // in the same block reads its version.
    const vw = m.currentVersion === version ? m.currentWeights : (await view.getVersion(modelId, version))!.weights;
    const lm = await oc.model(m, kind);
    const weights = { bytes: await oc.blob(vw), root: vw.root };
    const total = g.reduce((a, c) => a + c.rows, 0);
    await oc.evaluations.track(evalLabel('inference', modelId, g[0].txid, kind), async (observe) => {
      let chunk: PendingClaim[] = [];
      let rows = 0;
      let before = 0;
      const run = async (): Promise<void> => {
        if (chunk.length === 0) return;
        const base = before;
        const bad = await asKind(kind, () => verifyInferences(lm.ctx, weights, chunk.map((c) => c.claim), (done) => observe(base + done, total)));
        if (bad >= 0) odaReject(kind, Reason.OUTPUT_MISMATCH, `tx ${chunk[bad].txid}: outputs differ from the model's`);
        before += rows;
        chunk = [];
        rows = 0;
      };
      for (const c of g) {
        if (chunk.length && inferenceCost(lm.ctx.arch, rows + c.rows) > MAX_TX_CU) await run();
        chunk.push(c);
        rows += c.rows;
      }
      await run();
    });
  }
  return skipped;
}

