// CU calibration: measured nanoseconds per cost unit for every workload family (whole models
// and single ops), engine sessions and dataset scoring, and the validation time of a
// worst-case block at MAX_BLOCK_CU. The baseline is the CU the validator charges; the ratio is
// ns/CU, which must stay small enough that MAX_BLOCK_CU x worst ns/CU <= 5% of 600 s.
//   node --import tsx bench/validator-cost.bench.ts          (BENCH_BLOCK_FRACTION=0.2 for a shorter block run)
import { allWorkloads, singleOps, digitsMlp, wideMlp, type Workload } from './validator-workloads.js';
import { checkModel, runInference, inferenceCost, evaluationCost, scoreWeights, clearSessionCache, MAX_BLOCK_CU, MAX_TX_CU, bindDataset } from '../validator/index.js';
import { createSession } from '../validator/runtime.js';
import { bindWeights } from '../validator/weights.js';
import { encodeDataset } from '../validator/blobs.js';
import { fill, prng } from './validator-workloads.js';
import { CU_PER_SESSION, CU_PER_BYTE, CU_PER_SESSION_WEIGHT_BYTE } from '../validator/cost.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeRuns(f: () => Promise<unknown>, reps: number): Promise<number> {
  await f();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await f();
    ts.push(Number(process.hrtime.bigint() - t0));
  }
  return median(ts);
}

interface Row {
  name: string;
  rows: number;
  cu: number;
  ms: number;
  nsPerCu: number;
}

const rowsTable: Row[] = [];
async function measure(w: Workload, rows: number, reps: number): Promise<Row> {
  const ctx = checkModel(w.architecture);
  const x = w.inputs(rows);
  const ns = await timeRuns(() => runInference(ctx, w.weights, x), reps);
  const cu = Number(inferenceCost(ctx.arch, rows));
  const row = { name: w.name, rows, cu, ms: ns / 1e6, nsPerCu: ns / cu };
  rowsTable.push(row);
  console.log(`${w.name.padEnd(28)} rows ${String(rows).padStart(5)}  ${(ns / 1e6).toFixed(3).padStart(9)} ms  ${String(cu).padStart(12)} CU  ${(ns / cu).toFixed(3)} ns/CU`);
  return row;
}

console.log('inference runs (median), charged CU and ns per CU');
for (const w of [...allWorkloads(), ...singleOps()]) {
  const ctx = checkModel(w.architecture);
  const perRow = Number(inferenceCost(ctx.arch, 2) - inferenceCost(ctx.arch, 1));
  const rows = Math.max(1, Math.min(4096, Math.floor(100_000_000 / perRow)));
  await measure(w, 1, 50);
  await measure(w, rows, 7);
  await clearSessionCache();
}

console.log('\nsessions (build from canonical bytes) and dataset scoring');
const sessionRows: Row[] = [];
for (const w of [digitsMlp(), wideMlp()]) {
  const ctx = checkModel(w.architecture);
  const tensors = bindWeights(ctx.arch, w.weights);
  const ns = await timeRuns(() => createSession(ctx.arch, tensors), 9);
  const cu = Number(CU_PER_SESSION + BigInt(w.weights.length) * (CU_PER_BYTE + CU_PER_SESSION_WEIGHT_BYTE));
  const row = { name: `session ${w.name}`, rows: 0, cu, ms: ns / 1e6, nsPerCu: ns / cu };
  sessionRows.push(row);
  console.log(`${row.name.padEnd(28)} ${(ns / 1e6).toFixed(3).padStart(9)} ms  ${String(cu).padStart(12)} CU  ${row.nsPerCu.toFixed(3)} ns/CU`);
  const r = prng(3);
  const n = w.name === 'digits-mlp' ? 4096 : 1024;
  const x = w.inputs(n)[0];
  const blob = encodeDataset(new Map([[ctx.inputSpec[0].name, x]]), fill(r, 'int32', [n], 0, 9));
  const ds = bindDataset(ctx.arch, 'accuracy', blob);
  await clearSessionCache();
  // A fresh weights blob object each time forces a new session, as for an update-weights tx.
  const ens = await timeRuns(() => scoreWeights(ctx, w.weights.slice(), ds, 'accuracy'), 5);
  const ecu = Number(evaluationCost(ctx.arch, n, blob.length));
  const erow = { name: `evaluate ${w.name}`, rows: n, cu: ecu, ms: ens / 1e6, nsPerCu: ens / ecu };
  sessionRows.push(erow);
  console.log(`${erow.name.padEnd(28)} rows ${String(n).padStart(5)}  ${(ens / 1e6).toFixed(3).padStart(9)} ms  ${String(ecu).padStart(12)} CU  ${erow.nsPerCu.toFixed(3)} ns/CU`);
  await clearSessionCache();
}

