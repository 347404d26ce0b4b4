// The README walkthrough against one real odad: mature coinbases, pay a second wallet, confirm,
// undo the confirmation with invalidateblock (the payment returns to the mempool) and redo it
// with reconsiderblock; Core's error codes for bad input; a restart keeps height, balances and
// the mempool. One node, two starts, 104 blocks (~15-30 s on a loaded 2-core machine).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runFunctionalTest, assertRpcError } from './framework.js';

test('walkthrough: mine, pay a second wallet, invalidate/reconsider, Core errors, restart', async () => {
  await runFunctionalTest({ numNodes: 1 }, async ([node]) => {
    const alice = node.wallet('');
    const minerAddr = await alice.getnewaddress();
    await node.generatetoaddress(101, minerAddr);
    assert.is(await node.getblockcount(), 101);
    // Only the first coinbase is mature after 101 blocks: 50 BTC trusted, 100 × 50 immature.
    const b0 = await alice.getbalances();
    assert.is(b0.mine.trusted, 50);
    assert.is(b0.mine.immature, 5000);
    assert.is(b0.lastprocessedblock.height, 101);

    const created = await node.createwallet('bob');
    assert.is(created.name, 'bob');
    const bob = node.wallet('bob');
    const bobAddr = await bob.getnewaddress();
    const txid: string = await alice.sendtoaddress(bobAddr, 12.5);
    assert.match(txid, /^[0-9a-f]{64}$/);
    assert.equal(await node.getrawmempool(), [txid]);
    // Unconfirmed and not ours by origin: Bob sees it as pending, not trusted.
    const pending = await bob.getbalances();
    assert.is(pending.mine.trusted, 0);
    assert.is(pending.mine.untrusted_pending, 12.5);

    const [payBlock] = await node.generatetoaddress(1, minerAddr);
    assert.equal(await node.getrawmempool(), []);
    const block = await node.getblock(payBlock);
    assert.ok(block.tx.includes(txid), 'payment confirmed in the mined block');
    assert.is((await bob.getbalances()).mine.trusted, 12.5);
    const aliceAfter = (await alice.getbalances()).mine.trusted;
    // 50 + the second coinbase matured by block 102, minus 12.5 and a fee below 0.001.
    assert.ok(aliceAfter > 87.499 && aliceAfter < 87.5, `alice trusted ${aliceAfter}`);
    const wtx = await alice.gettransaction(txid);
    assert.is(wtx.confirmations, 1);
    assert.is(wtx.blockhash, payBlock);

    // invalidateblock disconnects the payment's block: the tx returns to the mempool.
    await node.invalidateblock(payBlock);
    assert.is(await node.getblockcount(), 101);
    assert.equal(await node.getrawmempool(), [txid]);
    assert.is((await bob.getbalances()).mine.trusted, 0);
    assert.is((await bob.getbalances()).mine.untrusted_pending, 12.5);
    const tips = await node.getchaintips();
    assert.ok(tips.some((t: any) => t.hash === payBlock && t.status === 'invalid'), JSON.stringify(tips));

    await node.reconsiderblock(payBlock);
    assert.is(await node.getbestblockhash(), payBlock);
    assert.equal(await node.getrawmempool(), []);
    assert.is((await bob.getbalances()).mine.trusted, 12.5);

    // Core's error codes for bad input; the node stays up through all of them.
    await assertRpcError(-8, 'Block height out of range', node.getblockhash(-1));
    await assertRpcError(-8, 'Block height out of range', node.getblockhash(1000));
    await assertRpcError(-8, 'blockhash must be of length 64', node.getblock('00'));
    await assertRpcError(-5, 'Block not found', node.getblock('11'.repeat(32)));
    await assertRpcError(-22, 'TX decode failed', node.sendrawtransaction('deadbeef'));
    await assertRpcError(-32601, 'Method not found', node.nosuchmethod());
    await assertRpcError(-3, 'is not of expected type number', node.getblockhash('1'));
    await assertRpcError(-5, 'Invalid ODA address', alice.sendtoaddress('notanaddress', 1));
    await assertRpcError(-18, 'Requested wallet does not exist or is not loaded', node.wallet('carol').getbalances());

    // A double spend of a mempool tx's input paying less fee than the original is refused
    // (full RBF as in Core 28: a replacement must pay more; BIP125 rule 3).
    const spend: string = await alice.sendtoaddress(bobAddr, 1, '', '', false, false);
    const spendTx = await node.getrawtransaction(spend, true);
    const input = spendTx.vin[0];
    const coin = await node.gettxout(input.txid, input.vout, false);
    assert.ok(coin, 'spent coin is confirmed');
    const origFee = -(await alice.gettransaction(spend)).fee;
    const conflictRaw = await node.createrawtransaction(
      [{ txid: input.txid, vout: input.vout }],
      [{ [await alice.getnewaddress()]: Number((coin.value - origFee / 2).toFixed(8)) }],
    );
    const signed = await alice.signrawtransactionwithwallet(conflictRaw);
    assert.ok(signed.complete);
    const err = await assertRpcError(-26, undefined, node.sendrawtransaction(signed.hex));
    assert.match(err.message, /insufficient fee/);
    assert.equal(await node.getrawmempool(), [spend]);

    // Restart: chain, wallet balances and the mempool survive (mempool.dat, wallet DB).
    const height = await node.getblockcount();
    const best = await node.getbestblockhash();
    const aliceBefore = await alice.getbalances();
    await node.restart();
    assert.is(await node.getblockcount(), height);
    assert.is(await node.getbestblockhash(), best);
    assert.equal(await node.getrawmempool(), [spend]);
    if (!(await node.listwallets()).includes('bob')) await node.loadwallet('bob');
    const aliceRestarted = await alice.getbalances();
    assert.equal(aliceRestarted.mine, aliceBefore.mine);
    const bobRestarted = await bob.getbalances();
    assert.is(bobRestarted.mine.trusted, 12.5);
    assert.is(bobRestarted.mine.untrusted_pending, 1);
  });
});

test.run();
