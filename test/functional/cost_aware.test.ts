// ODA-BIP-0005 across nodes: a miner mining heavy ODA blocks commits their CU, burns the base
// fee and gets the discount; a second node agrees on every field; blocks that claim a wrong
// CU, burn less than the base fee requires, or carry bits that ignore the rule are refused by
// the second node with the specific reason, and the peer that relayed them is scored (100).
// 2 odad nodes + raw wire peers, ~105 blocks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { runFunctionalTest, syncBlocks, waitUntil } from './framework.js';
import { connectNodes, dialWirePeer } from './p2p-util.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';
import { regtest } from '../../chain/params.js';
import { Block, Transaction } from '../../chain/block.js';
import { addressToScript } from '../../chain/address.js';
import { encodeCuCommitmentScript, findCuCommitment } from '../../chain/cu-commitment.js';
import { createBlockTemplate, type TemplateChain } from '../../miner/template.js';
import { costAwareBits } from '../../chain/difficulty.js';
import { grind } from '../../miner/grind.js';
import type { BlockEntry } from '../../chain/entry.js';


/** An external miner's block from getblocktemplate (BIP22 + ODA-BIP-0005's cost_aware), then `tamper`ed and ground. */
async function blockFromTemplate(gbt: any, payTo: string, tamper: (b: Block) => void): Promise<Block> {
  const prev = { hash: gbt.previousblockhash, height: gbt.height - 1 } as BlockEntry;
  const chain: TemplateChain = {
    params: regtest, tip: prev, medianTimePast: () => gbt.mintime - 1, nextWorkRequired: () => parseInt(gbt.bits, 16),
    async assembleBlock(b) {
      const c = gbt.cost_aware.cu_commitment;
      b.transactions![0].outs[0].value = BigInt(gbt.coinbasevalue);
      b.transactions![0].addOutput(Buffer.from(c.script, 'hex'), BigInt(c.burn));
      tamper(b);
    },
  };
  const txs = gbt.transactions.map((x: any) => {
    const tx = Transaction.fromHex(x.data);
    return { tx, txid: x.txid, wtxid: x.hash, fee: BigInt(x.fee), sigOpCost: x.sigops, weight: x.weight };
  });
  const t = await createBlockTemplate({ chain, outputScript: addressToScript(payTo, regtest), time: gbt.curtime, txs });
  const block = grind(t.block, 10_000_000);
  if (!block) throw new Error('grind failed');
  return block;
}

