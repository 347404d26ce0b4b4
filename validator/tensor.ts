// Integer tensors of the exact class, as both engines see them: row-major, little-endian
// typed arrays. int64 appears only as ArgMax output (and in shape constants).
import { DataType } from './onnx/proto.js';

export type ElemType = 'int8' | 'uint8' | 'int32' | 'int64';

export type TypedData = Int8Array | Uint8Array | Int32Array | BigInt64Array;

export interface Tensor {
  type: ElemType;
  dims: number[];
  data: TypedData;
}

export const ELEM_BYTES: Record<ElemType, number> = { int8: 1, uint8: 1, int32: 4, int64: 8 };

export function elemTypeOf(dataType: number): ElemType | undefined {
  switch (dataType) {
    case DataType.INT8:
      return 'int8';
    case DataType.UINT8:
      return 'uint8';
    case DataType.INT32:
      return 'int32';
    case DataType.INT64:
      return 'int64';
    default:
      return undefined;
  }
}

export function dataTypeOfElem(t: ElemType): number {
  return { int8: DataType.INT8, uint8: DataType.UINT8, int32: DataType.INT32, int64: DataType.INT64 }[t];
}

/** safetensors dtype names of the exact-class element types. */
export const SAFETENSORS_DTYPE: Record<ElemType, 'I8' | 'U8' | 'I32' | 'I64'> = { int8: 'I8', uint8: 'U8', int32: 'I32', int64: 'I64' };

export function elemTypeOfSafetensors(d: string): ElemType | undefined {
  return ({ I8: 'int8', U8: 'uint8', I32: 'int32', I64: 'int64' } as Record<string, ElemType>)[d];
}

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function allocData(type: ElemType, n: number): TypedData {
  switch (type) {
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
      return new Uint8Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
  }
}

/** View little-endian bytes as a typed array (copies when unaligned). */
export function dataFromBytes(type: ElemType, bytes: Uint8Array): TypedData {
  const size = ELEM_BYTES[type];
  const n = bytes.length / size;
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  switch (type) {
    case 'int8':
      return new Int8Array(aligned.buffer, aligned.byteOffset, n);
    case 'uint8':
      return new Uint8Array(aligned.buffer, aligned.byteOffset, n);
    case 'int32':
      return new Int32Array(aligned.buffer, aligned.byteOffset, n);
    case 'int64':
      return new BigInt64Array(aligned.buffer, aligned.byteOffset, n);
  }
}

export function bytesOf(data: TypedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function tensorFromBytes(type: ElemType, dims: number[], bytes: Uint8Array): Tensor {
  return { type, dims: [...dims], data: dataFromBytes(type, bytes) };
}

/** Element i as a JS number (int64 converted; exact-class int64 values are small indices). */
export function getNumber(t: Tensor, i: number): number {
  const v = t.data[i];
  return typeof v === 'bigint' ? Number(v) : v;
}

export function tensorsEqual(a: Tensor, b: Tensor): boolean {
  if (a.type !== b.type || a.dims.length !== b.dims.length) return false;
  for (let i = 0; i < a.dims.length; i++) if (a.dims[i] !== b.dims[i]) return false;
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
}
