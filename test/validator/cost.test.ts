// Cost units: every op formula is affine in the batch size (so the cheap two-point evaluation
// equals a direct evaluation at any batch), costs grow with rows, and the limits are consistent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkModel, inferenceCost, evaluationCost, MAX_BLOCK_CU, MAX_TX_CU, WHITELIST } from '../../validator/index.js';
import { forwardCost, nodeCostAt, OP_CU } from '../../validator/cost.js';
import { buildMlp, DIGITS_MLP } from '../../tools/models/mlp.js';
import { randomGraph } from './random-graph.js';
import { rng } from './helpers.js';

test('forwardCost (two-point affine form) equals direct shape-based cost at every batch size', () => {
  for (let i = 0; i < 100; i++) {
    const ctx = checkModel(randomGraph(rng(500 + i)).architecture);
    for (const b of [1, 2, 3, 17, 1000]) assert.is(forwardCost(ctx.arch, b), nodeCostAt(ctx.arch, b), `graph ${i} batch ${b}`);
  }
});

test('digits MLP: hand-computed per-row CU', () => {
  const ctx = checkModel(buildMlp(DIGITS_MLP));
  // Per row: MatMulInteger 64x32: 2*32*64 + 8*32 = 4352; Add, Mul, Div, Clip, Cast on 32: 5*8*32 = 1280;
  // MatMulInteger 32x10: 2*10*32 + 8*10 = 720; Add on 10: 80. Weight repacking (per run): 2*(64*32 + 32*10) = 4736.
  assert.is(nodeCostAt(ctx.arch, 1), 4352n + 1280n + 720n + 80n + 4736n);
  assert.is(forwardCost(ctx.arch, 101) - forwardCost(ctx.arch, 1), 100n * (4352n + 1280n + 720n + 80n));
  // Inference: run + 8 nodes + forward + 64 input bytes per row at 4 CU.
  assert.is(inferenceCost(ctx.arch, 1), 200_000n + 8n * 2_000n + nodeCostAt(ctx.arch, 1) + 64n * 4n);
});

test('costs are monotone in rows and dataset size; limits are consistent; every op is priced', () => {
  const ctx = checkModel(buildMlp(DIGITS_MLP));
  let prev = 0n;
  for (const r of [1, 2, 10, 255, 256, 257, 10_000]) {
    const c = evaluationCost(ctx.arch, r, 1000);
    assert.ok(c > prev);
    prev = c;
    assert.ok(inferenceCost(ctx.arch, r + 1) > inferenceCost(ctx.arch, r));
  }
  assert.ok(evaluationCost(ctx.arch, 100, 2000) > evaluationCost(ctx.arch, 100, 1000));
  assert.is(MAX_TX_CU * 4n, MAX_BLOCK_CU);
  for (const op of WHITELIST.keys()) assert.type(OP_CU[op], 'function', op);
});

test.run();
