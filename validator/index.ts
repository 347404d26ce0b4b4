// Public API of the exact-class execution layer (ODA-BIP-0002), called by the ODA transaction
// layer. Every rejection is a VerifyError('tx', reason, score) with a reason from reasons.ts.
//
//   checkModel(architecture)                         static admission checks, no execution
//   admitModel({architecture, weights, dataset, objective})   add-model: checks + baseline score
//   scoreWeights(ctx, weights, dataset)              objective over the dataset (bigint)
//   checkUpdate(ctx, weights, dataset, currentScore) update-weights: score >= current + margin
//   runInference(ctx, weights, inputs)               one batched engine run
//   verifyInferences(ctx, weights, claims)           all inference txs of a model in one run
// The evaluating calls take an optional RowsObserver (validator/progress.ts): progress for the
// log and getevaluations, called after each engine run, never read back.
//   referenceRun(ctx, weights, inputs)               the TypeScript interpreter
import { createHash } from 'node:crypto';
import { checkArchitecture, type Architecture, type IoSpec, type WeightSlot } from './check-graph.js';
import { admissionCost, inferenceCost, updateCost, EVAL_BATCH_ROWS, MAX_TX_CU } from './cost.js';
import { bindDataset, sliceRows, type Dataset } from './dataset.js';
import { checkObjective, scoreBatch, type Objective } from './objective.js';
import { referenceRun as interpret } from './reference/interpreter.js';
import { createSession, runSession, SessionCache, type Session } from './runtime.js';
import { bindWeights } from './weights.js';
import { numel, tensorsEqual, type Tensor } from './tensor.js';
import { reject } from './errors.js';
import { guarded, type RowsObserver } from './progress.js';
import { Reason } from './reasons.js';

export { Reason } from './reasons.js';
export type { ReasonString } from './reasons.js';
export type { Objective } from './objective.js';
export { OBJECTIVES } from './objective.js';
export type { Tensor, ElemType } from './tensor.js';
export type { IoSpec, WeightSlot, Architecture } from './check-graph.js';
export type { Dataset } from './dataset.js';
export { LIMITS } from './limits.js';
export { ENGINE_VERSION, SESSION_OPTIONS } from './runtime.js';
export { MAX_TX_CU, MAX_BLOCK_CU, inferenceCost, evaluationCost, updateCost, admissionCost } from './cost.js';
export { WHITELIST } from './ops/index.js';
export type { RowsObserver } from './progress.js';

/** The minimum score improvement an update-weights transaction must achieve. */
export const SCORE_MARGIN = 1n;

/** Memory budget of one engine run over the batched values (all rows' tensors together). */
const RUN_BYTES = 64 * 1024 * 1024;

/** Rows per engine run: at most `cap`, and few enough that one run stays within RUN_BYTES.
 *  Any split gives the same results (ODA-BIP-0002 section 7); only memory and time change. */
function rowsPerRun(arch: Architecture, cap: number): number {
  return Math.max(1, Math.min(cap, Math.floor(RUN_BYTES / Math.max(1, arch.rowBytes))));
}

export interface ModelContext {
  arch: Architecture;
  /** Hex root identifying the architecture (caller-supplied, default sha256 of the bytes). */
  architectureRoot: string;
  architectureBytes: number;
  inputSpec: IoSpec[];
  outputSpec: IoSpec[];
  weightSlots: WeightSlot[];
}

/**
 * A weights blob, parsed and bound on first use and cached by (architecture root, weights root).
 * A caller-supplied root MUST be the verified root of exactly these bytes (e.g. the model store's
 * commitment), and blobs MUST NOT be mutated after they are passed in: both caches trust them.
 */
export interface WeightsRef {
  bytes: Uint8Array;
  /** Hex root of the blob (default sha256 of the bytes). */
  root?: string;
}

const sessions = new SessionCache(16);
const bound = new Map<string, Map<string, Tensor>>();

