// Generates the ODA-BIP-0003 chain scenario: node --import tsx spec/BIPs/vectors/oda-bip-0003/generate-chain.ts
// A regtest chain (ODA-BIP-0000) with the digits MLP of ODA-BIP-0002 on a 64-row eval subset:
// the blobs (hex), the prelude blocks that mature the funding coinbases, then blocks with ODA
// transactions, each with its verdict, its ODA CU and the registry state after it. Replayed by
// test/oda/scenario.test.ts; a second implementation can replay the same blocks.
import { writeFileSync } from 'node:fs';
import type { Block, Transaction } from '../../../../chain/block.js';
import { VerifyError } from '../../../../chain/errors.js';
import { buildBlock } from '../../../../test/chain/util/builder.js';
import { setup, odaTx, input, subset, type Fixture } from '../../../../test/oda/util.js';
import {
  buildAddModelPayload, buildCommitPayload, buildInferencePayload, buildRevealPayload, checkOdaBlock, inlineData, type BlobRef,
} from '../../../../oda/index.js';
import { runInference } from '../../../../validator/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const CREATOR = '0014' + '11'.repeat(20);
const ALICE = '0014' + '22'.repeat(20);
const BOB = '0014' + '33'.repeat(20);
const ROYALTY = 5000n;

interface Step { description: string; block: string; verdict: string; cu?: string; state?: unknown }

async function main(): Promise<void> {
  const f: Fixture = await setup({ mature: 20 });
  const steps: Step[] = [];
  const r = f.ext.registry(f.chain);
  const state = async () => {
    const out: Record<string, unknown> = {};
    for (const m of await r.listModels()) {
      out[m.modelId] = {
        currentVersion: m.currentVersion, currentScore: m.currentScore.toString(), trainer: m.trainerScript, weights: m.currentWeights.root,
        versions: ((await r.getHistory(m.modelId)) ?? []).map((v) => ({ weights: v.weights.root, score: v.score.toString(), trainer: v.trainerScript })),
      };
    }
    return out;
  };
  const step = async (description: string, txs: Transaction[]) => {
    const block: Block = buildBlock(f.chain, { txs });
    let verdict = 'valid';
    let cu: bigint | undefined;
    try {
      cu = (await checkOdaBlock(f.ext.context, f.chain, block, f.chain.height + 1)).cu;
      await f.chain.processBlock(block);
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      verdict = e.reason;
      cu = undefined;
    }
    steps.push({ description, block: block.toHex(), verdict, ...(cu !== undefined ? { cu: cu.toString(), state: await state() } : {}) });
  };
  const w = f.weights;
  const add = (weights: BlobRef, name = 'digits-mlp') =>
    buildAddModelPayload({ architecture: f.archRef, dataset: f.datasetRef, weights, objective: 'accuracy', royalty: ROYALTY, payoutScript: CREATOR, name, license: 'MIT', versionLabel: 'v0' });
  const modelId = add(w[1].ref).modelId;
  const commit = (weights: BlobRef, payout: string, salt: string) => buildCommitPayload({ modelId, weights, payoutScript: payout, salt });
  const reveal = (weights: BlobRef, payout: string, salt: string) => buildRevealPayload({ modelId, weights, payoutScript: payout, salt });
  const inference = async (version: number, weights: Uint8Array, trainer: string, opts: { tamper?: boolean; royalty?: bigint } = {}) => {
    const x = input(subset(f.queries, 0, 4));
    const [out] = await runInference(f.ctx, weights, [x]);
    if (opts.tamper) (out.data as Int32Array)[3] ^= 1;
    const p = buildInferencePayload({ modelId, version, input: inlineData([x]), output: inlineData([out]) });
    return odaTx(f, p.script, [{ script: Buffer.from(trainer, 'hex'), value: opts.royalty ?? ROYALTY }]);
  };

  await step('add-model: initial weights, baseline score recorded', [odaTx(f, add(w[1].ref).script)]);
  await step('add-model: duplicate (same architecture, dataset, objective)', [odaTx(f, add(w[2].ref, 'copy').script)]);
  await step('inference of version 0, correct output, royalty to the creator', [await inference(0, w[1].bytes, CREATOR)]);
  await step('inference with one output bit flipped', [await inference(0, w[1].bytes, CREATOR, { tamper: true })]);
  await step('inference paying 1 satoshi less than the royalty', [await inference(0, w[1].bytes, CREATOR, { royalty: ROYALTY - 1n })]);
  await step('commit-weights by Alice', [odaTx(f, commit(w[3].ref, ALICE, '01'.repeat(32)).script)]);
  await step('reveal one block after the commit (delay is 2)', [odaTx(f, reveal(w[3].ref, ALICE, '01'.repeat(32)).script)]);
  await step('empty block', []);
  await step('reveal copied by Bob (his payout script, Alice\'s salt)', [odaTx(f, reveal(w[3].ref, BOB, '01'.repeat(32)).script)]);
  await step('reveal by Alice: better score, registry moves to version 1', [odaTx(f, reveal(w[3].ref, ALICE, '01'.repeat(32)).script)]);
  await step('inference naming the old version 0', [await inference(0, w[1].bytes, CREATOR)]);
  await step('inference of version 1, royalty to Alice', [await inference(1, w[3].bytes, ALICE)]);
  await step('commit-weights by Bob of weights equal in score to the current', [odaTx(f, commit(w[3].ref, BOB, '02'.repeat(32)).script)]);
  await step('empty block', []);
  await step('reveal of equal-score weights (margin 1)', [odaTx(f, reveal(w[3].ref, BOB, '02'.repeat(32)).script)]);
  await step('reveal without a commitment', [odaTx(f, reveal(w[4].ref, BOB, '03'.repeat(32)).script)]);
  await step('commit-weights by Bob of better weights', [odaTx(f, commit(w[4].ref, BOB, '04'.repeat(32)).script)]);
  await step('empty block', []);
  const revealTx = odaTx(f, reveal(w[4].ref, BOB, '04'.repeat(32)).script);
  const infTx = await inference(2, w[4].bytes, BOB);
  await step('inference of version 2 before the reveal that creates it (block order)', [infTx, revealTx]);
  await step('reveal then inference of the new version in one block', [revealTx, infTx]);

  const prelude: string[] = [];
  for (let h = 1; h <= 120; h++) prelude.push((await f.chain.getBlock(f.chain.getEntryByHeight(h)!.hash))!.toHex());
  const blobs = [
    { name: 'architecture', mediaType: 'onnx', ...f.archRef, hex: hex(f.arch) },
    { name: 'dataset', mediaType: 'safetensors-dataset', ...f.datasetRef, hex: hex(f.dataset) },
    ...w.map((c, i) => ({ name: `weights-${i}`, mediaType: 'safetensors-weights', ...c.ref, score: c.score.toString(), hex: hex(c.bytes) })),
  ];
  const out = {
    description: 'ODA-BIP-0003 chain scenario on regtest: import the blobs, connect the prelude blocks, then submit each step block on the tip; verdict is "valid" or the reject reason; cu is the block\'s ODA compute units; state is the registry after a valid block. Scores are decimal strings.',
    modelId,
    blobs,
    prelude,
    steps,
  };
  writeFileSync(new URL('chain.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
  console.log(`chain.json: ${prelude.length} prelude blocks, ${steps.length} steps: ${steps.map((s) => s.verdict).join(', ')}`);
  await f.close();
}

await main();
