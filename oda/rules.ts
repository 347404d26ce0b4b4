// ODA consensus constants and reject helpers (ODA-BIP-0003 "Constants", "Reject reasons").
import { MissingDataError, VerifyError, type RejectKind } from '../chain/errors.js';
import type { BlobRef } from './payload.js';
import type { ModelRecord, RegistryReader } from './registry.js';
import { OdaReason } from './reasons.js';

/** A reveal is valid only at height >= commit height + COMMIT_REVEAL_DELAY. */
export const COMMIT_REVEAL_DELAY = 2;
/** CU charged for a commit-weights transaction (no model execution, one state write). */
export const COMMIT_CU = 0n;
/** Policy (not consensus): minimum fee of an ODA transaction, satoshis per 1000 CU, rounded up. */
export const MIN_FEE_PER_KCU = 1n;

/** The policy fee floor for `cu` compute units. */
export function minFeeForCu(cu: bigint): bigint {
  return (cu * MIN_FEE_PER_KCU + 999n) / 1000n;
}

export function odaReject(kind: RejectKind, reason: string, details = '', score = 100): never {
  throw new VerifyError(kind, reason, score, details);
}

/**
 * A blob the block (or transaction) references is not in the local model-store (or is held
 * with a different length). Not a VerifyError: the block may be perfectly valid, the node
 * must fetch the data and try again rather than mark the block invalid.
 */
export class MissingBlobError extends MissingDataError {
  constructor(public readonly blobs: BlobRef[]) {
    super(`missing blobs: ${blobs.map((b) => `${b.root}:${b.length}`).join(', ')}`, blobs);
    this.name = 'MissingBlobError';
  }
}

export async function requireModel(view: RegistryReader, modelId: string, kind: RejectKind): Promise<ModelRecord> {
  const m = await view.getModel(modelId);
  if (!m) odaReject(kind, OdaReason.MODEL_UNKNOWN, `model ${modelId}`);
  return m;
}
