// Core's rolling minimum mempool fee (CTxMemPool::GetMinFee / trackPackageRemoved): after
// an eviction the pool demands at least the evicted package's feerate plus the incremental
// relay fee; once a block has been connected since, that demand halves every 12 hours
// (every 3 h below a quarter of -maxmempool, 6 h below half) and drops to zero under half
// the incremental relay fee. Fee rates are sat/kvB; the decaying value is fractional, as
// Core's double.
const ROLLING_FEE_HALFLIFE = 60 * 60 * 12;

export class RollingMinFee {
  private rate = 0;
  private lastUpdate: number;
  private blockSinceLastBump = false;

  constructor(private readonly incrementalRelayFee: bigint, now: number) {
    this.lastUpdate = now;
  }

  /** trackPackageRemoved: an evicted package's feerate (already plus the incremental fee). */
  bump(rate: bigint): void {
    if (Number(rate) > this.rate) {
      this.rate = Number(rate);
      this.blockSinceLastBump = false;
    }
  }

  /** removeForBlock: decay may start. */
  blockConnected(now: number): void {
    this.lastUpdate = now;
    this.blockSinceLastBump = true;
  }

  /** GetMinFee at `now` for a pool using `usage` of `maxSize` bytes. */
  get(now: number, usage: number, maxSize: number): bigint {
    if (!this.blockSinceLastBump || this.rate === 0) return BigInt(Math.round(this.rate));
    if (now > this.lastUpdate + 10) {
      let halflife = ROLLING_FEE_HALFLIFE;
      if (usage < maxSize / 4) halflife /= 4;
      else if (usage < maxSize / 2) halflife /= 2;
      this.rate /= Math.pow(2, (now - this.lastUpdate) / halflife);
      this.lastUpdate = now;
      if (this.rate < Number(this.incrementalRelayFee) / 2) {
        this.rate = 0;
        return 0n;
      }
    }
    const rolling = BigInt(Math.round(this.rate));
    return rolling > this.incrementalRelayFee ? rolling : this.incrementalRelayFee;
  }
}
