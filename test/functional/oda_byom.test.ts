// Bring your own model, end to end over RPC on one regtest node: a float MLP exported by
// PyTorch (test/fixtures/byom) is converted by oda-model, registered with `addmodel DIR`,
// runs an inference whose output matches the offline integer model, and a better retrain goes
// through export-weights + updateweights and is accepted with a higher score. The float file
// itself is refused with the rule, the offending node and tensor and the way out; a directory
// with a changed or missing file is named; on every error the wallet balance, the mempool, the
// registry and the model store stay as they were.
// 1 node, ~110 blocks, a few 114-row scoring runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFunctionalTest, assertRpcError, skipTest, waitUntil } from './framework.js';
import { RpcError } from '../../rpc/errors.js';
import { convert } from '../../tools/model/convert.js';
import { exportWeights } from '../../tools/model/export-weights.js';
import { parseSafetensors } from '../../model-store/safetensors.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'byom');

test('oda-model convert -> addmodel DIR -> infer -> export-weights -> updateweights accepted with a higher score', async () => {
  await runFunctionalTest({ numNodes: 1 }, async ([a], env) => {
    try {
      await a.listmodels();
    } catch (e) {
      if (e instanceof RpcError && e.message === 'ODA transactions are not enabled on this node') skipTest('the ODA layer is not wired into the node');
      throw e;
    }
    const dir = join(env.tmpdir, 'breast-cancer');
    const conv = await convert({ model: join(FIX, 'breast-cancer-v1.onnx'), calibration: join(FIX, 'breast-cancer-train.csv'), dataset: join(FIX, 'breast-cancer-eval.csv'), label: 'target', out: dir });
    const improved = join(env.tmpdir, 'v2.safetensors');
    const exp = await exportWeights(join(FIX, 'breast-cancer-v2.onnx'), dir, improved);
    assert.ok(exp.score > exp.baselineScore);

    const addr = await a.getnewaddress();
    await a.generatetoaddress(101, addr);

    const before = { balance: await a.getbalance(), blobs: await a.listblobs() };
    // The float model itself: the rule, the offending node and tensor, and the way out.
    const float = await assertRpcError(-26, 'oda-model convert', a.addmodel(join(FIX, 'breast-cancer-v1.onnx'), conv.files.weights, conv.files.dataset));
    assert.match(float.message, /^bad-model-dtype, node '\/net\/net\.0\/Gemm' \(Gemm\): float weights 'net\.0\.weight' \[16, 30\]/);
    assert.match(float.message, /ODA-BIP-0002 section 5/);
    await assertRpcError(-8, 'leave weights and dataset empty', a.addmodel(dir, conv.files.weights, null));
    await assertRpcError(-8, 'not a directory made by oda-model', a.addmodel(env.tmpdir));
    await assertRpcError(-8, 'weights and dataset are required', a.addmodel(conv.files.architecture));
    // A copy of the directory with one changed byte, then with a missing file, then a broken manifest.
    const copy = join(env.tmpdir, 'tampered');
    mkdirSync(copy);
    for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(copy, f));
    const w = readFileSync(join(copy, 'weights.safetensors'));
    w[w.length - 1] ^= 1;
    writeFileSync(join(copy, 'weights.safetensors'), w);
    await assertRpcError(-8, `${join(copy, 'weights.safetensors')} was changed after oda-model wrote it`, a.addmodel(copy));
    copyFileSync(join(dir, 'weights.safetensors'), join(copy, 'weights.safetensors'));
    rmSync(join(copy, 'dataset.safetensors'));
    await assertRpcError(-8, `${join(copy, 'dataset.safetensors')} is missing (oda-model.json lists it as the dataset)`, a.addmodel(copy));
    writeFileSync(join(copy, 'oda-model.json'), '{"format": "oda-model/1"');
    await assertRpcError(-8, `${join(copy, 'oda-model.json')}:`, a.addmodel(copy));
    // A failure after the blobs were imported (the payout address is checked while building): the store is cleaned up.
    await assertRpcError(-5, 'Invalid ODA address', a.addmodel(dir, null, null, null, { payout_address: 'not-an-address' }));
    assert.equal(await a.listmodels(), []);
    assert.equal(await a.getrawmempool(), []);
    assert.is(await a.getbalance(), before.balance);
    assert.equal(await a.listblobs(), before.blobs);

    const added = await a.addmodel(dir);
    assert.is(added.baseline_score, Number(conv.dataset!.score));
    assert.is(added.dataset_rows, 114);
    assert.ok(added.cost_units > 0 && added.fee > 0);
    await a.generatetoaddress(1, addr);
    const m0 = await a.getmodel(added.model_id);
    assert.is(m0.name, 'breast-cancer');
    assert.is(m0.score, Number(conv.dataset!.score));

    // Inference on two quantized evaluation rows: the chain's output is the offline model's.
    const ds = parseSafetensors(new Uint8Array(readFileSync(conv.files.dataset!)));
    const x = ds.tensors.get('features')!;
    const rows = [Array.from(x.data.subarray(0, 30)), Array.from(x.data.subarray(30, 60))];
    const inf = await a.infer(added.model_id, rows);
    assert.is(inf.rows, 2);
    assert.equal(inf.output[0].dims, [2, 2]);
    assert.is(inf.argmax.length, 2);
    await a.generatetoaddress(1, addr);
    assert.is((await a.getinference(inf.txid)).confirmations, 1);

    // The improving update: commit now, the node reveals once the delay has passed.
    const upd = await a.updateweights(added.model_id, improved);
    assert.is(upd.score, Number(exp.score));
    await a.generatetoaddress(1, addr);
    for (let h = await a.getblockcount(); h < upd.reveal_height + 2; h++) {
      await a.generatetoaddress(1, addr);
      if ((await a.getmodel(added.model_id)).version === 1) break;
    }
    await waitUntil(async () => {
      if ((await a.getmodel(added.model_id)).version === 1) return true;
      await a.generatetoaddress(1, addr);
      return false;
    }, 60_000, 'the reveal is mined');
    const m1 = await a.getmodel(added.model_id);
    assert.is(m1.score, Number(exp.score));
    assert.ok(m1.score > m0.score);
  });
});

test.run();
