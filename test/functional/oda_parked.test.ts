// A block whose model data the node lacks is parked, not judged (ODA-BIP-0003 §8): submitblock
// answers "inconclusive", the chain stays where it is, nothing is marked invalid; once the data
// arrives (here by importblob, no peers at all) the block connects and the model is registered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runFunctionalTest, waitUntil } from './framework.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';

test('a block parked for missing model data connects once importblob brings the data', async () => {
  await runFunctionalTest({ numNodes: 2 }, async ([miner, late], env) => {
    const dir = join(env.tmpdir, 'files');
    mkdirSync(dir);
    const files = await prepareDigitsModel(dir);
    const addr = await miner.getnewaddress();
    await miner.generatetoaddress(101, addr);
    for (let h = 1; h <= 101; h++) {
      assert.is(await late.submitblock(await miner.getblock(await miner.getblockhash(h), 0)), null);
    }
    const added = await miner.addmodel(files.architecture, files.baseWeights, files.dataset, 'accuracy', { name: 'parked' });
    const [modelBlock] = await miner.generatetoaddress(1, addr);
    const [nextBlock] = await miner.generatetoaddress(1, addr);

    assert.is(await late.submitblock(await miner.getblock(modelBlock, 0)), 'inconclusive');
    assert.is(await late.submitblock(await miner.getblock(nextBlock, 0)), 'inconclusive');
    assert.is(await late.getblockcount(), 101, 'no verdict without the data');
    const tips = (await late.getchaintips()) as Array<{ hash: string; status: string }>;
    assert.ok(!tips.some((t) => t.status === 'invalid'), 'nothing marked invalid');

    await late.importblob(files.architecture, 'onnx');
    await late.importblob(files.baseWeights, 'safetensors-weights');
    await late.importblob(files.dataset, 'safetensors-dataset');
    await waitUntil(async () => (await late.getblockcount()) === 103, 60_000);
    assert.is(await late.getbestblockhash(), nextBlock);
    const model = await late.getmodel(added.model_id);
    assert.equal(model, await miner.getmodel(added.model_id));
  });
});

test.run();
