// Private models (ODA-BIP-0007b): a model whose blobs are encrypted cannot be scored by
// nodes, so its versions are not judged by the objective; the current version moves only by
// an approval carrying BIP340 signatures of `threshold` of the model's owners, to a new
// version or back to an earlier one (rollback). Each rule is one function named as in the BIP.
import * as ecc from 'tiny-secp256k1';
import type { RejectKind } from '../chain/errors.js';
import { LIMITS, Reason } from '../validator/index.js';
import type { AppliedTx, OdaContext } from './apply.js';
import { fromHex } from './codec.js';
import { approvalMessage, type ApproveVersionPayload, type PrivateTerms } from './payload.js';
import { OdaReason } from './reasons.js';
import type { ModelRecord, RegistryView } from './registry.js';
import { odaReject, requireModel } from './rules.js';

/** Types 5 and 6 exist from params.activation.privateModels on; before, they are unknown types. */
export function privateActive(oc: Pick<OdaContext, 'privateModelsHeight'>, height: number): boolean {
  return height >= oc.privateModelsHeight;
}

/** Every owner key must be a valid BIP340 x-only point (the codec checked count, threshold and order). */
export function checkPrivateTerms(t: PrivateTerms, kind: RejectKind): void {
  t.owners.forEach((o, i) => {
    if (!ecc.isXOnlyPoint(fromHex(o, 32, 'owner'))) odaReject(kind, OdaReason.PRIVATE_TERMS, `owner ${i} is not a BIP340 x-only public key`);
  });
}

/**
 * The approval rule: `seq` equals the model's approval count, every signature verifies for
 * the owner its index names over approvalMessage, and at least `threshold` are present.
 * Returns the number of valid signatures.
 */
export function checkApprovalSignatures(m: ModelRecord, p: ApproveVersionPayload, kind: RejectKind): number {
  const terms = m.add.private!;
  if (p.seq !== m.private!.approvals) odaReject(kind, OdaReason.APPROVAL_SEQ, `seq ${p.seq}, the model's next approval is ${m.private!.approvals}`);
  const msg = approvalMessage(p);
  for (const s of p.signatures) {
    if (s.index >= terms.owners.length) odaReject(kind, OdaReason.APPROVAL_SIG, `signature index ${s.index}, the model has ${terms.owners.length} owners`);
    if (!ecc.verifySchnorr(msg, fromHex(terms.owners[s.index], 32, 'owner'), fromHex(s.signature, 64, 'signature'))) {
      odaReject(kind, OdaReason.APPROVAL_SIG, `signature of owner ${s.index} does not verify`);
    }
  }
  if (p.signatures.length < terms.threshold) {
    odaReject(kind, OdaReason.APPROVAL_THRESHOLD, `${p.signatures.length} owner signature(s), the model needs ${terms.threshold} of ${terms.owners.length}`);
  }
  return p.signatures.length;
}

/** Applies an approve-version: a new version becomes current, or an earlier one again (rollback). */
export async function applyApprove(oc: OdaContext, view: RegistryView, p: ApproveVersionPayload, txid: string, height: number, kind: RejectKind): Promise<AppliedTx> {
  const m = await requireModel(view, p.modelId, kind);
  if (!m.private) odaReject(kind, OdaReason.NOT_PRIVATE, `model ${p.modelId} is public: its versions are judged by its objective`);
  checkApprovalSignatures(m, p, kind);
  const priv = { approvals: m.private.approvals + 1, versions: m.private.versions };
  const t = p.target;
  if (t.kind === 'new') {
    if (t.weights.length > LIMITS.maxWeightsBytes) odaReject(kind, Reason.WEIGHTS_ENCODING, `weights is ${t.weights.length} bytes, limit ${LIMITS.maxWeightsBytes}`);
    await oc.requireBlobs([t.weights]);
    const version = m.private.versions;
    priv.versions = version + 1;
    await view.putVersion(p.modelId, { version, weights: t.weights, score: 0n, trainerScript: t.payoutScript, txid, height, label: t.versionLabel });
    await view.putModel({ ...m, currentVersion: version, currentScore: 0n, currentWeights: t.weights, trainerScript: t.payoutScript, private: priv });
    return { txid, type: 'approve-version', cu: 0n, modelId: p.modelId, score: 0n, blobs: [t.weights] };
  }
  if (t.version >= m.private.versions || t.version === m.currentVersion) {
    odaReject(kind, OdaReason.APPROVAL_VERSION, `version ${t.version}: the model has versions 0..${m.private.versions - 1}, current ${m.currentVersion}`);
  }
  const v = (await view.getVersion(p.modelId, t.version))!;
  await view.putModel({ ...m, currentVersion: v.version, currentScore: v.score, currentWeights: v.weights, trainerScript: v.trainerScript, private: priv });
  return { txid, type: 'approve-version', cu: 0n, modelId: p.modelId };
}

/** An owner's BIP340 signature (hex) over an approval; the auxiliary randomness is fixed so signing is reproducible. */
export function signApproval(p: Pick<ApproveVersionPayload, 'modelId' | 'seq' | 'target'>, privateKey: Uint8Array): string {
  return Buffer.from(ecc.signSchnorr(approvalMessage(p), privateKey, new Uint8Array(32))).toString('hex');
}

/** The x-only public key (hex) of a 32-byte private key: what add-model lists as an owner. */
export function ownerKeyOf(privateKey: Uint8Array): string {
  const pub = ecc.pointFromScalar(privateKey, true);
  if (!pub) throw new RangeError('invalid private key');
  return Buffer.from(pub.subarray(1)).toString('hex');
}
