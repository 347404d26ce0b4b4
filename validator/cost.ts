// Cost units (CU): the static validation cost of ODA transactions (ODA-BIP-0002 "Cost
// units"), computed from the graph's shapes without executing anything. This file is the
// single place where CU are defined, so that a later cost-aware difficulty or fee rule reads
// the same numbers validators enforce.
//
// Per node at batch b (ops/*.ts, rule.cost): MatMulInteger 2*numel(out)*K, ConvInteger
// 2*numel(out)*C*kH*kW, MaxPool numel(out)*kH*kW, ArgMax numel(in), elementwise numel(out)
// (times inputs-1 for variadic Max/Min), Transpose/Concat/Gather numel(out), Reshape/Flatten/
// Identity 0; plus CU_PER_NODE for each node and CU_PER_RUN for each engine call (the fixed
// overheads, which dominate tiny graphs), plus CU_PER_BYTE for every byte hashed and parsed.
// Calibration: bench/validator-cost.bench.ts, figures in the BIP.
import type { Architecture } from './check-graph.js';
import { inferGraph } from './check-graph.js';
import { ELEM_BYTES, numel } from './tensor.js';

/** Fixed cost of one engine invocation (feeds, allocation, output copies). */
export const CU_PER_RUN = 20_000n;
/** Fixed cost of executing one node (kernel dispatch, output allocation). */
export const CU_PER_NODE = 2_000n;
/** Per byte of input, weights or dataset: hashing, parsing, copying. */
export const CU_PER_BYTE = 4n;
/** Building an engine session (per model, per weights version). */
export const CU_PER_SESSION = 2_000_000n;
/** Rows per engine call when scoring a dataset (results do not depend on it; cost does). */
export const EVAL_BATCH_ROWS = 256;

/** Per-transaction and per-block caps (calibrated in the BIP: a full block validates in <= 5% of 600 s). */
export const MAX_TX_CU = 25_000_000_000n;
export const MAX_BLOCK_CU = 100_000_000_000n;

interface AffineCost {
  /** Node CU at batch 1 and the increment per extra row (every exact-class op cost is affine in the batch). */
  base: bigint;
  perRow: bigint;
  nodes: bigint;
  inputBytesPerRow: bigint;
  weightBytes: bigint;
}

const cache = new WeakMap<Architecture, AffineCost>();

function affine(arch: Architecture): AffineCost {
  let c = cache.get(arch);
  if (c === undefined) {
    const sum = (b: number) => inferGraph(arch, b).nodeCosts.reduce((a, x) => a + BigInt(x), 0n);
    const c1 = sum(1);
    const c2 = sum(2);
    c = {
      base: c1,
      perRow: c2 - c1,
      nodes: BigInt(arch.plan.length),
      inputBytesPerRow: BigInt(arch.inputs.reduce((a, i) => a + numel(i.rowDims) * ELEM_BYTES[i.type], 0)),
      weightBytes: BigInt(arch.weights.reduce((a, w) => a + numel(w.dims) * ELEM_BYTES[w.type], 0)),
    };
    cache.set(arch, c);
  }
  return c;
}

/** Node CU of one forward pass over `rows` rows (no fixed overheads). */
export function forwardCost(arch: Architecture, rows: number): bigint {
  if (rows < 1) return 0n;
  const c = affine(arch);
  return c.base + BigInt(rows - 1) * c.perRow;
}

function runs(rows: number, perRun: number): bigint {
  return BigInt(Math.ceil(rows / perRun));
}

/** Inference transaction(s): one engine run over `rows` rows of inputs. */
export function inferenceCost(arch: Architecture, rows: number): bigint {
  const c = affine(arch);
  return CU_PER_RUN + c.nodes * CU_PER_NODE + forwardCost(arch, rows) + BigInt(rows) * c.inputBytesPerRow * CU_PER_BYTE;
}

/** Scoring one weights version over a dataset of `rows` rows (`datasetBytes` long). */
export function evaluationCost(arch: Architecture, rows: number, datasetBytes: number): bigint {
  const c = affine(arch);
  const r = runs(rows, EVAL_BATCH_ROWS);
  return CU_PER_SESSION + c.weightBytes * CU_PER_BYTE + r * (CU_PER_RUN + c.nodes * CU_PER_NODE) + forwardCost(arch, rows) + BigInt(datasetBytes) * CU_PER_BYTE;
}

/** Update-weights transaction: the new weights are scored; the current score is chain state. */
export function updateCost(arch: Architecture, rows: number, datasetBytes: number): bigint {
  return evaluationCost(arch, rows, datasetBytes);
}

/** Add-model transaction: parse and check the architecture, then score the initial weights. */
export function admissionCost(arch: Architecture, architectureBytes: number, rows: number, datasetBytes: number): bigint {
  return BigInt(architectureBytes) * CU_PER_BYTE + evaluationCost(arch, rows, datasetBytes);
}
