// `oda-model check` and `score`: the node's own admission and scoring code (validator/index.ts)
// run offline on a model directory, so a user sees the verdict, the CU and the fee floor before
// any transaction is funded.
import { readFileSync, existsSync } from 'node:fs';
import { admitModel, checkModel, scoreWeights, inferenceCost, updateCost, SCORE_MARGIN } from '../../validator/index.js';
import { bindDataset } from '../../validator/dataset.js';
import { minFeeForCu, MIN_FEE_PER_KCU } from '../../oda/rules.js';
import { ModelError } from './errors.js';
import { explain } from './convert.js';
import { isRegressionOutput, modelFiles, readManifest, verifyFile, type Manifest } from './manifest.js';
import { datasetFit, type Fit } from './regression.js';
import type { Dataset } from '../../validator/dataset.js';

export interface CheckReport {
  architectureBytes: number;
  weightsBytes: number;
  datasetBytes: number;
  datasetRows: number;
  baselineScore: bigint;
  objective: Manifest['objective'];
  /** Regression: the baseline's RMSE (target units) and R² on the dataset. */
  baselineFit?: Fit;
  cu: { addModel: bigint; inferenceRow: bigint; update: bigint };
  /** Policy fee floors in satoshis (MIN_FEE_PER_KCU sat per 1000 CU); the wallet's fee rate may ask for more. */
  fee: { addModel: bigint; inferenceRow: bigint; update: bigint; perKcu: bigint };
}

function read(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new ModelError(`${what} file ${path} does not exist`);
  return new Uint8Array(readFileSync(path));
}

/** The three blobs of a model directory, each checked against the digest oda-model recorded. */
export function loadModelDir(dir: string, m = readManifest(dir)): { architecture: Uint8Array; weights: Uint8Array; dataset: Uint8Array } {
  const f = modelFiles(dir, m);
  if (f.dataset === undefined) throw new ModelError(`${dir} has no dataset: run oda-model pack-dataset DATA.csv --label COL --like ${dir}`);
  const b = { architecture: read(f.architecture, 'architecture'), weights: read(f.weights, 'weights'), dataset: read(f.dataset, 'dataset') };
  for (const role of ['architecture', 'weights', 'dataset'] as const) verifyFile(dir, m, role, b[role]);
  return b;
}

/** A regression score as RMSE and R² (undefined for a classifier). */
export function fitOf(m: Manifest, score: bigint, ds: Pick<Dataset, 'label'>): Fit | undefined {
  return isRegressionOutput(m.output) ? datasetFit(score, m.output.scale, ds.label.data as Int32Array) : undefined;
}

export async function checkDir(dir: string): Promise<CheckReport> {
  const m = readManifest(dir);
  const b = loadModelDir(dir, m);
  let admitted;
  try {
    admitted = await admitModel({ ...b, objective: m.objective });
  } catch (e) {
    return explain(e, 'admission check');
  }
  const rows = admitted.datasetRows;
  const cu = { addModel: admitted.cost, inferenceRow: inferenceCost(admitted.ctx.arch, 1), update: updateCost(admitted.ctx.arch, rows, b.dataset.length) };
  return {
    architectureBytes: b.architecture.length,
    weightsBytes: b.weights.length,
    datasetBytes: b.dataset.length,
    datasetRows: rows,
    baselineScore: admitted.score,
    objective: m.objective,
    ...(isRegressionOutput(m.output) ? { baselineFit: fitOf(m, admitted.score, bindDataset(admitted.ctx.arch, m.objective, b.dataset)) } : {}),
    cu,
    fee: { addModel: minFeeForCu(cu.addModel), inferenceRow: minFeeForCu(cu.inferenceRow), update: minFeeForCu(cu.update), perKcu: MIN_FEE_PER_KCU },
  };
}

export interface ScoreReport {
  score: bigint;
  baselineScore: bigint;
  rows: number;
  /** score ≥ baseline + SCORE_MARGIN (the consensus rule): an update from the directory's weights would be accepted. */
  improves: boolean;
  /** Regression: RMSE and R² of the scored weights and of the directory's weights. */
  fit?: Fit;
  baselineFit?: Fit;
}

/** The score the chain gives `weightsPath` on the directory's dataset, against the directory's own weights. */
export async function scoreDir(dir: string, weightsPath: string): Promise<ScoreReport> {
  const m = readManifest(dir);
  const b = loadModelDir(dir, m);
  const w = read(weightsPath, 'weights');
  try {
    const ctx = checkModel(b.architecture);
    const ds = bindDataset(ctx.arch, m.objective, b.dataset);
    const baselineScore = await scoreWeights(ctx, b.weights, ds, m.objective);
    const score = await scoreWeights(ctx, w, ds, m.objective);
    const fit = fitOf(m, score, ds);
    return { score, baselineScore, rows: ds.rows, improves: score >= baselineScore + SCORE_MARGIN, ...(fit ? { fit, baselineFit: fitOf(m, baselineScore, ds) } : {}) };
  } catch (e) {
    return explain(e, 'scoring');
  }
}
