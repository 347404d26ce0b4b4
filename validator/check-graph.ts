// Admission check of an architecture blob (ODA-BIP-0002 "Architecture rules"): decode strictly,
// then check opset, names, whitelist, dtypes, the batch dimension and static shapes, the
// batch-axis discipline and the size limits, by abstract interpretation of the graph at a
// concrete batch size. The same walk gives cost.ts the shapes it prices.
import { decodeModel } from './onnx/decode.js';
import { WireError } from './onnx/wire.js';
import { AttrType, DataType, type Model, type Node, type TensorProto } from './onnx/proto.js';
import { WHITELIST } from './ops/index.js';
import { Attrs, type OpContext, type OpRule, type Operand, type ValueType } from './ops/types.js';
import { ELEM_BYTES, elemTypeOf, numel, tensorFromBytes, type ElemType, type Tensor } from './tensor.js';
import { reject } from './errors.js';
import { Reason } from './reasons.js';
import { LIMITS } from './limits.js';

export const EXACT_OPSET_VERSION = 17;
export const IR_VERSION_MIN = 7;
export const IR_VERSION_MAX = 10;

export interface IoSpec {
  name: string;
  type: ElemType;
  /** Dims of one row (everything after the batch dimension). */
  rowDims: number[];
}

export interface WeightSlot {
  name: string;
  type: ElemType;
  dims: number[];
  /** Value range every element must satisfy (the 7-bit rule for MatMulInteger/ConvInteger operands). */
  range?: { min: number; max: number };
}

export interface PlannedNode {
  node: Node;
  rule: OpRule;
  attrs: Attrs;
}

export interface Architecture {
  model: Model;
  inputs: IoSpec[];
  outputs: IoSpec[];
  /** Weight slots in graph order. */
  weights: WeightSlot[];
  constants: Map<string, Tensor>;
  plan: PlannedNode[];
  /** Bytes of all batched values per row (inputs and every batched node output): bounds the
   *  memory of one engine run, so runs can be split into row chunks (results are unaffected). */
  rowBytes: number;
}

const FLOAT_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, 16 /* BFLOAT16 */]);

function dtypeOrReject(dataType: number, what: string, allowed: readonly ElemType[]): ElemType {
  const t = elemTypeOf(dataType);
  if (t === undefined || !allowed.includes(t)) {
    const why = FLOAT_TYPES.has(dataType) ? 'float tensors are not in the exact class' : `element type ${dataType} not allowed`;
    reject(Reason.DTYPE, `${what}: ${why}`);
  }
  return t;
}

function checkName(n: string, what: string): void {
  if (n === '') reject(Reason.GRAPH, `${what} has an empty name`);
}

function staticDims(dims: number[], what: string): void {
  for (const d of dims) if (!Number.isInteger(d) || d < 1) reject(Reason.SHAPE, `${what}: dimension ${d} is not a positive static size`);
}

