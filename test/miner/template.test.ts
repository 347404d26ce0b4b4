// Block templates: ancestor-feerate package selection (CPFP), weight and sigop limits,
// coinbase value/BIP34/witness commitment, grinding, and continuous mining.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBlockTemplate, selectPackages, DEFAULT_BLOCK_MAX_WEIGHT } from '../../miner/template.js';
import { grind } from '../../miner/grind.js';
import { generateBlocks } from '../../miner/generate.js';
import { CpuMiner } from '../../miner/cpuminer.js';
import { getBlockSubsidy } from '../../chain/tx-checks.js';
import { bip34HeightScript, getWitnessCommitmentIndex } from '../../chain/coinbase.js';
import { regtest } from '../../chain/params.js';
import { Mempool } from '../../mempool/mempool.js';
import { type Fixture, type Outpoint, openFundedFixture, P2WSH_TRUE, fanOut, openFixture, outOf, spend, spendOne } from '../mempool/util.js';

let fx: Fixture;
let take: () => Outpoint;

test.before(async () => {
  ({ fx, take } = await openFundedFixture(40));
});

test.after(async () => {
  await fx.close();
});

test('empty template: coinbase pays the subsidy, BIP34 height, witness commitment, valid when ground', async () => {
  const t = await createBlockTemplate({ chain: fx.chain, mempool: fx.mempool, outputScript: P2WSH_TRUE });
  assert.is(t.height, fx.chain.height + 1);
  assert.is(t.coinbaseValue, getBlockSubsidy(t.height, regtest));
  const cb = t.block.transactions![0];
  assert.equal(Buffer.from(cb.ins[0].script.subarray(0, bip34HeightScript(t.height).length)), Buffer.from(bip34HeightScript(t.height)));
  assert.ok(getWitnessCommitmentIndex(cb) >= 0);
  assert.is(t.block.timestamp >= t.minTime, true);
  const block = grind(t.block, 1_000_000)!;
  const entry = await fx.chain.processBlock(block);
  assert.is(fx.chain.tip.hash, entry.hash);
});

test('CPFP: a low-fee parent is mined ahead of better single txs because of its child', async () => {
  const parent = spendOne(take(), 100n); // ~1 sat/vB
  await fx.mempool.addTransaction(parent);
  const child = spendOne(outOf(parent), 5000n); // ~52 sat/vB
  await fx.mempool.addTransaction(child);
  const singles = [];
  for (let i = 0; i < 5; i++) {
    const tx = spendOne(take(), 1500n); // ~15.6 sat/vB: below the package's ~27 sat/vB
    await fx.mempool.addTransaction(tx);
    singles.push(tx.getId());
  }
  // Room for the coinbase reservation plus exactly two ~384-weight transactions.
  const sel = selectPackages(fx.mempool, {
    height: fx.chain.height + 1, lockTimeCutoff: fx.chain.medianTimePast(fx.chain.tip), maxWeight: 4000 + 2 * 384 + 10,
    maxSigOps: regtest.maxBlockSigOpsCost, minFeeRate: 1000n,
  });
  assert.equal(sel.selected.map((e) => e.txid), [parent.getId(), child.getId()]);
  assert.is(sel.fees, 5100n);
  // With the default limits everything fits, parents before children, and fees go to the coinbase.
  const t = await createBlockTemplate({ chain: fx.chain, mempool: fx.mempool, outputScript: P2WSH_TRUE });
  const ids = t.txs.map((x) => x.txid);
  assert.is(ids.length, 7);
  assert.ok(ids.indexOf(parent.getId()) < ids.indexOf(child.getId()));
  assert.equal(ids.slice(0, 2), [parent.getId(), child.getId()]);
  assert.is(t.fees, 5100n + 5n * 1500n);
  assert.is(t.coinbaseValue, getBlockSubsidy(t.height, regtest) + t.fees);
  assert.ok(t.weight <= DEFAULT_BLOCK_MAX_WEIGHT);
  await fx.chain.processBlock(grind(t.block, 1_000_000)!);
  await fx.mempool.flush();
  assert.is(fx.mempool.size, 0);
});

test('below the block minimum feerate nothing is selected; prioritisetransaction changes that', async () => {
  const tx = spendOne(take(), 200n); // ~2 sat/vB
  await fx.mempool.addTransaction(tx);
  const opts = { height: fx.chain.height + 1, lockTimeCutoff: 0, maxWeight: DEFAULT_BLOCK_MAX_WEIGHT, maxSigOps: 80_000 };
  assert.is(selectPackages(fx.mempool, { ...opts, minFeeRate: 5000n }).selected.length, 0);
  fx.mempool.prioritiseTransaction(tx.getId(), 1000n);
  assert.is(selectPackages(fx.mempool, { ...opts, minFeeRate: 5000n }).selected.length, 1);
  fx.mempool.prioritiseTransaction(tx.getId(), -1000n);
  await fx.mine(1);
});

