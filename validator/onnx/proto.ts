// In-memory form of the ONNX subset ODA accepts (onnx.proto3 field numbers in decode.ts and
// encode.ts). Tensor contents are always held as little-endian raw bytes, whatever field they
// arrived in, so that one canonical encoding exists.

/** onnx.TensorProto.DataType values used by the exact class (others decode, then get rejected). */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** onnx.AttributeProto.AttributeType values. */
export const AttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** Bytes per element of the fixed-size types; undefined for STRING and unknown types. */
export function elemSize(dataType: number): number | undefined {
  switch (dataType) {
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.BOOL:
      return 1;
    case DataType.UINT16:
    case DataType.INT16:
    case DataType.FLOAT16:
      return 2;
    case DataType.FLOAT:
    case DataType.INT32:
    case DataType.UINT32:
      return 4;
    case DataType.INT64:
    case DataType.DOUBLE:
    case DataType.UINT64:
      return 8;
    default:
      return undefined;
  }
}

export interface TensorProto {
  name: string;
  dataType: number;
  dims: number[];
  /** Little-endian element bytes; undefined when the tensor carries no data (a weight slot). */
  raw?: Uint8Array;
}

export interface Dim {
  /** Static size, or undefined when symbolic. */
  value?: number;
  /** Symbolic name (dim_param), e.g. "N" for the batch dimension. */
  param?: string;
}

export interface ValueInfo {
  name: string;
  elemType: number;
  /** undefined when the TypeProto has no shape (unknown rank). */
  dims?: Dim[];
}

export interface Attribute {
  name: string;
  type: number;
  i?: bigint;
  f?: number;
  s?: Uint8Array;
  ints?: bigint[];
  floats?: number[];
  t?: TensorProto;
}

export interface Node {
  inputs: string[];
  outputs: string[];
  name: string;
  opType: string;
  domain: string;
  attributes: Attribute[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: TensorProto[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface OpsetId {
  domain: string;
  version: number;
}

export interface Model {
  irVersion: number;
  opsetImports: OpsetId[];
  producerName: string;
  graph: Graph;
}
