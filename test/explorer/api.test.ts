// The explorer's JSON API against an in-process node (FullNode + ODA plugin, no sockets) whose
// chain crosses the newest consensus rules: ODA-BIP-0005 cost fields on /api/block and the home
// table (regtest activation 20), the ODA-BIP-0006 storage digest once storage proofs activate
// (here at 110), and an ODA-BIP-0007b private model (activation 0 here) on /api/model and
// /api/tx — owners and threshold shown, no key material anywhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FullNode } from '../../node/node.js';
import { odaPlugin } from '../../oda/plugin.js';
import { regtest, type NetworkParams } from '../../chain/params.js';
import { allMethods } from '../../rpc/methods/index.js';
import { ExplorerApi, READ_ONLY_METHODS } from '../../explorer/api.js';
import { ownerKeyOf } from '../../oda/private.js';
import { encryptBytes, generateKey } from '../../model-store/encryption.js';
import { buildMlp, DIGITS_MLP, mlpWeightShapes } from '../../tools/models/mlp.js';
import { encodeTensors } from '../../validator/blobs.js';
import { rng, randomWeights } from '../validator/helpers.js';
import { writeModelFiles } from '../oda/util.js';

const STORAGE_AT = 110;
const REGISTRY_AT = 108;
const dir = mkdtempSync(join(tmpdir(), 'oda-explorer-api-'));
const methods = new Map(allMethods().map((m) => [m.name, m]));
const params: NetworkParams = { ...regtest, activation: { ...regtest.activation, privateModels: 0, storageProofs: STORAGE_AT, registryCommitment: REGISTRY_AT } };
const OWNER_KEY = new Uint8Array(32).fill(0x21);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const COST_FIELDS = ['cu', 'cu_burned', 'cu_base_fee', 'cu_discount_ppm', 'base_bits', 'bits', 'target'] as const;

let node: FullNode;
let api: ExplorerApi;
let call: (name: string, ...args: unknown[]) => Promise<any>;
const get = (...parts: string[]): Promise<any> => api.route(parts, new URLSearchParams());

