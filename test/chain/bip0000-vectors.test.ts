// ODA-BIP-0000 vectors not covered by header/difficulty tests: subsidy schedule and the
// parameter table the document states.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { getBlockSubsidy } from '../../chain/tx-checks.js';
import { networks, regtest, main } from '../../chain/params.js';
import { targetToCompact } from '../../chain/header.js';
import { difficultyAdjustmentInterval } from '../../chain/difficulty.js';

const dir = new URL('../../spec/BIPs/vectors/oda-bip-0000/', import.meta.url);

test('subsidy vectors', () => {
  const { vectors } = JSON.parse(readFileSync(new URL('subsidy.json', dir), 'utf8'));
  assert.ok(vectors.length >= 10);
  for (const v of vectors) {
    assert.is(getBlockSubsidy(v.height, networks[v.network as 'main' | 'regtest']).toString(), v.subsidy, `${v.network} ${v.height}`);
  }
});

test('parameter table of the BIP', () => {
  assert.is(regtest.magic, 0x0da7e57a);
  assert.is(main.magic, 0x0da1a1ed);
  assert.is(targetToCompact(regtest.powLimit), 0x207fffff);
  assert.is(targetToCompact(main.powLimit), 0x1e0fffff);
  assert.is(difficultyAdjustmentInterval(main), 2016);
  assert.is(regtest.subsidyHalvingInterval, 150);
  assert.is(regtest.coinbaseMaturity, 100);
  assert.equal([regtest.bip34Height, regtest.bip65Height, regtest.bip66Height, regtest.csvHeight, regtest.segwitHeight], [1, 1, 1, 1, 0]);
  assert.is(regtest.maxBlockWeight, 4_000_000);
  assert.is(regtest.maxBlockSigOpsCost, 80_000);
  assert.is(regtest.maxFutureBlockTime, 7200);
  assert.ok(regtest.powNoRetargeting && regtest.powAllowMinDifficultyBlocks);
  assert.ok(!main.powNoRetargeting && !main.powAllowMinDifficultyBlocks);
});

test.run();
