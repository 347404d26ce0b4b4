// ODA reject reasons (ODA-BIP-0003 "Reject reasons") as constants: code that decides on a
// rejection (the reveal scheduler's retry, tests) compares VerifyError.reason with these,
// never a message with a pattern. The validator's own reasons are validator/reasons.ts.
export const OdaReason = {
  // Consensus: a block carrying such a transaction is invalid.
  MODEL_DUPLICATE: 'bad-oda-model-duplicate',
  MODEL_UNKNOWN: 'bad-oda-model-unknown',
  OBJECTIVE: 'bad-oda-objective',
  COMMIT_DUPLICATE: 'bad-oda-commit-duplicate',
  REVEAL_NO_COMMIT: 'bad-oda-reveal-no-commit',
  REVEAL_EARLY: 'bad-oda-reveal-early',
  INFERENCE_STALE: 'bad-oda-inference-stale',
  INFERENCE_ROYALTY: 'bad-oda-inference-royalty',
  TX_CU: 'bad-oda-tx-cu',
  COINBASE: 'bad-oda-coinbase',
  BLOCK_CU: 'bad-blk-oda-cu',
  /** ODA-BIP-0007: the coinbase's registry root is missing, malformed or wrong. */
  REGISTRY_COMMITMENT: 'bad-registry-commitment',
  // ODA-BIP-0007b (private models), from params.activation.privateModels.
  /** A type-5/6 payload before activation: judged exactly as an unknown type was. */
  TYPE: 'bad-oda-type',
  /** A private model's owners/threshold invalid (an owner key not on the curve). */
  PRIVATE_TERMS: 'bad-oda-private-terms',
  /** A commit or reveal naming a private model: its versions move only by approval. */
  PRIVATE_UPDATE: 'bad-oda-private-update',
  /** An approval naming a public model. */
  NOT_PRIVATE: 'bad-oda-not-private',
  /** An approval whose seq is not the model's approval count (replayed or out of order). */
  APPROVAL_SEQ: 'bad-oda-approval-seq',
  /** A signature that does not verify for the owner its index names (or an index past the owners). */
  APPROVAL_SIG: 'bad-oda-approval-sig',
  /** Fewer valid owner signatures than the model's threshold: an under-signed version or rollback. */
  APPROVAL_THRESHOLD: 'bad-oda-approval-threshold',
  /** A rollback to a version that does not exist or is already current. */
  APPROVAL_VERSION: 'bad-oda-approval-version',
  // Policy: the mempool's own refusals.
  /** The store lacks data the transaction names (score 0: not the sender's fault). */
  MISSING_BLOB: 'oda-missing-blob',
  FEE_BELOW_CU_MINIMUM: 'oda-fee-below-cu-minimum',
  /** An inference above this node's -maxvalidationcost: not relayed or mined by a node that cannot check it. */
  ABOVE_VALIDATION_COST: 'oda-above-validation-cost',
  /** Core's reason: a pool transaction already claims what this one needs (mempool-check.ts conflicts). */
  MEMPOOL_CONFLICT: 'txn-mempool-conflict',
} as const;

export type OdaReasonString = (typeof OdaReason)[keyof typeof OdaReason];

/**
 * Reveal rejections that a later tip can cure: the commit is not (deep enough) in the chain
 * yet, or the pool holds a transaction of the model that must be mined first.
 */
export const REVEAL_RETRY_REASONS: ReadonlySet<string> = new Set([OdaReason.MEMPOOL_CONFLICT, OdaReason.REVEAL_EARLY, OdaReason.REVEAL_NO_COMMIT]);
