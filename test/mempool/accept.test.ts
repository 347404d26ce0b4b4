// Mempool acceptance against a real Chain: every reject reason Core's PreChecks and
// script checks produce, in the order Core checks them, plus testAccept leaving the pool alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crypto as bcrypto } from 'bitcoinjs-lib';
import { Transaction } from '../../chain/block.js';
import { Mempool } from '../../mempool/mempool.js';
import { regtest } from '../../chain/params.js';
import { VerifyError } from '../../chain/errors.js';
import {
  type Fixture, type Outpoint, OP_TRUE, P2WSH_TRUE, fanOut, openFixture, outOf, rejectReason, spend, spendOne,
} from './util.js';

const P2SH = (redeem: Uint8Array) => Uint8Array.from([0xa9, 0x14, ...bcrypto.hash160(redeem), 0x87]);
const P2SH_FALSE = P2SH(Uint8Array.of(0x00));
const P2SH_TRUE = P2SH(OP_TRUE);
const BARE_TRUE = OP_TRUE;

let fx: Fixture;
let coins: Outpoint[] = [];
const special: Record<string, Outpoint> = {};

function take(): Outpoint {
  const c = coins.shift();
  if (!c) throw new Error('test ran out of coins');
  return c;
}

async function coinbaseOf(height: number): Promise<Outpoint> {
  const block = await fx.chain.getBlock(fx.chain.getEntryByHeight(height)!.hash);
  const cb = block!.transactions![0];
  return { txid: cb.getId(), vout: 0, value: cb.outs[0].value };
}

test.before(async () => {
  fx = await openFixture();
  await fx.mine(1, P2SH_FALSE);
  await fx.mine(1, P2SH_TRUE);
  await fx.mine(1, BARE_TRUE);
  await fx.mine(102);
  special.p2shFalse = await coinbaseOf(1);
  special.p2shTrue = await coinbaseOf(2);
  special.bare = await coinbaseOf(3);
  // Split one mature coinbase into 40 coins and confirm them.
  const fan = fanOut(await coinbaseOf(4), 40, 10_000n);
  await fx.mempool.addTransaction(fan);
  await fx.mine(1);
  coins = fan.outs.map((_, i) => outOf(fan, i));
});

test.after(async () => {
  await fx.close();
});

test('accepts a standard transaction and emits tx', async () => {
  const tx = spendOne(take(), 1000n);
  let seen: string | undefined;
  fx.mempool.once('tx', (e) => (seen = e.txid));
  const e = await fx.mempool.addTransaction(tx);
  assert.is(seen, tx.getId());
  assert.is(e.fee, 1000n);
  assert.is(e.vsize, tx.virtualSize());
  assert.is(e.ancestorCount, 1);
  assert.ok(fx.mempool.has(tx.getId()));
  assert.ok(fx.mempool.isSpent(tx.ins[0].hash ? Buffer.from(tx.ins[0].hash).reverse().toString('hex') : '', tx.ins[0].index) === tx.getId());
  const coin = fx.mempool.getCoin(tx.getId(), 0);
  assert.is(coin?.value, tx.outs[0].value);
});

test('txn-already-in-mempool and txn-same-nonwitness-data-in-mempool', async () => {
  const tx = spendOne(take(), 1000n);
  await fx.mempool.addTransaction(tx);
  assert.is(await rejectReason(fx.mempool.addTransaction(Transaction.fromHex(tx.toHex()))), 'txn-already-in-mempool');
  const malleated = Transaction.fromHex(tx.toHex());
  malleated.setWitness(0, [Uint8Array.of(1), OP_TRUE]);
  assert.is(await rejectReason(fx.mempool.addTransaction(malleated)), 'txn-same-nonwitness-data-in-mempool');
});

test('missing-inputs and txn-already-known', async () => {
  const ghost = { txid: 'ab'.repeat(32), vout: 0, value: 100_000n };
  assert.is(await rejectReason(fx.mempool.addTransaction(spendOne(ghost, 1000n))), 'missing-inputs');
  // A confirmed transaction: its input is spent, its outputs are in the UTXO set.
  const tx = spendOne(take(), 1000n);
  await fx.mempool.addTransaction(tx);
  await fx.mine(1);
  assert.not.ok(fx.mempool.has(tx.getId()));
  assert.is(await rejectReason(fx.mempool.addTransaction(tx)), 'txn-already-known');
});

