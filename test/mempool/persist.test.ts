// mempool.dat: survives a restart (transactions re-validated, times and fee deltas kept);
// truncated or corrupted files are reported and ignored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import { decodeMempool, encodeMempool, MempoolFileError } from '../../mempool/persist.js';
import { type Fixture, fanOut, openFixture, outOf, spendOne } from './util.js';

let fx: Fixture;

test('encode/decode round trip and strict decoding', async () => {
  fx = await openFixture();
  await fx.mine(101);
  const [cb] = await fx.matureCoinbases();
  const tx = spendOne(cb, 1000n);
  const data = encodeMempool({ txs: [{ tx, time: 1_700_000_000, feeDelta: -5n }], deltas: new Map([['aa'.repeat(32), 7n]]) });
  const snap = decodeMempool(data);
  assert.is(snap.txs[0].tx.toHex(), tx.toHex());
  assert.is(snap.txs[0].time, 1_700_000_000);
  assert.is(snap.txs[0].feeDelta, -5n);
  assert.equal([...snap.deltas], [['aa'.repeat(32), 7n]]);
  assert.throws(() => decodeMempool(data.subarray(0, data.length - 1)), (e: unknown) => e instanceof MempoolFileError);
  const flipped = Uint8Array.from(data);
  flipped[20] ^= 1;
  assert.throws(() => decodeMempool(flipped), /checksum mismatch/);
  assert.throws(() => decodeMempool(new Uint8Array(3)), /too short/);
});

test('the pool survives a restart, re-validated, with fee deltas', async () => {
  const [cb] = await fx.matureCoinbases();
  const fan = fanOut(cb, 5, 10_000n);
  await fx.mempool.addTransaction(fan);
  const child = spendOne(outOf(fan, 0), 1000n);
  await fx.mempool.addTransaction(child);
  fx.mempool.prioritiseTransaction(child.getId(), 500n);
  const times = new Map([[fan.getId(), fx.mempool.get(fan.getId())!.time]]);
  await fx.mempool.save();
  const dir = fx.dir;
  await fx.close({ keep: true });

  fx = await openFixture({}, dir);
  assert.is(fx.mempool.size, 0);
  const counts = await fx.mempool.load();
  assert.equal(counts, { accepted: 2, failed: 0, expired: 0 });
  assert.ok(fx.mempool.info().loaded);
  assert.ok(fx.mempool.has(fan.getId()) && fx.mempool.has(child.getId()));
  assert.is(fx.mempool.get(fan.getId())!.time, times.get(fan.getId()));
  assert.is(fx.mempool.get(child.getId())!.modifiedFee, 1500n);
  assert.equal(fx.mempool.get(child.getId())!.depends, [fan.getId()]);
});

test('a truncated mempool.dat is reported and ignored', async () => {
  await fx.mempool.save();
  const file = `${fx.dir}/mempool.dat`;
  const data = await readFile(file);
  await writeFile(file, data.subarray(0, Math.floor(data.length / 2)));
  const dir = fx.dir;
  await fx.close({ keep: true });
  const logs: string[] = [];
  fx = await openFixture({ log: (m) => logs.push(m) }, dir);
  const counts = await fx.mempool.load();
  assert.equal(counts, { accepted: 0, failed: 0, expired: 0 });
  assert.match(fx.mempool.loadError ?? '', /ignored: checksum mismatch/);
  assert.ok(logs.some((l) => l.includes('ignored')));
  assert.ok(fx.mempool.info().loaded);
  assert.is(fx.mempool.size, 0);
});

test('transactions confirmed while the node was down fail re-validation quietly', async () => {
  const [cb] = await fx.matureCoinbases();
  const tx = spendOne(cb, 1000n);
  await fx.mempool.addTransaction(tx);
  await fx.mempool.save();
  await fx.mine(1);
  const dir = fx.dir;
  await fx.close({ keep: true });
  fx = await openFixture({}, dir);
  const counts = await fx.mempool.load();
  assert.equal(counts, { accepted: 0, failed: 1, expired: 0 });
  await fx.close();
});

test.run();
