import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction } from '../../chain/block.js';
import {
  checkTransaction, checkTxInputs, isFinalTx, calculateSequenceLocks, evaluateSequenceLocks,
  getBlockSubsidy, getVirtualSize, isCoinbaseTx,
} from '../../chain/tx-checks.js';
import { regtest, main, COIN } from '../../chain/params.js';
import { LOCKTIME_VERIFY_SEQUENCE, MAX_MONEY } from '../../chain/consensus.js';
import { VerifyError } from '../../chain/errors.js';
import type { Coin } from '../../chain/coin.js';

const h = (b: number) => new Uint8Array(32).fill(b);
function tx(ins: Array<[number, number, number?]>, outs: bigint[], version = 2, locktime = 0): Transaction {
  const t = new Transaction();
  t.version = version;
  t.locktime = locktime;
  for (const [b, i, seq] of ins) t.addInput(h(b), i, seq ?? 0xffffffff, new Uint8Array(0));
  for (const v of outs) t.addOutput(Uint8Array.of(0x51), 0n);
  outs.forEach((v, i) => (t.outs[i].value = v)); // bitcoinjs refuses negative values; decoded txs can carry them
  return t;
}
function reason(fn: () => unknown): string {
  try { fn(); } catch (e) { assert.ok(e instanceof VerifyError, String(e)); return (e as VerifyError).reason; }
  return 'ok';
}
const coin = (value: bigint, height = 1, coinbase = false): Coin => ({ value, script: Uint8Array.of(0x51), height, coinbase });

test('checkTransaction: Core reject reasons', () => {
  assert.is(reason(() => checkTransaction(tx([[1, 0]], [1n]))), 'ok');
  assert.is(reason(() => checkTransaction(tx([], [1n]))), 'bad-txns-vin-empty');
  assert.is(reason(() => checkTransaction(tx([[1, 0]], []))), 'bad-txns-vout-empty');
  assert.is(reason(() => checkTransaction(tx([[1, 0]], [-1n]))), 'bad-txns-vout-negative');
  assert.is(reason(() => checkTransaction(tx([[1, 0]], [MAX_MONEY + 1n]))), 'bad-txns-vout-toolarge');
  assert.is(reason(() => checkTransaction(tx([[1, 0]], [MAX_MONEY]))), 'ok');
  assert.is(reason(() => checkTransaction(tx([[1, 0]], [MAX_MONEY, 1n]))), 'bad-txns-txouttotal-toolarge');
  assert.is(reason(() => checkTransaction(tx([[1, 0], [1, 0]], [1n]))), 'bad-txns-inputs-duplicate');
  assert.is(reason(() => checkTransaction(tx([[1, 0], [1, 1]], [1n]))), 'ok');
  assert.is(reason(() => checkTransaction(tx([[1, 0], [0, 0xffffffff]], [1n]))), 'bad-txns-prevout-null');
  const big = tx([[1, 0]], [1n]);
  big.outs[0].script = new Uint8Array(1_000_001);
  assert.is(reason(() => checkTransaction(big)), 'bad-txns-oversize');
});

test('checkTransaction: coinbase scriptSig length 2..100', () => {
  const cb = tx([[0, 0xffffffff]], [1n]);
  assert.ok(isCoinbaseTx(cb));
  cb.ins[0].script = new Uint8Array(1);
  assert.is(reason(() => checkTransaction(cb)), 'bad-cb-length');
  cb.ins[0].script = new Uint8Array(2);
  assert.is(reason(() => checkTransaction(cb)), 'ok');
  cb.ins[0].script = new Uint8Array(100);
  assert.is(reason(() => checkTransaction(cb)), 'ok');
  cb.ins[0].script = new Uint8Array(101);
  assert.is(reason(() => checkTransaction(cb)), 'bad-cb-length');
});

