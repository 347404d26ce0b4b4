// Binding a weights blob (safetensors) to an architecture's weight slots (ODA-BIP-0002
// "Weights"): the blob's tensors are exactly the graph's data-less initializers, with the
// same names, dtypes (I8/U8/I32) and shapes; values obey the slot's range rule.
import { parseSafetensors, SafetensorsError } from '../model-store/safetensors.js';
import type { Architecture } from './check-graph.js';
import { elemTypeOfSafetensors, tensorFromBytes, type Tensor } from './tensor.js';
import { reject } from './errors.js';
import { Reason } from './reasons.js';
import { LIMITS } from './limits.js';

export function bindWeights(arch: Architecture, bytes: Uint8Array): Map<string, Tensor> {
  if (bytes.length > LIMITS.maxWeightsBytes) reject(Reason.WEIGHTS_ENCODING, `weights blob is ${bytes.length} bytes, limit ${LIMITS.maxWeightsBytes}`);
  let parsed;
  try {
    parsed = parseSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) reject(Reason.WEIGHTS_ENCODING, e.message);
    throw e;
  }
  const out = new Map<string, Tensor>();
  for (const slot of arch.weights) {
    const t = parsed.tensors.get(slot.name);
    if (t === undefined) reject(Reason.WEIGHTS_MISMATCH, `weight ${slot.name} missing`);
    const type = elemTypeOfSafetensors(t.dtype);
    if (type !== slot.type) reject(Reason.WEIGHTS_MISMATCH, `weight ${slot.name} is ${t.dtype}, graph declares ${slot.type}`);
    if (t.shape.length !== slot.dims.length || t.shape.some((d, i) => d !== slot.dims[i])) {
      reject(Reason.WEIGHTS_MISMATCH, `weight ${slot.name} has shape [${t.shape}], graph declares [${slot.dims}]`);
    }
    const tensor = tensorFromBytes(type, slot.dims, t.data);
    if (slot.range !== undefined) {
      const { min, max } = slot.range;
      for (const v of tensor.data as Int8Array) {
        if (v < min || v > max) reject(Reason.WEIGHTS_RANGE, `weight ${slot.name} has value ${v} outside [${min}, ${max}]`);
      }
    }
    out.set(slot.name, tensor);
  }
  if (parsed.tensors.size !== arch.weights.length) {
    const extra = [...parsed.tensors.keys()].find((k) => !out.has(k));
    reject(Reason.WEIGHTS_MISMATCH, `weights blob has tensor ${extra} that is not a weight slot`);
  }
  return out;
}