/** Decode and check an architecture blob; throws VerifyError with a bad-model-* reason. */
export function checkArchitecture(bytes: Uint8Array): Architecture {
  if (bytes.length > LIMITS.maxArchitectureBytes) reject(Reason.ENCODING, `architecture is ${bytes.length} bytes, limit ${LIMITS.maxArchitectureBytes}`);
  let model: Model;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    if (e instanceof WireError) reject(Reason.ENCODING, e.message);
    throw e;
  }
  if (model.irVersion < IR_VERSION_MIN || model.irVersion > IR_VERSION_MAX) reject(Reason.OPSET, `ir_version ${model.irVersion}`);
  if (model.opsetImports.length !== 1) reject(Reason.OPSET, 'exactly one opset_import is required');
  const os = model.opsetImports[0];
  if ((os.domain !== '' && os.domain !== 'ai.onnx') || os.version !== EXACT_OPSET_VERSION) {
    reject(Reason.OPSET, `opset ${os.domain || 'ai.onnx'} ${os.version}, required ai.onnx ${EXACT_OPSET_VERSION}`);
  }
  const g = model.graph;
  const defined = new Set<string>();
  const constants = new Map<string, Tensor>();
  const weights: WeightSlot[] = [];
  const initByName = new Map<string, TensorProto>();

  for (const t of g.initializers) {
    checkName(t.name, 'initializer');
    if (defined.has(t.name)) reject(Reason.GRAPH, `duplicate initializer ${t.name}`);
    defined.add(t.name);
    initByName.set(t.name, t);
    const type = dtypeOrReject(t.dataType, `initializer ${t.name}`, ['int8', 'uint8', 'int32', 'int64']);
    if (t.dims.some((d) => d < 1)) reject(Reason.SHAPE, `initializer ${t.name} has an empty dimension`);
    if (t.raw === undefined) {
      if (type === 'int64') reject(Reason.DTYPE, `weight ${t.name}: int64 weights are not allowed`);
      weights.push({ name: t.name, type, dims: [...t.dims] });
    } else {
      constants.set(t.name, tensorFromBytes(type, t.dims, t.raw));
    }
  }
  const totalWeightBytes = weights.reduce((a, w) => a + numel(w.dims) * ELEM_BYTES[w.type], 0);
  if (totalWeightBytes > LIMITS.maxWeightsBytes) reject(Reason.SHAPE, `weights total ${totalWeightBytes} bytes, limit ${LIMITS.maxWeightsBytes}`);

  let batchParam: string | undefined;
  const ioSpec = (vi: (typeof g.inputs)[number], what: string, allowed: readonly ElemType[]): IoSpec => {
    checkName(vi.name, what);
    const type = dtypeOrReject(vi.elemType, `${what} ${vi.name}`, allowed);
    if (vi.dims === undefined || vi.dims.length === 0) reject(Reason.SHAPE, `${what} ${vi.name} must have rank >= 1 with a leading batch dimension`);
    const [b, ...rest] = vi.dims;
    if (b.param === undefined || b.param === '') reject(Reason.SHAPE, `${what} ${vi.name}: dimension 0 must be the symbolic batch dimension`);
    if (batchParam === undefined) batchParam = b.param;
    else if (b.param !== batchParam) reject(Reason.SHAPE, `${what} ${vi.name}: batch dimension ${b.param} differs from ${batchParam}`);
    const rowDims = rest.map((d) => {
      if (d.value === undefined) reject(Reason.SHAPE, `${what} ${vi.name}: only dimension 0 may be symbolic`);
      return d.value;
    });
    staticDims(rowDims, `${what} ${vi.name}`);
    if (numel(rowDims) > LIMITS.maxRowElems) reject(Reason.SHAPE, `${what} ${vi.name}: ${numel(rowDims)} elements per row, limit ${LIMITS.maxRowElems}`);
    return { name: vi.name, type, rowDims };
  };

  if (g.inputs.length === 0) reject(Reason.GRAPH, 'graph has no data input');
  if (g.inputs.length > LIMITS.maxDataInputs) reject(Reason.GRAPH, `more than ${LIMITS.maxDataInputs} data inputs`);
  const inputs: IoSpec[] = [];
  for (const vi of g.inputs) {
    if (defined.has(vi.name)) reject(Reason.GRAPH, `graph input ${vi.name} duplicates another input or an initializer`);
    defined.add(vi.name);
    inputs.push(ioSpec(vi, 'input', ['int8', 'uint8', 'int32']));
  }
  if (g.outputs.length === 0) reject(Reason.GRAPH, 'graph has no output');
  if (g.outputs.length > LIMITS.maxDataOutputs) reject(Reason.GRAPH, `more than ${LIMITS.maxDataOutputs} outputs`);
  const outputs = g.outputs.map((vi) => ioSpec(vi, 'output', ['int8', 'uint8', 'int32', 'int64']));
  const outNames = new Set<string>();
  for (const o of outputs) {
    if (outNames.has(o.name)) reject(Reason.GRAPH, `duplicate graph output ${o.name}`);
    outNames.add(o.name);
  }

  // Node structure: whitelisted ops, SSA names, topological order.
  const plan: PlannedNode[] = [];
  const used = new Set<string>();
  const nodeNames = new Set<string>();
  for (const node of g.nodes) {
    // onnxruntime refuses a graph with two nodes of the same non-empty name.
    if (node.name !== '') {
      if (nodeNames.has(node.name)) reject(Reason.GRAPH, `two nodes named ${node.name}`);
      nodeNames.add(node.name);
    }
    if (node.domain !== '' && node.domain !== 'ai.onnx') reject(Reason.OP_NOT_ALLOWED, `custom domain ${node.domain}`);
    const rule = WHITELIST.get(node.opType);
    if (rule === undefined) reject(Reason.OP_NOT_ALLOWED, `op ${node.opType || '(empty)'} is not in the exact-class whitelist`);
    for (const a of node.attributes) {
      if (a.type === AttrType.GRAPH || a.type === AttrType.GRAPHS) reject(Reason.OP_NOT_ALLOWED, `${node.opType}: subgraph attributes are not allowed`);
      if (!rule.attributes.includes(a.name)) reject(Reason.OP_ATTR, `${node.opType}: attribute ${a.name} not allowed`);
    }
    const attrs = new Attrs(node);
    if (node.inputs.length < rule.minInputs || node.inputs.length > rule.maxInputs) {
      reject(Reason.OP_ATTR, `${node.opType}: ${node.inputs.length} inputs, allowed ${rule.minInputs}..${rule.maxInputs}`);
    }
    node.inputs.forEach((name, i) => {
      if (name === '') {
        if (i < rule.minInputs) reject(Reason.GRAPH, `${node.opType}: required input ${i} is empty`);
        return;
      }
      if (!defined.has(name)) reject(Reason.GRAPH, `${node.opType}: input ${name} is not defined before use`);
      used.add(name);
    });
    if (node.outputs.length !== 1) reject(Reason.OP_ATTR, `${node.opType}: exactly one output is allowed`);
    for (const o of node.outputs) {
      checkName(o, `${node.opType} output`);
      if (defined.has(o)) reject(Reason.GRAPH, `${o} is assigned twice`);
      defined.add(o);
    }
    plan.push({ node, rule, attrs });
  }
  for (const o of outputs) if (!defined.has(o.name)) reject(Reason.GRAPH, `graph output ${o.name} is not produced`);
  for (const w of weights) if (!used.has(w.name)) reject(Reason.GRAPH, `weight ${w.name} is not used by any node`);

  const arch: Architecture = { model, inputs, outputs, weights, constants, plan, rowBytes: 0 };

  // Weight ranges implied by the ops that consume each weight slot.
  const slots = new Map(weights.map((w) => [w.name, w]));
  for (const { node, rule } of plan) {
    if (rule.weightRange === undefined) continue;
    const slot = slots.get(node.inputs[rule.weightRange.input]);
    if (slot !== undefined) slot.range = { min: rule.weightRange.min, max: rule.weightRange.max };
  }

  // Static shapes at batch 1 (and 2, which proves the outputs scale with the batch).
  for (const batch of [1, 2]) {
    const types = inferGraph(arch, batch).types;
    if (batch === 1) for (const vt of types.values()) if (vt.batched) arch.rowBytes += numel(vt.dims) * ELEM_BYTES[vt.type];
    for (const o of outputs) {
      const vt = types.get(o.name)!;
      if (!vt.batched) reject(Reason.BATCH_AXIS, `graph output ${o.name} does not depend on the batch`);
      if (vt.type !== o.type) reject(Reason.DTYPE, `graph output ${o.name} is ${vt.type}, declared ${o.type}`);
      const want = [batch, ...o.rowDims];
      if (vt.dims.length !== want.length || vt.dims.some((d, i) => d !== want[i])) {
        reject(Reason.SHAPE, `graph output ${o.name} has shape [${vt.dims}], declared [${want}]`);
      }
    }
  }
  return arch;
}

