// Multi-process P2P on loopback with real odad nodes (Core's p2p functional tests, ODA
// flavour): sync from scratch, block and transaction propagation along a line, two
// partitions mining competing chains and healing onto the heavier one, a node restarted in
// the middle of initial block download resuming. Takes ~30 s on a 2-core machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runFunctionalTest, syncBlocks, syncMempools, waitUntil } from './framework.js';
import { connectLine, connectNodes, disconnectNodes } from './p2p-util.js';

test('sync, relay, partition and heal, restart mid-IBD (4 odad nodes)', async () => {
  await runFunctionalTest({ numNodes: 4 }, async (nodes) => {
    const [n0, n1, n2, n3] = nodes;
    const addr = await n0.rpc('getnewaddress').catch(() => undefined);
    const mineTo = addr ?? 'odart1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq';
    // Sync from scratch: node0 mines, 1..3 join in a line.
    await n0.generatetoaddress(110, mineTo);
    await connectLine(nodes);
    await syncBlocks(nodes, 60_000);
    const info = await n3.getblockchaininfo();
    assert.is(info.blocks, 110);
    assert.is(info.headers, 110);
    // Transaction propagation (if the wallet is available).
    if (addr) {
      const txid = await n0.sendtoaddress(addr, 1);
      await syncMempools(nodes, 30_000);
      assert.ok(((await n3.getrawmempool()) as string[]).includes(txid));
    }
    // Partition [0,1] | [2,3], competing chains, heal onto the heavier.
    await disconnectNodes(n1, n2);
    await n0.generatetoaddress(3, mineTo);
    await n3.generatetoaddress(6, mineTo);
    await syncBlocks([n0, n1], 30_000);
    await syncBlocks([n2, n3], 30_000);
    assert.is.not(await n0.getbestblockhash(), await n3.getbestblockhash());
    await connectNodes(n1, n2);
    await syncBlocks(nodes, 60_000);
    assert.is(await n0.getbestblockhash(), await n3.getbestblockhash());
    assert.is(await n0.getblockcount(), 116);
    // Restart mid-IBD: node3 mines 600 blocks; node0 starts syncing, is stopped, restarts, resumes.
    await n3.generatetoaddress(600, mineTo);
    let stoppedAt = 0;
    await waitUntil(async () => (stoppedAt = await n0.getblockcount()) > 150, 60_000, 'node0 syncing');
    await n0.stop();
    console.log(`node0 stopped at height ${stoppedAt} of 716 (wallet: ${addr ? 'yes' : 'no'})`);
    assert.ok(stoppedAt < 716, 'stopped before the end of the download');
    n0.start();
    await n0.waitForRpc();
    await connectNodes(n0, n1);
    await syncBlocks(nodes, 120_000);
    assert.is(await n0.getblockcount(), 716);
    const peers = (await n1.getpeerinfo()) as any[];
    assert.ok(peers.every((p) => typeof p.bytesrecv_per_msg === 'object'));
  });
});

test.run();
