// Validator overhead against raw onnxruntime, measured in the same run:
//  1. inference: validating N rows of one model (one claim of N rows, and N one-row claims
//     batched by verifyInferences) / one raw batched ORT run over the same inputs (target <= 1.3);
//  2. update-weights: scoreWeights on a fresh weights blob (bind, session, batched runs,
//     objective) / a raw evaluation: session from the same bytes, one run over the dataset,
//     argmax count in plain JS (target <= 1.2);
//  3. progress reporting: scoreWeights and verifyInferences observed by an EvaluationTracker
//     (oda/evaluations.ts, as a node runs them) / the same calls unobserved, next to an A/A
//     ratio (unobserved / unobserved) that shows the machine's noise; and the observer's own
//     cost per call, times the calls of one evaluation, over that evaluation's time (the
//     overhead without the noise; target <= 0.01).
//   node --import tsx bench/validator.bench.ts            all sections
//   node --import tsx bench/validator.bench.ts progress   section 3 only
import * as ort from 'onnxruntime-node';
import { digitsMlp, wideMlp, type Workload } from './validator-workloads.js';
import { checkModel, runInference, verifyInferences, scoreWeights, clearSessionCache, bindDataset, SESSION_OPTIONS } from '../validator/index.js';
import { runnableModelBytes } from '../validator/runtime.js';
import { bindWeights } from '../validator/weights.js';
import { encodeDataset } from '../validator/blobs.js';
import { sliceRows } from '../validator/dataset.js';
import { digitsDatasetBlob, digitsSplit, loadDigits } from '../tools/data/digits.js';
import { fill, prng } from './validator-workloads.js';
import type { Tensor } from '../validator/tensor.js';
import { median, ratio } from './util.js';
import { EvaluationTracker } from '../oda/evaluations.js';
import { guarded } from '../validator/progress.js';
import { EVAL_BATCH_ROWS } from '../validator/cost.js';


const ortTensor = (t: Tensor) => new ort.Tensor(t.type, t.data as Int32Array, t.dims);
const results: Record<string, unknown>[] = [];
const only = process.argv[2];

if (only === undefined) {
console.log('1. inference validation vs one raw batched onnxruntime run');
for (const w of [digitsMlp(), wideMlp()] as Workload[]) {
  const ctx = checkModel(w.architecture);
  const raw = await ort.InferenceSession.create(runnableModelBytes(ctx.arch, bindWeights(ctx.arch, w.weights)), { ...SESSION_OPTIONS, executionProviders: ['cpu'] });
  for (const n of w.name === 'digits-mlp' ? [64, 1024, 8192] : [16, 256]) {
    const x = w.inputs(n);
    const feeds = { [ctx.inputSpec[0].name]: ortTensor(x[0]) };
    const [claimed] = await runInference(ctx, w.weights, x);
    const oneClaim = [{ inputs: x, outputs: [claimed] }];
    const perRow = Array.from({ length: n }, (_, i) => ({ inputs: [sliceRows(x[0], i, i + 1)], outputs: [sliceRows(claimed, i, i + 1)] }));
    const reps = n >= 4096 ? 31 : 61;
    const one = await ratio(async () => {
      if ((await verifyInferences(ctx, w.weights, oneClaim)) !== -1) throw new Error('mismatch');
    }, () => raw.run(feeds), reps);
    const many = await ratio(async () => {
      if ((await verifyInferences(ctx, w.weights, perRow)) !== -1) throw new Error('mismatch');
    }, () => raw.run(feeds), reps);
    console.log(`${w.name.padEnd(14)} N=${String(n).padStart(5)}  raw ${one.base.toFixed(3)} ms | 1 claim of N rows ${one.cand.toFixed(3)} ms ratio ${one.ratio.toFixed(3)} | N one-row claims ${many.cand.toFixed(3)} ms ratio ${many.ratio.toFixed(3)}`);
    results.push({ kind: 'inference', model: w.name, rows: n, rawMs: one.base, oneClaimMs: one.cand, oneClaimRatio: Number(one.ratio.toFixed(4)), perRowClaimsMs: many.cand, perRowClaimsRatio: Number(many.ratio.toFixed(4)) });
  }
  await raw.release();
  await clearSessionCache();
}

console.log('\n2. update-weights scoring vs raw evaluation (session + one run + argmax count)');
async function rawEvaluate(bytes: Uint8Array, inputName: string, x: Tensor, labels: Int32Array): Promise<number> {
  const s = await ort.InferenceSession.create(bytes, { ...SESSION_OPTIONS, executionProviders: ['cpu'] });
  const out = (await s.run({ [inputName]: ortTensor(x) }))[s.outputNames[0]];
  const d = out.data as Int32Array;
  const c = out.dims[1];
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (d[r * c + k] > d[r * c + best]) best = k;
    if (best === labels[r]) correct++;
  }
  await s.release();
  return correct;
}
const digits = loadDigits();
const cases: { w: Workload; blob: Uint8Array }[] = [];
{
  const w = digitsMlp();
  cases.push({ w, blob: digitsDatasetBlob(digitsSplit(digits, 'eval')) });
  const big = digitsSplit(digits, 'train');
  cases.push({ w, blob: digitsDatasetBlob(big) });
  const wide = wideMlp();
  const r = prng(4);
  cases.push({ w: wide, blob: encodeDataset(new Map([['input', wide.inputs(2048)[0]]]), fill(r, 'int32', [2048], 0, 63)) });
}
for (const { w, blob } of cases) {
  const ctx = checkModel(w.architecture);
  const ds = bindDataset(ctx.arch, 'accuracy', blob);
  const bytes = runnableModelBytes(ctx.arch, bindWeights(ctx.arch, w.weights));
  const labels = ds.label.data as Int32Array;
  let ours = 0n;
  let theirs = 0;
  const res = await ratio(async () => {
    // A new blob object per run: no cached weights binding or session, as for a new update.
    ours = await scoreWeights(ctx, w.weights.slice(), blob, 'accuracy');
    await clearSessionCache();
  }, async () => {
    theirs = await rawEvaluate(bytes, ctx.inputSpec[0].name, ds.inputs[0], labels);
  }, 15);
  if (ours !== BigInt(theirs)) throw new Error(`score mismatch ${ours} vs ${theirs}`);
  console.log(`${w.name.padEnd(14)} rows ${String(ds.rows).padStart(5)}  raw ${res.base.toFixed(3)} ms | scoreWeights ${res.cand.toFixed(3)} ms  ratio ${res.ratio.toFixed(3)}  (score ${ours})`);
  results.push({ kind: 'update', model: w.name, rows: ds.rows, rawMs: res.base, scoreMs: res.cand, ratio: Number(res.ratio.toFixed(4)), score: Number(ours) });
}
await clearSessionCache();
}

