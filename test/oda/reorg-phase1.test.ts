// Extension rules in reorganization phase 1: a heavier branch whose 3rd block carries an
// inference with a wrong output is judged, ODA rules included, in the chain's scratch state
// before anything of the active branch is disconnected.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Block, Transaction } from '../../chain/block.js';
import type { BlockEntry } from '../../chain/chain.js';
import { VerifyError } from '../../chain/errors.js';
import { buildBlock } from '../chain/util/builder.js';
import { buildAddModelPayload, buildCommitPayload, buildInferencePayload, inlineData } from '../../oda/index.js';
import { runInference } from '../../validator/index.js';
import { setup, odaTx, mineTxs, registryDump, input, subset, type Fixture } from './util.js';

const CREATOR = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x11)]);
const ALICE = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x22)]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let f: Fixture;
let modelId = '';
/** Extension checks per block hash: each block is judged once, its verdict reused for the write. */
const checks = new Map<string, number>();

async function inferenceTx(start: number, tamper = false): Promise<Transaction> {
  const m = (await f.ext.registry(f.chain).getModel(modelId))!;
  const w = f.weights.find((c) => c.ref.root === m.currentWeights.root)!;
  const x = input(subset(f.queries, start, 3));
  const [out] = await runInference(f.ctx, w.bytes, [x]);
  if (tamper) (out.data as Int32Array)[0] += 1;
  const { script } = buildInferencePayload({ modelId, version: m.currentVersion, input: inlineData([x]), output: inlineData([out]) });
  return odaTx(f, script, [{ script: Buffer.from(m.trainerScript, 'hex'), value: m.add.royalty }]);
}

async function submit(block: Block): Promise<BlockEntry | VerifyError> {
  try {
    return await f.chain.processBlock(block);
  } catch (e) {
    if (e instanceof VerifyError) return e;
    throw e;
  }
}

test.before(async () => {
  f = await setup({ mature: 20 });
  const check = f.ext.checkBlock!.bind(f.ext);
  f.ext.checkBlock = (ctx, state) => {
    checks.set(ctx.entry.hash, (checks.get(ctx.entry.hash) ?? 0) + 1);
    return check(ctx, state);
  };
  const add = buildAddModelPayload({
    architecture: f.archRef, dataset: f.datasetRef, weights: f.weights[1].ref, objective: 'accuracy', royalty: 1_000n,
    payoutScript: hex(CREATOR), name: 'digits-mlp', description: '', license: 'MIT', versionLabel: 'v0',
  });
  modelId = add.modelId;
  await mineTxs(f, [odaTx(f, add.script)]);
});

test.after(async () => {
  await f?.close();
});

test('reorg onto a branch whose 3rd block has a wrong inference output: old tip untouched, never disconnected', async () => {
  const fork = f.chain.tip;
  // One commit transaction mined on both branches: B1 can carry it only if the scratch state
  // has A1's commit record undone, as phase 1 does it.
  const commit = odaTx(f, buildCommitPayload({ modelId, weights: f.weights[3].ref, payoutScript: hex(ALICE), salt: '02'.repeat(32) }).script);
  const a1 = buildBlock(f.chain, { prev: fork, txs: [commit, await inferenceTx(0)], extraNonce: 1 });
  const a1e = await f.chain.processBlock(a1);
  const a2e = await f.chain.processBlock(buildBlock(f.chain, { prev: a1e, extraNonce: 1 }));
  const stateA = await registryDump(f.chain);
  assert.ok(await f.ext.registry(f.chain).getCommit(buildCommitPayload({ modelId, weights: f.weights[3].ref, payoutScript: hex(ALICE), salt: '02'.repeat(32) }).commitment));

  const events: string[] = [];
  for (const ev of ['connect', 'disconnect'] as const) f.chain.on(ev, (e) => events.push(`${ev} ${e.height}`));
  f.chain.on('reorganize', (o, n) => events.push(`reorganize ${o.height}->${n.height}`));

  const b1 = buildBlock(f.chain, { prev: fork, txs: [commit], extraNonce: 2 });
  const b1e = (await submit(b1)) as BlockEntry;
  const b2 = buildBlock(f.chain, { prev: b1e, txs: [await inferenceTx(10)], extraNonce: 2 });
  const b2e = (await submit(b2)) as BlockEntry;
  assert.is(f.chain.tip, a2e, 'equal work: first seen stays');
  const b3 = buildBlock(f.chain, { prev: b2e, txs: [await inferenceTx(20, true)], extraNonce: 2 });
  const r3 = await submit(b3);
  assert.instance(r3, VerifyError, 'B3 is reported invalid to its sender');
  assert.is((r3 as VerifyError).reason, 'bad-inference-output');
  const b3e = f.chain.getEntry(b3.getId())!;
  const b4 = buildBlock(f.chain, { prev: b3e, extraNonce: 2 });
  const r4 = await submit(b4);
  assert.is((r4 as VerifyError).reason, 'bad-prevblk', 'a child of the invalid block is refused');

  assert.is(f.chain.tip, a2e, "A's tip untouched");
  assert.equal(events, [], "no disconnect (or connect) of A's blocks ever happened");
  assert.equal(await registryDump(f.chain), stateA, "registry state is A's, byte for byte");
  const tips = f.chain.getChainTips();
  assert.equal(tips.find((t) => t.hash === b3.getId())?.status, 'invalid');
  assert.equal(tips.find((t) => t.hash === a2e.hash)?.status, 'active');
  assert.ok(f.chain.isMainChain(a1e));
  // B1 and B2 were valid: checked once each (in the failed reorg), never written.
  assert.is(checks.get(b1e.hash), 1);
  assert.is(checks.get(b2e.hash), 1);
  assert.is(checks.get(b3e.hash), 1);
  assert.is(checks.get(a1e.hash), 1, "A1's verdict was computed once and reused by its write");

  // The valid part of B wins once it is the heavier chain: B1 and B2 are not re-judged twice
  // in one reorganization, and the commit moves to B1's height.
  const b3ok = buildBlock(f.chain, { prev: b2e, extraNonce: 3 });
  const b3okE = (await submit(b3ok)) as BlockEntry;
  assert.is(f.chain.tip, b3okE);
  const h = fork.height;
  assert.equal(events, [`disconnect ${h + 2}`, `disconnect ${h + 1}`, `connect ${h + 1}`, `connect ${h + 2}`, `connect ${h + 3}`, `reorganize ${h + 2}->${h + 3}`]);
  assert.is(checks.get(b1e.hash), 2, 'judged once per reorganization that reached it');
  const c = (await f.ext.registry(f.chain).getCommit(buildCommitPayload({ modelId, weights: f.weights[3].ref, payoutScript: hex(ALICE), salt: '02'.repeat(32) }).commitment))!;
  assert.is(c.height, b1e.height);
});

test('testBlockValidity runs the ODA rules on the tip state', async () => {
  const bad = buildBlock(f.chain, { txs: [await inferenceTx(30, true)] });
  try {
    await f.chain.testBlockValidity(bad);
    assert.unreachable('a wrong inference output passed testBlockValidity');
  } catch (e) {
    assert.is((e as VerifyError).reason, 'bad-inference-output');
  }
  await f.chain.testBlockValidity(buildBlock(f.chain, { txs: [await inferenceTx(40)] }));
});

test.run();
