// ODA-BIP-0005 in the chain: both sides of the activation height, the template's commitment,
// burn and discounted bits, chainwork from base bits, the base fee moving with CU, the body
// rule's reject reasons, header-time range checks, and the records surviving a restart.
// A stand-in extension reports a fixed CU per transaction (the chain only reads verdict.cu).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { Chain, type BlockEntry, type ChainExtension } from '../../chain/chain.js';
import type { Block } from '../../chain/block.js';
import { regtest, withTestActivationHeights, type NetworkParams } from '../../chain/params.js';
import { VerifyError } from '../../chain/errors.js';
import { addWitnessCommitment } from '../../chain/coinbase.js';
import { encodeCuCommitmentScript, findCuCommitment } from '../../chain/cu-commitment.js';
import { nextBaseFee, requiredBurn, targetBlockCu } from '../../chain/cu-fee.js';
import { COST_AWARE } from '../../chain/cost-aware.js';
import { blockDiscountPpm, blockWork, costAwareBits, discountedTarget } from '../../chain/difficulty.js';
import { compactToTarget, encodeHeader, targetToCompact } from '../../chain/header.js';
import { getBlockSubsidy } from '../../chain/tx-checks.js';
import { createBlockTemplate, type TemplateChain } from '../../miner/template.js';
import { grind } from '../../miner/grind.js';
import { mine, spendTx, P2WSH_TRUE } from './util/builder.js';
import { tempDir } from './util/tmp.js';

const ACT = 130;
const PARAMS: NetworkParams = { ...regtest, activation: { ...regtest.activation, costAwareDifficulty: ACT } };
const CU_PER_TX = 1_000_000_000n;
const FEE = 10_000_000n;

const heavy: ChainExtension = {
  name: 'heavy',
  async checkBlock(ctx) {
    return { writes: [], undo: new Uint8Array(0), cu: BigInt(ctx.block.transactions!.length - 1) * CU_PER_TX };
  },
};

async function open(dir: string): Promise<Chain> {
  return Chain.open({ params: PARAMS, dir, fsync: false, extensions: [heavy] });
}

/** A template on the tip with `txs`, `tamper`ed after assembly, witness commitment redone, ground. */
async function template(chain: Chain, txs: ReturnType<typeof spendTx>[], tamper?: (b: Block) => void): Promise<Block> {
  const tc: TemplateChain = {
    params: chain.params, get tip() { return chain.tip; },
    medianTimePast: (e) => chain.medianTimePast(e), nextWorkRequired: (p, t) => chain.nextWorkRequired(p, t),
    assembleBlock: async (b, o) => {
      await chain.assembleBlock(b, o);
      tamper?.(b);
    },
  };
  const t = await createBlockTemplate({
    chain: tc, outputScript: P2WSH_TRUE, time: chain.tip.time + 1,
    txs: txs.map((tx) => ({ tx, txid: tx.getId(), wtxid: tx.getId(), fee: FEE, sigOpCost: 0, weight: tx.weight() })),
  });
  addWitnessCommitment(t.block);
  return grind(t.block, 1_000_000)!;
}

function rejects(p: Promise<unknown>, reason: string): Promise<void> {
  return p.then(
    () => assert.unreachable(`accepted, expected ${reason}`),
    (e) => {
      assert.instance(e, VerifyError);
      assert.is((e as VerifyError).reason, reason, (e as VerifyError).details);
      assert.is((e as VerifyError).score, 100);
    },
  );
}

