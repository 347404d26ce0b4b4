// ODA as a plugin of an in-process FullNode, driven through its RPC handlers: the validation
// cache makes one node evaluate a model's weights once from the RPC pre-check through the
// mempool to the mined block (add-model, and commit + reveal); the wallet keeps its commits,
// so after a restart revealweights needs no payout address.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FullNode, type NodeOptions } from '../../node/node.js';
import { odaPlugin } from '../../oda/plugin.js';
import { regtest } from '../../chain/params.js';
import { allMethods } from '../../rpc/methods/index.js';
import type { NodeContext } from '../../rpc/context.js';
import { evaluationCount } from '../../validator/index.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';
import { digitsDatasetBlob, digitsSplit, loadDigits } from '../../tools/data/digits.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-plugin-'));
const methods = new Map(allMethods().map((m) => [m.name, m]));

function options(): NodeOptions {
  return {
    params: regtest, networkDir: join(dir, 'node', 'regtest'), rpc: false, p2p: false, wallet: true,
    fallbackFee: 20_000n, maxMempool: 300_000_000, printToConsole: false, debug: [], config: {},
  };
}

async function startNode(): Promise<{ node: FullNode; call: (name: string, ...args: unknown[]) => Promise<any> }> {
  const node = new FullNode(options()).use(odaPlugin);
  await node.start();
  const ctx: NodeContext = node.context();
  const call = async (name: string, ...args: unknown[]) => methods.get(name)!.handler(args, ctx);
  return { node, call };
}

test('add-model and commit/reveal evaluate once per node; revealweights after a restart needs no payout address', async () => {
  mkdirSync(join(dir, 'files'));
  const files = await prepareDigitsModel(join(dir, 'files'));
  const small = join(dir, 'files', 'digits-eval-100.safetensors');
  const split = digitsSplit(loadDigits(), 'eval');
  writeFileSync(small, digitsDatasetBlob({ pixels: split.pixels.subarray(0, 100 * 64), labels: split.labels.subarray(0, 100), rows: 100 }));

  let { node, call } = await startNode();
  try {
    const addr = await call('getnewaddress');
    await call('generatetoaddress', 101, addr);

    // add-model: RPC pre-check, mempool acceptance, block validation.
    let before = evaluationCount();
    const added = await call('addmodel', files.architecture, files.baseWeights, files.dataset);
    assert.equal(await call('getrawmempool'), [added.txid]);
    await call('generatetoaddress', 1, addr);
    assert.is((await call('getmodel', added.model_id)).version, 0);
    assert.is(evaluationCount() - before, 1, 'one evaluation for one add-model');

    // commit (scored by the RPC), reveal (mempool), mined (block): the same weights, once.
    before = evaluationCount();
    const commit = await call('commitweights', added.model_id, files.improvedWeights);
    await call('generatetoaddress', 2, addr);
    const reveal = await call('revealweights', added.model_id, files.improvedWeights, commit.salt);
    assert.is(reveal.score, commit.score, 'the reply reuses the verdict');
    await call('generatetoaddress', 1, addr);
    assert.is((await call('getmodel', added.model_id)).version, 1);
    assert.is(evaluationCount() - before, 1, 'one evaluation for commit + reveal + block');

    // A second model, committed before a restart and revealed after it with weights and salt only.
    const second = await call('addmodel', files.architecture, files.baseWeights, small, 'accuracy', { name: 'digits-100' });
    await call('generatetoaddress', 1, addr);
    const c2 = await call('commitweights', second.model_id, files.improvedWeights);
    await call('generatetoaddress', 2, addr);
    await node.stop();
    ({ node, call } = await startNode());
    const r2 = await call('revealweights', second.model_id, files.improvedWeights, c2.salt);
    assert.is(r2.score, c2.score);
    await call('generatetoaddress', 1, addr);
    const m2 = await call('getmodel', second.model_id);
    assert.is(m2.version, 1);
    assert.is(m2.trainer, c2.payout_address, 'the kept payout script was used');
  } finally {
    await node.stop();
  }
  rmSync(dir, { recursive: true, force: true });
});

test.run();