// Hashing a large weights blob on every call would dominate small inference batches, so the
// default root is memoised per Uint8Array object.
const roots = new WeakMap<Uint8Array, string>();
function rootOf(bytes: Uint8Array): string {
  let r = roots.get(bytes);
  if (r === undefined) {
    r = createHash('sha256').update(bytes).digest('hex');
    roots.set(bytes, r);
  }
  return r;
}

/** Static admission checks of an architecture blob (no execution). */
export function checkModel(architecture: Uint8Array, architectureRoot?: string): ModelContext {
  const arch = checkArchitecture(architecture);
  const c = inferenceCost(arch, 1);
  if (c > MAX_TX_CU) reject(Reason.COST, `one row costs ${c} CU, limit ${MAX_TX_CU}`);
  return {
    arch,
    architectureRoot: architectureRoot ?? rootOf(architecture),
    architectureBytes: architecture.length,
    inputSpec: arch.inputs,
    outputSpec: arch.outputs,
    weightSlots: arch.weights,
  };
}

function weightsOf(ctx: ModelContext, w: WeightsRef | Uint8Array): { key: string; tensors: Map<string, Tensor> } {
  const ref: WeightsRef = w instanceof Uint8Array ? { bytes: w } : w;
  const key = `${ctx.architectureRoot}:${ref.root ?? rootOf(ref.bytes)}`;
  let tensors = bound.get(key);
  if (tensors === undefined) {
    tensors = bindWeights(ctx.arch, ref.bytes);
    bound.set(key, tensors);
    while (bound.size > 16) bound.delete(bound.keys().next().value as string);
  }
  return { key, tensors };
}

function sessionFor(ctx: ModelContext, key: string, tensors: Map<string, Tensor>): Promise<Session> {
  return sessions.get(key, () => createSession(ctx.arch, tensors)).catch((e: unknown) => reject(Reason.RUNTIME, `session: ${(e as Error).message}`));
}

async function engineRun(ctx: ModelContext, session: Session, inputs: readonly Tensor[]): Promise<Tensor[]> {
  try {
    return await runSession(session, ctx.arch, inputs);
  } catch (e) {
    return reject(Reason.RUNTIME, `run: ${(e as Error).message}`);
  }
}

const ARRAY_OF = { int8: Int8Array, uint8: Uint8Array, int32: Int32Array, int64: BigInt64Array } as const;

function checkInputs(ctx: ModelContext, inputs: readonly Tensor[]): number {
  if (inputs.length !== ctx.inputSpec.length) reject(Reason.INPUT_MISMATCH, `${inputs.length} inputs, model has ${ctx.inputSpec.length}`);
  let rows = -1;
  ctx.inputSpec.forEach((spec, i) => {
    const t = inputs[i];
    const [r, ...rest] = t.dims;
    if (t.type !== spec.type || !(t.data instanceof ARRAY_OF[spec.type])) reject(Reason.INPUT_MISMATCH, `input ${spec.name} is ${t.type}, needs ${spec.type}`);
    if (t.dims.length !== spec.rowDims.length + 1 || rest.some((d, k) => d !== spec.rowDims[k]) || t.data.length !== numel(t.dims)) {
      reject(Reason.INPUT_MISMATCH, `input ${spec.name} has shape [${t.dims}], needs [rows, ${spec.rowDims}]`);
    }
    if (rows === -1) rows = r;
    else if (r !== rows) reject(Reason.INPUT_MISMATCH, 'inputs have different row counts');
  });
  if (rows < 1) reject(Reason.INPUT_MISMATCH, 'no rows');
  return rows;
}

let evaluations = 0;
/** How many dataset evaluations (scoreWeights runs) this process has made: tests prove verdict reuse with it. */
export function evaluationCount(): number {
  return evaluations;
}

/**
 * A caller's memo of one score. The caller binds it to the verified roots of the architecture,
 * weights and dataset and the objective, so a hit is the result of the identical pure
 * function; the limits and the improvement rule are still checked on every call.
 */
export interface ScoreMemo {
  get(): bigint | undefined;
  set(score: bigint): void;
}