test('sigop limit: packages that would exceed it are skipped', async () => {
  // Bare 1-of-1 multisig outputs count 20 legacy sigops each (cost 80).
  const key = Buffer.concat([Buffer.from([0x02]), Buffer.alloc(32, 7)]);
  const multisig = Uint8Array.from([0x51, 0x21, ...key, 0x51, 0xae]);
  const heavy = [];
  for (let i = 0; i < 3; i++) {
    const c = take();
    const tx = spend([c], [{ script: multisig, value: 1000n }, { script: multisig, value: 1000n }, { script: P2WSH_TRUE, value: c.value - 2000n - 3000n }]);
    const e = await fx.mempool.addTransaction(tx);
    assert.is(e.sigOpCost, 160);
    heavy.push(e);
  }
  const sel = selectPackages(fx.mempool, {
    height: fx.chain.height + 1, lockTimeCutoff: 0, maxWeight: DEFAULT_BLOCK_MAX_WEIGHT, maxSigOps: 400 + 2 * 160 + 1, minFeeRate: 1000n,
  });
  assert.is(sel.selected.length, 2);
  assert.is(sel.sigOpCost, 400 + 320);
  await fx.mine(1);
  assert.is(fx.mempool.size, 0);
});

test('extension budgets (BlockResource) bound the packages selected', async () => {
  for (let i = 0; i < 4; i++) await fx.mempool.addTransaction(spendOne(take(), 1000n + BigInt(i)));
  const unit = { name: 'units', limit: 2, cost: () => 1 };
  const opts = { height: fx.chain.height + 1, lockTimeCutoff: 0, maxWeight: DEFAULT_BLOCK_MAX_WEIGHT, maxSigOps: 80_000, minFeeRate: 1000n };
  assert.is(selectPackages(fx.mempool, { ...opts, resources: [unit] }).selected.length, 2);
  assert.is(selectPackages(fx.mempool, opts).selected.length, 4);
  const t = await createBlockTemplate({ chain: fx.chain, mempool: fx.mempool, outputScript: P2WSH_TRUE, resources: [unit] });
  assert.is(t.txs.length, 2);
  // The two best-paying go first.
  assert.equal(t.txs.map((x) => x.fee), [1003n, 1002n]);
  // A pool whose extension declares a budget applies it to every template built from it.
  const pool = new Mempool({
    chain: fx.chain, params: regtest,
    extensions: [{ name: 'budget', checkTransaction() {}, blockResource: { name: 'units', limit: 1, cost: () => 1 } }],
  });
  for (const e of fx.mempool.entries()) await pool.addTransaction(e.tx);
  assert.is((await createBlockTemplate({ chain: fx.chain, mempool: pool, outputScript: P2WSH_TRUE })).txs.length, 1);
  await fx.mine(1);
});

test('grind respects maxTries; generateBlocks returns what it found', async () => {
  const t = await createBlockTemplate({ chain: fx.chain, outputScript: P2WSH_TRUE });
  assert.is(grind(t.block, 0), undefined);
  const hashes = await generateBlocks({ chain: fx.chain, outputScript: P2WSH_TRUE, nblocks: 3, maxTries: 0 });
  assert.equal(hashes, []);
  const before = fx.chain.height;
  const more = await generateBlocks({ chain: fx.chain, mempool: fx.mempool, outputScript: P2WSH_TRUE, nblocks: 3 });
  assert.is(more.length, 3);
  assert.is(fx.chain.height, before + 3);
  assert.is(fx.chain.tip.hash, more[2]);
});

test('CpuMiner mines continuously at an interval and stops cleanly', async () => {
  const start = fx.chain.height;
  const miner = new CpuMiner({ chain: fx.chain, mempool: fx.mempool, outputScript: P2WSH_TRUE, interval: 0.02 });
  const tx = spendOne(take(), 1000n);
  await fx.mempool.addTransaction(tx);
  miner.start();
  await new Promise<void>((resolve) => {
    const check = () => (fx.chain.height >= start + 3 ? resolve() : setTimeout(check, 10));
    check();
  });
  await miner.stop();
  const stoppedAt = fx.chain.height;
  assert.ok(miner.blocksMined >= 3);
  assert.not.ok(miner.isRunning);
  await fx.mempool.flush();
  assert.not.ok(fx.mempool.has(tx.getId()));
  await new Promise((r) => setTimeout(r, 60));
  assert.is(fx.chain.height, stoppedAt);
});

test.run();
