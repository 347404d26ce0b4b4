// `oda-model export-weights`: a retrained float model (same layer sizes) quantized into the
// weight slots of a registered model directory, keeping everything the architecture fixes:
// the input quantization (oda-model.json) and the requantization shifts (constants). The
// calibration rows are the directory's dataset, already quantized.
import { writeFileSync } from 'node:fs';
import { parseSafetensors } from '../../model-store/safetensors.js';
import { checkModel, scoreWeights, SCORE_MARGIN } from '../../validator/index.js';
import { bindDataset } from '../../validator/dataset.js';
import { ModelError } from './errors.js';
import { explain, readFloatModel, weightsBlob } from './convert.js';
import { fitOf, loadModelDir, type ScoreReport } from './check.js';
import { isRegressionOutput, readManifest } from './manifest.js';
import { quantizeNet } from './quantize.js';
import type { ConvGeom, PoolGeom } from './float-net.js';

/** scoreWeights' report on the exported weights, and where they were written. */
export interface ExportReport extends ScoreReport {
  out: string;
}

export async function exportWeights(modelPath: string, dir: string, out: string): Promise<ExportReport> {
  const m = readManifest(dir);
  const { net } = readFloatModel(modelPath);
  const b = loadModelDir(dir, m);
  const desc = (L: { inSize: number; outSize: number; relu: boolean; conv?: ConvGeom; pool?: PoolGeom }) =>
    `${L.inSize}→${L.outSize}${L.conv ? ` conv ${JSON.stringify(L.conv)}` : ''}${L.pool ? ` pool ${JSON.stringify(L.pool)}` : ''}${L.relu ? ' relu' : ''}`;
  const want = m.layers.map(desc).join(', ');
  const got = net.layers.map(desc).join(', ');
  if (want !== got) throw new ModelError(`${modelPath} has layers [${got}], the registered model [${want}]: export-weights needs the same architecture (a different one is a new model: use convert + addmodel)`);
  if (net.inputName !== m.input.name) throw new ModelError(`${modelPath}: input '${net.inputName}', the registered model's is '${m.input.name}'`);
  const ds = parseSafetensors(b.dataset).tensors.get(m.input.name);
  if (!ds || ds.dtype !== 'U8' || ds.shape.length !== 2 || ds.shape[1] !== net.inSize) throw new ModelError(`${dir}: the dataset has no uint8 input tensor '${m.input.name}' [rows, ${net.inSize}]`);
  const shifts = m.layers.map((L) => L.shift);
  if (isRegressionOutput(m.output) && net.head !== 'none') throw new ModelError(`${modelPath} ends in ${net.head}: the registered regression model is scored on its raw output; export without it`);
  const q = quantizeNet(net, { min: m.input.min, step: m.input.step }, ds.data, ds.shape[0], shifts as number[], m.layers[0].zeroPoint, isRegressionOutput(m.output) ? m.output.scale : undefined);
  const weights = weightsBlob(q, { name: m.input.name, columns: m.input.columns, min: m.input.min, step: m.input.step });
  try {
    const ctx = checkModel(b.architecture);
    const dataset = bindDataset(ctx.arch, m.objective, b.dataset);
    const baselineScore = await scoreWeights(ctx, b.weights, dataset, m.objective);
    const score = await scoreWeights(ctx, weights, dataset, m.objective);
    writeFileSync(out, weights);
    const fit = fitOf(m, score, dataset);
    return { out, score, baselineScore, rows: dataset.rows, improves: score >= baselineScore + SCORE_MARGIN, ...(fit ? { fit, baselineFit: fitOf(m, baselineScore, dataset) } : {}) };
  } catch (e) {
    return explain(e, 'the exported weights');
  }
}
