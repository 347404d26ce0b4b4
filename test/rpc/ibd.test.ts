// Chain.isInitialBlockDownload (Core's rule, params.maxTipAge / minimumChainWork, latched) and
// the consensus parameters NetworkParams now carries for the ODA layer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../chain/chain.js';
import { NEVER_ACTIVE, main, regtest } from '../../chain/params.js';
import { MAX_BLOCK_CU } from '../../validator/index.js';
import { COMMIT_REVEAL_DELAY } from '../../oda/rules.js';

test('NetworkParams carry the ODA consensus values unchanged; wave-2 rules activate only on regtest, at a height', () => {
  for (const p of [regtest, main]) {
    assert.is(p.maxBlockCu, MAX_BLOCK_CU);
    assert.is(p.commitRevealDelay, COMMIT_REVEAL_DELAY);
    assert.is(p.maxTipAge, 24 * 60 * 60);
  }
  for (const h of Object.values(main.activation)) assert.is(h, NEVER_ACTIVE);
  // Regtest activates rules above genesis, so the chains of the earlier BIPs' vectors stay valid.
  for (const h of Object.values(regtest.activation)) assert.ok(Number.isInteger(h) && h > 0, `activation height ${h}`);
  assert.is(regtest.activation.registryCommitment, 200); // ODA-BIP-0007
});

test('isInitialBlockDownload: true while the tip is older than maxTipAge or below minimum work, then latched false', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-ibd-'));
  try {
    const chain = await Chain.open({ params: regtest, dir: join(dir, 'a') });
    chain.setMockTime(regtest.genesis.time + regtest.maxTipAge + 1);
    assert.ok(chain.isInitialBlockDownload(), 'a day-old genesis tip');
    chain.setMockTime(regtest.genesis.time + 60);
    assert.not.ok(chain.isInitialBlockDownload(), 'a recent tip');
    chain.setMockTime(regtest.genesis.time + 10 * regtest.maxTipAge);
    assert.not.ok(chain.isInitialBlockDownload(), 'latched: a stalled chain does not re-enter IBD');
    await chain.close();

    const heavy = await Chain.open({ params: { ...regtest, minimumChainWork: 1n << 200n }, dir: join(dir, 'b') });
    heavy.setMockTime(regtest.genesis.time + 60);
    assert.ok(heavy.isInitialBlockDownload(), 'below the minimum chain work');
    await heavy.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
