// The ODA-BIP-0005 simulator on small seeds: signs and orderings only, never exact floats.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulate } from '../../sim/engine.js';
import { experimentA, experimentB, experimentC, odaConfig, stuffingAnalytic } from '../../sim/experiments.js';

const honest = (share: number) => ({ share, validates: true, heavyFill: 1 });

test('deterministic for a seed', () => {
  const cfg = odaConfig({ miners: [honest(0.5), honest(0.5)], blocks: 500, seed: 3 });
  assert.equal(simulate(cfg), simulate(cfg));
});

test('(a) skipping validation pays, more with more CU (Luu et al.\'s shape)', () => {
  const rows = experimentA({ blocks: 3000, seed: 2, shares: [0, 1], base: { spacing: 12, propagation: 0, validationStalls: true, nsPerCu: 3e9 / 15e9 } });
  assert.ok(Math.abs(rows[0]!.advantageNone) < 0.01, 'no heavy CU: no advantage');
  assert.ok(rows[1]!.advantageNone > 0.1, 'a full heavy block (3 s of 12 s): a clear advantage');
  assert.ok(rows[1]!.advantageNone > rows[0]!.advantageNone);
});

test('(a) heavier blocks mean more stale blocks', () => {
  const rows = experimentA({ blocks: 3000, seed: 2, shares: [0, 1] });
  assert.ok(rows[1]!.staleNone > rows[0]!.staleNone);
});

test('(b) self-stuffing never pays', () => {
  for (const r of experimentB({ blocks: 2000, seed: 5, shares: [0.3] })) {
    assert.ok(r.analytic <= 0, `analytic ${r.others} ${r.burn}`);
    assert.ok(r.simulated < 0.002, `simulated ${r.others} ${r.burn}: ${r.simulated}`);
  }
  assert.ok(stuffingAnalytic(0n, 5_000_000_000n).profit === 0);
});

test('(c) a burn without discount weakens the incentive to include heavy CU; the rule restores it', () => {
  const rows = experimentC({ blocks: 3000, seed: 4, fees: [1_000n] });
  const by = Object.fromEntries(rows.map((r) => [r.mode, r]));
  assert.ok(by.burn!.gainFull < by.rule!.gainFull);
  assert.ok(Math.abs(by.rule!.gainFull - by.none!.gainFull) < 0.005, 'the rule gives back what the burn took');
  assert.ok(by.burn!.bestFill <= by.rule!.bestFill);
});

test('the discount speeds up heavy blocks only under the rule', () => {
  const miners = [honest(0.5), honest(0.5)];
  const rule = simulate(odaConfig({ miners, blocks: 1000, seed: 9, heavyDemand: 1, mode: 'rule' }));
  const burn = simulate(odaConfig({ miners, blocks: 1000, seed: 9, heavyDemand: 1, mode: 'burn' }));
  assert.ok(rule.meanDiscountPpm > 0);
  assert.is(burn.meanDiscountPpm, 0);
  assert.ok(rule.burned > 0 && burn.burned > 0);
});

test.run();