export interface GraphTypes {
  types: Map<string, ValueType>;
  /** Each planned node's operands and output type, same order as plan (cost.ts prices them). */
  nodes: { ctx: OpContext; out: ValueType }[];
}

/** Abstract interpretation at a concrete batch size: types and shapes of every value. */
export function inferGraph(arch: Architecture, batch: number): GraphTypes {
  const types = new Map<string, ValueType>();
  const operands = new Map<string, Operand>();
  for (const [name, t] of arch.constants) {
    const vt = { type: t.type, dims: [...t.dims], batched: false };
    types.set(name, vt);
    operands.set(name, { vt, constant: t, weight: false });
  }
  for (const w of arch.weights) {
    const vt = { type: w.type, dims: [...w.dims], batched: false };
    types.set(w.name, vt);
    operands.set(w.name, { vt, weight: true });
  }
  for (const i of arch.inputs) {
    const vt = { type: i.type, dims: [batch, ...i.rowDims], batched: true };
    types.set(i.name, vt);
    operands.set(i.name, { vt, weight: false });
  }
  const nodes: GraphTypes['nodes'] = [];
  for (const { node, rule, attrs } of arch.plan) {
    const ctx: OpContext = { node, attrs, inputs: node.inputs.map((n) => (n === '' ? undefined : operands.get(n))) };
    const vt = rule.infer(ctx);
    staticDims(vt.dims, `${node.opType} output ${node.outputs[0]}`);
    const elems = numel(vt.dims);
    const perRow = vt.batched ? elems / batch : elems;
    if (perRow > LIMITS.maxRowElems) reject(Reason.SHAPE, `${node.opType} output ${node.outputs[0]}: ${perRow} elements per row, limit ${LIMITS.maxRowElems}`);
    if (vt.batched && vt.dims[0] !== batch) reject(Reason.BATCH_AXIS, `${node.opType} output ${node.outputs[0]} lost the batch axis`);
    types.set(node.outputs[0], vt);
    operands.set(node.outputs[0], { vt, weight: false });
    nodes.push({ ctx, out: vt });
  }
  return { types, nodes };
}
