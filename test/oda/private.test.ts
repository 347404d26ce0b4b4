// Private models (ODA-BIP-0007b) on a real Chain with a real model-store: encrypted blobs,
// owners approve v1 (2 of 3), an under-signed rollback and a replayed approval are rejected,
// a rollback to v0 moves the current pointer back, inference is recorded without re-execution,
// and a reorg across the approval and the rollback restores the registry byte for byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VerifyError } from '../../chain/errors.js';
import { encryptBytes, generateKey, decryptBytes } from '../../model-store/encryption.js';
import {
  buildAddModelPayload, buildApprovePayload, buildCommitPayload, buildInferencePayload, signApproval, ownerKeyOf, inlineData, type ApprovalTarget,
} from '../../oda/index.js';
import { OdaReason } from '../../oda/reasons.js';
import { registeredBlobs } from '../../oda/storage-index.js';
import { setup, odaTx, mineTxs, registryDump, importBlob, input, type Fixture } from './util.js';

const CREATOR = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x11)]);
const TRAINER1 = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x44)]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ROYALTY = 1_000n;
/** Owner keys: fixed scalars, so the test is reproducible. */
const KEYS = [1, 2, 3].map((i) => new Uint8Array(32).fill(0x10 * i));
const OWNERS = KEYS.map(ownerKeyOf);

let f: Fixture;
let modelId = '';
const contentKey = generateKey();
const refs: { arch?: { root: string; length: number }; w0?: { root: string; length: number }; w1?: { root: string; length: number } } = {};
const dumps: string[][] = [];

async function rejects(txs: Parameters<typeof mineTxs>[1], reason: string): Promise<void> {
  const before = await registryDump(f.chain);
  const tip = f.chain.tip.hash;
  try {
    await mineTxs(f, txs);
    assert.unreachable(`block accepted, expected ${reason}`);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    assert.is(e.reason, reason, e.message);
  }
  assert.is(f.chain.tip.hash, tip);
  assert.equal(await registryDump(f.chain), before, 'registry unchanged');
}

/** An approval signed by the owners at `signers` (indices into OWNERS, which build sorts). */
function approval(seq: number, target: ApprovalTarget, signers: number[]) {
  const sorted = [...OWNERS].sort();
  const signatures = signers.map((i) => ({ index: sorted.indexOf(OWNERS[i]), signature: signApproval({ modelId, seq, target }, KEYS[i]) }));
  return buildApprovePayload({ modelId, seq, target, signatures });
}

function addPrivate() {
  return buildAddModelPayload({
    architecture: refs.arch!, dataset: refs.arch!, weights: refs.w0!, objective: 'accuracy', royalty: ROYALTY, payoutScript: hex(CREATOR),
    name: 'private-digits', versionLabel: 'v0', private: { threshold: 2, owners: OWNERS },
  });
}

test.before(async () => {
  f = await setup({ mature: 24 });
  refs.arch = await importBlob(f.store, await encryptBytes(f.arch, contentKey), 'encrypted');
  refs.w0 = await importBlob(f.store, await encryptBytes(f.weights[0].bytes, contentKey), 'encrypted');
  refs.w1 = await importBlob(f.store, await encryptBytes(f.weights[1].bytes, contentKey), 'encrypted');
});
test.after(async () => f.close());

test('before activation a private add-model is an unknown type, as it always was', async () => {
  await rejects([odaTx(f, addPrivate().script)], OdaReason.TYPE);
  f.ext.context.privateModelsHeight = f.chain.height + 1;
});

test('add a private model: no scoring, owners and threshold recorded, version 0 current', async () => {
  const b = addPrivate();
  modelId = b.modelId;
  await mineTxs(f, [odaTx(f, b.script)]);
  const m = (await f.ext.registry(f.chain).getModel(modelId))!;
  assert.equal(m.private, { approvals: 0, versions: 1 });
  assert.equal(m.add.private, { threshold: 2, owners: [...OWNERS].sort() });
  assert.is(m.currentVersion, 0);
  assert.is(m.currentScore, 0n);
  // ODA-BIP-0006 §1: a private model's ciphertext is not registered data.
  const block = (await f.chain.getBlock(f.chain.tip.hash))!;
  assert.is(block.transactions!.length, 2);
  assert.equal(registeredBlobs(block), []);
  dumps.push(await registryDump(f.chain));
});

test('a commit or a reveal cannot move a private model', async () => {
  const c = buildCommitPayload({ modelId, weights: refs.w1!, payoutScript: hex(TRAINER1) });
  await rejects([odaTx(f, c.script)], OdaReason.PRIVATE_UPDATE);
});

