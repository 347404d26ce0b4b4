// Writing weights and dataset blobs (safetensors, via model-store/safetensors.ts) from tensors.
import { encodeSafetensors } from '../model-store/safetensors.js';
import { bytesOf, SAFETENSORS_DTYPE, type Tensor } from './tensor.js';
import { LABEL_TENSOR } from './dataset.js';

export function encodeTensors(tensors: ReadonlyMap<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(
    [...tensors].map(([name, t]) => ({ name, dtype: SAFETENSORS_DTYPE[t.type], shape: [...t.dims], data: bytesOf(t.data) })),
    metadata,
  );
}

/** A dataset blob: graph inputs by name plus the int32 label tensor. */
export function encodeDataset(inputs: ReadonlyMap<string, Tensor>, label: Tensor, metadata?: Record<string, string>): Uint8Array {
  if (label.type !== 'int32') throw new Error('label must be int32');
  return encodeTensors(new Map([...inputs, [LABEL_TENSOR, label]]), metadata);
}
