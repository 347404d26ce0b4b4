import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { nextWorkRequired, calculateNextWorkRequired, type HeaderInfo } from '../../chain/difficulty.js';
import { compactToTarget } from '../../chain/header.js';
import { main, regtest, type NetworkParams } from '../../chain/params.js';

const vectors = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0000/retarget.json', import.meta.url), 'utf8')).vectors;

test('retarget vectors (Core pow_tests cases and ODA main)', () => {
  for (const v of vectors) {
    const limitBits = parseInt(v.powLimitBits, 16);
    const params: NetworkParams = { ...main, powLimit: compactToTarget(limitBits).target, powLimitBits: limitBits };
    const prev = { height: v.lastHeight, time: v.lastTime, bits: parseInt(v.lastBits, 16) };
    const got = calculateNextWorkRequired(prev, v.firstTime, params);
    assert.is('0x' + got.toString(16), v.expected, v.name);
    // Through nextWorkRequired: the first block of the interval supplies firstTime.
    const first = { height: v.lastHeight - 2015, time: v.firstTime, bits: prev.bits };
    const viaNext = nextWorkRequired(prev, v.lastTime + 600, params, (h) => {
      assert.is(h, first.height);
      return first;
    });
    assert.is(viaNext, got, v.name);
  }
});

test('no retarget between adjustment heights on main', () => {
  const prev = { height: 100, time: 1767300000, bits: 0x1d7fffff };
  assert.is(nextWorkRequired(prev, prev.time + 10_000, main, () => { throw new Error('not needed'); }), 0x1d7fffff);
});

test('regtest: powNoRetargeting keeps bits even at interval boundaries', () => {
  const prev = { height: 2015, time: 1767300000, bits: 0x207fffff };
  assert.is(nextWorkRequired(prev, prev.time + 1, regtest, () => ({ height: 0, time: 1767225600, bits: 0x207fffff })), 0x207fffff);
});

test('min-difficulty rule: 20 minutes gap gives powLimit, else last non-special bits', () => {
  const testnet: NetworkParams = { ...main, powAllowMinDifficultyBlocks: true };
  const chain: HeaderInfo[] = [];
  for (let h = 0; h <= 2020; h++) chain.push({ height: h, time: 1767225600 + h * 600, bits: 0x1d7fffff });
  chain[2018].bits = main.powLimitBits; // special min-difficulty blocks
  chain[2019].bits = main.powLimitBits;
  const get = (h: number) => chain[h];
  const prev = chain[2019];
  assert.is(nextWorkRequired(prev, prev.time + 1201, testnet, get), main.powLimitBits);
  assert.is(nextWorkRequired(prev, prev.time + 1200, testnet, get), 0x1d7fffff);
  // Without the rule the previous bits are kept.
  assert.is(nextWorkRequired(prev, prev.time + 1201, main, get), main.powLimitBits);
  assert.is(nextWorkRequired(chain[2017], chain[2017].time + 5000, main, get), 0x1d7fffff);
  // The walk stops at an adjustment boundary (height 2016) even if it has powLimit bits.
  chain[2016].bits = main.powLimitBits; chain[2017].bits = main.powLimitBits;
  assert.is(nextWorkRequired(prev, prev.time + 600, testnet, get), main.powLimitBits);
});

test.run();
