// The exact-class whitelist (ODA-BIP-0002 "Operator whitelist"): default ONNX domain, opset 17.
// An op is listed only after the differential tests showed onnxruntime and the reference
// kernels agree bit for bit on random inputs including the edge values.
import type { OpRule } from './types.js';
import { Add, Cast, Clip, Div, Max, Min, Mul, Relu, Sub } from './elementwise.js';
import { ArgMax, Concat, Flatten, Gather, Identity, Reshape, Transpose } from './layout.js';
import { ConvInteger, MatMulInteger, MaxPool } from './matmul.js';

export const WHITELIST: ReadonlyMap<string, OpRule> = new Map<string, OpRule>([
  ['Add', Add],
  ['ArgMax', ArgMax],
  ['Cast', Cast],
  ['Clip', Clip],
  ['Concat', Concat],
  ['ConvInteger', ConvInteger],
  ['Div', Div],
  ['Flatten', Flatten],
  ['Gather', Gather],
  ['Identity', Identity],
  ['MatMulInteger', MatMulInteger],
  ['Max', Max],
  ['MaxPool', MaxPool],
  ['Min', Min],
  ['Mul', Mul],
  ['Relu', Relu],
  ['Reshape', Reshape],
  ['Sub', Sub],
  ['Transpose', Transpose],
]);
