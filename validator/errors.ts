// Every exact-class rejection is a VerifyError (chain/errors.ts) of kind 'tx' carrying one of
// the reasons in reasons.ts. A rejected model, weights or dataset is the submitter's fault
// and deterministic, hence ban score 100, except "not improving", which a valid transaction
// can become when another update is mined first, and "runtime", an engine failure on an
// admitted model, which is this node's problem rather than the peer's.
import { VerifyError } from '../chain/errors.js';
import { Reason, type ReasonString } from './reasons.js';

export function reject(reason: ReasonString, details = ''): never {
  throw new VerifyError('tx', reason, reason === Reason.NOT_IMPROVING || reason === Reason.RUNTIME ? 0 : 100, details);
}