test.before(async () => {
  node = new FullNode({
    params, networkDir: join(dir, 'node', 'regtest'), rpc: false, p2p: false, wallet: true,
    fallbackFee: 20_000n, maxMempool: 300_000_000, printToConsole: false, debug: [], config: {},
  }).use(odaPlugin);
  await node.start();
  const ctx = node.context();
  call = async (name, ...args) => methods.get(name)!.handler(args, ctx);
  api = new ExplorerApi(ctx);
});
test.after(async () => {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('explorer API: cost-aware fields as getblock gives them, a storage digest, a private model without keys', async () => {
  mkdirSync(join(dir, 'files'));
  const files = writeModelFiles(join(dir, 'files'));
  const addr = await call('getnewaddress');
  await call('generatetoaddress', 101, addr);

  // A public add-model: the block after ODA-BIP-0005 activation carries CU and burns for them.
  const pub = await call('addmodel', files.architecture, files.weights, files.dataset, 'accuracy', { name: 'public' });
  const [pubBlock] = await call('generatetoaddress', 1, addr);
  const gb = await call('getblock', pubBlock, 1);
  assert.ok(gb.cu > 0, 'the block committed CU');
  const b = await get('block', pubBlock);
  for (const k of COST_FIELDS) {
    assert.equal(b[k], gb[k], `header field ${k}`);
    assert.equal(b.summary.cost[k], gb[k], `summary.cost.${k}`);
  }
  assert.is(b.summary.cost_units, gb.cu, 'the block CU is the committed one');
  assert.is(b.summary.cost.cu_per_fee_unit, 1_000_000);
  assert.match(b.summary.cost.base_target, /^[0-9a-f]{64}$/);
  assert.is(b.summary.storage, null, 'no storage proof before its activation');
  // The explorer's per-transaction estimate agrees with what the block committed.
  assert.is(b.txs.find((t: any) => t.txid === pub.txid).cu, gb.cu);
  const byHeight = await get('block', String(gb.height));
  assert.equal(byHeight.summary.cost, b.summary.cost);

  // Before activation: no cost fields at all.
  const early = await get('block', '10');
  assert.is(early.summary.cost, null);
  assert.is(early.base_bits, undefined);

  // Home: the recent-blocks table carries the same summary.
  const home = await get('home');
  assert.equal(home.blocks[0].cost, b.summary.cost);

  // A private model (2 of 2 owners: this wallet's address and an outside key), then an approval.
  const key = generateKey();
  const arch = join(dir, 'files', 'arch.enc');
  const w = [1, 2].map((s) => join(dir, 'files', `w${s}.enc`));
  writeFileSync(arch, await encryptBytes(buildMlp(DIGITS_MLP), key));
  for (const [i, f] of w.entries()) writeFileSync(f, await encryptBytes(encodeTensors(randomWeights(rng(i + 1), mlpWeightShapes(DIGITS_MLP), [1, 64])), key));
  const owners = [await call('getnewaddress'), ownerKeyOf(OWNER_KEY)];
  const added = await call('addmodel', arch, w[0], null, null, { name: 'secret', private: { owners, threshold: 2 } });
  await call('generatetoaddress', 1, addr);
  const approved = await call('approvemodelversion', added.model_id, w[1], { version_label: 'v1', keys: [hex(OWNER_KEY)] });
  assert.is(approved.complete, true);
  const [approveBlock] = await call('generatetoaddress', 1, addr);

  const rpcModel = await call('getmodel', added.model_id);
  const m = await get('model', added.model_id);
  assert.is(m.model.private, true);
  assert.equal(m.model.owners, rpcModel.owners);
  assert.is(m.model.owners.length, 2);
  assert.is(m.model.threshold, 2);
  assert.is(m.model.version, 1);
  assert.is(m.model.approvals, 1);
  assert.equal(m.versions.map((v: any) => [v.version, v.score]), [[0, 0], [1, 0]], 'approved, not scored');

  const addTx = await get('tx', added.txid);
  assert.is(addTx.tx.oda.private, true);
  assert.is(addTx.tx.oda.threshold, 2);
  assert.is(addTx.cost_units, 0, 'ODA-BIP-0007b: a private add-model is charged 0 CU');
  const approveTx = await get('tx', approved.txid);
  assert.is(approveTx.tx.oda.type, 'approve-version');
  assert.is(approveTx.model.private, true);
  assert.is(approveTx.cost_units, 0);
  const ab = await get('block', approveBlock);
  assert.is(ab.summary.cost_units, 0);
  assert.equal(ab.summary.oda.map((o: any) => o.type), ['approve-version']);

  // No key material: neither the content key nor the outside owner's private key, in any answer.
  const secrets = [hex(key), hex(OWNER_KEY)];
  for (const answer of [m, addTx, approveTx, ab, await get('home'), await get('models')]) {
    const json = JSON.stringify(answer);
    for (const s of secrets) assert.not.ok(json.includes(s), 'a key reached the explorer');
  }

  // ODA-BIP-0006: from activation on, blocks carry the 113-byte header's storage digest.
  const tip = await call('getblockcount');
  await call('generatetoaddress', STORAGE_AT + 1 - tip, addr);
  const sb = await get('block', String(STORAGE_AT));
  const sgb = await call('getblock', sb.hash, 1);
  assert.ok(sgb.storage, 'getblock reports the storage extension');
  assert.equal(sb.summary.storage, sgb.storage);
  assert.match(sb.summary.storage.digest, /^[0-9a-f]{64}$/);
  assert.is(sb.summary.storage.skips, 0, 'this node holds every blob');
  assert.is((await get('block', String(STORAGE_AT - 1))).summary.storage, null);

  // ODA-BIP-0007: the coinbase's registry root, the one a model proof of the tip leads to.
  assert.match(sb.summary.registry_root, /^[0-9a-f]{64}$/);
  assert.is(sb.summary.registry_root, sgb.registry_root);
  assert.is((await call('getmodelproof', pub.model_id)).registry_root, sgb.registry_root, 'the tip\'s proof leads to the root the explorer shows');
  assert.is((await get('block', String(REGISTRY_AT - 1))).summary.registry_root, null);
  assert.is((await call('getblock', (await get('block', String(REGISTRY_AT - 1))).hash, 1)).registry_root, undefined);
});

test('explorer API: only read-only methods are reachable', async () => {
  for (const name of READ_ONLY_METHODS) assert.not.match(name, /^(send|generate|add|approve|rollback|wrap|unwrap|submit|invalidate|stop|set|import|dump)/, name);
  await api.call('generatetoaddress' as any, 1, 'x').then(() => assert.unreachable('write method reachable'), (e) => assert.match(String(e), /not available/));
});

test.run();
