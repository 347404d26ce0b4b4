// Consensus constants shared by chain, mempool and miner (Core's consensus/consensus.h,
// consensus/amount.h, primitives/transaction.h). Network-dependent values live in params.ts.
import { COIN } from './params.js';

/** Core's MAX_MONEY: no amount, and no sum of amounts, may exceed 21 million coins. */
export const MAX_MONEY = 21_000_000n * COIN;
export function moneyRange(v: bigint): boolean {
  return v >= 0n && v <= MAX_MONEY;
}

export const WITNESS_SCALE_FACTOR = 4;
/** Locktimes below this are block heights, at or above it UNIX times (Core's LOCKTIME_THRESHOLD). */
export const LOCKTIME_THRESHOLD = 500_000_000;
/** Core's MAX_SCRIPT_SIZE: larger scriptPubKeys are unspendable and never enter the UTXO set. */
export const MAX_SCRIPT_SIZE = 10_000;

// BIP68 nSequence fields (CTxIn::SEQUENCE_*).
export const SEQUENCE_FINAL = 0xffffffff;
export const SEQUENCE_LOCKTIME_DISABLE_FLAG = 0x80000000;
export const SEQUENCE_LOCKTIME_TYPE_FLAG = 0x00400000;
export const SEQUENCE_LOCKTIME_MASK = 0x0000ffff;
export const SEQUENCE_LOCKTIME_GRANULARITY = 9;

/** Core's consensus lock-time flag (consensus/consensus.h LOCKTIME_VERIFY_SEQUENCE): enforce BIP68. */
export const LOCKTIME_VERIFY_SEQUENCE = 1 << 0;

/** Ban score for consensus-invalid objects (Core's Misbehaving(100) / DoS 100). */
export const BAN_SCORE_INVALID = 100;
