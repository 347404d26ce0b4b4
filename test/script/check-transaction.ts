// CheckTransaction for the BADTX rows of tx_invalid.json: the chain's own checkTransaction
// (chain/tx-checks.ts, Core's consensus/tx_check.cpp), returning the reject reason or undefined.
import type { Transaction } from '../../chain/block.js';
import { checkTransaction } from '../../chain/tx-checks.js';
import { isVerifyError } from '../../chain/errors.js';

export function checkTransactionSanity(tx: Transaction): string | undefined {
  try {
    checkTransaction(tx);
    return undefined;
  } catch (e) {
    if (isVerifyError(e)) return e.reason;
    throw e;
  }
}