const all = [...rowsTable, ...sessionRows];
const worst = all.reduce((a, b) => (b.nsPerCu > a.nsPerCu ? b : a));
const projectedS = (Number(MAX_BLOCK_CU) * worst.nsPerCu) / 1e9;
console.log(`\nworst: ${worst.name} (${worst.rows} rows) ${worst.nsPerCu.toFixed(3)} ns/CU -> a block at MAX_BLOCK_CU=${MAX_BLOCK_CU} projects to ${projectedS.toFixed(2)} s (${((projectedS / 600) * 100).toFixed(2)}% of 600 s)`);

// Worst-case block: for each of the three inference workloads with the highest ns/CU, a third of
// MAX_BLOCK_CU filled with transactions of that workload (each at most MAX_TX_CU), timed end
// to end and scaled to the full block; the block figure is the worst of the three.
const fraction = Number(process.env.BENCH_BLOCK_FRACTION ?? 1) / 3;
const byName = new Map([...allWorkloads(), ...singleOps()].map((w) => [w.name, w]));
const candidates = [...rowsTable].sort((a, b) => b.nsPerCu - a.nsPerCu).filter((r, i, all) => all.findIndex((x) => x.name === r.name) === i).slice(0, 3);
interface BlockRun { workload: string; txs: number; rowsPerTx: number; cu: number; seconds: number; secondsAtLimit: number; percentOfInterval: number }
const blockRuns: BlockRun[] = [];
for (const cand of candidates) {
  const wl = byName.get(cand.name)!;
  const ctx = checkModel(wl.architecture);
  let rows = cand.rows;
  while (inferenceCost(ctx.arch, rows) > MAX_TX_CU && rows > 1) rows = Math.floor(rows / 2);
  const txCu = inferenceCost(ctx.arch, rows);
  const txs = Math.max(1, Number(BigInt(Math.floor(Number(MAX_BLOCK_CU) * fraction)) / txCu));
  const inputs = Array.from({ length: Math.min(txs, 64) }, () => wl.inputs(rows));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < txs; i++) await runInference(ctx, wl.weights, inputs[i % inputs.length]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = Number(txCu) * txs;
  const secondsAtLimit = seconds * (Number(MAX_BLOCK_CU) / cu);
  blockRuns.push({ workload: wl.name, txs, rowsPerTx: rows, cu, seconds: Number(seconds.toFixed(3)), secondsAtLimit: Number(secondsAtLimit.toFixed(3)), percentOfInterval: Number(((secondsAtLimit / 600) * 100).toFixed(3)) });
  console.log(`block share: ${txs} x ${wl.name} (${rows} rows, ${txCu} CU) = ${cu} CU in ${seconds.toFixed(2)} s -> ${secondsAtLimit.toFixed(2)} s at MAX_BLOCK_CU (${((secondsAtLimit / 600) * 100).toFixed(2)}% of 600 s)`);
  await clearSessionCache();
}
const worstBlock = blockRuns.reduce((a, b) => (b.secondsAtLimit > a.secondsAtLimit ? b : a));
console.log(`worst-case block: ${worstBlock.secondsAtLimit.toFixed(2)} s at MAX_BLOCK_CU (${worstBlock.percentOfInterval.toFixed(2)}% of the 600 s interval; target <= 5%)`);

console.log(
  JSON.stringify({
    bench: 'validator-cost',
    maxBlockCu: Number(MAX_BLOCK_CU),
    maxTxCu: Number(MAX_TX_CU),
    worstNsPerCu: Number(worst.nsPerCu.toFixed(4)),
    worstWorkload: worst.name,
    projectedBlockSeconds: Number(projectedS.toFixed(3)),
    worstBlock,
    blockRuns,
    rows: all.map((r) => ({ name: r.name, rows: r.rows, cu: r.cu, ms: Number(r.ms.toFixed(4)), nsPerCu: Number(r.nsPerCu.toFixed(4)) })),
  }),
);
