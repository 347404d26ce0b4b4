// The ODA-BIP-0006 simulator on small seeds: signs and orderings only, never exact floats.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { experimentE1, experimentE2, analyticRate } from '../../sim/storage.js';

test('deterministic for a seed', () => {
  const a = experimentE1({ attempts: 100, seed: 3, blobs: 30, ks: [2], fs: [0.5] });
  assert.equal(a, experimentE1({ attempts: 100, seed: 3, blobs: 30, ks: [2], fs: [0.5] }));
});

test('(e1) storing more never lowers the rate; larger k widens the gap', () => {
  const rows = experimentE1({ attempts: 400, seed: 2, blobs: 40, ks: [1, 4], fs: [0, 0.5, 1] });
  for (const k of [1, 4]) {
    const r = rows.filter((x) => x.k === k).map((x) => x.simulated);
    assert.ok(r[0]! <= r[1]! && r[1]! <= r[2]!, `k=${k}: ${r}`);
    assert.is(r[2], 1);
  }
  const half = (k: number) => rows.find((x) => x.k === k && x.f === 0.5)!.simulated;
  assert.ok(half(4) < half(1), 'a half-storing miner keeps less of its rate at k = 4');
  assert.ok(rows.every((x) => Math.abs(x.simulated - x.analytic) < 0.1), 'simulation near (f + (1 − f)/4)^k');
  assert.ok(analyticRate(0, 4) === 1 / 256);
});

test('(e2) copies fall as storage cost rises, and more miners keep more copies', () => {
  const rows = experimentE2({ seed: 1, miners: [10, 40], costs: [0.1, 2, 4] });
  for (const n of [10, 40]) {
    const c = rows.filter((r) => r.miners === n).map((r) => r.copies);
    assert.ok(c[0]! >= c[1]! && c[1]! >= c[2]!, `N=${n}: ${c}`);
    assert.is(c[0], n, 'cheap storage: every miner keeps everything');
  }
  const at = (n: number) => rows.find((r) => r.miners === n && r.cost === 4)!.copies;
  assert.ok(at(40) > at(10));
});

test.run();
