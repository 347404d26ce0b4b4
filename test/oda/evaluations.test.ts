// Progress of long evaluations (issue 13): the validator reports rows done to an observer it
// never reads back, the tracker turns that into getevaluations entries and the log's progress
// line, and a block's add-model, reveal and inference claims are labelled with what asked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { digitsDatasetBlob, digitsInput, digitsSplit, loadDigits } from '../../tools/data/digits.js';
import { buildMlp, DIGITS_MLP, mlpWeightShapes } from '../../tools/models/mlp.js';
import { encodeTensors } from '../../validator/blobs.js';
import { checkModel, checkUpdate, runInference, scoreWeights, verifyInferences, bindDataset } from '../../validator/index.js';
import { EVAL_BATCH_ROWS } from '../../validator/cost.js';
import { EvaluationTracker, progressLine } from '../../oda/evaluations.js';
import { buildAddModelPayload, buildCommitPayload, buildInferencePayload, buildRevealPayload, inlineData } from '../../oda/index.js';
import { rng, randomWeights } from '../validator/helpers.js';
import { setup, odaTx, mineTxs, input, subset } from './util.js';
import { progressMethods } from '../../rpc/methods/progress.js';
import { ExplorerApi } from '../../explorer/api.js';
import type { NodeContext } from '../../rpc/context.js';

const digits = loadDigits();
const train = digitsSplit(digits, 'train');
const arch = buildMlp(DIGITS_MLP);
const ctx = checkModel(arch);
const big = bindDataset(ctx.arch, 'accuracy', digitsDatasetBlob(train));
const weights = encodeTensors(randomWeights(rng(5), mlpWeightShapes(DIGITS_MLP), [1, 64]));

test('scoreWeights reports (0, total) then rows after each engine run; the score does not depend on the observer', async () => {
  assert.ok(big.rows > 4 * EVAL_BATCH_ROWS, `${big.rows} rows`);
  const calls: Array<[number, number]> = [];
  const plain = await scoreWeights(ctx, weights, big, 'accuracy');
  const seen = await scoreWeights(ctx, weights, big, 'accuracy', (d, t) => calls.push([d, t]));
  assert.is(seen, plain);
  assert.equal(calls[0], [0, big.rows]);
  assert.equal(calls.at(-1), [big.rows, big.rows]);
  assert.is(calls.length, Math.ceil(big.rows / EVAL_BATCH_ROWS) + 1);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] > calls[i - 1][0], 'rows done only grow');
  // An observer that throws cannot change a verdict: it is dropped after its first throw.
  let thrown = 0;
  const up = await checkUpdate(ctx, weights, big, 'accuracy', plain - 1n, undefined, () => {
    thrown++;
    throw new Error('observer bug');
  });
  assert.is(up.score, plain);
  assert.is(thrown, 1);
});

test('verifyInferences reports the rows of the claims it re-executes', async () => {
  const x = digitsInput(subset(train, 0, 300));
  const [out] = await runInference(ctx, weights, [x]);
  const calls: Array<[number, number]> = [];
  assert.is(await verifyInferences(ctx, weights, [{ inputs: [x], outputs: [out] }], (d, t) => calls.push([d, t])), -1);
  assert.equal(calls[0], [0, 300]);
  assert.equal(calls.at(-1), [300, 300]);
});

test('tracker: listed once rows are scored, a log line per interval with rate and ETA, removed when done or failed', async () => {
  let now = 1_000_000;
  const lines: string[] = [];
  const t = new EvaluationTracker({ logger: { info: (m) => lines.push(m) }, logIntervalMs: 2_000, now: () => now });
  const label = { type: 'update-weights' as const, modelId: 'ab'.repeat(32), txid: 'cd'.repeat(32), source: 'block' as const, height: 120 };
  let during: ReturnType<EvaluationTracker['list']> = [];
  const score = await t.track(label, async (observe) => {
    assert.equal(t.list(), [], 'not listed before it scores rows (a memo hit never does)');
    const s = await scoreWeights(ctx, weights, big, 'accuracy', (d, total) => {
      observe(d, total);
      if (d === 1024) during = t.list();
      now += 1_000; // one second per engine run
    });
    return s;
  });
  assert.is(score, await scoreWeights(ctx, weights, big, 'accuracy'));
  assert.is(during.length, 1);
  assert.is(during[0].rowsDone, 1024);
  assert.is(during[0].rows, big.rows);
  assert.is(during[0].rate, 256);
  assert.is(during[0].eta, Math.ceil((big.rows - 1024) / 256));
  assert.is(during[0].height, 120);
  assert.equal(t.list(), [], 'removed when done');
  // 7 observer calls with the clock a second on after each: a line at most every 2 s while unfinished, then the closing one.
  assert.is(lines.length, 3, lines.join('\n'));
  assert.is(lines[0], `Evaluating update-weights of model ${label.modelId} (tx ${label.txid}, block 120): rows 512/${big.rows} (${(51200 / big.rows).toFixed(1)}%), 256 rows/s, ETA ${Math.ceil((big.rows - 512) / 256)} s`);
  assert.match(lines[2], /: done, 1437\/1437 rows in 7\.0 s$/);
  // A failing evaluation is removed too and says where it stopped.
  await t.track({ ...label, source: 'mempool', height: undefined }, async (observe) => {
    observe(0, 100);
    now += 5_000;
    observe(10, 100);
    throw new Error('rejected');
  }).catch(() => undefined);
  assert.equal(t.list(), []);
  assert.match(lines.at(-1)!, /\(tx (?:cd)+, mempool\): stopped, 10\/100 rows/);
  assert.match(progressLine({ ...label, id: 1, rows: 10, rowsDone: 0, progress: 0, started: 0, rate: 0 }), /ETA unknown$/);
});

