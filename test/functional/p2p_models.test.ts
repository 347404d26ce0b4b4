// Model data over P2P between real odad processes (ODA-BIP-0004 §8): three nodes in a line
// A—B—C, C never connected to A. A imports the digits model files (the dataset tiled to three
// 1 MiB pieces), registers the model and mines the block; B may hand that block to its chain
// only once it holds the three blobs (fetched from A), and C only once it holds them too —
// fetched from B, the one peer it has.
// C ends with every blob complete and re-verified against its root, the block on its chain,
// the model in its registry, and A's later inference validated. ~10-20 s on a loaded 2-core box.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runFunctionalTest, syncBlocks, type TestNode } from './framework.js';
import { connectLine, writeTiledDigitsDataset } from './p2p-util.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';

const debugLog = (n: TestNode) => readFileSync(join(n.networkDir, 'debug.log'), 'utf8');

test('a model\'s data spreads A → B → C before C accepts the block that uses it (3 odad nodes)', async () => {
  await runFunctionalTest({ numNodes: 3 }, async (nodes, env) => {
    const [a, b, c] = nodes;
    const dir = join(env.tmpdir, 'files');
    mkdirSync(dir);
    const files = await prepareDigitsModel(dir);
    // The evaluation split ×120 (43,200 rows, 2.8 MB): a dataset of three 1 MiB pieces.
    const dataset = join(dir, 'digits-eval-x120.safetensors');
    writeTiledDigitsDataset(dataset, 120);

    await connectLine(nodes);
    const addr = await a.getnewaddress();
    await a.generatetoaddress(101, addr);
    await syncBlocks(nodes);

    // The topology the test relies on: C's only peer is B; A's only peer is B.
    const addrOf = (n: TestNode) => `127.0.0.1:${n.p2pPort}`;
    const peersOf = async (n: TestNode) => (await n.getpeerinfo()) as any[];
    assert.equal((await peersOf(a)).map((p) => [p.addr, p.inbound]), [[addrOf(b), false]]);
    const cPeers = await peersOf(c);
    assert.is(cPeers.length, 1, 'C has exactly one peer');
    assert.ok(cPeers[0].inbound, 'C\'s peer is B\'s outbound connection');
    assert.ok(!(await peersOf(c)).some((p) => p.addr === addrOf(a)), 'C is not connected to A');

    // A imports the files, then registers the model by their roots.
    const imported = {
      architecture: await a.importblob(files.architecture, 'onnx'),
      weights: await a.importblob(files.baseWeights, 'safetensors-weights'),
      dataset: await a.importblob(dataset, 'safetensors-dataset'),
    };
    for (const [k, m] of Object.entries(imported)) {
      assert.ok(m.complete, `${k} imported complete on A`);
      assert.is(m.length, statSync(k === 'architecture' ? files.architecture : k === 'weights' ? files.baseWeights : dataset).size);
    }
    assert.is((await a.getblobinfo(imported.dataset.root, true)).piecelayer.length, 3, 'the dataset spans three pieces');
    const roots = Object.values(imported).map((m: any) => m.root as string);
    const source: Record<string, string> = { [imported.architecture.root]: files.architecture, [imported.weights.root]: files.baseWeights, [imported.dataset.root]: dataset };
    for (const n of [b, c]) for (const r of roots) assert.equal(await n.listblobs().then((l: any[]) => l.filter((x) => x.root === r)), [], `node${n.index} has no copy of ${r} yet`);

    const added = await a.addmodel(imported.architecture.root, imported.weights.root, imported.dataset.root, 'accuracy', { name: 'digits-p2p' });
    assert.equal(added.weights.root, imported.weights.root);
    const [modelBlock] = await a.generatetoaddress(1, addr);
    const modelBlockHeight = await a.getblockcount();

    // C reaches A's tip: it got the block (from B) and connected it.
    await syncBlocks(nodes, 90_000);
    assert.is(await c.getbestblockhash(), modelBlock);
    assert.is(await c.getblockcount(), modelBlockHeight);

    // C holds every blob, complete, under the same root and length, and every piece re-hashes.
    for (const m of Object.values(imported) as any[]) {
      const info = await c.getblobinfo(m.root, true);
      assert.is(info.root, m.root);
      assert.is(info.length, m.length);
      assert.is(info.mediatype, m.mediatype);
      assert.ok(info.complete, `C holds ${m.root} complete`);
      assert.is(info.havepieces, info.piecelayer.length);
      assert.equal(info.piecelayer, (await a.getblobinfo(m.root, true)).piecelayer);
      const v = await c.verifyblob(m.root);
      assert.equal([v.ok, v.badpieces, v.missingpieces], [true, [], []]);
      // Byte for byte the file A imported.
      const out = join(env.tmpdir, `c-${m.root}.bin`);
      await c.exportblob(m.root, out);
      assert.ok(readFileSync(out).equals(readFileSync(source[m.root])), `C's ${m.root} equals A's file`);
      // B, the relay, holds it as well.
      assert.ok((await b.getblobinfo(m.root)).complete, `B holds ${m.root} complete`);
    }

    // The bytes came over C's one connection, from B: C received pieces and manifests from
    // it totalling at least the blobs' lengths, and A never had a connection to C.
    const [fromB] = await peersOf(c);
    const totalLength = (Object.values(imported) as any[]).reduce((s, m) => s + m.length, 0);
    assert.ok((fromB.bytesrecv_per_msg.piece ?? 0) >= totalLength, `C got ${fromB.bytesrecv_per_msg.piece} piece bytes from B, blobs total ${totalLength}`);
    assert.ok((fromB.bytesrecv_per_msg.manifest ?? 0) > 0, 'C got the manifests from B');
    // B's inbound peer is A (A dialled B; C is B's outbound peer).
    assert.ok(((await peersOf(b)).find((p) => p.inbound)?.bytesrecv_per_msg.piece ?? 0) >= totalLength, 'B got the pieces from A');
    assert.ok(!(await peersOf(a)).some((p) => p.inbound), 'nobody but B ever stayed connected to A');

    // Ordering: C's chain never saw the block without its data. Had the block reached the
    // chain first, the chain would have parked it ('missing-data' → "block … waits for model
    // data" in debug.log); instead the P2P gate fetched every blob (one "complete" line per
    // root, after a manifest from B) and only then handed the block over.
    const logC = debugLog(c);
    assert.not.ok(logC.includes(`block ${modelBlock} waits for model data`), 'C\'s chain never held the block without its data');
    for (const r of roots) {
      assert.ok(logC.includes(`blob ${r}: manifest from peer=${fromB.id}`), `C took ${r}'s manifest from B (peer=${fromB.id})`);
      assert.ok(logC.includes(`blob ${r}: complete`), `C logged ${r} complete`);
    }

    // C validated the block with that data: the model is in its registry, identical to A's.
    const mA = await a.getmodel(added.model_id);
    const mC = await c.getmodel(added.model_id);
    assert.equal(mC, mA);
    assert.is(mC.version, 0);
    assert.is(mC.name, 'digits-p2p');
    assert.equal((await c.listmodels()).map((m: any) => m.model_id), [added.model_id]);

    // An inference on A, mined: C re-ran the model on the data it fetched and shows the result.
    const inf = await a.infer(added.model_id, files.samples[0].hex);
    const [infBlock] = await a.generatetoaddress(1, addr);
    await syncBlocks(nodes, 60_000);
    assert.is(await c.getbestblockhash(), infBlock);
    // The registry's inference index is written in the block's own batch: no wait needed.
    const gi = await c.getinference(inf.txid);
    assert.is(gi.blockhash, infBlock);
    assert.is(gi.model_id, added.model_id);
    assert.is(gi.version, 0);
    assert.is(gi.rows, 1);
    assert.is(gi.confirmations, 1);
    assert.equal(gi.output, inf.output);
    assert.equal(gi, await a.getinference(inf.txid));
  });
});

test.run();