async function memoScore(ctx: ModelContext, weights: WeightsRef | Uint8Array, ds: Dataset, objective: Objective, memo?: ScoreMemo, observe?: RowsObserver): Promise<bigint> {
  const hit = memo?.get();
  if (hit !== undefined) return hit;
  const score = await scoreWeights(ctx, weights, ds, objective, observe);
  memo?.set(score);
  return score;
}

/** Scores weights on a dataset (rows evaluated EVAL_BATCH_ROWS at a time; the score does not depend on it). */
export async function scoreWeights(ctx: ModelContext, weights: WeightsRef | Uint8Array, dataset: Uint8Array | Dataset, objective: Objective, observe?: RowsObserver): Promise<bigint> {
  checkObjective(ctx.arch, objective);
  const ds = dataset instanceof Uint8Array ? bindDataset(ctx.arch, objective, dataset) : dataset;
  const { key, tensors } = weightsOf(ctx, weights);
  const session = await sessionFor(ctx, key, tensors);
  evaluations++;
  const report = guarded(observe);
  report?.(0, ds.rows);
  let score = 0n;
  const step = rowsPerRun(ctx.arch, EVAL_BATCH_ROWS);
  for (let start = 0; start < ds.rows; start += step) {
    const end = Math.min(ds.rows, start + step);
    const out = await engineRun(ctx, session, ds.inputs.map((t) => sliceRows(t, start, end)));
    score += scoreBatch(objective, out[0], sliceRows(ds.label, start, end));
    report?.(end, ds.rows);
  }
  return score;
}

export interface AdmitResult {
  ctx: ModelContext;
  /** Baseline score of the initial weights, recorded in chain state. */
  score: bigint;
  /** CU of the add-model transaction. */
  cost: bigint;
  inputSpec: IoSpec[];
  outputSpec: IoSpec[];
  datasetRows: number;
}

/** Add-model: architecture, weights and dataset checks, cost limit, baseline score. */
export async function admitModel(args: { architecture: Uint8Array; weights: Uint8Array; dataset: Uint8Array; objective: Objective; architectureRoot?: string; weightsRoot?: string }, memo?: ScoreMemo, observe?: RowsObserver): Promise<AdmitResult> {
  const ctx = checkModel(args.architecture, args.architectureRoot);
  checkObjective(ctx.arch, args.objective);
  weightsOf(ctx, { bytes: args.weights, root: args.weightsRoot });
  const ds = bindDataset(ctx.arch, args.objective, args.dataset);
  const cost = admissionCost(ctx.arch, args.architecture.length, ds.rows, ds.bytes);
  if (cost > MAX_TX_CU) reject(Reason.COST, `add-model costs ${cost} CU, limit ${MAX_TX_CU}`);
  const score = await memoScore(ctx, { bytes: args.weights, root: args.weightsRoot }, ds, args.objective, memo, observe);
  return { ctx, score, cost, inputSpec: ctx.inputSpec, outputSpec: ctx.outputSpec, datasetRows: ds.rows };
}

/** Update-weights: new weights must score at least currentScore + SCORE_MARGIN. Returns the new score and cost. */
export async function checkUpdate(ctx: ModelContext, weights: WeightsRef | Uint8Array, dataset: Uint8Array | Dataset, objective: Objective, currentScore: bigint, memo?: ScoreMemo, observe?: RowsObserver): Promise<{ score: bigint; cost: bigint }> {
  checkObjective(ctx.arch, objective);
  const ds = dataset instanceof Uint8Array ? bindDataset(ctx.arch, objective, dataset) : dataset;
  const cost = updateCost(ctx.arch, ds.rows, ds.bytes);
  if (cost > MAX_TX_CU) reject(Reason.COST, `update-weights costs ${cost} CU, limit ${MAX_TX_CU}`);
  weightsOf(ctx, weights);
  const score = await memoScore(ctx, weights, ds, objective, memo, observe);
  if (score < currentScore + SCORE_MARGIN) reject(Reason.NOT_IMPROVING, `score ${score}, needs at least ${currentScore + SCORE_MARGIN}`);
  return { score, cost };
}

