// Pure transaction rules shared by block validation and the mempool: Core's CheckTransaction
// (tx_check.cpp), Consensus::CheckTxInputs (tx_verify.cpp), IsFinalTx, BIP68 sequence locks
// (CalculateSequenceLocks / EvaluateSequenceLocks) and GetBlockSubsidy (validation.cpp).
// Every failure throws VerifyError with Core's reject string and ban score 100.
import { outpointKey } from './block.js';
import { Transaction } from './block.js';
import type { Coin } from './coin.js';
import { VerifyError, type RejectKind } from './errors.js';
import type { NetworkParams } from './params.js';
import { COIN } from './params.js';
import {
  BAN_SCORE_INVALID, LOCKTIME_THRESHOLD, LOCKTIME_VERIFY_SEQUENCE, MAX_MONEY, SEQUENCE_FINAL,
  SEQUENCE_LOCKTIME_DISABLE_FLAG, SEQUENCE_LOCKTIME_GRANULARITY, SEQUENCE_LOCKTIME_MASK,
  SEQUENCE_LOCKTIME_TYPE_FLAG, WITNESS_SCALE_FACTOR, moneyRange,
} from './consensus.js';

/** Core's MAX_BLOCK_WEIGHT; a transaction's stripped size ×4 may not exceed it. */
const MAX_BLOCK_WEIGHT = 4_000_000;

function invalid(kind: RejectKind, reason: string, details = ''): VerifyError {
  return new VerifyError(kind, reason, BAN_SCORE_INVALID, details);
}

function isNullPrevout(hash: Uint8Array, index: number): boolean {
  return index === 0xffffffff && hash.every((b) => b === 0);
}

/**
 * Context-free validity (Core's CheckTransaction). `kind` lets block validation report the
 * same reasons as a block rejection.
 */
export function checkTransaction(tx: Transaction, kind: RejectKind = 'tx'): void {
  if (tx.ins.length === 0) throw invalid(kind, 'bad-txns-vin-empty');
  if (tx.outs.length === 0) throw invalid(kind, 'bad-txns-vout-empty');
  // Size limit without witness, as Core: ::GetSerializeSize(TX_NO_WITNESS(tx)) * 4 > MAX_BLOCK_WEIGHT.
  if (tx.byteLength(false) * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT) throw invalid(kind, 'bad-txns-oversize');

  let total = 0n;
  for (const out of tx.outs) {
    if (out.value < 0n) throw invalid(kind, 'bad-txns-vout-negative');
    if (out.value > MAX_MONEY) throw invalid(kind, 'bad-txns-vout-toolarge');
    total += out.value;
    if (!moneyRange(total)) throw invalid(kind, 'bad-txns-txouttotal-toolarge');
  }

  // Duplicate inputs would let one coin be spent twice inside a transaction (CVE-2018-17144).
  const seen = new Set<string>();
  for (const input of tx.ins) {
    const key = outpointKey(input.hash, input.index);
    if (seen.has(key)) throw invalid(kind, 'bad-txns-inputs-duplicate');
    seen.add(key);
  }

  if (isCoinbaseTx(tx)) {
    const len = tx.ins[0].script.length;
    if (len < 2 || len > 100) throw invalid(kind, 'bad-cb-length');
  } else {
    for (const input of tx.ins) {
      if (isNullPrevout(input.hash, input.index)) throw invalid(kind, 'bad-txns-prevout-null');
    }
  }
}

/** Core's CTransaction::IsCoinBase: exactly one input whose prevout is null. */
export function isCoinbaseTx(tx: Transaction): boolean {
  return tx.ins.length === 1 && isNullPrevout(tx.ins[0].hash, tx.ins[0].index);
}

/**
 * Core's Consensus::CheckTxInputs: every input's coin exists (coins[i] for tx.ins[i]),
 * coinbase outputs are mature, amounts are in range and cover the outputs. Returns the fee.
 * `spendHeight` is the height of the block that would include the transaction.
 */
export function checkTxInputs(
  tx: Transaction,
  coins: ReadonlyArray<Coin | undefined>,
  spendHeight: number,
  params: NetworkParams,
  kind: RejectKind = 'tx',
): bigint {
  if (coins.length !== tx.ins.length || coins.some((c) => c === undefined)) {
    // A loose transaction with unknown inputs may just be early (orphan): no ban, as Core.
    throw new VerifyError(kind, 'bad-txns-inputs-missingorspent', kind === 'block' ? BAN_SCORE_INVALID : 0,
      `${tx.getId()}: inputs missing/spent`);
  }
  let valueIn = 0n;
  for (let i = 0; i < tx.ins.length; i++) {
    const coin = coins[i]!;
    if (coin.coinbase && spendHeight - coin.height < params.coinbaseMaturity) {
      throw new VerifyError(kind, 'bad-txns-premature-spend-of-coinbase', kind === 'block' ? BAN_SCORE_INVALID : 0,
        `tried to spend coinbase at depth ${spendHeight - coin.height}`);
    }
    valueIn += coin.value;
    if (!moneyRange(coin.value) || !moneyRange(valueIn)) throw invalid(kind, 'bad-txns-inputvalues-outofrange');
  }
  const valueOut = tx.outs.reduce((a, o) => a + o.value, 0n);
  if (valueIn < valueOut) {
    throw invalid(kind, 'bad-txns-in-belowout', `value in (${valueIn}) < value out (${valueOut})`);
  }
  const fee = valueIn - valueOut;
  if (!moneyRange(fee)) throw invalid(kind, 'bad-txns-fee-outofrange');
  return fee;
}

