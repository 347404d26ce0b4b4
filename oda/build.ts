// Payload builders for wallets and RPC: typed arguments in, a checked payload and its
// OP_RETURN script out (the caller adds the royalty output, funds and signs).
import { hash, randomBytes } from 'node:crypto';
import type { Tensor } from '../validator/tensor.js';
import type { Objective } from '../validator/index.js';
import { toHex } from './codec.js';
import { encodeOdaOutput } from './envelope.js';
import {
  BOUNDS, commitHash, decodedInlineBytes, encodePayloadBody, modelIdOf, type AddModelPayload, type BlobRef, type CommitWeightsPayload, type DataRef,
  type InferencePayload, type OdaPayload, type RevealWeightsPayload, type PrivateTerms, type ApproveVersionPayload, type ApprovalTarget, type ApprovalSignature,
} from './payload.js';
import { encodeTensorList } from './tensors.js';

export interface Built<P extends OdaPayload> {
  payload: P;
  /** scriptPubKey of the ODA output (value 0). */
  script: Uint8Array;
}

function built<P extends OdaPayload>(payload: P): Built<P> {
  encodePayloadBody(payload); // bounds checked here, before a wallet spends anything
  return { payload, script: encodeOdaOutput(payload) };
}

export function buildAddModelPayload(a: {
  architecture: BlobRef; dataset: BlobRef; weights: BlobRef; objective: Objective; royalty: bigint; payoutScript: string;
  name: string; description?: string; license?: string; versionLabel?: string;
  /** A private model (ODA-BIP-0007b): owners' x-only keys are sorted here. */
  private?: PrivateTerms;
}): Built<AddModelPayload> & { modelId: string } {
  const payload: AddModelPayload = {
    type: 'add-model', architecture: a.architecture, dataset: a.dataset, weights: a.weights, objective: a.objective, objectiveParams: '',
    royalty: a.royalty, payoutScript: a.payoutScript, name: a.name, description: a.description ?? '', license: a.license ?? '', versionLabel: a.versionLabel ?? '',
  };
  if (a.private) payload.private = { threshold: a.private.threshold, owners: [...a.private.owners].sort() };
  return { ...built(payload), modelId: modelIdOf(payload) };
}

/** A commit-weights payload; keep `salt` secret until the reveal (random when omitted). */
export function buildCommitPayload(a: { modelId: string; weights: BlobRef; payoutScript: string; salt?: string }): Built<CommitWeightsPayload> & { salt: string; commitment: string } {
  const salt = a.salt ?? randomBytes(32).toString('hex');
  const commitment = commitHash(a.modelId, a.weights, a.payoutScript, salt);
  return { ...built({ type: 'commit-weights', modelId: a.modelId, commitment }), salt, commitment };
}

export function buildRevealPayload(a: { modelId: string; weights: BlobRef; payoutScript: string; salt: string; versionLabel?: string }): Built<RevealWeightsPayload> {
  return built({ type: 'reveal-weights', modelId: a.modelId, weights: a.weights, payoutScript: a.payoutScript, salt: a.salt, versionLabel: a.versionLabel ?? '' });
}

/**
 * Inline tensor data when it fits in MAX_INLINE_DATA, otherwise the caller must import the
 * encoded list into the model-store and pass its blob reference.
 */
export function inlineData(ts: readonly Tensor[]): DataRef {
  const bytes = encodeTensorList(ts);
  if (bytes.length > BOUNDS.MAX_INLINE_DATA) throw new RangeError(`tensor list is ${bytes.length} bytes, above MAX_INLINE_DATA ${BOUNDS.MAX_INLINE_DATA}: store it as a blob`);
  return { kind: 'inline', data: toHex(bytes) };
}

export function buildInferencePayload(a: { modelId: string; version: number; input: DataRef; output: DataRef }): Built<InferencePayload> {
  return built({ type: 'inference', modelId: a.modelId, version: a.version, input: a.input, output: a.output });
}

/** The hash an inference commits to for a data reference: SHA-256 of inline bytes, or the blob root. */
export function dataHash(d: DataRef): string {
  if (d.kind === 'blob') return d.blob.root;
  return hash('sha256', decodedInlineBytes(d) ?? Buffer.from(d.data, 'hex'), 'hex');
}

/** An approve-version payload (ODA-BIP-0007b); signatures are sorted by owner index here. */
export function buildApprovePayload(a: { modelId: string; seq: number; target: ApprovalTarget; signatures: ApprovalSignature[] }): Built<ApproveVersionPayload> {
  const signatures = [...a.signatures].sort((x, y) => x.index - y.index);
  return built({ type: 'approve-version', modelId: a.modelId, seq: a.seq, target: a.target, signatures });
}
