// Two ODA transactions that cannot share a block must not share the mempool either:
// otherwise every template built from the pool is invalid and mining stops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VerifyError } from '../../chain/errors.js';
import { Mempool } from '../../mempool/mempool.js';
import { createBlockTemplate } from '../../miner/template.js';
import { grind } from '../../miner/grind.js';
import { buildAddModelPayload, createOdaMempoolExtension } from '../../oda/index.js';
import { setup, odaTx, type Fixture } from './util.js';

const CREATOR = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x11)]);
const MINER = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x33)]);
let f: Fixture;
let pool: Mempool;

test.before(async () => {
  f = await setup({ mature: 4 });
  const ext = createOdaMempoolExtension({ chain: f.chain, context: f.ext.context });
  pool = new Mempool({ chain: f.chain, params: f.chain.params, extensions: [ext], requireStandard: false });
  pool.on('removed', (e: { txid: string }) => ext.forget(e.txid));
  f.chain.on('connect', (_e: unknown, block: any) => pool.handleConnect(block));
});

test.after(async () => {
  await pool.close();
  await f.close();
});

const addModel = (i: number) => buildAddModelPayload({
  architecture: f.archRef, dataset: f.datasetRef, weights: f.weights[i].ref, objective: 'accuracy', royalty: 1000n,
  payoutScript: Buffer.from(CREATOR).toString('hex'), name: `twin-${i}`, description: '', license: 'MIT', versionLabel: 'v0',
});

test('twin add-models of one model: the second is a mempool conflict, the template stays valid', async () => {
  const first = odaTx(f, addModel(0).script);
  const twin = odaTx(f, addModel(1).script); // same architecture, dataset, objective: same model id
  assert.is(addModel(0).modelId, addModel(1).modelId);
  await pool.addTransaction(first);
  try {
    await pool.addTransaction(twin);
    assert.unreachable('twin accepted');
  } catch (e) {
    assert.ok(e instanceof VerifyError, String(e));
    assert.is((e as VerifyError).reason, 'txn-mempool-conflict');
  }
  assert.ok(pool.has(first.getId()) && !pool.has(twin.getId()));
  // A testmempoolaccept-style check of the twin leaves no record that blocks anything later.
  const [res] = await pool.testAccept([twin]);
  assert.is(res.allowed, false);

  const template = await createBlockTemplate({ chain: f.chain, mempool: pool, outputScript: MINER });
  assert.is(template.block.transactions!.length, 2, 'coinbase + the first add-model');
  const block = grind(template.block, 1_000_000)!;
  await f.chain.processBlock(block);
  assert.is(f.chain.tip.hash, block.getId(), 'the template is a valid block');
  await pool.flush();
  assert.ok(!pool.has(first.getId()), 'confirmed tx left the pool');
  // Once the model is registered the twin is a plain duplicate.
  try {
    await pool.addTransaction(twin);
    assert.unreachable('twin accepted after the model was registered');
  } catch (e) {
    assert.is((e as VerifyError).reason, 'bad-oda-model-duplicate');
  }
});

test.run();
