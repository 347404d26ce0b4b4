// -storemodels between two real odad processes (ODA-BIP-0006 §8). A registers a model; B runs
// with -storemodels=none: it fetches the model data to validate the block (the P2P gate), then
// removes it, and getstorageinfo shows nothing held while the chain goes on. Restarted with
// -storemodels=all, B fetches the registered data from A in the background until it holds
// 100 % (getstorageinfo, getmininginfo.storageheld), and blocks keep connecting meanwhile.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runFunctionalTest, syncBlocks, waitUntil, type TestNode } from './framework.js';
import { connectNodes } from './p2p-util.js';
import { writeModelFiles } from '../oda/util.js';

const debugLog = (n: TestNode) => readFileSync(join(n.networkDir, 'debug.log'), 'utf8');

test('-storemodels=none holds no registered data; -storemodels=all fetches it in the background (2 odad nodes)', async () => {
  await runFunctionalTest({ numNodes: 2, extraArgs: [[], ['-storemodels=none']] }, async (nodes, env) => {
    const [a, b] = nodes;
    const dir = join(env.tmpdir, 'files');
    mkdirSync(dir);
    const files = writeModelFiles(dir);
    const total = [files.architecture, files.dataset, files.weights].reduce((s, f) => s + statSync(f).size, 0);

    await connectNodes(a, b);
    const addr = await a.getnewaddress();
    await a.generatetoaddress(101, addr);
    const added = await a.addmodel(files.architecture, files.weights, files.dataset, 'accuracy', { name: 'kept' });
    await a.generatetoaddress(1, addr);
    await syncBlocks(nodes);

    const infoA = await a.getstorageinfo();
    assert.equal([infoA.storemodels, infoA.registered_blobs, infoA.registered_bytes, infoA.held_share], ['pinned', 3, total, 1]);
    assert.equal(infoA.models.map((m: any) => [m.model_id, m.name, m.blobs, m.held_blobs]), [[added.model_id, 'kept', 3, 3]]);
    assert.is((await a.getmininginfo()).storageheld, 1);

    // B validated the block with the data, then dropped it: same index, nothing held.
    await waitUntil(async () => (await b.getstorageinfo()).held_bytes === 0, 30_000, 'B removes the registered data');
    const infoB = await b.getstorageinfo();
    assert.equal([infoB.storemodels, infoB.registered_blobs, infoB.registered_bytes, infoB.held_share], ['none', 3, total, 0]);
    assert.is((await b.getmininginfo()).storageheld, 0);
    assert.equal(await b.listblobs(), []);
    assert.equal((await b.getmodel(added.model_id)).model_id, added.model_id, 'the registry keeps the model');
    // The chain goes on without the data on B.
    await a.generatetoaddress(2, addr);
    await syncBlocks(nodes);

    // Restarted as a miner would be (all): B catches up with the registered data from A.
    await b.restart(['-storemodels=all']);
    await connectNodes(b, a);
    await waitUntil(async () => (await b.getstorageinfo()).held_share === 1, 60_000, 'B fetches every registered blob');
    const caught = await b.getstorageinfo();
    assert.equal([caught.storemodels, caught.held_bytes, caught.held_blobs], ['all', total, 3]);
    assert.equal(caught.models.map((m: any) => [m.model_id, m.held_bytes, m.held_blobs]), [[added.model_id, total, 3]]);
    assert.is((await b.getmininginfo()).storageheld, 1);
    for (const r of [added.architecture.root, added.dataset.root, added.weights.root]) {
      const v = await b.verifyblob(r);
      assert.equal([v.ok, v.badpieces, v.missingpieces], [true, [], []], `B holds ${r} intact`);
    }
    const log = debugLog(b);
    assert.match(log, 'storemodels=all: fetching 3 missing registered blob(s)');
    assert.match(log, 'storemodels=all: fetched');
    assert.match(log, '(3/3 blobs');

    // Both nodes still agree on every block.
    await a.generatetoaddress(1, addr);
    await syncBlocks(nodes);
    assert.is(await b.getbestblockhash(), await a.getbestblockhash());
  });
});

test.run();
