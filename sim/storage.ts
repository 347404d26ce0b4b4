// ODA-BIP-0006 experiments: (e) what storing buys a miner and how many copies of the data a
// network of rational miners keeps. Sampling uses the node's own rule (oda/storage-proof.ts
// sampleSlots over a MemoryIndex); only the miners' holdings and costs are modelled here.
// Deterministic for a seed (util/rng.ts).
import { rng } from '../util/rng.js';
import { MemoryIndex } from '../oda/storage-index.js';
import { STORAGE, sampleSlots, storageSeed } from '../oda/storage-proof.js';

/** A registry of `blobs` blobs with sizes spread over three orders of magnitude (bytes). */
export function syntheticIndex(blobs: number, seed: number): MemoryIndex {
  const r = rng(seed);
  const idx = new MemoryIndex();
  for (let i = 0; i < blobs; i++) {
    const root = Buffer.alloc(32);
    root.writeUInt32BE(i, 28);
    root.writeUInt32BE(seed, 0);
    idx.add({ root: root.toString('hex'), length: Math.floor(16_384 * 10 ** (r() * 3)) + 1 }, 0);
  }
  return idx;
}

/** Which blobs a miner holds: blobs in a seeded random order until `f` of the bytes are covered. */
export function holding(idx: MemoryIndex, f: number, seed: number): Set<number> {
  const r = rng(seed);
  const order = idx.entries.map((e) => ({ o: e.ordinal, k: r() })).sort((a, b) => a.k - b.k);
  const total = Number(idx.total);
  const held = new Set<number>();
  let bytes = 0;
  for (const { o } of order) {
    if (bytes >= f * total) break;
    held.add(o);
    bytes += idx.entries[o]!.length;
  }
  return held;
}

/** Expected relative rate of one attempt: 2^(−b·skips) when missing leaves are skipped; 0/1 without skips. */
export function attemptRates(idx: MemoryIndex, held: Set<number>, k: number, attempts: number, seed: number): { skip: number; strict: number; fraction: number } {
  const header = Buffer.alloc(80);
  let skip = 0, strict = 0;
  for (let a = 0; a < attempts; a++) {
    header.writeUInt32LE(seed, 4);
    header.writeUInt32LE(a, 76);
    const slots = sampleSlots(storageSeed(header), idx, 1_000_000, k);
    const missing = slots.filter((s) => !held.has(s.entry.ordinal)).length;
    skip += 2 ** (-STORAGE.skipPenaltyBits * missing);
    if (missing === 0) strict++;
  }
  const heldBytes = [...held].reduce((a, o) => a + idx.entries[o]!.length, 0);
  return { skip: skip / attempts, strict: strict / attempts, fraction: heldBytes / Number(idx.total) };
}

/** (f + (1 − f)·2^−b)^k: the rule's expected rate for a miner holding a byte fraction f. */
export function analyticRate(f: number, k: number, b: number = STORAGE.skipPenaltyBits): number {
  return (f + (1 - f) * 2 ** -b) ** k;
}

export interface SuccessRow { f: number; k: number; heldFraction: number; simulated: number; analytic: number; strict: number }

/** (e1) Mining success per attempt against the fraction stored, for several k. */
export function experimentE1(opts: { attempts: number; seed: number; blobs?: number; ks?: number[]; fs?: number[] }): SuccessRow[] {
  const idx = syntheticIndex(opts.blobs ?? 200, opts.seed);
  const rows: SuccessRow[] = [];
  for (const k of opts.ks ?? [1, 2, 4, 8]) {
    for (const f of opts.fs ?? [0, 0.25, 0.5, 0.75, 0.9, 1]) {
      const held = holding(idx, f, opts.seed * 7919 + Math.round(f * 100));
      const r = attemptRates(idx, held, k, opts.attempts, opts.seed + k);
      rows.push({ f, k, heldFraction: r.fraction, simulated: r.skip, analytic: analyticRate(r.fraction, k), strict: r.strict });
    }
  }
  return rows;
}

export interface CopiesRow { miners: number; cost: number; meanFraction: number; copies: number; survivalHalfLeave: number; minCopies: number }

/**
 * (e2) Copies kept by N rational miners. Miner i (equal hash share) stores a byte fraction f_i
 * of the registered data; its revenue share is g(f_i) / Σ g(f_j) with g the rule's rate, its
 * cost cost_i · f_i / N per block, where cost is storing everything for a block as a share of a
 * miner's fair revenue (1/N of the reward; heterogeneous: cost × [0.5, 1.5)). Best responses on a 5 % grid until no
 * miner moves. Each miner picks its blobs at random, so a blob's copies are Σ f_i in
 * expectation and a blob survives a random half of the miners leaving with 1 − Π(1 − f_i) over the rest.
 */
export function experimentE2(opts: { seed: number; miners?: number[]; costs?: number[]; k?: number }): CopiesRow[] {
  const k = opts.k ?? STORAGE.k;
  const grid = Array.from({ length: 21 }, (_, i) => i / 20);
  const rows: CopiesRow[] = [];
  for (const n of opts.miners ?? [10, 100]) {
    for (const cost of opts.costs ?? [0.1, 0.5, 1, 1.5, 2, 4]) {
      const r = rng(opts.seed + n);
      const c = Array.from({ length: n }, () => cost * (0.5 + r()));
      const f = Array.from({ length: n }, () => 1);
      for (let round = 0; round < 200; round++) {
        let moved = false;
        for (let i = 0; i < n; i++) {
          const others = f.reduce((a, x, j) => (j === i ? a : a + analyticRate(x, k)), 0);
          const payoff = (x: number) => analyticRate(x, k) / (others + analyticRate(x, k)) - c[i]! * x / n;
          const best = grid.reduce((b, x) => (payoff(x) > payoff(b) + 1e-12 ? x : b), 0);
          if (best !== f[i]) { f[i] = best; moved = true; }
        }
        if (!moved) break;
      }
      const copies = f.reduce((a, x) => a + x, 0);
      // Survival when a random half of the miners leaves, averaged over 2000 seeded draws.
      let survive = 0;
      for (let d = 0; d < 2000; d++) {
        const order = f.map((x) => ({ x, k: r() })).sort((a, b) => a.k - b.k).slice(0, Math.ceil(n / 2));
        survive += 1 - order.reduce((a, o) => a * (1 - o.x), 1);
      }
      rows.push({ miners: n, cost, meanFraction: copies / n, copies, survivalHalfLeave: survive / 2000, minCopies: Math.min(...f) });
    }
  }
  return rows;
}
