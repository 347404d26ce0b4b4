// Mining against a real odad process: the continuous miner (-mine -mineaddress
// -mineinterval) produces blocks on its own, and an external miner can work from
// getblocktemplate on this isolated regtest node and hand the block back with submitblock.
// One node; a few 1-second mining intervals (~5-10 s on a loaded machine).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Block, Transaction } from '../../chain/block.js';
import { runFunctionalTest, waitUntil } from '../functional/framework.js';
import { scriptToAddress } from '../../chain/address.js';
import { regtest } from '../../chain/params.js';
import { addWitnessCommitment, createCoinbase } from '../../chain/coinbase.js';
import { grind } from '../../miner/grind.js';
import { P2WSH_TRUE } from '../mempool/util.js';

const address = scriptToAddress(P2WSH_TRUE, regtest)!;

test('-mine mines by itself; a getblocktemplate block is accepted by submitblock', async () => {
  await runFunctionalTest({ numNodes: 1, extraArgs: [['-mine', `-mineaddress=${address}`, '-mineinterval=1']] }, async ([node]) => {
    await waitUntil(async () => (await node.getblockcount()) >= 2, 60_000, 'two mined blocks');
    const info = await node.getmininginfo();
    assert.is(info.chain, 'regtest');
    assert.ok(info.blocks >= 2);
    const first = await node.getblock(await node.getblockhash(1), 2);
    assert.is(first.tx[0].vout[0].scriptPubKey.address, address);

    // External mining from the template; the internal miner may win the race for a height,
    // so retry on a stale template until one of ours is accepted.
    let accepted: string | undefined;
    for (let attempt = 0; attempt < 5 && !accepted; attempt++) {
      const t = await node.getblocktemplate({ rules: ['segwit'] });
      assert.is(t.bits, '207fffff');
      const block = new Block();
      block.version = t.version;
      block.prevHash = Buffer.from(t.previousblockhash, 'hex').reverse();
      block.timestamp = t.curtime;
      block.bits = parseInt(t.bits, 16);
      block.nonce = 0;
      const cb = createCoinbase({ height: t.height, outputScript: P2WSH_TRUE, value: BigInt(t.coinbasevalue), extraData: Buffer.from('ext') });
      block.transactions = [cb, ...t.transactions.map((x: { data: string }) => Transaction.fromHex(x.data))];
      addWitnessCommitment(block);
      assert.is(Buffer.from(cb.outs[cb.outs.length - 1].script).toString('hex'), t.default_witness_commitment);
      const result = await node.submitblock(grind(block, 1_000_000)!.toHex());
      if (result === null) accepted = block.getId();
      else assert.ok(['inconclusive', 'bad-prevblk', 'duplicate'].includes(result) || /prev/.test(result), `unexpected ${result}`);
    }
    assert.ok(accepted, 'a template-built block was accepted');
    const got = await node.getblock(accepted!);
    assert.ok(got.confirmations >= 1);
  });
});

test.run();