test('min relay fee not met, with Core details', async () => {
  const tx = spendOne(take(), 50n);
  const err = await fx.mempool.addTransaction(tx).catch((e) => e);
  assert.is(err.reason, 'min relay fee not met');
  assert.is(err.details, `50 < ${tx.virtualSize()}`);
});

test('IsStandardTx reasons: version, scriptpubkey, dust, multi-op-return, tx-size-small', async () => {
  const c = take();
  assert.is(await rejectReason(fx.mempool.addTransaction(spendOne(c, 1000n, { version: 3 }))), 'version');
  assert.is(await rejectReason(fx.mempool.addTransaction(spend([c], [{ script: Uint8Array.of(0x51, 0x51), value: 10_000n }]))), 'scriptpubkey');
  assert.is(await rejectReason(fx.mempool.addTransaction(spend([c], [{ script: P2WSH_TRUE, value: 329n }]))), 'dust');
  // 330 sat is exactly the P2WSH dust threshold at 3000 sat/kvB: (43 + 67) * 3.
  assert.is(await rejectReason(fx.mempool.addTransaction(spend([c], [{ script: P2WSH_TRUE, value: 330n }]))), 'accepted');
  const c2 = take();
  const opret = Uint8Array.of(0x6a, 0x01, 0x01);
  assert.is(
    await rejectReason(fx.mempool.addTransaction(spend([c2], [{ script: opret, value: 0n }, { script: opret, value: 0n }, { script: P2WSH_TRUE, value: c2.value - 1000n }]))),
    'multi-op-return',
  );
  assert.is(await rejectReason(fx.mempool.addTransaction(spend([c2], [{ script: Uint8Array.of(0x6a), value: 0n }]))), 'tx-size-small');
});

test('coinbase and consensus reasons (bad-txns-in-belowout, bad-txns-vout-empty)', async () => {
  const block = await fx.chain.getBlock(fx.chain.tip.hash);
  assert.is(await rejectReason(fx.mempool.addTransaction(block!.transactions![0])), 'coinbase');
  const c = take();
  assert.is(await rejectReason(fx.mempool.addTransaction(spend([c], [{ script: P2WSH_TRUE, value: c.value + 1n }]))), 'bad-txns-in-belowout');
  coins.push(c);
  assert.is(await rejectReason(fx.mempool.addTransaction(spend([c], []))), 'bad-txns-vout-empty');
});

test('non-final and non-BIP68-final', async () => {
  const c = take();
  const locked = spendOne(c, 1000n, { locktime: fx.chain.height + 5, sequence: 0xfffffffe });
  assert.is(await rejectReason(fx.mempool.addTransaction(locked)), 'non-final');
  const parent = spendOne(c, 1000n);
  await fx.mempool.addTransaction(parent);
  await fx.mine(1);
  // Relative lock of 2 blocks on a coin confirmed in the tip: the next block is only 1 deep.
  const child = spendOne(outOf(parent), 1000n, { sequence: 2 });
  assert.is(await rejectReason(fx.mempool.addTransaction(child)), 'non-BIP68-final');
  const child1 = spendOne(outOf(parent), 1000n, { sequence: 1 });
  assert.is(await rejectReason(fx.mempool.addTransaction(child1)), 'accepted');
});

test('bad-txns-premature-spend-of-coinbase', async () => {
  const immature = await coinbaseOf(fx.chain.height);
  assert.is(await rejectReason(fx.mempool.addTransaction(spendOne(immature, 1000n))), 'bad-txns-premature-spend-of-coinbase');
});

test('bad-txns-nonstandard-inputs and bad-witness-nonstandard', async () => {
  const bare = spend([special.bare], [{ script: P2WSH_TRUE, value: special.bare.value - 1000n }], { witness: [] });
  assert.is(await rejectReason(fx.mempool.addTransaction(bare)), 'bad-txns-nonstandard-inputs');
  const big = spendOne(take(), 1000n, { witness: [new Uint8Array(81), OP_TRUE] });
  assert.is(await rejectReason(fx.mempool.addTransaction(big)), 'bad-witness-nonstandard');
});

