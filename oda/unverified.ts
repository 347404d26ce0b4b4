// The capability class of a node (ODA-BIP-0007b): which inference transactions this node
// connected without re-executing them (-maxvalidationcost), by block. Local knowledge, not
// consensus state: it must never enter the registry (whose bytes other nodes commit to), so it
// lives in its own append-only file, one line per block: "<blockhash> <txid>,<txid>...".
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface CapabilityClass {
  /** CU above which inference is not re-executed; null = every transaction is re-executed. */
  maxValidationCost: bigint | null;
  /** "full" or "limited". */
  name: 'full' | 'limited';
}

export function capabilityClass(maxValidationCost: bigint | undefined): CapabilityClass {
  return maxValidationCost === undefined ? { maxValidationCost: null, name: 'full' } : { maxValidationCost, name: 'limited' };
}

export class UnverifiedLedger {
  private readonly byBlock = new Map<string, string[]>();

  /** `file` undefined: memory only (tests, in-process nodes without a data dir). */
  constructor(private readonly file?: string) {
    if (!file || !existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([0-9a-f]{64}) ([0-9a-f,]+)$/.exec(line);
      // A torn last line (a crash mid-append) is skipped; the block's txids come back if it reconnects.
      if (m) this.byBlock.set(m[1], m[2].split(',').filter((t) => /^[0-9a-f]{64}$/.test(t)));
    }
  }

  record(blockHash: string, txids: readonly string[]): void {
    if (!txids.length) return;
    this.byBlock.set(blockHash, [...txids]);
    if (this.file) appendFileSync(this.file, `${blockHash} ${txids.join(',')}\n`);
  }

  /** Txids of `blockHash` this node accepted without re-executing them. */
  of(blockHash: string): readonly string[] {
    return this.byBlock.get(blockHash) ?? [];
  }
}
