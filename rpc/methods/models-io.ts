// The Models category's inference data at the RPC edge: input rows from hex, a file or JSON
// numbers (checked against the model's input spec), and tensors as JSON.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { RPC, RpcError } from '../errors.js';
import type { BlobStore } from '../../model-store/store.js';
import { parseSafetensors } from '../../model-store/safetensors.js';
import type { ModelContext, Tensor } from '../../validator/index.js';
import { ELEM_BYTES, elemTypeOfSafetensors, getNumber, numel, tensorFromBytes } from '../../validator/tensor.js';
import { decodeTensorList } from '../../oda/tensors.js';
import type { DataRef, InferencePayload } from '../../oda/payload.js';

export function tensorJson(name: string | undefined, t: Tensor): Record<string, unknown> {
  const data: number[] = [];
  for (let i = 0; i < t.data.length; i++) data.push(getNumber(t, i));
  return { ...(name !== undefined ? { name } : {}), type: t.type, dims: t.dims, data };
}

/** Per row, the index of the largest value (classification models; first index on ties). */
export function argmaxRows(t: Tensor): number[] | undefined {
  if (t.dims.length !== 2) return undefined;
  const [rows, width] = t.dims;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (getNumber(t, r * width + j) > getNumber(t, r * width + best)) best = j;
    out.push(best);
  }
  return out;
}

function rowsFromBytes(mc: ModelContext, bytes: Uint8Array): Tensor[] {
  if (mc.inputSpec.length !== 1) throw new RpcError(RPC.INVALID_PARAMETER, `model has ${mc.inputSpec.length} inputs: pass a safetensors file with one tensor per input`);
  const spec = mc.inputSpec[0];
  const rowBytes = numel(spec.rowDims) * ELEM_BYTES[spec.type];
  if (bytes.length === 0 || bytes.length % rowBytes !== 0) throw new RpcError(RPC.INVALID_PARAMETER, `input is ${bytes.length} bytes, not a multiple of one ${spec.type}[${spec.rowDims}] row (${rowBytes} bytes)`);
  return [tensorFromBytes(spec.type, [bytes.length / rowBytes, ...spec.rowDims], bytes.slice())];
}

export function parseInput(mc: ModelContext, v: unknown): Tensor[] {
  if (Array.isArray(v)) {
    if (mc.inputSpec.length !== 1) throw new RpcError(RPC.INVALID_PARAMETER, 'number rows need a model with one input');
    const spec = mc.inputSpec[0];
    const flat = (v as unknown[]).flat(Infinity);
    if (flat.some((x) => typeof x !== 'number' || !Number.isInteger(x))) throw new RpcError(RPC.INVALID_PARAMETER, 'input rows must hold integers');
    const per = numel(spec.rowDims);
    if (flat.length === 0 || flat.length % per !== 0) throw new RpcError(RPC.INVALID_PARAMETER, `input has ${flat.length} values, not a multiple of ${per} per row`);
    const rows = flat.length / per;
    const t: Tensor = { type: spec.type, dims: [rows, ...spec.rowDims], data: spec.type === 'int64' ? BigInt64Array.from(flat as number[], BigInt) : ({ int8: Int8Array, uint8: Uint8Array, int32: Int32Array } as const)[spec.type].from(flat as number[]) };
    const lim = { int8: [-128, 127], uint8: [0, 255], int32: [-(2 ** 31), 2 ** 31 - 1], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] }[spec.type];
    if ((flat as number[]).some((x) => x < lim[0] || x > lim[1])) throw new RpcError(RPC.INVALID_PARAMETER, `input values outside the ${spec.type} range`);
    return [t];
  }
  if (typeof v !== 'string' || v.length === 0) throw new RpcError(RPC.INVALID_PARAMETER, 'input must be hex, a file path or an array of rows');
  if (/^([0-9a-fA-F]{2})+$/.test(v)) return rowsFromBytes(mc, new Uint8Array(Buffer.from(v, 'hex')));
  const path = isAbsolute(v) ? v : resolve(v);
  if (!existsSync(path)) throw new RpcError(RPC.INVALID_PARAMETER, 'input must be hexadecimal string or an existing file path');
  const bytes = new Uint8Array(readFileSync(path));
  if (!path.endsWith('.safetensors')) return rowsFromBytes(mc, bytes);
  let st;
  try {
    st = parseSafetensors(bytes);
  } catch (e) {
    throw new RpcError(RPC.DESERIALIZATION_ERROR, `input file: ${(e as Error).message}`);
  }
  return mc.inputSpec.map((spec) => {
    const info = st.tensors.get(spec.name);
    if (!info) throw new RpcError(RPC.INVALID_PARAMETER, `input file has no tensor '${spec.name}'`);
    if (elemTypeOfSafetensors(info.dtype) !== spec.type) throw new RpcError(RPC.INVALID_PARAMETER, `input tensor '${spec.name}' is ${info.dtype}, the model needs ${spec.type}`);
    return tensorFromBytes(spec.type, info.shape, info.data.slice());
  });
}

/** The input and output tensor lists of an inference payload (blobs read from the store). */
export async function inferenceData(s: BlobStore | undefined, p: InferencePayload): Promise<{ input?: Tensor[]; output?: Tensor[] }> {
  const load = async (d: DataRef) => {
    if (d.kind === 'inline') return decodeTensorList(new Uint8Array(Buffer.from(d.data, 'hex')));
    if (!s) return undefined;
    return (await s.getStatus(d.blob.root))?.complete ? decodeTensorList(await s.readAll(d.blob.root)) : undefined;
  };
  return { input: await load(p.input), output: await load(p.output) };
}

export function namedTensors(names: { name: string }[], ts: Tensor[] | undefined): Record<string, unknown>[] | undefined {
  return ts?.map((t, i) => tensorJson(names[i]?.name, t));
}