test('a block with add-model, reveal and inference claims: each evaluation is labelled and logged (interval 0)', async () => {
  const f = await setup({ mature: 8 });
  try {
    const lines: string[] = [];
    f.ext.context.evaluations = new EvaluationTracker({ logger: { info: (m) => lines.push(m) }, logIntervalMs: 0 });
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const payout = hex(Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x11)]));
    const add = buildAddModelPayload({ architecture: f.archRef, dataset: f.datasetRef, weights: f.weights[0].ref, objective: 'accuracy', royalty: 0n, payoutScript: payout, name: 'm', description: '', license: 'MIT', versionLabel: 'v0' });
    const addTx = odaTx(f, add.script);
    await mineTxs(f, [addTx]);
    assert.ok(lines.some((l) => l.startsWith(`Evaluating add-model of model ${add.modelId} (tx ${addTx.getId()}, block ${f.chain.height}): rows 0/64`)), lines.join('\n'));
    const c = buildCommitPayload({ modelId: add.modelId, weights: f.weights[1].ref, payoutScript: payout, salt: '01'.repeat(32) });
    await mineTxs(f, [odaTx(f, c.script)]);
    await mineTxs(f, []);
    const reveal = odaTx(f, buildRevealPayload({ modelId: add.modelId, weights: f.weights[1].ref, payoutScript: payout, salt: c.salt }).script);
    await mineTxs(f, [reveal]);
    assert.ok(lines.some((l) => l.startsWith(`Evaluating update-weights of model ${add.modelId} (tx ${reveal.getId()}, block ${f.chain.height})`)), lines.join('\n'));
    const x = input(subset(f.queries, 0, 20));
    const [out] = await runInference(f.ctx, f.weights[1].bytes, [x]);
    const inf = odaTx(f, buildInferencePayload({ modelId: add.modelId, version: 1, input: inlineData([x]), output: inlineData([out]) }).script);
    await mineTxs(f, [inf]);
    assert.ok(lines.some((l) => l.startsWith(`Evaluating inference of model ${add.modelId} (tx ${inf.getId()}, block): rows 0/20`)), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes(`(tx ${inf.getId()}, block): done, 20/20 rows`)), lines.join('\n'));
    assert.equal(f.ext.context.evaluations.list(), []);
  } finally {
    await f.close();
  }
});

test('getevaluations and the explorer list a running evaluation in RPC form, and nothing once it ends', async () => {
  let now = 10_000;
  const t = new EvaluationTracker({ now: () => now });
  const ctx = { oda: { context: { evaluations: t } } } as unknown as NodeContext;
  const rpc = progressMethods.find((m) => m.name === 'getevaluations')!;
  const explorer = new ExplorerApi(ctx, progressMethods);
  let release!: () => void;
  let observe!: (d: number, total: number) => void;
  const running = t.track({ type: 'inference', modelId: 'ef'.repeat(32), txid: '12'.repeat(32), source: 'block' }, (o) => {
    observe = o;
    return new Promise<void>((r) => (release = r));
  });
  observe(0, 400);
  now += 2_000;
  observe(100, 400);
  const expected = [{ id: 1, type: 'inference', modelid: 'ef'.repeat(32), txid: '12'.repeat(32), source: 'block', rows: 400, rows_done: 100, progress: 0.25, started: 10, rate: 50, eta: 6 }];
  assert.equal(await rpc.handler([], ctx), expected);
  assert.equal(await explorer.route(['evaluations'], new URLSearchParams()), expected);
  release();
  await running;
  assert.equal(await rpc.handler([], ctx), []);
});

test.run();
