// Package limits (25 ancestors / 25 descendants, 101 kvB) and -maxmempool eviction with
// the rolling minimum fee.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mempool } from '../../mempool/mempool.js';
import { regtest } from '../../chain/params.js';
import { type Fixture, type Outpoint, openFundedFixture, P2WSH_TRUE, fanOut, openFixture, outOf, rejectReason, spend, spendOne } from './util.js';

let fx: Fixture;
let take: () => Outpoint;

test.before(async () => {
  ({ fx, take } = await openFundedFixture(60));
});

test.after(async () => {
  await fx.close();
});

test('a chain of 25 is accepted, the 26th is too-long-mempool-chain', async () => {
  let prev = take();
  for (let i = 0; i < 25; i++) {
    const tx = spendOne(prev, 1000n);
    await fx.mempool.addTransaction(tx);
    prev = outOf(tx);
  }
  const last = fx.mempool.get(prev.txid)!;
  assert.is(last.ancestorCount, 25);
  assert.is(last.ancestorFees, 25_000n);
  const err = await fx.mempool.addTransaction(spendOne(prev, 1000n)).catch((e) => e);
  assert.is(err.reason, 'too-long-mempool-chain');
  assert.match(err.details, /limit: 25\]/);
});

test('a parent with 24 children is full: the 25th child exceeds the descendant limit', async () => {
  const c = take();
  const parent = spend([c], Array.from({ length: 26 }, () => ({ script: P2WSH_TRUE, value: (c.value - 5000n) / 26n })));
  await fx.mempool.addTransaction(parent);
  for (let i = 0; i < 24; i++) await fx.mempool.addTransaction(spendOne(outOf(parent, i), 1000n));
  assert.is(fx.mempool.get(parent.getId())!.descendantCount, 25);
  const err = await fx.mempool.addTransaction(spendOne(outOf(parent, 24), 1000n)).catch((e) => e);
  assert.is(err.reason, 'too-long-mempool-chain');
  assert.is(err.details, `too many descendants for tx ${parent.getId()} [limit: 25]`);
});

test('ancestor size limit (101 kvB) with a lowered limit', async () => {
  const small = new Mempool({ chain: fx.chain, params: regtest, ancestorSizeLimitKvB: 0.2 });
  const a = spendOne(take(), 1000n);
  await small.addTransaction(a);
  const b = spendOne(outOf(a), 1000n);
  await small.addTransaction(b);
  const err = await small.addTransaction(spendOne(outOf(b), 1000n)).catch((e) => e);
  assert.is(err.reason, 'too-long-mempool-chain');
  assert.is(err.details, 'exceeds ancestor size limit [limit: 200]');
});

test('eviction by descendant feerate, rolling minimum fee, mempool full', async () => {
  const txs = Array.from({ length: 6 }, (_, i) => spendOne(take(), BigInt(200 * (i + 1))));
  const probe = new Mempool({ chain: fx.chain, params: regtest });
  const one = await probe.addTransaction(txs[0]);
  // Room for about four entries.
  const pool = new Mempool({ chain: fx.chain, params: regtest, maxSize: one.usage * 4 + one.usage / 2 });
  const removed: [string, string][] = [];
  pool.on('removed', (e, reason) => removed.push([e.txid, reason]));
  for (const tx of txs.slice(0, 4)) await pool.addTransaction(tx);
  assert.is(pool.getMinFee(), 0n);
  await pool.addTransaction(txs[5]);
  assert.equal(removed, [[txs[0].getId(), 'sizelimit']]);
  // The rolling minimum is the evicted package's feerate plus the incremental relay fee.
  const evictedRate = (200n * 1000n) / BigInt(txs[0].virtualSize());
  assert.is(pool.getMinFee(), evictedRate + 1000n);
  assert.is(pool.info().mempoolMinFee, evictedRate + 1000n);
  // Below the rolling minimum: rejected before anything else is evicted.
  const cheap = spendOne(take(), 250n);
  const err = await pool.addTransaction(cheap).catch((e) => e);
  assert.is(err.reason, 'mempool min fee not met');
  // A CPFP child raises its parent's descendant score, so the lone cheapest goes instead.
  const parent = txs[1];
  const child = spendOne(outOf(parent), 5000n);
  await pool.addTransaction(child);
  assert.ok(pool.has(parent.getId()));
  assert.is(removed[1][0], txs[2].getId());
  assert.ok(pool.info().usage <= pool.maxSize);
});

test('entries older than -mempoolexpiry leave with their descendants (expiry)', async () => {
  const pool = new Mempool({ chain: fx.chain, params: regtest, expiryHours: 1 / 3600 });
  const removed: [string, string][] = [];
  pool.on('removed', (e, reason) => removed.push([e.txid, reason]));
  const a = spendOne(take(), 1000n);
  await pool.addTransaction(a);
  const child = spendOne(outOf(a), 1000n);
  await pool.addTransaction(child);
  // Expiry is checked when the pool is next limited, e.g. on the next acceptance.
  await new Promise((r) => setTimeout(r, 2100));
  const b = spendOne(take(), 1000n);
  await pool.addTransaction(b);
  assert.equal(removed.map(([id, r]) => [id, r]).sort(), [[a.getId(), 'expiry'], [child.getId(), 'expiry']].sort());
  assert.ok(pool.has(b.getId()));
});

test('mempool full: a transaction that would itself be evicted is rejected', async () => {
  const a = spendOne(take(), 3000n);
  const probe = new Mempool({ chain: fx.chain, params: regtest });
  const one = await probe.addTransaction(a);
  const pool = new Mempool({ chain: fx.chain, params: regtest, maxSize: one.usage + 10 });
  await pool.addTransaction(a);
  assert.is(await rejectReason(pool.addTransaction(spendOne(take(), 2900n))), 'mempool full');
  assert.ok(pool.has(a.getId()));
  assert.is(pool.size, 1);
});

test.run();
