// Validation failures carry Core's reject reason string (what testmempoolaccept, submitblock
// and the P2P reject logic print), a ban score for the peer that sent the object, and
// whether the failure may be caused by malleated witness data (then the hash must not be
// cached as invalid), as bcoin's VerifyError and btcd's RuleError do.
export type RejectKind = 'block' | 'tx' | 'header';

export class VerifyError extends Error {
  constructor(
    public readonly kind: RejectKind,
    /** Core's reject reason, e.g. "bad-txns-inputs-missingorspent", "high-hash". */
    public readonly reason: string,
    /** Ban score to add to the peer that relayed it (0..100). */
    public readonly score: number = 0,
    /** Extra detail, as Core's debug message (reject-details). */
    public readonly details: string = '',
    /** True when the failure could be caused by a malleated witness. */
    public readonly malleated = false,
  ) {
    super(details ? `${reason} (${details})` : reason);
    this.name = 'VerifyError';
  }
}

export function isVerifyError(e: unknown): e is VerifyError {
  return e instanceof VerifyError;
}

/**
 * Data a block (or transaction) needs is not held by this node: not a verdict. The chain parks
 * such a block (never marks it invalid) until the data arrives; subclasses name what is
 * missing (oda/rules.ts MissingBlobError: model-store blobs).
 */
export class MissingDataError extends Error {
  constructor(message: string, public readonly missing: readonly unknown[]) {
    super(message);
    this.name = 'MissingDataError';
  }
}