test('script failures: mandatory vs non-mandatory', async () => {
  const falseSpend = spend([special.p2shFalse], [{ script: P2WSH_TRUE, value: special.p2shFalse.value - 1000n }], {
    scriptSig: Uint8Array.of(0x01, 0x00), witness: [],
  });
  const err = await fx.mempool.addTransaction(falseSpend).catch((e) => e);
  assert.is(err.reason, 'mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack element)');
  assert.is(err.score, 100);
  // A non-minimal push of the redeem script fails only the MINIMALDATA policy flag.
  const nonMinimal = spend([special.p2shTrue], [{ script: P2WSH_TRUE, value: special.p2shTrue.value - 1000n }], {
    scriptSig: Uint8Array.of(0x4c, 0x01, 0x51), witness: [],
  });
  const err2 = await fx.mempool.addTransaction(nonMinimal).catch((e) => e);
  assert.is(err2.reason, 'non-mandatory-script-verify-flag (Data push larger than necessary)');
  assert.is(err2.score, 0);
  assert.not.ok(fx.mempool.has(nonMinimal.getId()));
});

test('testAccept never changes the pool; packages see earlier members', async () => {
  const before = fx.mempool.size;
  const parent = spendOne(take(), 1000n);
  const child = spendOne(outOf(parent), 1000n);
  const res = await fx.mempool.testAccept([parent, child]);
  assert.equal(res.map((r) => r.allowed), [true, true]);
  assert.is(res[0].fee, 1000n);
  assert.is(res[0].vsize, parent.virtualSize());
  assert.is(fx.mempool.size, before);
  const [alone] = await fx.mempool.testAccept([child]);
  assert.is(alone.allowed, false);
  assert.is(alone.reason, 'missing-inputs');
  const bad = await fx.mempool.testAccept([spendOne(take(), 10n)]);
  assert.is(bad[0].reason, 'min relay fee not met');
  assert.is(fx.mempool.size, before);
});

test('package rules: malformed packages get package-error; a failing member leaves the rest unjudged', async () => {
  const parent = spendOne(take(), 1000n);
  const child = spendOne(outOf(parent), 1000n);
  const unsorted = await fx.mempool.testAccept([child, parent]);
  assert.equal(unsorted.map((r) => [r.packageError, r.allowed]), [['package-not-sorted', undefined], ['package-not-sorted', undefined]]);
  const c = take();
  const conflicting = await fx.mempool.testAccept([spendOne(c, 1000n), spendOne(c, 2000n)]);
  assert.is(conflicting[0].packageError, 'conflict-in-package');
  assert.is((await fx.mempool.testAccept([parent, parent]))[0].packageError, 'package-contains-duplicates');
  const cheapChild = spendOne(outOf(parent), 10n);
  const partial = await fx.mempool.testAccept([parent, cheapChild]);
  assert.is(partial[0].allowed, undefined);
  assert.is(partial[1].allowed, false);
  assert.is(partial[1].reason, 'min relay fee not met');
  coins.push(c);
});

test('extension rules run after Core\'s checks and report their own reason', async () => {
  const marker = Uint8Array.of(0x6a, 0x02, 0x41, 0x49); // OP_RETURN "AI"
  const seen: number[] = [];
  const pool = new Mempool({
    chain: fx.chain, params: regtest,
    extensions: [{
      name: 'test',
      checkTransaction(tx, ctx) {
        seen.push(ctx.nextHeight);
        if (tx.outs.some((o) => Buffer.compare(o.script, marker) === 0)) throw new VerifyError('tx', 'bad-aitx-test', 10);
      },
    }],
  });
  const c = take();
  const tagged = spend([c], [{ script: marker, value: 0n }, { script: P2WSH_TRUE, value: c.value - 1000n }]);
  const err = await pool.addTransaction(tagged).catch((e) => e);
  assert.is(err.reason, 'bad-aitx-test');
  assert.is(pool.size, 0);
  // A transaction Core's rules already reject never reaches the extension.
  await pool.addTransaction(spendOne(c, 10n)).catch(() => undefined);
  assert.equal(seen, [fx.chain.height + 1]);
  assert.is(await rejectReason(pool.addTransaction(spendOne(c, 1000n))), 'accepted');
});

test('a conflicting, non-signalling tx is txn-mempool-conflict without full RBF', async () => {
  const strict = new Mempool({ chain: fx.chain, params: regtest, fullRbf: false });
  const c = take();
  await strict.addTransaction(spendOne(c, 1000n, { sequence: 0xffffffff }));
  assert.is(await rejectReason(strict.addTransaction(spendOne(c, 5000n))), 'txn-mempool-conflict');
  const c2 = take();
  await strict.addTransaction(spendOne(c2, 1000n, { sequence: 0xfffffffd }));
  assert.is(await rejectReason(strict.addTransaction(spendOne(c2, 5000n))), 'accepted');
});

test.run();
