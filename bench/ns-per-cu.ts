// Measures the validator's wall time per charged CU on real models (a short version of
// bench/validator-cost.bench.ts) and records it in sim/ns-per-cu.json, which the simulator
// reads: validation delay in the simulator = block CU x this figure.
//   node --import tsx bench/ns-per-cu.ts
import { writeFileSync } from 'node:fs';
import { checkModel, runInference, inferenceCost, clearSessionCache } from '../validator/index.js';
import { digitsMlp, digitsCnn, wideMlp, convNet, type Workload } from './validator-workloads.js';

async function nsPerCu(w: Workload, rows: number, reps: number): Promise<number> {
  const ctx = checkModel(w.architecture);
  const x = w.inputs(rows);
  await runInference(ctx, w.weights, x);
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await runInference(ctx, w.weights, x);
    ts.push(Number(process.hrtime.bigint() - t0));
  }
  ts.sort((a, b) => a - b);
  await clearSessionCache();
  return ts[Math.floor(ts.length / 2)] / Number(inferenceCost(ctx.arch, rows));
}

const figures: Record<string, number> = {};
for (const [w, rows] of [[digitsMlp(), 1], [digitsMlp(), 1024], [digitsCnn(), 512], [wideMlp(), 64], [convNet(), 16]] as const) {
  const v = await nsPerCu(w, rows, 9);
  figures[`${w.name} x${rows}`] = Number(v.toFixed(4));
  console.log(`${w.name.padEnd(16)} rows ${String(rows).padStart(5)}  ${v.toFixed(3)} ns/CU`);
}
const vals = Object.values(figures);
const out = { measured: new Date().toISOString().slice(0, 10), node: process.version, figures, median: [...vals].sort((a, b) => a - b)[Math.floor(vals.length / 2)], worst: Math.max(...vals) };
writeFileSync(new URL('../sim/ns-per-cu.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out));