test('ODA-BIP-0005: heavy ODA blocks get the discount on every node; wrong CU, low burn, wrong bits refused, relayer scored', async () => {
  await runFunctionalTest({ numNodes: 2, extraArgs: [[], ['-debug=net']] }, async ([a, b], env) => {
    const dir = join(env.tmpdir, 'files');
    mkdirSync(dir);
    const files = await prepareDigitsModel(dir);
    await connectNodes(a, b);
    const addr = await a.getnewaddress();
    await a.generatetoaddress(101, addr);
    await syncBlocks([a, b]);
    for (const [f, t] of [[files.architecture, 'onnx'], [files.baseWeights, 'safetensors-weights'], [files.dataset, 'safetensors-dataset']]) await b.importblob(f, t);

    const before = await a.getmininginfo();
    assert.is(before.next.base_fee, 1000, 'the floor base fee');
    assert.is(before.next.target_cu, Number(regtest.maxBlockCu / 2n));

    // A heavy block: add-model (scoring the dataset) plus inferences.
    const added = await a.addmodel(files.architecture, files.baseWeights, files.dataset, 'accuracy', { name: 'digits' });
    const est = await a.estimatecost({ type: 'add-model', architecture: files.architecture, dataset: files.dataset });
    assert.is(est.cost_aware.base_fee, 1000);
    const fee = await a.estimatecufee(1, est.cost_units);
    assert.is(fee.base_fee, 1000);
    assert.ok(fee.pending_cu >= est.cost_units);
    const [hash] = await a.generatetoaddress(1, addr);
    await syncBlocks([a, b]);
    const ha = await a.getblock(hash);
    const hb = await b.getblock(hash);
    assert.ok(ha.cu >= est.cost_units, `block CU ${ha.cu}`);
    assert.ok(ha.cu_discount_ppm > 0, `discount ${ha.cu_discount_ppm} ppm`);
    assert.is.not(ha.bits, ha.base_bits, 'the discounted bits');
    assert.is(ha.cu_base_fee, 1000);
    assert.ok(ha.cu_burned > 0);
    for (const k of ['bits', 'base_bits', 'cu', 'cu_burned', 'cu_base_fee', 'cu_discount_ppm', 'chainwork']) assert.equal(hb[k], ha[k], k);
    assert.is(await b.getbestblockhash(), await a.getbestblockhash());
    assert.is((await b.getmodel(added.model_id)).version, 0);

    // Bad blocks from an external miner's template, each relayed to node1 by its own peer.
    const big = await a.infer(added.model_id, files.samples[0].hex.repeat(200));
    await waitUntil(async () => (await b.getrawmempool()).includes(big.txid), 30_000, 'the inference reaches node1');
    const gbt = await a.getblocktemplate({ rules: ['segwit'] });
    assert.ok(gbt.cost_aware.cu >= big.cost_units);
    // Bits that ignore the rule: the base bits when the body earns a discount, else a discount
    // the body does not pay for (this small inference burns too little for one).
    const baseBits = parseInt(gbt.cost_aware.base_bits, 16);
    const wrongBits = gbt.bits === gbt.cost_aware.base_bits ? costAwareBits(baseBits, 1_000n) : baseBits;
    const commitment = (b: Block) => b.transactions![0].outs.find((o) => findCuCommitment([o]).ok)!;
    const cases: Array<[string, (b: Block) => void]> = [
      ['bad-blk-cu-commitment', (blk) => { commitment(blk).script = encodeCuCommitmentScript({ cu: BigInt(gbt.cost_aware.cu) + 1n, baseFee: BigInt(gbt.cost_aware.base_fee) }); }],
      ['bad-cb-burn', (blk) => { commitment(blk).value -= 1n; blk.transactions![0].outs[0].value += 1n; }],
      ['bad-diffbits', (blk) => { blk.bits = wrongBits; }],
    ];
    const tip = await b.getbestblockhash();
    for (const [reason, tamper] of cases) {
      const block = await blockFromTemplate(gbt, addr, tamper);
      const ua = `/relayer-${reason}:0.0.1/`;
      const peer = await dialWirePeer(b, ua);
      peer.send({ cmd: 'block', block });
      await waitUntil(() => peer.ws.readyState === WebSocket.CLOSED, 30_000, `node1 hangs up on the peer relaying ${reason}`);
      const log = readFileSync(join(b.networkDir, 'debug.log'), 'utf8');
      assert.match(log, new RegExp(`Misbehaving: peer=\\d+ \\(0 -> 100\\) reason: invalid block: ${reason}`), reason);
      assert.is(await b.submitblock(block.toHex()), 'duplicate-invalid', `${reason}: remembered as invalid`);
      assert.is(await b.getbestblockhash(), tip, `${reason}: the tip did not move`);
    }
    // The honest template is accepted by both, and nothing was lost on the way.
    const good = await blockFromTemplate(gbt, addr, () => undefined);
    assert.is(await b.submitblock(good.toHex()), null);
    await syncBlocks([a, b]);
    assert.is(await a.getbestblockhash(), good.getId());
    assert.is((await a.getblock(good.getId())).cu, gbt.cost_aware.cu);
    assert.is((await b.getblock(good.getId())).cu_burned, (await a.getblock(good.getId())).cu_burned);
  });
});

test.run();