/** One batched engine run: inputs in graph-input order, rows on axis 0. */
export async function runInference(ctx: ModelContext, weights: WeightsRef | Uint8Array, inputs: readonly Tensor[], observe?: RowsObserver): Promise<Tensor[]> {
  const rows = checkInputs(ctx, inputs);
  const c = inferenceCost(ctx.arch, rows);
  if (c > MAX_TX_CU) reject(Reason.COST, `${rows} rows cost ${c} CU, limit ${MAX_TX_CU}`);
  const { key, tensors } = weightsOf(ctx, weights);
  const session = await sessionFor(ctx, key, tensors);
  const report = guarded(observe);
  report?.(0, rows);
  const step = rowsPerRun(ctx.arch, rows);
  if (step >= rows) {
    const out = await engineRun(ctx, session, inputs);
    report?.(rows, rows);
    return out;
  }
  // Large batches (a whole block's claims) run in row chunks to bound memory.
  const parts: Tensor[][] = [];
  for (let start = 0; start < rows; start += step) {
    const end = Math.min(rows, start + step);
    parts.push(await engineRun(ctx, session, inputs.map((t) => sliceRows(t, start, end))));
    report?.(end, rows);
  }
  return ctx.outputSpec.map((_, j) => concatRows(parts.map((p) => p[j])));
}

export interface InferenceClaim {
  /** One tensor per graph input, each with `rows` rows. */
  inputs: Tensor[];
  /** The claimed outputs, one per graph output. */
  outputs: Tensor[];
}

function concatRows(ts: readonly Tensor[]): Tensor {
  if (ts.length === 1) return ts[0];
  const total = ts.reduce((a, t) => a + t.data.length, 0);
  const first = ts[0];
  const data = new (first.data.constructor as new (n: number) => Tensor['data'])(total);
  let o = 0;
  for (const t of ts) {
    (data as Int32Array).set(t.data as Int32Array, o);
    o += t.data.length;
  }
  return { type: first.type, dims: [ts.reduce((a, t) => a + t.dims[0], 0), ...first.dims.slice(1)], data };
}

/**
 * Validates all inference claims of one model version in a block with a single engine run.
 * Returns the index of the first claim whose outputs differ, or -1 when all match; a claim
 * with malformed inputs is rejected outright (bad-inference-input).
 */
export async function verifyInferences(ctx: ModelContext, weights: WeightsRef | Uint8Array, claims: readonly InferenceClaim[], observe?: RowsObserver): Promise<number> {
  if (claims.length === 0) return -1;
  const rowsOf = claims.map((c) => checkInputs(ctx, c.inputs));
  const outs = await runInference(ctx, weights, ctx.inputSpec.map((_, i) => concatRows(claims.map((c) => c.inputs[i]))), observe);
  // Fast path: every claim well-formed and the concatenated claims equal the outputs byte for byte.
  const shaped = claims.every((c, k) => c.outputs.length === outs.length && c.outputs.every((o, j) => o.type === outs[j].type && o.dims[0] === rowsOf[k]));
  if (shaped && outs.every((o, j) => tensorsEqual(o, concatRows(claims.map((c) => c.outputs[j]))))) return -1;
  let start = 0;
  for (let k = 0; k < claims.length; k++) {
    const end = start + rowsOf[k];
    const claim = claims[k];
    if (claim.outputs.length !== outs.length) return k;
    for (let j = 0; j < outs.length; j++) if (!tensorsEqual(sliceRows(outs[j], start, end), claim.outputs[j])) return k;
    start = end;
  }
  return -1;
}

/** The TypeScript reference interpreter over the same checked model and weights. */
export function referenceRun(ctx: ModelContext, weights: WeightsRef | Uint8Array, inputs: readonly Tensor[]): Tensor[] {
  checkInputs(ctx, inputs);
  return interpret(ctx.arch, weightsOf(ctx, weights).tensors, inputs);
}

/** Drops cached sessions (tests, shutdown). */
export function clearSessionCache(): Promise<void> {
  bound.clear();
  return sessions.clear();
}

export { bindDataset, bindWeights };
