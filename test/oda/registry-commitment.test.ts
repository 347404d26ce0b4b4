// ODA-BIP-0007 on a real chain: templates carry the registry commitment from the activation
// height on (the tree bootstraps from the registry there), a block without it or with a
// wrong root is invalid (bad-registry-commitment), model proofs against the tip verify and
// tampered ones do not, and disconnecting a block restores the tree byte for byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Transaction } from '../../chain/block.js';
import { wtxidOf } from '../../chain/block.js';
import { VerifyError } from '../../chain/errors.js';
import { regtest } from '../../chain/params.js';
import { grind } from '../../miner/grind.js';
import { createBlockTemplate } from '../../miner/template.js';
import { buildAddModelPayload, buildCommitPayload, buildRevealPayload } from '../../oda/index.js';
import { encodeRegistryCommitmentScript, findRegistryCommitment } from '../../oda/registry-commitment.js';
import { ModelProofError, decodeModelProof, encodeModelProof, verifyModelProof } from '../../oda/registry-proof.js';
import { buildModelProof } from '../../oda/registry-prover.js';
import { buildBlock, P2WSH_TRUE } from '../chain/util/builder.js';
import { addWitnessCommitment } from '../../chain/coinbase.js';
import { odaTx, registryDump, setup, type Fixture } from './util.js';

const ACTIVATION = 114;
const params = { ...regtest, activation: { ...regtest.activation, registryCommitment: ACTIVATION } };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const PAYOUT = '0014' + '22'.repeat(20);

let f: Fixture;
let modelId = '';

async function mineT(txs: Transaction[] = []) {
  const t = await createBlockTemplate({
    chain: f.chain, outputScript: P2WSH_TRUE,
    txs: txs.map((tx) => ({ tx, txid: tx.getId(), wtxid: wtxidOf(tx), fee: 100_000n, sigOpCost: 0, weight: tx.weight() })),
  });
  const b = grind(t.block, 1_000_000)!;
  await f.chain.processBlock(b);
  return b;
}

async function rejected(block: Parameters<Fixture['chain']['processBlock']>[0], reason: string) {
  try {
    await f.chain.processBlock(block);
    assert.unreachable('accepted');
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    assert.is(e.reason, reason, e.message);
  }
}

test.before(async () => {
  f = await setup({ params, mature: 12 });
});
test.after(async () => f?.close());

test('before activation: blocks need no commitment; templates carry none', async () => {
  assert.is(f.chain.height, 112);
  const { script, modelId: id } = buildAddModelPayload({
    architecture: f.archRef, dataset: f.datasetRef, weights: f.weights[1].ref, objective: 'accuracy', royalty: 1000n, payoutScript: PAYOUT,
    name: 'digits', description: '', license: 'MIT', versionLabel: 'v0',
  });
  modelId = id;
  const b = await mineT([odaTx(f, script)]);
  assert.ok('error' in findRegistryCommitment(b.transactions![0].outs));
});

test('at activation the tree is built from the registry; later blocks update it', async () => {
  const b = await mineT();
  assert.is(f.chain.height, ACTIVATION);
  const c = findRegistryCommitment(b.transactions![0].outs);
  assert.ok('root' in c);
  const a = await buildModelProof(f.chain, modelId);
  assert.is(a.verified.model.currentVersion, 0);
  assert.is(a.verified.root, hex((c as { root: Uint8Array }).root));
  const c1 = buildCommitPayload({ modelId, weights: f.weights[3].ref, payoutScript: PAYOUT, salt: '01'.repeat(32) });
  await mineT([odaTx(f, c1.script)]);
  await mineT();
  const before = await registryDump(f.chain);
  const reveal = await mineT([odaTx(f, buildRevealPayload({ modelId, weights: f.weights[3].ref, payoutScript: PAYOUT, salt: '01'.repeat(32), versionLabel: 'v1' }).script)]);
  const p = await buildModelProof(f.chain, modelId, 1);
  assert.is(p.verified.model.currentVersion, 1);
  assert.is(p.verified.version!.weights.root, f.weights[3].ref.root);
  assert.is(p.verified.model.trainerScript, PAYOUT);
  // Disconnect restores records and tree nodes byte for byte; reconnecting brings them back.
  const after = await registryDump(f.chain);
  await f.chain.invalidateBlock(reveal.getId());
  assert.equal(await registryDump(f.chain), before);
  assert.is((await buildModelProof(f.chain, modelId)).verified.model.currentVersion, 0);
  await f.chain.reconsiderBlock(reveal.getId());
  assert.equal(await registryDump(f.chain), after);
});

test('a block without the commitment or with a wrong root is invalid', async () => {
  await rejected(buildBlock(f.chain, {}), 'bad-registry-commitment');
  const wrong = buildBlock(f.chain, { noGrind: true });
  wrong.transactions![0].addOutput(encodeRegistryCommitmentScript(new Uint8Array(32).fill(7)), 0n);
  addWitnessCommitment(wrong);
  await rejected(grind(wrong, 1_000_000)!, 'bad-registry-commitment');
});

test('a proof verifies against its header only; tampering is refused', async () => {
  const a = await buildModelProof(f.chain, modelId, 1);
  const bytes = encodeModelProof(a.proof);
  assert.equal(encodeModelProof(decodeModelProof(bytes)), bytes, 'canonical round trip');
  verifyModelProof(a.entry.header, decodeModelProof(bytes), { modelId, version: 1 });
  const throwsProof = (fn: () => unknown, re: RegExp) => {
    try { fn(); assert.unreachable('accepted'); } catch (e) { assert.instance(e, ModelProofError); assert.match((e as Error).message, re); }
  };
  const tampered = decodeModelProof(bytes);
  tampered.records[0].value![10] ^= 1;
  throwsProof(() => verifyModelProof(a.entry.header, tampered, { modelId }), /differs from the committed/);
  const other = f.chain.getEntryByHeight(f.chain.height - 1)!;
  throwsProof(() => verifyModelProof(other.header, decodeModelProof(bytes), { modelId }), /merkle branch/);
  throwsProof(() => verifyModelProof(a.entry.header, decodeModelProof(bytes), { modelId, version: 2 }), /does not cover version 2/);
  // An absent version is proven absent, and the prover says so.
  try { await buildModelProof(f.chain, modelId, 9); assert.unreachable('proved'); } catch (e) { assert.match((e as Error).message, /has no version 9/); }
});

test('P2P: getmodproof is answered with a proof that survives the wire and verifies; unknown model gets nomodproof', async () => {
  const { answerModelProof } = await import('../../p2p/model-proofs.js');
  const { encodePayload, decodePayload, NO_VERSION } = await import('../../p2p/wire/messages.js');
  const r = await answerModelProof(f.chain, { cmd: 'getmodproof', modelId, version: NO_VERSION });
  const back = decodePayload(r.cmd, encodePayload(r));
  assert.is(back.cmd, 'modproof');
  if (back.cmd !== 'modproof') return;
  assert.is(back.height, f.chain.height);
  assert.is(verifyModelProof(back.header, decodeModelProof(back.proof), { modelId }).model.currentVersion, 1);
  const none = await answerModelProof(f.chain, { cmd: 'getmodproof', modelId: '55'.repeat(32), version: NO_VERSION });
  assert.is(none.cmd, 'nomodproof');
});

test.run();
