// oda-model convert (tools/model): the conversion time of a ~1 M-parameter float MLP against a
// baseline measured in the same run (onnxruntime loading the float file and running the same
// calibration rows once, the least any post-training quantizer does), and float vs integer
// accuracy on the PyTorch fixtures (breast cancer and wine MLPs from CSV, the digits CNN from
// .npy; evaluation split). Short: 3 reps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../validator/onnx/graph-builder.js';
import { encodeModel } from '../validator/onnx/encode.js';
import { convert } from '../tools/model/convert.js';
import { readFloatOnnx } from '../tools/model/float-onnx.js';
import { extractNet, floatForward, predict } from '../tools/model/float-net.js';
import { rng } from '../test/validator/helpers.js';
import { ratio } from './util.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-model-bench-'));
const FIX = join(import.meta.dirname, '..', 'test', 'fixtures', 'byom');

// 256 -> 1024 -> 768 -> 10: 1,059,594 parameters, torch's layout (Gemm, transB = 1).
const sizes = [256, 1024, 768, 10];
const rand = rng(7);
const g = new GraphBuilder('batch');
let h = g.input('features', 'float32', [sizes[0]]);
let params = 0;
for (let l = 0; l + 1 < sizes.length; l++) {
  const [i, o] = [sizes[l], sizes[l + 1]];
  const w = Array.from({ length: i * o }, () => (rand() * 2 - 1) * Math.sqrt(6 / i));
  const b = Array.from({ length: o }, () => (rand() * 2 - 1) * 0.1);
  g.constant(`fc${l}.weight`, 'float32', [o, i], w);
  g.constant(`fc${l}.bias`, 'float32', [o], b);
  params += i * o + o;
  const last = l + 2 === sizes.length;
  h = g.op('Gemm', [h, `fc${l}.weight`, `fc${l}.bias`], { transB: 1 }, last ? 'logits' : undefined);
  if (!last) h = g.op('Relu', [h]);
}
g.output('logits', 'float32', [sizes[sizes.length - 1]]);
const modelBytes = encodeModel(g.build(17, 'bench'));
const modelPath = join(dir, 'big.onnx');
writeFileSync(modelPath, modelBytes);

// 512 calibration rows, labelled by the float model itself (so float accuracy is 100 % and the
// integer accuracy is the agreement of the two).
const rows = 512;
const x = Float64Array.from({ length: rows * sizes[0] }, () => rand() * 4);
const net = extractNet(readFloatOnnx(modelBytes));
const { out, width } = floatForward(net, x, rows);
const labels = predict(out, width, rows);
const header = [...Array.from({ length: sizes[0] }, (_, i) => `f${i}`), 'y'].join(',');
const lines = [header];
for (let r = 0; r < rows; r++) lines.push([...Array.from(x.subarray(r * sizes[0], (r + 1) * sizes[0]), (v) => v.toFixed(4)), labels[r]].join(','));
const csv = join(dir, 'calib.csv');
writeFileSync(csv, lines.join('\n'));

let last: Awaited<ReturnType<typeof convert>> | undefined;
const r = await ratio(
  async () => {
    last = await convert({ model: modelPath, calibration: csv, label: 'y', out: join(dir, 'out') });
  },
  async () => {
    const s = await ort.InferenceSession.create(modelBytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
    await s.run({ features: new ort.Tensor('float32', Float32Array.from(x), [rows, sizes[0]]) });
    await s.release();
  },
  3,
);
const big = last!.calibration as { float: number; integer: number };
console.log(`convert ${params} parameters, ${rows} calibration rows: ${r.cand.toFixed(0)} ms; onnxruntime float load + run ${r.base.toFixed(0)} ms; ratio ${r.ratio.toFixed(1)}`);
console.log(`  integer agreement with the float model on its calibration rows: ${(100 * big.integer).toFixed(2)} %`);

const datasets: Record<string, { float: number; integer: number; rows: number }> = {};
for (const [name, model] of [['breast-cancer', 'breast-cancer-v2.onnx'], ['wine', 'wine.onnx']] as const) {
  const c = await convert({ model: join(FIX, model), calibration: join(FIX, `${name}-train.csv`), dataset: join(FIX, `${name}-eval.csv`), label: 'target', out: join(dir, name) });
  datasets[name] = { float: c.dataset!.float, integer: c.dataset!.integer, rows: c.dataset!.rows };
  console.log(`${name} (${model}, ${c.dataset!.rows} eval rows): float ${(100 * c.dataset!.float).toFixed(2)} %, integer ${(100 * c.dataset!.integer).toFixed(2)} %`);
}
{
  const n = (f: string) => join(FIX, f);
  const c = await convert({ model: n('digits-cnn.onnx'), calibration: n('digits-train-x.npy'), labels: n('digits-train-y.npy'), dataset: n('digits-eval-x.npy'), datasetLabels: n('digits-eval-y.npy'), out: join(dir, 'digits-cnn') });
  datasets['digits-cnn'] = { float: c.dataset!.float, integer: c.dataset!.integer, rows: c.dataset!.rows };
  console.log(`digits-cnn (digits-cnn.onnx, .npy, ${c.dataset!.rows} eval rows): float ${(100 * c.dataset!.float).toFixed(2)} %, integer ${(100 * c.dataset!.integer).toFixed(2)} %; CU per row ${c.cuPerRow}`);
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ params, calibrationRows: rows, convertMs: r.cand, baselineMs: r.base, ratio: r.ratio, bigAgreement: big.integer, datasets }));