test('ODA-BIP-0005 in the chain: activation, discount, base fee, reject reasons, restart', async () => {
  const dir = tempDir('cost-aware');
  let chain = await open(dir);
  try {
    const blocks = await mine(chain, ACT - 2);
    let coin = 0;
    const tx = () => spendTx([{ txid: blocks[coin++].transactions![0].getId(), vout: 0 }], [{ value: getBlockSubsidy(1, PARAMS) - FEE }]);

    // Before activation: a heavy block needs no commitment and earns nothing.
    const pre = await template(chain, [tx()]);
    assert.ok(!findCuCommitment(pre.transactions![0].outs).ok, 'no commitment before activation');
    assert.is(pre.bits, regtest.powLimitBits);
    await chain.processBlock(pre);
    assert.is(chain.height, ACT - 1);
    assert.is(chain.nextBaseFee(), COST_AWARE.minBaseFee, 'the first base fee is the floor');

    // Bad bodies at the activation height (each on the same parent, each rejected, peer scored).
    const bad = async (reason: string, tamper: (b: Block) => void) => rejects(chain.processBlock(await template(chain, [tx(), tx()], tamper)), reason);
    const commitmentOf = (b: Block) => b.transactions![0].outs.find((o) => findCuCommitment([o]).ok)!;
    await bad('bad-blk-cu-commitment', (b) => {
      commitmentOf(b).script = encodeCuCommitmentScript({ cu: 2n * CU_PER_TX + 1n, baseFee: COST_AWARE.minBaseFee });
    });
    await bad('bad-blk-cu-commitment', (b) => {
      commitmentOf(b).script = encodeCuCommitmentScript({ cu: 2n * CU_PER_TX, baseFee: COST_AWARE.minBaseFee + 1n });
    });
    await bad('bad-blk-cu-commitment', (b) => {
      const c = commitmentOf(b);
      b.transactions![0].outs.splice(b.transactions![0].outs.indexOf(c), 1);
      b.transactions![0].outs[0].value += c.value;
    });
    await bad('bad-cb-burn', (b) => {
      commitmentOf(b).value -= 1n;
      b.transactions![0].outs[0].value += 1n;
    });
    const baseBits = chain.nextWorkRequired(chain.tip, chain.tip.time + 1);
    await bad('bad-diffbits', (b) => { b.bits = baseBits; });
    // Header bits outside [base, base × (1 + cap)] are refused from headers alone (regtest's base
    // is powLimit, so "easier than the cap" already fails the PoW limit: test "harder").
    const harder = targetToCompact(compactToTarget(baseBits).target / 2n);
    const hdr = await template(chain, [], (b) => { b.bits = harder; });
    const easier = targetToCompact(discountedTarget(compactToTarget(baseBits).target, COST_AWARE.capPpm) + (1n << 240n));
    const hdr2 = await template(chain, [], (b) => { b.bits = easier; });
    await rejects(chain.processBlock(hdr2), 'high-hash');
    await rejects(chain.processHeader(encodeHeader({ version: hdr.version, prevHash: hdr.prevHash!, merkleRoot: hdr.merkleRoot!, time: hdr.timestamp, bits: hdr.bits, nonce: hdr.nonce })), 'bad-diffbits');

    // A heavy block at activation: commitment, exact burn, discounted bits; chainwork from base bits.
    const parent: BlockEntry = chain.tip;
    const good = await template(chain, Array.from({ length: 8 }, tx));
    const cu = 8n * CU_PER_TX;
    const found = findCuCommitment(good.transactions![0].outs);
    assert.ok(found.ok);
    if (!found.ok) return;
    assert.equal(found.commitment, { cu, baseFee: COST_AWARE.minBaseFee });
    assert.is(found.burn, requiredBurn(COST_AWARE.minBaseFee, cu));
    const reward = getBlockSubsidy(ACT, PARAMS) + 8n * FEE;
    const discount = blockDiscountPpm(cu, PARAMS.maxBlockCu, found.burn, reward);
    assert.ok(discount > 0n);
    assert.is(good.bits, costAwareBits(baseBits, discount));
    assert.is.not(good.bits, baseBits);
    const entry = await chain.processBlock(good);
    assert.is(chain.tip.hash, entry.hash);
    assert.is(entry.baseBits, baseBits);
    assert.is(entry.chainwork, parent.chainwork + blockWork(baseBits), 'chainwork counts the base bits');
    assert.equal(entry.cost, { cu, baseFee: COST_AWARE.minBaseFee, burn: found.burn, discountPpm: discount });
    // Above-target CU raises the next base fee; an empty block needs no commitment.
    const next = nextBaseFee(COST_AWARE.minBaseFee, cu, targetBlockCu(PARAMS.maxBlockCu));
    assert.ok(next > COST_AWARE.minBaseFee);
    assert.is(chain.nextBaseFee(), next);
    const empty = await template(chain, []);
    assert.ok(!findCuCommitment(empty.transactions![0].outs).ok);
    await chain.processBlock(empty);

    // Restart: base bits derived again, records loaded, the next heavy block checks against them.
    const tipHash = chain.tip.hash;
    await chain.close();
    chain = await open(dir);
    assert.is(chain.tip.hash, tipHash);
    assert.equal(chain.getEntry(entry.hash)!.cost, entry.cost);
    assert.is(chain.getEntry(entry.hash)!.baseBits, baseBits);
    const after = await template(chain, [tx()]);
    const c2 = findCuCommitment(after.transactions![0].outs);
    assert.ok(c2.ok && c2.commitment.baseFee === nextBaseFee(next, 0n, targetBlockCu(PARAMS.maxBlockCu)));
    await chain.processBlock(after);
    assert.is(chain.tip.hash, after.getId());
  } finally {
    await chain.close().catch(() => undefined);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('active from height 0 (-testactivationheight=costawaredifficulty@0): genesis has no record, the chain still grows', async () => {
  const dir = tempDir('oda-cad0-');
  const chain = await Chain.open({ params: withTestActivationHeights(regtest, ['costawaredifficulty@0']), dir, fsync: false });
  try {
    assert.is(chain.nextBaseFee(), COST_AWARE.minBaseFee, 'the block after genesis starts from the initial base fee');
    for (let i = 0; i < 3; i++) await chain.processBlock(await template(chain, []));
    assert.is(chain.height, 3);
    assert.ok(chain.tip.cost, 'blocks after genesis carry their record');
  } finally {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
