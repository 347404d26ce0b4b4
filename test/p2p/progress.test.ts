// verificationprogress (Core's GuessVerificationProgress: tx counts extrapolated per block over
// the headers ahead, blocks when counts are unknown) and the IBD progress line's rate and ETA.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { guessVerificationProgress, progressLine, recentTxPerBlock, syncRate } from '../../p2p/progress.js';

test('guessVerificationProgress: tip over best header, extrapolated by the block rate', () => {
  // regtest (rate 0): a long-idle chain at its best header is complete.
  assert.is(guessVerificationProgress(100, { height: 100, time: 1_000 }, 1_000_000, 0), 1);
  assert.is(guessVerificationProgress(50, { height: 200, time: 1_000 }, 1_000_000, 0), 0.25);
  // main: 6000 s since the best header at one block per 600 s adds 10 expected blocks.
  assert.is(guessVerificationProgress(90, { height: 90, time: 1_000 }, 7_000, 1 / 600), 0.9);
  // clock behind the header time: no negative extrapolation
  assert.is(guessVerificationProgress(90, { height: 100, time: 9_000 }, 7_000, 1 / 600), 0.9);
  assert.is(guessVerificationProgress(0, { height: 0, time: 0 }, 10, 0), 1);
  assert.is(guessVerificationProgress(5, { height: 3, time: 0 }, 0, 0), 1);
});

test('guessVerificationProgress with tx counts: verified transactions over those plus the headers ahead at the recent rate', () => {
  // Tip at its best header: complete whatever the counts.
  assert.is(guessVerificationProgress(100, { height: 100, time: 1_000 }, 1_000_000, 0, { chainTx: 5_000, txPerBlock: 50 }), 1);
  // 100 early blocks with 1 tx each, then full blocks: 100 headers ahead at 300 tx/block weigh
  // far more than their count (blocks alone would say 0.5).
  assert.is(guessVerificationProgress(100, { height: 200, time: 1_000 }, 1_000_000, 0, { chainTx: 10_000, txPerBlock: 300 }), 0.25);
  // main: the time since the best header adds expected blocks, at the same per-block rate.
  assert.is(guessVerificationProgress(90, { height: 90, time: 1_000 }, 7_000, 1 / 600, { chainTx: 900, txPerBlock: 10 }), 0.9);
  assert.is(guessVerificationProgress(0, { height: 0, time: 0 }, 10, 0, { chainTx: 0, txPerBlock: 1 }), 1);
});

test('recentTxPerBlock: the window\'s transactions per block, at least one (the coinbase)', () => {
  assert.is(recentTxPerBlock(10_000, { chainTx: 7_000, blocks: 10 }), 300);
  assert.is(recentTxPerBlock(1, undefined), 1);
  assert.is(recentTxPerBlock(0, { chainTx: 0, blocks: 5 }), 1);
});

test('syncRate and progressLine', () => {
  const r = syncRate({ height: 100, at: 0 }, { height: 300, at: 10_000 }, 1300);
  assert.equal(r, { rate: 20, eta: 50 });
  assert.equal(syncRate({ height: 5, at: 0 }, { height: 5, at: 0 }, 9), { rate: 0, eta: undefined });
  assert.is(progressLine(300, 1300, 300 / 1300, r.rate, r.eta), 'Syncing blocks: height=300/1300 (23.08%), 20.0 blocks/s, ETA 50 s');
  assert.is(progressLine(1, 2, 0.5, 0, undefined), 'Syncing blocks: height=1/2 (50.00%), 0.0 blocks/s, ETA unknown');
});

test.run();
