// Public API of the ODA transaction layer (ODA-BIP-0003): payloads, their envelope in a
// Bitcoin transaction, the model registry in the chain state, the ChainExtension that
// validates ODA transactions in blocks, and the mempool check.
export {
  ODA_VERSION, OdaType, ODA_TYPE_NAME, BOUNDS, commitHash, modelIdOf, taggedHash, encodePayloadBody, decodePayloadBody,
  type BlobRef, type DataRef, type OdaPayload, type AddModelPayload, type CommitWeightsPayload, type RevealWeightsPayload,
  type InferencePayload, type OdaTypeCode, type PrivateTerms, type ApproveVersionPayload, type ApprovalTarget, type ApprovalSignature, approvalMessage,
} from './payload.js';
export { signApproval, ownerKeyOf, checkApprovalSignatures, privateActive } from './private.js';
export { ODA_MAGIC, encodeOdaOutput, decodeOdaTx, isOdaScript, type DecodedOda } from './envelope.js';
export { encodeTensorList, decodeTensorList, MAX_TENSORS, MAX_RANK } from './tensors.js';
export { buildAddModelPayload, buildCommitPayload, buildRevealPayload, buildInferencePayload, inlineData, dataHash, buildApprovePayload, type Built } from './build.js';
export { COMMIT_REVEAL_DELAY, COMMIT_CU, MIN_FEE_PER_KCU, minFeeForCu, MissingBlobError } from './rules.js';
export {
  EXTENSION_NAME, RegistryReader, type ModelRecord, type VersionRecord, type CommitRecord, type InferenceRecord, type KvSource,
} from './registry.js';
export { createOdaExtension, checkOdaBlock, payloadBlobs, PIN_TAG, type OdaExtension, type BlockResult, type RegistrySource } from './extension.js';
export { OdaContext, type AppliedTx } from './apply.js';
export { checkOdaTransaction, createOdaMempoolExtension, odaModelOf, modelsUpdatedBy, type OdaTxCheck } from './mempool-check.js';
