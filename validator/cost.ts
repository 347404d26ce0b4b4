// Cost units (CU): the static validation cost of ODA transactions (ODA-BIP-0002 "Cost
// units"), computed from the graph's shapes without executing anything. This file is the
// single place where CU are defined, so that a later cost-aware difficulty or fee rule reads
// the same numbers validators enforce.
//
// The weights below were calibrated with bench/validator-cost.bench.ts on the project's
// 2-vCPU machines so that no op family costs more than about 1 ns per CU there (figures in
// the BIP); MAC-bound int8 GEMM runs far below that here (VNNI/AMX) and is deliberately not
// discounted, because the cap must hold on CPUs without those units.
import type { Architecture } from './check-graph.js';
import { inferGraph } from './check-graph.js';
import type { OpContext, ValueType } from './ops/types.js';
import { WHITELIST } from './ops/index.js';
import { ELEM_BYTES, numel } from './tensor.js';

/** CU per multiply-accumulate pair (2 per MAC) for MatMulInteger/ConvInteger. */
const MAC = 2;
/** CU per output element for elementwise integer ops. */
const ELEM = 8;
/** CU per output element for data movement (Transpose, Gather, Concat). */
const MOVE = 12;
/** CU per input element for ArgMax; per window element for MaxPool. */
const REDUCE = 4;
const POOL = 16;
/** CU per weight element of a MatMulInteger/ConvInteger per run: the engine repacks B on every run
 *  with optimizations disabled, so a one-row run of a big layer costs in proportion to the layer. */
const PACK = 2;

/** Per-op CU of one execution at the shapes the static check inferred. */
export const OP_CU: Readonly<Record<string, (ctx: OpContext, out: ValueType) => number>> = {
  MatMulInteger: (ctx, out) => MAC * numel(out.dims) * ctx.inputs[1]!.vt.dims[0] + ELEM * numel(out.dims) + PACK * numel(ctx.inputs[1]!.vt.dims),
  ConvInteger: (ctx, out) => {
    const [, c, kh, kw] = ctx.inputs[1]!.vt.dims;
    return MAC * numel(out.dims) * c * kh * kw + ELEM * numel(out.dims) + PACK * numel(ctx.inputs[1]!.vt.dims);
  },
  MaxPool: (ctx, out) => {
    const ks = ctx.attrs.ints('kernel_shape')!;
    return POOL * numel(out.dims) * ks[0] * ks[1];
  },
  Add: (_c, out) => ELEM * numel(out.dims),
  Sub: (_c, out) => ELEM * numel(out.dims),
  Mul: (_c, out) => ELEM * numel(out.dims),
  Div: (_c, out) => ELEM * numel(out.dims),
  Max: (ctx, out) => ELEM * numel(out.dims) * Math.max(1, ctx.inputs.length - 1),
  Min: (ctx, out) => ELEM * numel(out.dims) * Math.max(1, ctx.inputs.length - 1),
  Relu: (_c, out) => ELEM * numel(out.dims),
  Clip: (_c, out) => ELEM * numel(out.dims),
  Cast: (_c, out) => ELEM * numel(out.dims),
  ArgMax: (ctx) => REDUCE * numel(ctx.inputs[0]!.vt.dims),
  Transpose: (_c, out) => MOVE * numel(out.dims),
  Gather: (_c, out) => MOVE * numel(out.dims),
  Concat: (_c, out) => MOVE * numel(out.dims),
  Reshape: () => 0,
  Flatten: () => 0,
  Identity: () => 0,
};

for (const op of WHITELIST.keys()) if (OP_CU[op] === undefined) throw new Error(`cost.ts: no CU formula for whitelisted op ${op}`);

/** Fixed cost of one engine invocation (feeds, allocation, output copies). */
export const CU_PER_RUN = 200_000n;
/** Fixed cost of executing one node (kernel dispatch, output allocation). */
export const CU_PER_NODE = 2_000n;
/** Per byte of input rows, weights or dataset: hashing, parsing, copying. */
export const CU_PER_BYTE = 4n;
/** Building an engine session (per model, per weights version). */
export const CU_PER_SESSION = 4_000_000n;
/** Per weight byte when a session is built (copy into the engine, kernel prepacking), on top of CU_PER_BYTE. */
export const CU_PER_SESSION_WEIGHT_BYTE = 8n;
/** Rows per engine call when scoring a dataset (results do not depend on it; cost does). */
export const EVAL_BATCH_ROWS = 256;

/** Per-block cap: a block at the cap validates in well under 5% of the 600 s interval (BIP). */
export const MAX_BLOCK_CU = 15_000_000_000n;
/** Per-transaction cap. */
export const MAX_TX_CU = MAX_BLOCK_CU / 4n;

interface AffineCost {
  /** Node CU at batch 1 and the increment per extra row (every exact-class op cost is affine in the batch). */
  base: bigint;
  perRow: bigint;
  nodes: bigint;
  inputBytesPerRow: bigint;
  weightBytes: bigint;
}

const cache = new WeakMap<Architecture, AffineCost>();

/** Sum of OP_CU over the graph at a concrete batch size. */
export function nodeCostAt(arch: Architecture, batch: number): bigint {
  return inferGraph(arch, batch).nodes.reduce((a, n) => a + BigInt(OP_CU[n.ctx.node.opType](n.ctx, n.out)), 0n);
}

function affine(arch: Architecture): AffineCost {
  let c = cache.get(arch);
  if (c === undefined) {
    const c1 = nodeCostAt(arch, 1);
    const c2 = nodeCostAt(arch, 2);
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

/** Inference transaction(s): one engine run over `rows` rows of inputs. */
export function inferenceCost(arch: Architecture, rows: number): bigint {
  const c = affine(arch);
  return CU_PER_RUN + c.nodes * CU_PER_NODE + forwardCost(arch, rows) + BigInt(rows) * c.inputBytesPerRow * CU_PER_BYTE;
}

/** Scoring one weights version over a dataset of `rows` rows (`datasetBytes` long). */
export function evaluationCost(arch: Architecture, rows: number, datasetBytes: number): bigint {
  const c = affine(arch);
  const runs = BigInt(Math.ceil(rows / EVAL_BATCH_ROWS));
  return CU_PER_SESSION + c.weightBytes * (CU_PER_BYTE + CU_PER_SESSION_WEIGHT_BYTE) + runs * (CU_PER_RUN + c.nodes * CU_PER_NODE) + forwardCost(arch, rows) + BigInt(datasetBytes) * CU_PER_BYTE;
}

/** Update-weights transaction: the new weights are scored; the current score is chain state. */
export function updateCost(arch: Architecture, rows: number, datasetBytes: number): bigint {
  return evaluationCost(arch, rows, datasetBytes);
}

/** Add-model transaction: parse and check the architecture, then score the initial weights. */
export function admissionCost(arch: Architecture, architectureBytes: number, rows: number, datasetBytes: number): bigint {
  return BigInt(architectureBytes) * CU_PER_BYTE + evaluationCost(arch, rows, datasetBytes);
}
