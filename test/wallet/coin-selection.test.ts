// Fee math and largest-first coin selection: fee rate met exactly, dust change to fee,
// subtract-fee-from-outputs, insufficient funds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction } from '../../chain/block.js';
import { feeFor, selectCoins, signedVsize, SelectionError, type Candidate } from '../../wallet/coin-selection.js';

const p2wpkh = (n: number) => Uint8Array.from([0, 20, ...new Uint8Array(20).fill(n)]);
const COIN = 100_000_000n;

function recipientTx(...values: bigint[]): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  values.forEach((v, i) => tx.addOutput(p2wpkh(i + 1), v));
  return tx;
}

const cands = (...values: bigint[]): Candidate[] => values.map((value, i) => ({ id: `c${i}`, value, type: 'bech32' }));

test('feeFor rounds up as CFeeRate::GetFee', () => {
  assert.is(feeFor(1000n, 141), 141n);
  assert.is(feeFor(20000n, 141), 2820n);
  assert.is(feeFor(1500n, 3), 5n); // 4.5 → 5
  assert.is(feeFor(0n, 100), 0n);
});

test('signedVsize: 1-in 2-out P2WPKH is 141 vbytes with 72-byte signatures', () => {
  const tx = recipientTx(1n, 2n);
  tx.addInput(new Uint8Array(32), 0, 0xfffffffd);
  assert.is(signedVsize(tx, ['bech32']), 141);
  const legacy = recipientTx(1n);
  legacy.addInput(new Uint8Array(32), 0);
  assert.is(signedVsize(legacy, ['legacy']), 10 + 148 + 31 + 2 - 2); // 189 bytes, no witness
});

test('largest first, change output, exact fee rate', () => {
  const tx = recipientTx(COIN);
  const r = selectCoins({ tx, presetTypes: [], presetValue: 0n, candidates: cands(50n * COIN, 2n * COIN).sort((a, b) => Number(b.value - a.value)), feeRate: 20000n, changeScript: p2wpkh(9), changeDust: 294n, subtractFeeFrom: [] });
  assert.is(r.selected.length, 1);
  assert.is(r.selected[0].value, 50n * COIN);
  assert.is(r.fee, feeFor(20000n, 141));
  assert.is(r.change, 49n * COIN - r.fee);
});

test('change below dust goes to the fee', () => {
  const tx = recipientTx(100_000n);
  const feeNoChange = feeFor(1000n, 110); // 1-in 1-out P2WPKH = 110 vB
  const r = selectCoins({ tx, presetTypes: [], presetValue: 0n, candidates: cands(100_000n + feeNoChange + 200n), feeRate: 1000n, changeScript: p2wpkh(9), changeDust: 294n, subtractFeeFrom: [] });
  assert.is(r.change, 0n);
  assert.is(r.fee, feeNoChange + 200n);
});

test('several coins when one is not enough', () => {
  const tx = recipientTx(3n * COIN);
  const r = selectCoins({ tx, presetTypes: [], presetValue: 0n, candidates: cands(2n * COIN, 2n * COIN, COIN), feeRate: 20000n, changeScript: p2wpkh(9), changeDust: 294n, subtractFeeFrom: [] });
  assert.is(r.selected.length, 2);
  assert.is(r.change + r.fee, COIN);
});

test('subtract fee from outputs: recipients pay, split evenly, first pays remainder', () => {
  const tx = recipientTx(COIN, COIN);
  const r = selectCoins({ tx, presetTypes: [], presetValue: 0n, candidates: cands(2n * COIN), feeRate: 1000n, changeScript: p2wpkh(9), changeDust: 294n, subtractFeeFrom: [0, 1] });
  assert.is(r.change, 0n);
  assert.is(r.subtracted[0] + r.subtracted[1], r.fee);
  assert.ok(r.subtracted[0] - r.subtracted[1] <= 1n && r.subtracted[0] >= r.subtracted[1]);
  assert.is(r.fee, feeFor(1000n, signedVsize((() => { const t = recipientTx(1n, 1n); t.addInput(new Uint8Array(32), 0); return t; })(), ['bech32'])));
});

test('insufficient funds and too-small amounts', () => {
  const tx = recipientTx(COIN);
  assert.throws(() => selectCoins({ tx, presetTypes: [], presetValue: 0n, candidates: cands(COIN), feeRate: 1000n, changeScript: p2wpkh(9), changeDust: 294n, subtractFeeFrom: [] }), (e: unknown) => e instanceof SelectionError && e.message === 'Insufficient funds');
  assert.throws(() => selectCoins({ tx: recipientTx(300n), presetTypes: [], presetValue: 0n, candidates: cands(300n), feeRate: 20000n, changeScript: p2wpkh(9), changeDust: 294n, subtractFeeFrom: [0] }), /too small to pay the fee/);
  assert.throws(() => selectCoins({ tx: recipientTx(2400n), presetTypes: [], presetValue: 0n, candidates: cands(2400n), feeRate: 20000n, changeScript: p2wpkh(9), changeDust: 294n, subtractFeeFrom: [0] }), /too small to send after the fee/);
});

test.run();