/**
 * Core's IsFinalTx: a locktime below the block height (or below the cutoff time for
 * time-based locktimes) is final; otherwise the tx is final only if every input is SEQUENCE_FINAL.
 */
export function isFinalTx(tx: Transaction, height: number, time: number): boolean {
  if (tx.locktime === 0) return true;
  const limit = tx.locktime < LOCKTIME_THRESHOLD ? height : time;
  if (tx.locktime < limit) return true;
  return tx.ins.every((i) => i.sequence === SEQUENCE_FINAL);
}

export interface SequenceLocks {
  /** Last height at which the tx is still locked (-1: no height lock). */
  minHeight: number;
  /** Last median-time-past at which the tx is still locked (-1: no time lock). */
  minTime: number;
}

/**
 * Core's CalculateSequenceLocks (BIP68). `prevHeights[i]` is the height of the block that
 * created input i's coin (the next block's height for unconfirmed coins); `mtpAt(h)` returns
 * the median time past of the main-chain block at height h. Inputs with the disable flag are
 * ignored. Only version ≥ 2 transactions are subject to BIP68.
 */
export function calculateSequenceLocks(
  tx: Transaction,
  flags: number,
  prevHeights: readonly number[],
  mtpAt: (height: number) => number,
): SequenceLocks {
  let minHeight = -1;
  let minTime = -1;
  // tx.version is read as a signed int32 by bitcoinjs; Core compares the unsigned version >= 2.
  const enforce = (tx.version >>> 0) >= 2 && (flags & LOCKTIME_VERIFY_SEQUENCE) !== 0;
  if (!enforce) return { minHeight, minTime };
  for (let i = 0; i < tx.ins.length; i++) {
    const seq = tx.ins[i].sequence >>> 0;
    if ((seq & SEQUENCE_LOCKTIME_DISABLE_FLAG) !== 0) continue;
    const coinHeight = prevHeights[i];
    const masked = seq & SEQUENCE_LOCKTIME_MASK;
    if ((seq & SEQUENCE_LOCKTIME_TYPE_FLAG) !== 0) {
      // Time locks count from the MTP of the block *before* the one that mined the coin.
      const coinTime = mtpAt(Math.max(coinHeight - 1, 0));
      minTime = Math.max(minTime, coinTime + masked * (1 << SEQUENCE_LOCKTIME_GRANULARITY) - 1);
    } else {
      minHeight = Math.max(minHeight, coinHeight + masked - 1);
    }
  }
  return { minHeight, minTime };
}

/**
 * Core's EvaluateSequenceLocks: can a tx with these locks be in a block at `blockHeight`
 * whose parent has median time past `prevMedianTimePast`?
 */
export function evaluateSequenceLocks(blockHeight: number, prevMedianTimePast: number, locks: SequenceLocks): boolean {
  return !(locks.minHeight >= blockHeight || locks.minTime >= prevMedianTimePast);
}

/** Core's GetBlockSubsidy: 50 coins halved every subsidyHalvingInterval blocks, zero after 64 halvings. */
export function getBlockSubsidy(height: number, params: NetworkParams): bigint {
  const halvings = Math.floor(height / params.subsidyHalvingInterval);
  if (halvings >= 64) return 0n;
  return (50n * COIN) >> BigInt(halvings);
}

/** BIP141 weight: base size ×3 + total size. */
export function getTxWeight(tx: Transaction): number {
  return tx.weight();
}

/**
 * Core's GetVirtualTransactionSize: weight (or sigop cost × bytesPerSigOp, whichever is
 * larger) divided by 4, rounded up. With no sigop argument this is BIP141's vsize.
 */
export function getVirtualSize(tx: Transaction, sigOpCost = 0, bytesPerSigOp = 20): number {
  if (sigOpCost === 0) return tx.virtualSize();
  const w = Math.max(tx.weight(), sigOpCost * bytesPerSigOp);
  return Math.ceil(w / WITNESS_SCALE_FACTOR);
}
