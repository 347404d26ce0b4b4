// How far initial block download has come: verificationprogress and the log's progress line.

/** Blocks behind the tip over which the recent transactions-per-block rate is measured. */
export const TX_RATE_WINDOW = 1000;

/** The tip's transactions (Core's nChainTx) and the recent rate that extrapolates them. */
export interface TxProgress {
  chainTx: number;
  txPerBlock: number;
}

/**
 * getblockchaininfo.verificationprogress, after Core's GuessVerificationProgress: the
 * transactions verified so far over an estimate of all transactions. Core extrapolates its
 * total with a per-network rate in tx/s (ChainTxData); ODA has headers for the blocks still
 * to fetch, so it extrapolates per block, with the rate of the last TX_RATE_WINDOW blocks:
 *
 *     remaining = max(0, bestHeaderHeight - tipHeight) + max(0, now - bestHeaderTime) * blockRate
 *     progress  = min(1, tipChainTx / (tipChainTx + remaining * txPerBlock))
 *
 * Without tx counts (a body-less ancestor) blocks stand in for transactions:
 * min(1, tipHeight / (bestHeaderHeight + max(0, now - bestHeaderTime) * blockRate)); 1 when the
 * total is 0. blockRate is 1 / powTargetSpacing on main and 0 on regtest (Core's regtest
 * ChainTxData is zero too), so a regtest chain idle for days is not reported as behind.
 */
export function guessVerificationProgress(tipHeight: number, best: { height: number; time: number }, now: number, blockRate: number, tx?: TxProgress): number {
  const ahead = Math.max(0, now - best.time) * blockRate;
  if (tx) {
    const total = tx.chainTx + (Math.max(0, best.height - tipHeight) + ahead) * tx.txPerBlock;
    return total <= 0 ? 1 : Math.min(1, Math.max(0, tx.chainTx / total));
  }
  const total = best.height + ahead;
  if (total <= 0) return 1;
  return Math.min(1, Math.max(0, tipHeight / total));
}

/**
 * Transactions per block over the window ending at the tip (at least 1: every block has a
 * coinbase). `from` is the window's first block's nChainTx, `blocks` its length.
 */
export function recentTxPerBlock(tipChainTx: number, from: { chainTx: number; blocks: number } | undefined): number {
  const rate = from && from.blocks > 0 ? (tipChainTx - from.chainTx) / from.blocks : tipChainTx;
  return Math.max(1, rate);
}

/** Blocks per second between two (height, ms) samples, and the seconds left to `target` at that rate. */
export function syncRate(from: { height: number; at: number }, to: { height: number; at: number }, target: number): { rate: number; eta?: number } {
  const secs = (to.at - from.at) / 1000;
  const rate = secs > 0 ? Math.max(0, to.height - from.height) / secs : 0;
  return { rate, eta: rate > 0 ? Math.ceil(Math.max(0, target - to.height) / rate) : undefined };
}

/** The log line: "Syncing blocks: height=120/5000 (2.40%), 35.2 blocks/s, ETA 139 s". */
export function progressLine(height: number, best: number, progress: number, rate: number, eta: number | undefined): string {
  return `Syncing blocks: height=${height}/${best} (${(progress * 100).toFixed(2)}%), ${rate.toFixed(1)} blocks/s, ETA ${eta === undefined ? 'unknown' : `${eta} s`}`;
}
