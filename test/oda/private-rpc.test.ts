// Private models through the RPC of an in-process node (ODA-BIP-0007b): addmodel with
// metadata.private (owners: one wallet address, two outside keys; 2 of 3), approvemodelversion
// gathering a second owner's signature across two calls, rollbackmodel, getmodel's private
// fields, and wrapkey/unwrapkey handing the content key to a device.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ecc from 'tiny-secp256k1';
import { FullNode } from '../../node/node.js';
import { odaPlugin } from '../../oda/plugin.js';
import { regtest, type NetworkParams } from '../../chain/params.js';
import { allMethods } from '../../rpc/methods/index.js';
import { RpcError } from '../../rpc/errors.js';
import { ownerKeyOf } from '../../oda/private.js';
import { encryptBytes, decryptBytes, generateKey } from '../../model-store/encryption.js';
import { buildMlp, DIGITS_MLP, mlpWeightShapes } from '../../tools/models/mlp.js';
import { encodeTensors } from '../../validator/blobs.js';
import { rng, randomWeights } from '../validator/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-private-rpc-'));
const methods = new Map(allMethods().map((m) => [m.name, m]));
const params: NetworkParams = { ...regtest, activation: { ...regtest.activation, privateModels: 0 } };
const EXT = [new Uint8Array(32).fill(0x21), new Uint8Array(32).fill(0x42)];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let node: FullNode;
let call: (name: string, ...args: unknown[]) => Promise<any>;

async function rpcFails(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
    assert.unreachable('call succeeded');
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    assert.match(e.message, pattern);
  }
}

test.before(async () => {
  node = new FullNode({
    params, networkDir: join(dir, 'node', 'regtest'), rpc: false, p2p: false, wallet: true,
    fallbackFee: 20_000n, maxMempool: 300_000_000, printToConsole: false, debug: [], config: {},
  }).use(odaPlugin);
  await node.start();
  const ctx = node.context();
  call = async (name, ...args) => methods.get(name)!.handler(args, ctx);
});
test.after(async () => {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('private model: add (2 of 3), approve v1 across two calls, roll back to v0, getmodel, key to a device', async () => {
  const key = generateKey();
  const files = join(dir, 'files');
  mkdirSync(files);
  const arch = buildMlp(DIGITS_MLP);
  const w = [1, 2].map((s) => encodeTensors(randomWeights(rng(s), mlpWeightShapes(DIGITS_MLP), [1, 64])));
  writeFileSync(join(files, 'arch.enc'), await encryptBytes(arch, key));
  writeFileSync(join(files, 'w0.enc'), await encryptBytes(w[0], key));
  writeFileSync(join(files, 'w1.enc'), await encryptBytes(w[1], key));
  writeFileSync(join(files, 'plain.bin'), w[1]);

  const addr = await call('getnewaddress');
  await call('generatetoaddress', 101, addr);
  const owner = await call('getnewaddress');
  const owners = [owner, ownerKeyOf(EXT[0]), hex(ecc.pointFromScalar(EXT[1], true)!)];
  const added = await call('addmodel', join(files, 'arch.enc'), join(files, 'w0.enc'), null, null, { name: 'secret', private: { owners, threshold: 2 } });
  await call('generatetoaddress', 1, addr);
  let m = await call('getmodel', added.model_id);
  assert.is(m.private, true);
  assert.is(m.threshold, 2);
  assert.is(m.owners.length, 3);
  assert.is(m.version, 0);
  assert.match(m.verification, /not re-executed/);

  // Plaintext weights are refused as an encrypted blob before anything is sent.
  await rpcFails(call('approvemodelversion', added.model_id, join(files, 'plain.bin')), /weights/);

  // The wallet's owner signs alone: 1 of 2, nothing sent; the second owner adds a signature.
  const partial = await call('approvemodelversion', added.model_id, join(files, 'w1.enc'), { version_label: 'v1' });
  assert.is(partial.complete, false);
  assert.is(partial.signatures.length, 1);
  assert.equal(await call('getrawmempool'), []);
  const done = await call('approvemodelversion', added.model_id, join(files, 'w1.enc'), { version_label: 'v1', payout_address: partial.payout_address, signatures: partial.signatures, keys: [hex(EXT[0])] });
  assert.is(done.complete, true);
  assert.equal(await call('getrawmempool'), [done.txid]);
  await call('generatetoaddress', 1, addr);
  m = await call('getmodel', added.model_id);
  assert.is(m.version, 1);
  assert.is(m.approvals, 1);

  // A forged signature is refused by the RPC with the consensus reason.
  const bad = [{ index: partial.signatures[0].index, signature: '00'.repeat(64) }];
  await rpcFails(call('rollbackmodel', added.model_id, 0, { signatures: bad }), /bad-oda-approval-sig/);
  await rpcFails(call('rollbackmodel', added.model_id, 0, { keys: ['77'.repeat(32)] }), /not the key of an owner/);
  // Nonsense where an object belongs: a clear type error, not a TypeError from inside.
  await rpcFails(call('rollbackmodel', added.model_id, 0, 'abc'), /Expected type object, got string/);
  await rpcFails(call('rollbackmodel', added.model_id, 0, { signatures: [null] }), /Expected type object, got null/);
  await rpcFails(call('rollbackmodel', added.model_id, 0, { signatures: [[1]] }), /Expected type object, got array/);
  const rb = await call('rollbackmodel', added.model_id, 0, { keys: [hex(EXT[1])] });
  assert.is(rb.complete, true);
  await call('generatetoaddress', 1, addr);
  m = await call('getmodel', added.model_id);
  assert.is(m.version, 0);
  assert.equal(m.weights, added.weights);
  assert.is((await call('getmodelhistory', added.model_id)).versions.length, 2);

  // The owner hands the content key to a device (its own key pair), bound to the current weights.
  const devicePriv = new Uint8Array(32).fill(0x07);
  const wrapped = await call('wrapkey', hex(key), hex(ecc.pointFromScalar(devicePriv, true)!), m.weights.root);
  const opened = await call('unwrapkey', wrapped.wrapped, m.weights.root, hex(devicePriv));
  assert.is(opened.key, hex(key));
  await rpcFails(call('unwrapkey', wrapped.wrapped, added.architecture.root, hex(devicePriv)), /does not open/);
  await rpcFails(call('unwrapkey', wrapped.wrapped, m.weights.root, hex(EXT[0])), /does not open/);
  const toWallet = await call('wrapkey', hex(key), owner, m.weights.root);
  assert.is((await call('unwrapkey', toWallet.wrapped, m.weights.root, owner)).key, hex(key));
  const blob = await node.context().store!.readAll(m.weights.root);
  assert.equal(await decryptBytes(blob, Buffer.from(opened.key, 'hex')), w[0]);
});

test.run();