test('owners approve v1 with 2 of 3 signatures; an under-signed or forged approval is rejected', async () => {
  const target: ApprovalTarget = { kind: 'new', weights: refs.w1!, payoutScript: hex(TRAINER1), versionLabel: 'v1' };
  await rejects([odaTx(f, approval(0, target, [2]).script)], OdaReason.APPROVAL_THRESHOLD);
  // A signature over another target (a rollback) does not approve this one.
  const other = approval(0, { kind: 'existing', version: 0 }, [0, 1]);
  const forged = buildApprovePayload({ modelId, seq: 0, target, signatures: other.payload.signatures });
  await rejects([odaTx(f, forged.script)], OdaReason.APPROVAL_SIG);
  await rejects([odaTx(f, approval(1, target, [0, 1]).script)], OdaReason.APPROVAL_SEQ);
  await mineTxs(f, [odaTx(f, approval(0, target, [0, 2]).script)]);
  const r = f.ext.registry(f.chain);
  const m = (await r.getModel(modelId))!;
  assert.is(m.currentVersion, 1);
  assert.equal(m.currentWeights, refs.w1);
  assert.is(m.trainerScript, hex(TRAINER1));
  assert.equal(m.private, { approvals: 1, versions: 2 });
  assert.is((await r.getHistory(modelId))!.length, 2);
  // The owner's key decrypts what the registry names.
  assert.equal(await decryptBytes(await f.store.readAll(m.currentWeights.root), contentKey), f.weights[1].bytes);
  dumps.push(await registryDump(f.chain));
});

test('rollback to v0: an under-signed one and a replay of the approval are rejected; 2 of 3 move current back', async () => {
  const back: ApprovalTarget = { kind: 'existing', version: 0 };
  await rejects([odaTx(f, approval(1, back, [1]).script)], OdaReason.APPROVAL_THRESHOLD);
  await rejects([odaTx(f, approval(0, back, [0, 1]).script)], OdaReason.APPROVAL_SEQ);
  await rejects([odaTx(f, approval(1, { kind: 'existing', version: 1 }, [0, 1]).script)], OdaReason.APPROVAL_VERSION);
  await rejects([odaTx(f, approval(1, { kind: 'existing', version: 7 }, [0, 1]).script)], OdaReason.APPROVAL_VERSION);
  await mineTxs(f, [odaTx(f, approval(1, back, [1, 2]).script)]);
  const m = (await f.ext.registry(f.chain).getModel(modelId))!;
  assert.is(m.currentVersion, 0);
  assert.equal(m.currentWeights, refs.w0);
  assert.is(m.trainerScript, hex(CREATOR));
  assert.equal(m.private, { approvals: 2, versions: 2 });
  assert.is((await f.ext.registry(f.chain).getHistory(modelId))!.length, 2, 'history keeps v1 after the rollback');
  dumps.push(await registryDump(f.chain));
});

test('inference on a private model is recorded (royalty to the current trainer), not re-executed', async () => {
  const garbage = inlineData([input({ rows: 1, pixels: new Uint8Array(64).fill(1), labels: new Int32Array(1) })]);
  const inf = buildInferencePayload({ modelId, version: 0, input: garbage, output: garbage });
  await rejects([odaTx(f, buildInferencePayload({ modelId, version: 1, input: garbage, output: garbage }).script, [{ script: CREATOR, value: ROYALTY }])], OdaReason.INFERENCE_STALE);
  await rejects([odaTx(f, inf.script, [{ script: TRAINER1, value: ROYALTY }])], OdaReason.INFERENCE_ROYALTY);
  const tx = odaTx(f, inf.script, [{ script: CREATOR, value: ROYALTY }]);
  await mineTxs(f, [tx]);
  const rec = (await f.ext.registry(f.chain).getInference(tx.getId()))!;
  assert.is(rec.version, 0);
  assert.is(rec.rows, 0, 'rows unknown: the node did not run it');
  assert.is(rec.royalty, ROYALTY);
});

test('an approval of a public model is refused', async () => {
  const pub = buildAddModelPayload({ architecture: f.archRef, dataset: f.datasetRef, weights: f.weights[0].ref, objective: 'accuracy', royalty: 0n, payoutScript: hex(CREATOR), name: 'public' });
  await mineTxs(f, [odaTx(f, pub.script)]);
  const seq = 0;
  const target: ApprovalTarget = { kind: 'existing', version: 0 };
  const p = buildApprovePayload({ modelId: pub.modelId, seq, target, signatures: [{ index: 0, signature: signApproval({ modelId: pub.modelId, seq, target }, KEYS[0]) }] });
  await rejects([odaTx(f, p.script)], OdaReason.NOT_PRIVATE);
});

test('reorg across the rollback and the approval restores the registry byte for byte; reconnect re-applies', async () => {
  const tip = f.chain.tip;
  const final = await registryDump(f.chain);
  // dumps: [after add, after approval, after rollback]; the rollback block sits 3 below the tip (inference, public add above it).
  const rollbackBlock = f.chain.getEntryByHeight(tip.height - 2)!;
  const approvalBlock = f.chain.getEntryByHeight(tip.height - 3)!;
  await f.chain.invalidateBlock(rollbackBlock.hash);
  assert.equal(await registryDump(f.chain), dumps[1], 'state after the approval, byte for byte');
  await f.chain.invalidateBlock(approvalBlock.hash);
  assert.equal(await registryDump(f.chain), dumps[0], 'state after the add, byte for byte');
  await f.chain.reconsiderBlock(approvalBlock.hash);
  await f.chain.reconsiderBlock(rollbackBlock.hash);
  assert.is(f.chain.tip.hash, tip.hash);
  assert.equal(await registryDump(f.chain), final);
});

test.run();
