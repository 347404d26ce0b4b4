// How far initial block download has come: verificationprogress and the log's progress line.

/**
 * getblockchaininfo.verificationprogress, after Core's GuessVerificationProgress. Core divides
 * the transactions verified so far by an estimate of all transactions: the last known total
 * extrapolated with a per-network rate over the time since. ODA's block index keeps no per-block
 * transaction count, so blocks stand in for transactions:
 *
 *     total    = bestHeaderHeight + max(0, now - bestHeaderTime) * blockRate
 *     progress = min(1, tipHeight / total)        (1 when total <= 0)
 *
 * blockRate is 1 / powTargetSpacing on main and 0 on regtest (Core's regtest ChainTxData is
 * zero too), so a regtest chain that has been idle for days is not reported as behind.
 */
export function guessVerificationProgress(tipHeight: number, best: { height: number; time: number }, now: number, blockRate: number): number {
  const total = best.height + Math.max(0, now - best.time) * blockRate;
  if (total <= 0) return 1;
  return Math.min(1, Math.max(0, tipHeight / total));
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