test('checkTxInputs: fee, maturity, ranges', () => {
  const t = tx([[1, 0], [2, 0]], [3n * COIN]);
  assert.is(checkTxInputs(t, [coin(2n * COIN), coin(2n * COIN)], 10, regtest), COIN);
  assert.is(reason(() => checkTxInputs(t, [coin(2n * COIN), undefined], 10, regtest)), 'bad-txns-inputs-missingorspent');
  assert.is(reason(() => checkTxInputs(t, [coin(COIN), coin(COIN)], 10, regtest)), 'bad-txns-in-belowout');
  assert.is(reason(() => checkTxInputs(t, [coin(MAX_MONEY + 1n), coin(COIN)], 10, regtest)), 'bad-txns-inputvalues-outofrange');
  assert.is(reason(() => checkTxInputs(t, [coin(MAX_MONEY), coin(MAX_MONEY)], 10, regtest)), 'bad-txns-inputvalues-outofrange');
  // Coinbase created at height 5 is spendable in a block at 105 (depth 100), not at 104.
  assert.is(reason(() => checkTxInputs(t, [coin(2n * COIN, 5, true), coin(2n * COIN)], 104, regtest)), 'bad-txns-premature-spend-of-coinbase');
  assert.is(checkTxInputs(t, [coin(2n * COIN, 5, true), coin(2n * COIN)], 105, regtest), COIN);
  try { checkTxInputs(t, [coin(2n * COIN), undefined], 10, regtest, 'block'); } catch (e) { assert.is((e as VerifyError).score, 100); }
});

test('isFinalTx: height and time locks, final sequences', () => {
  assert.ok(isFinalTx(tx([[1, 0, 0]], [1n], 2, 0), 1, 0));
  assert.ok(isFinalTx(tx([[1, 0, 0]], [1n], 2, 99), 100, 0));
  assert.not.ok(isFinalTx(tx([[1, 0, 0]], [1n], 2, 100), 100, 0));
  assert.ok(isFinalTx(tx([[1, 0]], [1n], 2, 100), 100, 0)); // all inputs SEQUENCE_FINAL
  assert.ok(isFinalTx(tx([[1, 0, 0]], [1n], 2, 500_000_000), 1, 500_000_001));
  assert.not.ok(isFinalTx(tx([[1, 0, 0]], [1n], 2, 500_000_000), 1_000_000_000, 500_000_000));
});

test('BIP68 sequence locks', () => {
  const mtp = (hh: number) => 1_000_000 + hh * 600;
  // Height lock of 10 on a coin at height 50: locked up to 59, spendable in block 60.
  const t = tx([[1, 0, 10]], [1n]);
  const l = calculateSequenceLocks(t, LOCKTIME_VERIFY_SEQUENCE, [50], mtp);
  assert.equal(l, { minHeight: 59, minTime: -1 });
  assert.not.ok(evaluateSequenceLocks(59, 0x7fffffff, l));
  assert.ok(evaluateSequenceLocks(60, 0x7fffffff, l));
  // Version 1 and disabled flag: no locks.
  assert.equal(calculateSequenceLocks(tx([[1, 0, 10]], [1n], 1), LOCKTIME_VERIFY_SEQUENCE, [50], mtp), { minHeight: -1, minTime: -1 });
  assert.equal(calculateSequenceLocks(tx([[1, 0, (0x80000000 | 10) >>> 0]], [1n]), LOCKTIME_VERIFY_SEQUENCE, [50], mtp), { minHeight: -1, minTime: -1 });
  assert.equal(calculateSequenceLocks(t, 0, [50], mtp), { minHeight: -1, minTime: -1 });
  // Time lock of 2 units (1024 s) on a coin mined at height 50: from MTP of block 49.
  const tt = tx([[1, 0, 0x00400000 | 2]], [1n]);
  const lt = calculateSequenceLocks(tt, LOCKTIME_VERIFY_SEQUENCE, [50], mtp);
  assert.equal(lt, { minHeight: -1, minTime: mtp(49) + 1024 - 1 });
  assert.not.ok(evaluateSequenceLocks(100, mtp(49) + 1023, lt));
  assert.ok(evaluateSequenceLocks(100, mtp(49) + 1024, lt));
});

test('getBlockSubsidy: halving every 150 blocks on regtest', () => {
  assert.is(getBlockSubsidy(0, regtest), 50n * COIN);
  assert.is(getBlockSubsidy(149, regtest), 50n * COIN);
  assert.is(getBlockSubsidy(150, regtest), 25n * COIN);
  assert.is(getBlockSubsidy(300, regtest), 1_250_000_000n);
  assert.is(getBlockSubsidy(150 * 33, regtest), 0n); // 50 BTC >> 33 = 0 sat
  assert.is(getBlockSubsidy(150 * 32, regtest), 1n);
  assert.is(getBlockSubsidy(150 * 64, regtest), 0n);
  assert.is(getBlockSubsidy(210_000, main), 25n * COIN);
});

test('virtual size with sigop cost', () => {
  const t = tx([[1, 0]], [1n]);
  assert.is(getVirtualSize(t), t.virtualSize());
  assert.is(getVirtualSize(t, 80), Math.ceil(Math.max(t.weight(), 1600) / 4));
});

test.run();
