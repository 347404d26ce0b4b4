// The miner's seam for coinbase contents (Chain.assembleBlock, ChainExtension.assemble): an
// extension that requires a commitment to the block's height and a burn gets both into
// every template, checkBlock enforces them on every block, and a block without them is
// invalid. This is the hook ODA-BIP-0005/0006/0007's commitments plug into.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BlockContext, ChainExtension, ExtensionVerdict } from '../../chain/chain.js';
import { VerifyError } from '../../chain/errors.js';
import { getBlockSubsidy } from '../../chain/tx-checks.js';
import { createBlockTemplate } from '../../miner/template.js';
import { grind } from '../../miner/grind.js';
import { buildBlock, P2WSH_TRUE } from './util/builder.js';
import { withChain } from './util/tmp.js';

const BURN = 1000n;
const TAG = Buffer.from('TEST');

function commitmentScript(height: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(height);
  return Uint8Array.from([0x6a, 0x08, ...TAG, ...b]);
}

function makeExtension(seen: { assembled: number; checked: number }): ChainExtension {
  const none: ExtensionVerdict = { writes: [], undo: new Uint8Array(0) };
  return {
    name: 'commit',
    async checkBlock(ctx: BlockContext) {
      seen.checked++;
      if (ctx.assembling) return none;
      const want = Buffer.from(commitmentScript(ctx.height)).toString('hex');
      const outs = ctx.block.transactions![0].outs.filter((o) => Buffer.from(o.script).toString('hex') === want);
      if (outs.length !== 1 || outs[0].value !== BURN) throw new VerifyError('block', 'bad-test-commitment', 100, 'missing commitment or burn');
      return none;
    },
    assemble(ctx) {
      seen.assembled++;
      assert.is(ctx.subsidy, getBlockSubsidy(ctx.height, ctx.params));
      return [{ script: commitmentScript(ctx.height), value: BURN }];
    },
  };
}

test('templates carry the extension commitment and burn; checkBlock enforces them', async () => {
  const seen = { assembled: 0, checked: 0 };
  await withChain(async (chain) => {
    for (let i = 0; i < 3; i++) {
      const t = await createBlockTemplate({ chain, outputScript: P2WSH_TRUE });
      const cb = t.block.transactions![0];
      assert.is(cb.outs[0].value, getBlockSubsidy(t.height, chain.params) - BURN, 'burn taken from the payout');
      assert.is(t.coinbaseValue, cb.outs[0].value);
      assert.ok(cb.outs.some((o) => Buffer.from(o.script).equals(Buffer.from(commitmentScript(t.height)))));
      const block = grind(t.block, 1_000_000)!;
      await chain.testBlockValidity(block, { checkPoW: true });
      await chain.processBlock(block);
    }
    assert.is(chain.height, 3);
    assert.is(seen.assembled, 3);
    // A block built without the seam lacks the commitment: invalid, as a consensus rule.
    const bare = buildBlock(chain, {});
    try {
      await chain.processBlock(bare);
      assert.unreachable('a block without the commitment was accepted');
    } catch (e) {
      assert.instance(e, VerifyError);
      assert.is((e as VerifyError).reason, 'bad-test-commitment');
    }
    assert.is(chain.height, 3);
  }, { extensions: [makeExtension(seen)] });
});

test('without assembling extensions a template is unchanged (no burn, no extra output)', async () => {
  await withChain(async (chain) => {
    const t = await createBlockTemplate({ chain, outputScript: P2WSH_TRUE });
    assert.is(t.coinbaseValue, getBlockSubsidy(t.height, chain.params));
    // Payout, then the witness commitment only.
    assert.is(t.block.transactions![0].outs.length, 2);
  });
});

test.run();
