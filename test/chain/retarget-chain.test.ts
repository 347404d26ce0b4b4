// The Chain enforces the difficulty rule of non-regtest networks: a small mainnet-style
// network (retarget every 10 blocks, regtest's powLimit so CPU mining stays instant).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Chain } from '../../chain/chain.js';
import { main, regtest, type NetworkParams } from '../../chain/params.js';
import { VerifyError } from '../../chain/errors.js';
import { buildBlock } from './util/builder.js';
import { withChain } from './util/tmp.js';

const fast: NetworkParams = {
  ...main,
  powLimit: regtest.powLimit,
  powLimitBits: regtest.powLimitBits,
  powTargetTimespan: 10 * 600,
  genesis: regtest.genesis,
};

test('retarget at the interval boundary: ×4 clamp, bad-diffbits for stale bits', async () => {
  await withChain(async (chain) => {
    for (let i = 0; i < 9; i++) await chain.processBlock(buildBlock(chain, { time: chain.tip.time + 60 }));
    assert.is(chain.height, 9);
    const time = chain.tip.time + 60;
    // 9 blocks in 540 s against 6000 s expected: clamped to 1500 s, target / 4.
    assert.is(chain.nextWorkRequired(chain.tip, time), 0x201fffff);
    try {
      await chain.processBlock(buildBlock(chain, { time, bits: 0x207fffff }));
      assert.unreachable();
    } catch (e) {
      assert.is((e as VerifyError).reason, 'bad-diffbits');
    }
    const b10 = buildBlock(chain, { time });
    assert.is(b10.bits, 0x201fffff);
    await chain.processBlock(b10);
    assert.is(chain.height, 10);
    assert.is(chain.tip.chainwork, 9n * 2n + 2n + (1n << 256n) / ((0x1fffffn << 232n) + 1n));
    // Between boundaries the bits stay.
    assert.is(chain.nextWorkRequired(chain.tip, chain.tip.time + 100_000), 0x201fffff);
  }, { params: fast });
});

test('a chainstate of another network is refused', async () => {
  await withChain(async (_chain, dir) => {
    await _chain.close();
    let msg = '';
    try { await Chain.open({ params: main, dir }); } catch (e) { msg = (e as Error).message; }
    assert.match(msg, 'different network');
  });
});

test.run();
