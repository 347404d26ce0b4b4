// ODA-BIP-0002 test vectors (spec/BIPs/vectors/oda-bip-0002/*.json): op semantics on both
// engines, admission results and costs, and the digits model end to end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { VerifyError } from '../../chain/errors.js';
import { checkModel, runInference, referenceRun, admitModel, inferenceCost, evaluationCost, clearSessionCache } from '../../validator/index.js';
import { buildMlp, DIGITS_MLP } from '../../tools/models/mlp.js';
import { DIGITS_EVAL_FILE } from '../../tools/data/paths.js';
import type { ElemType, Tensor } from '../../validator/tensor.js';

const dir = new URL('../../spec/BIPs/vectors/oda-bip-0002/', import.meta.url);
const load = (f: string) => JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
const unhex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface JsonTensor {
  type: ElemType;
  dims: number[];
  values: (number | string)[];
}

function fromJson(t: JsonTensor): Tensor {
  const v = t.values;
  const data = t.type === 'int8' ? Int8Array.from(v as number[]) : t.type === 'uint8' ? Uint8Array.from(v as number[]) : t.type === 'int32' ? Int32Array.from(v as number[]) : BigInt64Array.from(v.map((x) => BigInt(x)));
  return { type: t.type, dims: t.dims, data };
}

function asJson(t: Tensor): JsonTensor {
  return { type: t.type, dims: [...t.dims], values: Array.from(t.data as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? x.toString() : x)) };
}

test('ops.json: onnxruntime and the reference interpreter both give the vector outputs', async () => {
  const { vectors } = load('ops.json');
  assert.ok(vectors.length >= 15);
  for (const v of vectors) {
    const ctx = checkModel(unhex(v.architecture));
    const weights = unhex(v.weights);
    const inputs = v.inputs.map(fromJson);
    const ort = await runInference(ctx, weights, inputs);
    const ref = referenceRun(ctx, weights, inputs);
    assert.equal(ort.map(asJson), v.outputs, `${v.name} (onnxruntime)`);
    assert.equal(ref.map(asJson), v.outputs, `${v.name} (reference)`);
    assert.is(inferenceCost(ctx.arch, 1).toString(), v.inferenceCostOneRow, `${v.name} cost`);
  }
  await clearSessionCache();
});

test('admission.json: each architecture is admitted or rejected with the listed reason', () => {
  const { vectors } = load('admission.json');
  for (const v of vectors) {
    let result = 'ok';
    try {
      const ctx = checkModel(unhex(v.architecture));
      assert.is(inferenceCost(ctx.arch, 1).toString(), v.inferenceCostOneRow, v.name);
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      result = e.reason;
    }
    assert.is(result, v.result, v.name);
  }
});

test('digits-mlp.json: architecture bytes, dataset hash, scores and costs', async () => {
  const d = load('digits-mlp.json');
  const architecture = unhex(d.architecture);
  assert.equal(architecture, buildMlp(DIGITS_MLP), 'builder output is the vector architecture');
  assert.is(sha(architecture), d.architectureSha256);
  const dataset = Uint8Array.from(readFileSync(DIGITS_EVAL_FILE));
  assert.is(sha(dataset), d.datasetSha256);
  const ctx = checkModel(architecture);
  assert.is(inferenceCost(ctx.arch, 1).toString(), d.inferenceCost.rows1);
  assert.is(inferenceCost(ctx.arch, 100).toString(), d.inferenceCost.rows100);
  assert.is(evaluationCost(ctx.arch, 360, dataset.length).toString(), d.evaluationCost);
  for (const c of d.cases) {
    const weights = unhex(c.weights);
    assert.is(sha(weights), c.weightsSha256);
    const res = await admitModel({ architecture, weights, dataset, objective: 'accuracy' });
    assert.is(res.score.toString(), c.score);
    assert.is(res.cost.toString(), c.admissionCost);
  }
  await clearSessionCache();
});

test.run();
