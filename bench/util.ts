// Timing helpers shared by the benchmarks.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Interleaves candidate and baseline runs (after one warm-up each) so the noise of a shared
 * machine hits both alike; returns the medians in ms and their ratio.
 */
export async function ratio(cand: () => Promise<unknown>, base: () => Promise<unknown>, reps: number): Promise<{ cand: number; base: number; ratio: number }> {
  await cand();
  await base();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < reps; i++) {
    let t = process.hrtime.bigint();
    await base();
    b.push(Number(process.hrtime.bigint() - t));
    t = process.hrtime.bigint();
    await cand();
    a.push(Number(process.hrtime.bigint() - t));
  }
  const ca = median(a);
  const ba = median(b);
  return { cand: ca / 1e6, base: ba / 1e6, ratio: ca / ba };
}
