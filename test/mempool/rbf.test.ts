// Replace-by-fee (BIP125 rules 2-6 as Core 28+ applies them with full RBF).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fixture, type Outpoint, openFundedFixture, P2WSH_TRUE, fanOut, openFixture, outOf, rejectReason, spend, spendOne } from './util.js';

let fx: Fixture;
let take: () => Outpoint;

test.before(async () => {
  ({ fx, take } = await openFundedFixture(150));
});

test.after(async () => {
  await fx.close();
});

test('a higher-paying replacement evicts the original and its descendants', async () => {
  const c = take();
  const orig = spendOne(c, 1000n);
  await fx.mempool.addTransaction(orig);
  const child = spendOne(outOf(orig), 1000n);
  await fx.mempool.addTransaction(child);
  const removed: [string, string][] = [];
  const onRemoved = (e: { txid: string }, reason: string) => removed.push([e.txid, reason]);
  fx.mempool.on('removed', onRemoved);
  const repl = spendOne(c, 3000n);
  await fx.mempool.addTransaction(repl);
  fx.mempool.off('removed', onRemoved);
  assert.ok(fx.mempool.has(repl.getId()));
  assert.not.ok(fx.mempool.has(orig.getId()));
  assert.not.ok(fx.mempool.has(child.getId()));
  assert.equal(removed.map(([, r]) => r), ['replaced', 'replaced']);
});

test('insufficient fee: feerate not above the original (rule 6)', async () => {
  const c = take();
  await fx.mempool.addTransaction(spendOne(c, 1000n));
  // Same size and fee, different sequence: an equal feerate is not enough.
  const repl = spendOne(c, 1000n, { sequence: 0xfffffffc });
  const err = await fx.mempool.addTransaction(repl).catch((e) => e);
  assert.is(err.reason, 'insufficient fee');
  assert.match(err.details, /^rejecting replacement [0-9a-f]{64}; new feerate 0\.\d{8} BTC\/kvB <= old feerate/);
});

test('insufficient fee: less absolute fee than the replaced set (rule 3)', async () => {
  const c = take();
  // Original: two outputs (bigger), 1500 sat. Replacement: one output, 1400 sat, higher feerate.
  const orig = spend([c], [{ script: P2WSH_TRUE, value: (c.value - 1500n) / 2n }, { script: P2WSH_TRUE, value: (c.value - 1500n) / 2n }]);
  await fx.mempool.addTransaction(orig);
  const repl = spendOne(c, 1400n);
  assert.ok(1400 / repl.virtualSize() > 1500 / orig.virtualSize());
  const err = await fx.mempool.addTransaction(repl).catch((e) => e);
  assert.is(err.reason, 'insufficient fee');
  assert.match(err.details, /less fees than conflicting txs; 0\.00001400 < 0\.00001500/);
});

test('insufficient fee: extra fee must pay the incremental relay fee (rule 4)', async () => {
  const c = take();
  await fx.mempool.addTransaction(spendOne(c, 1000n));
  const repl = spendOne(c, 1050n);
  const err = await fx.mempool.addTransaction(repl).catch((e) => e);
  assert.is(err.reason, 'insufficient fee');
  assert.match(err.details, new RegExp(`not enough additional fees to relay; 0\\.00000050 < 0\\.000000${repl.virtualSize()}`));
});

test('replacement-adds-unconfirmed (rule 2)', async () => {
  const c = take();
  await fx.mempool.addTransaction(spendOne(c, 1000n));
  const other = spendOne(take(), 1000n);
  await fx.mempool.addTransaction(other);
  const repl = spend([c, outOf(other)], [{ script: P2WSH_TRUE, value: c.value + other.outs[0].value - 10_000n }]);
  const err = await fx.mempool.addTransaction(repl).catch((e) => e);
  assert.is(err.reason, 'replacement-adds-unconfirmed');
  assert.is(err.details, `replacement ${repl.getId()} adds unconfirmed input, idx 1`);
});

test('bad-txns-spends-conflicting-tx', async () => {
  const c = take();
  const a = spendOne(c, 1000n);
  await fx.mempool.addTransaction(a);
  const both = spend([c, outOf(a)], [{ script: P2WSH_TRUE, value: c.value - 10_000n }]);
  assert.is(await rejectReason(fx.mempool.addTransaction(both)), 'bad-txns-spends-conflicting-tx');
});

test('too many potential replacements (rule 5: more than 100)', async () => {
  const ins = Array.from({ length: 101 }, take);
  for (const c of ins) await fx.mempool.addTransaction(spendOne(c, 200n));
  const total = ins.reduce((a, c) => a + c.value, 0n);
  const repl = spend(ins, [{ script: P2WSH_TRUE, value: total - 1_000_000n }]);
  const err = await fx.mempool.addTransaction(repl).catch((e) => e);
  assert.is(err.reason, 'too many potential replacements');
  assert.match(err.details, /too many potential replacements \(101 > 100\)/);
});

test('packages may not replace: bip125-replacement-disallowed', async () => {
  const c = take();
  await fx.mempool.addTransaction(spendOne(c, 1000n));
  const a = spendOne(c, 5000n);
  const b = spendOne(outOf(a), 1000n);
  const res = await fx.mempool.testAccept([a, b]);
  assert.is(res[0].reason, 'bip125-replacement-disallowed');
  // A single transaction may: testAccept reports it allowed but leaves the original in place.
  const [single] = await fx.mempool.testAccept([a]);
  assert.is(single.allowed, true);
  assert.not.ok(fx.mempool.has(a.getId()));
});

test.run();
