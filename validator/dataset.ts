// Binding an evaluation dataset (safetensors) to a model (ODA-BIP-0002 "Datasets"): one tensor
// per graph input, with the input's name and dtype and shape [R, ...row shape], plus a tensor
// named "label" (I32) of shape [R, ...label row shape of the objective]; 1 <= R <= maxDatasetRows.
import { parseSafetensors, SafetensorsError } from '../model-store/safetensors.js';
import type { Architecture } from './check-graph.js';
import { labelRowDims, type Objective } from './objective.js';
import { elemTypeOfSafetensors, numel, tensorFromBytes, type Tensor } from './tensor.js';
import { reject } from './errors.js';
import { Reason } from './reasons.js';
import { LIMITS } from './limits.js';

export const LABEL_TENSOR = 'label';

export interface Dataset {
  rows: number;
  /** In graph-input order. */
  inputs: Tensor[];
  label: Tensor;
  /** Size of the blob, for cost. */
  bytes: number;
}

export function bindDataset(arch: Architecture, objective: Objective, bytes: Uint8Array): Dataset {
  if (bytes.length > LIMITS.maxDatasetBytes) reject(Reason.DATASET_ENCODING, `dataset blob is ${bytes.length} bytes, limit ${LIMITS.maxDatasetBytes}`);
  let parsed;
  try {
    parsed = parseSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) reject(Reason.DATASET_ENCODING, e.message);
    throw e;
  }
  const want = [...arch.inputs.map((i) => ({ name: i.name, type: i.type, rowDims: i.rowDims })), { name: LABEL_TENSOR, type: 'int32' as const, rowDims: labelRowDims(arch, objective) }];
  if (arch.inputs.some((i) => i.name === LABEL_TENSOR)) reject(Reason.DATASET_MISMATCH, `a graph input is named "${LABEL_TENSOR}"`);
  let rows = -1;
  const tensors: Tensor[] = [];
  for (const w of want) {
    const t = parsed.tensors.get(w.name);
    if (t === undefined) reject(Reason.DATASET_MISMATCH, `dataset has no tensor ${w.name}`);
    if (elemTypeOfSafetensors(t.dtype) !== w.type) reject(Reason.DATASET_MISMATCH, `dataset tensor ${w.name} is ${t.dtype}, needs ${w.type}`);
    const [r, ...rest] = t.shape;
    if (t.shape.length !== w.rowDims.length + 1 || rest.some((d, i) => d !== w.rowDims[i])) {
      reject(Reason.DATASET_MISMATCH, `dataset tensor ${w.name} has shape [${t.shape}], needs [R, ${w.rowDims}]`);
    }
    if (rows === -1) rows = r;
    else if (r !== rows) reject(Reason.DATASET_MISMATCH, `dataset tensor ${w.name} has ${r} rows, others ${rows}`);
    tensors.push(tensorFromBytes(w.type, t.shape, t.data));
  }
  if (rows < 1 || rows > LIMITS.maxDatasetRows) reject(Reason.DATASET_MISMATCH, `dataset has ${rows} rows, allowed 1..${LIMITS.maxDatasetRows}`);
  if (parsed.tensors.size !== want.length) reject(Reason.DATASET_MISMATCH, 'dataset has tensors that are neither graph inputs nor the label');
  return { rows, inputs: tensors.slice(0, -1), label: tensors[tensors.length - 1], bytes: bytes.length };
}

/** Rows [start, end) of a batched tensor, as a view. */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const row = numel(t.dims.slice(1));
  return { type: t.type, dims: [end - start, ...t.dims.slice(1)], data: t.data.subarray(start * row, end * row) as Tensor['data'] };
}
