// Capability classes (ODA-BIP-0007b): a node with -maxvalidationcost does not re-execute
// inference above it. Such a block is accepted on the miners' word (a wrong output included:
// the trust the class implies), recorded as unverified-by-this-node, shown by getblock; the
// node neither relays nor mines what it cannot check; getnetworkinfo shows the class.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerifyError } from '../../chain/errors.js';
import { buildAddModelPayload, buildInferencePayload, inlineData } from '../../oda/index.js';
import { checkOdaTransaction } from '../../oda/mempool-check.js';
import { OdaReason } from '../../oda/reasons.js';
import { runInference, inferenceCost } from '../../validator/index.js';
import { FullNode } from '../../node/node.js';
import { odaPlugin } from '../../oda/plugin.js';
import { regtest } from '../../chain/params.js';
import { allMethods } from '../../rpc/methods/index.js';
import { RpcError } from '../../rpc/errors.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';
import { digitsDatasetBlob, digitsSplit, loadDigits } from '../../tools/data/digits.js';
import { setup, odaTx, mineTxs, input, subset, type Fixture } from './util.js';

const CREATOR = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x11)]);

test('chain: inference above the class is accepted unchecked (even a wrong one) and reported; below it is still re-executed', async () => {
  const f: Fixture = await setup({ mature: 8 });
  try {
    const add = buildAddModelPayload({ architecture: f.archRef, dataset: f.datasetRef, weights: f.weights[0].ref, objective: 'accuracy', royalty: 0n, payoutScript: Buffer.from(CREATOR).toString('hex'), name: 'm' });
    await mineTxs(f, [odaTx(f, add.script)]);
    const inf = async (rows: number, tamper: boolean) => {
      const x = input(subset(f.queries, 0, rows));
      const [out] = await runInference(f.ctx, f.weights[0].bytes, [x]);
      if (tamper) (out.data as Int32Array)[0] += 1;
      return odaTx(f, buildInferencePayload({ modelId: add.modelId, version: 0, input: inlineData([x]), output: inlineData([out]) }).script);
    };
    const seen: Array<[string, readonly string[]]> = [];
    f.ext.onUnverified = (h, txids) => seen.push([h, txids]);
    f.ext.context.maxValidationCost = inferenceCost(f.ctx.arch, 2);

    const small = await inf(1, true);
    await mineTxs(f, [small]).then(() => assert.unreachable('wrong 1-row output accepted'), (e) => assert.is((e as VerifyError).reason, 'bad-inference-output'));
    const big = await inf(3, true);
    await checkOdaTransaction(f.ext.context, f.chain, big, { coins: [], nextHeight: f.chain.height + 1 })
      .then(() => assert.unreachable('limited node would relay what it cannot check'), (e) => assert.is((e as VerifyError).reason, OdaReason.ABOVE_VALIDATION_COST));
    await mineTxs(f, [big]);
    assert.equal(seen, [[f.chain.tip.hash, [big.getId()]]], 'the wrong 3-row output is in the chain of this node, reported unverified');

    // The same block on a full node: rejected.
    f.ext.context.maxValidationCost = undefined;
    const again = await inf(3, true);
    await mineTxs(f, [again]).then(() => assert.unreachable('full node accepted a wrong output'), (e) => assert.is((e as VerifyError).reason, 'bad-inference-output'));
  } finally {
    await f.close();
  }
});

test('node: getnetworkinfo shows the class; getblock marks what this node did not re-execute, also after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-capability-'));
  const methods = new Map(allMethods().map((m) => [m.name, m]));
  const start = async () => {
    const node = new FullNode({
      params: regtest, networkDir: join(dir, 'node', 'regtest'), rpc: false, p2p: false, wallet: true, maxValidationCost: 1n,
      fallbackFee: 20_000n, maxMempool: 300_000_000, printToConsole: false, debug: [], config: {},
    }).use(odaPlugin);
    await node.start();
    const ctx = node.context();
    return { node, ctx, call: async (name: string, ...args: unknown[]): Promise<any> => methods.get(name)!.handler(args, ctx) };
  };
  let { node, ctx, call } = await start();
  try {
    assert.equal((await call('getnetworkinfo')).capabilityclass, { name: 'limited', maxvalidationcost: 1 });
    mkdirSync(join(dir, 'files'));
    const files = await prepareDigitsModel(join(dir, 'files'));
    const small = join(dir, 'files', 'eval-100.safetensors');
    const split = digitsSplit(loadDigits(), 'eval');
    writeFileSync(small, digitsDatasetBlob({ pixels: split.pixels.subarray(0, 100 * 64), labels: split.labels.subarray(0, 100), rows: 100 }));
    const addr = await call('getnewaddress');
    await call('generatetoaddress', 101, addr);
    const added = await call('addmodel', files.architecture, files.baseWeights, small);
    await call('generatetoaddress', 1, addr);
    const row = Array.from({ length: 64 }, (_, i) => i % 16);
    await call('infer', added.model_id, [row]).then(() => assert.unreachable('limited node accepted an inference above its class'), (e: RpcError) => assert.match(e.message, /oda-above-validation-cost/));
    // Another node (here: this one with its limit lifted for one transaction) relays it; this node then mines it.
    ctx.oda!.context.maxValidationCost = undefined;
    const inf = await call('infer', added.model_id, [row]);
    ctx.oda!.context.maxValidationCost = 1n;
    const [hash] = await call('generatetoaddress', 1, addr);
    assert.equal((await call('getblock', hash)).unverified_by_this_node, [inf.txid]);
    const v2 = await call('getblock', hash, 2);
    assert.is(v2.tx.find((t: { txid: string }) => t.txid === inf.txid).verified_by_this_node, false);
    assert.is(v2.tx[0].verified_by_this_node, undefined);
    await node.stop();
    ({ node, ctx, call } = await start());
    assert.equal((await call('getblock', hash)).unverified_by_this_node, [inf.txid], 'kept across a restart');
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
