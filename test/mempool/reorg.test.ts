// Block connect removes confirmed and conflicting transactions; disconnect re-adds the
// block's transactions and re-checks the pool (coinbase maturity, BIP68) against the new tip.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fixture, type Outpoint, fanOut, openFixture, outOf, spendOne } from './util.js';
import { createBlockTemplate } from '../../miner/template.js';
import { grind } from '../../miner/grind.js';
import { P2WSH_TRUE } from './util.js';
import type { Transaction } from '../../chain/block.js';

let fx: Fixture;
let coins: Outpoint[] = [];
const take = () => coins.shift()!;

/** Mines a block on the tip with exactly these transactions (not from the pool). */
async function mineWith(txs: Transaction[]): Promise<string> {
  const t = await createBlockTemplate({
    chain: fx.chain, outputScript: P2WSH_TRUE,
    txs: txs.map((tx) => ({ tx, txid: tx.getId(), wtxid: '', fee: 0n, sigOpCost: 0, weight: tx.weight() })),
  });
  const block = grind(t.block, 1_000_000)!;
  const entry = await fx.chain.processBlock(block);
  await fx.mempool.flush();
  return entry.hash;
}

test.before(async () => {
  fx = await openFixture();
  await fx.mine(101);
  const [cb] = await fx.matureCoinbases();
  const fan = fanOut(cb, 20, 20_000n);
  await fx.mempool.addTransaction(fan);
  await fx.mine(1);
  coins = fan.outs.map((_, i) => outOf(fan, i));
});

test.after(async () => {
  await fx.close();
});

test('connect removes confirmed txs (block) and double spends (conflict); descendants stay', async () => {
  const c = take();
  const parent = spendOne(c, 1000n);
  await fx.mempool.addTransaction(parent);
  const child = spendOne(outOf(parent), 1000n);
  await fx.mempool.addTransaction(child);
  const c2 = take();
  const loser = spendOne(c2, 1000n);
  await fx.mempool.addTransaction(loser);
  const removed: [string, string][] = [];
  const on = (e: { txid: string }, r: string) => removed.push([e.txid, r]);
  fx.mempool.on('removed', on);
  const winner = spendOne(c2, 2000n, { sequence: 0xfffffffc });
  await mineWith([parent, winner]);
  fx.mempool.off('removed', on);
  assert.equal(removed, [[parent.getId(), 'block'], [loser.getId(), 'conflict']]);
  const e = fx.mempool.get(child.getId())!;
  assert.is(e.ancestorCount, 1);
  assert.equal(e.depends, []);
  assert.is(e.ancestorSize, e.vsize);
});

test('disconnect re-adds the block transactions and relinks children', async () => {
  const parent = spendOne(take(), 1000n);
  await fx.mempool.addTransaction(parent);
  const hash = (await fx.mine(1))[0];
  assert.not.ok(fx.mempool.has(parent.getId()));
  const child = spendOne(outOf(parent), 1000n);
  await fx.mempool.addTransaction(child);
  await fx.chain.invalidateBlock(hash);
  await fx.mempool.flush();
  assert.ok(fx.mempool.has(parent.getId()));
  const ce = fx.mempool.get(child.getId())!;
  assert.equal(ce.depends, [parent.getId()]);
  assert.is(ce.ancestorCount, 2);
  assert.is(fx.mempool.get(parent.getId())!.descendantCount, 2);
  await fx.chain.reconsiderBlock(hash);
  await fx.mempool.flush();
  assert.not.ok(fx.mempool.has(parent.getId()));
  assert.ok(fx.mempool.has(child.getId()));
  await fx.mine(1);
});

test('a two-block disconnect brings back a parent and the child confirmed a block later', async () => {
  const parent = spendOne(take(), 1000n);
  await fx.mempool.addTransaction(parent);
  const lower = (await fx.mine(1))[0];
  const child = spendOne(outOf(parent), 1000n);
  await fx.mempool.addTransaction(child);
  await fx.mine(1);
  assert.is(fx.mempool.size, 0);
  await fx.chain.invalidateBlock(lower);
  await fx.mempool.flush();
  assert.ok(fx.mempool.has(parent.getId()));
  assert.ok(fx.mempool.has(child.getId()));
  assert.equal(fx.mempool.get(child.getId())!.depends, [parent.getId()]);
  assert.is(fx.mempool.get(parent.getId())!.descendantCount, 2);
  await fx.chain.reconsiderBlock(lower);
  await fx.mempool.flush();
  assert.is(fx.mempool.size, 0);
});

test('reorg drops a spend of a coinbase that becomes immature', async () => {
  // The coinbase at height tip+1-100 is exactly mature for the next block.
  const h = fx.chain.height + 1 - 100;
  const block = await fx.chain.getBlock(fx.chain.getEntryByHeight(h)!.hash);
  const cb = block!.transactions![0];
  const tx = spendOne({ txid: cb.getId(), vout: 0, value: cb.outs[0].value }, 1000n);
  await fx.mempool.addTransaction(tx);
  const removed: [string, string][] = [];
  const on = (e: { txid: string }, r: string) => removed.push([e.txid, r]);
  fx.mempool.on('removed', on);
  await fx.chain.invalidateBlock(fx.chain.tip.hash);
  await fx.mempool.flush();
  fx.mempool.off('removed', on);
  assert.equal(removed, [[tx.getId(), 'reorg']]);
});

test('reorg drops a child whose BIP68 relative lock no longer holds', async () => {
  const parent = spendOne(take(), 1000n);
  await fx.mempool.addTransaction(parent);
  await fx.mine(1);
  const child = spendOne(outOf(parent), 1000n, { sequence: 1 });
  await fx.mempool.addTransaction(child);
  await fx.chain.invalidateBlock(fx.chain.tip.hash);
  await fx.mempool.flush();
  assert.ok(fx.mempool.has(parent.getId()));
  assert.not.ok(fx.mempool.has(child.getId()));
});

test('a competing longer branch: txs of the old branch come back unless the new one has them', async () => {
  const a = spendOne(take(), 1000n);
  const b = spendOne(take(), 1000n);
  await fx.mempool.addTransaction(a);
  await fx.mempool.addTransaction(b);
  const forkPoint = fx.chain.tip.hash;
  const oldTip = await mineWith([a, b]);
  // Build a two-block branch from the fork point that confirms only b.
  await fx.chain.invalidateBlock(oldTip);
  await fx.mempool.flush();
  assert.ok(fx.mempool.has(a.getId()) && fx.mempool.has(b.getId()));
  await mineWith([b]);
  await mineWith([]);
  await fx.chain.reconsiderBlock(oldTip);
  await fx.mempool.flush();
  assert.is(fx.chain.getEntry(oldTip)!.prevHash, forkPoint);
  assert.not.ok(fx.chain.isMainChain(fx.chain.getEntry(oldTip)!));
  assert.ok(fx.mempool.has(a.getId()));
  assert.not.ok(fx.mempool.has(b.getId()));
});

test.run();