console.log('\n3. progress reporting: observed by an EvaluationTracker / unobserved, same calls');
{
  // A logger that drops lines and the node's default interval: what a node pays per engine run.
  const tracker = new EvaluationTracker({ logger: { info() {} } });
  const label = { type: 'update-weights' as const, modelId: '00'.repeat(32), source: 'block' as const, height: 1 };
  // The observer alone: calls through the validator's guard into a tracked evaluation.
  const N = 1_000_000;
  let perCallNs = 0;
  await tracker.track(label, async (observe) => {
    const g = guarded(observe)!;
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) g(i, N);
    perCallNs = Number(process.hrtime.bigint() - t) / N;
  });
  console.log(`observer: ${perCallNs.toFixed(1)} ns per call`);
  const digitsW = digitsMlp();
  const train = digitsDatasetBlob(digitsSplit(loadDigits(), 'train'));
  for (const { w, blob } of [{ w: digitsW, blob: train }, { w: wideMlp(), blob: undefined }]) {
    const ctx = checkModel(w.architecture);
    const ds = blob ? bindDataset(ctx.arch, 'accuracy', blob) : bindDataset(ctx.arch, 'accuracy', encodeDataset(new Map([['input', w.inputs(2048)[0]]]), fill(prng(4), 'int32', [2048], 0, 63)));
    let a = 0n;
    let b = 0n;
    // Weights and session stay cached, so the evaluation loop itself (where an observer runs) is what is timed.
    const plain = async () => {
      b = await scoreWeights(ctx, w.weights, ds, 'accuracy');
    };
    const res = await ratio(async () => {
      a = await tracker.track(label, (observe) => scoreWeights(ctx, w.weights, ds, 'accuracy', observe));
    }, plain, 41);
    const aa = await ratio(plain, plain, 41);
    if (a !== b) throw new Error(`observed score ${a} differs from ${b}`);
    const calls = Math.ceil(ds.rows / EVAL_BATCH_ROWS) + 1;
    const share = (calls * perCallNs) / (res.base * 1e6);
    console.log(`${w.name.padEnd(14)} scoreWeights rows ${String(ds.rows).padStart(5)}  unobserved ${res.base.toFixed(3)} ms | observed ${res.cand.toFixed(3)} ms  ratio ${res.ratio.toFixed(3)} (A/A ${aa.ratio.toFixed(3)}) | observer ${calls} calls = ${(share * 100).toFixed(4)}% of the evaluation`);
    results.push({ kind: 'progress-score', model: w.name, rows: ds.rows, plainMs: res.base, observedMs: res.cand, ratio: Number(res.ratio.toFixed(4)), aaRatio: Number(aa.ratio.toFixed(4)), observerShare: share });
  }
  // A block's worth of one-row inference claims in one verifyInferences call.
  const ctx = checkModel(digitsW.architecture);
  const x = digitsW.inputs(8192);
  const [claimed] = await runInference(ctx, digitsW.weights, x);
  const perRow = Array.from({ length: 8192 }, (_, i) => ({ inputs: [sliceRows(x[0], i, i + 1)], outputs: [sliceRows(claimed, i, i + 1)] }));
  const inf = { ...label, type: 'inference' as const };
  const plainInf = async () => {
    if ((await verifyInferences(ctx, digitsW.weights, perRow)) !== -1) throw new Error('mismatch');
  };
  const res = await ratio(async () => {
    if ((await tracker.track(inf, (observe) => verifyInferences(ctx, digitsW.weights, perRow, observe))) !== -1) throw new Error('mismatch');
  }, plainInf, 31);
  const aa = await ratio(plainInf, plainInf, 31);
  console.log(`digits-mlp     verifyInferences 8192 one-row claims  unobserved ${res.base.toFixed(3)} ms | observed ${res.cand.toFixed(3)} ms  ratio ${res.ratio.toFixed(3)} (A/A ${aa.ratio.toFixed(3)})`);
  results.push({ kind: 'progress-inference', model: 'digits-mlp', rows: 8192, plainMs: res.base, observedMs: res.cand, ratio: Number(res.ratio.toFixed(4)), aaRatio: Number(aa.ratio.toFixed(4)) });
  await clearSessionCache();
}
console.log(JSON.stringify({ bench: 'validator', targets: { inference: 1.3, update: 1.2, observerShare: 0.01 }, results }));
