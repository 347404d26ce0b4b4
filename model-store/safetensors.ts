// safetensors reader/writer, byte-compatible with Hugging Face's format (huggingface/safetensors
// README and safetensors/src/tensor.rs): u64 LE header length N, N bytes of UTF-8 JSON, then the
// data buffer. Each tensor is {dtype, shape, data_offsets:[begin,end)} relative to the buffer;
// an optional "__metadata__" maps strings to strings. Checks as HF's reader does, plus more
// (no duplicate keys, no unknown fields): header <= 100,000,000 bytes, starts with '{', offsets
// contiguous from 0 covering the whole buffer, dtype size x product(shape) = end - begin.
import { parseStrictJson, isJsonObject, jsonUint, JsonSyntaxError, type JsonValue } from './strict-json.js';

export type Dtype =
  | 'BOOL' | 'U8' | 'I8' | 'F8_E5M2' | 'F8_E4M3' | 'F8_E8M0'
  | 'I16' | 'U16' | 'F16' | 'BF16'
  | 'I32' | 'U32' | 'F32'
  | 'F64' | 'I64' | 'U64';

/**
 * Byte size of each dtype, in the order of HF's Rust `Dtype` enum (which the writer's sort uses).
 * Sub-byte dtypes (F4, F6_*) are refused: their element count does not map to whole bytes.
 */
export const DTYPE_SIZE: Readonly<Record<Dtype, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  F64: 8, I64: 8, U64: 8,
};
const DTYPE_RANK: Record<string, number> = Object.fromEntries(Object.keys(DTYPE_SIZE).map((d, i) => [d, i]));

/** HF's MAX_HEADER_SIZE. */
export const MAX_HEADER_BYTES = 100_000_000;
export const METADATA_KEY = '__metadata__';

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

export interface TensorInfo {
  dtype: Dtype;
  shape: number[];
  /** [begin, end) relative to the start of the data buffer. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string> | undefined;
  /** In data-offset order (the file order). */
  tensors: Map<string, TensorInfo>;
  /** 8 + N: where the data buffer starts in the file. */
  dataStart: number;
}

export interface Safetensors {
  metadata: Record<string, string> | undefined;
  tensors: Map<string, { dtype: Dtype; shape: number[]; data: Uint8Array }>;
}

export interface TensorInput {
  name: string;
  dtype: Dtype;
  shape: number[];
  data: Uint8Array;
}

/** Reads N from the first 8 bytes and checks it against the limits; returns N. */
export function readHeaderLength(prefix: Uint8Array, fileLength: number, maxHeaderBytes = MAX_HEADER_BYTES): number {
  if (fileLength < 8 || prefix.length < 8) throw new SafetensorsError(`file too short for the 8-byte header length (${fileLength} bytes)`);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(maxHeaderBytes)) throw new SafetensorsError(`header length ${n} exceeds the limit of ${maxHeaderBytes} bytes`);
  const len = Number(n);
  if (len < 2) throw new SafetensorsError(`header length ${len} is too small for a JSON object`);
  if (8 + len > fileLength) throw new SafetensorsError(`header length ${len} runs past the end of the file (${fileLength} bytes)`);
  return len;
}

/**
 * Validates the JSON header (the N bytes after the length) against a data buffer of
 * `dataLength` bytes. Used by parseSafetensors and by the store's streaming import, which never
 * holds the data buffer.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, dataLength: number): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new SafetensorsError('header does not start with "{"');
  let json: JsonValue;
  try {
    json = parseStrictJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new SafetensorsError(`header is not valid JSON: ${e.message}`);
    throw e;
  }
  if (!isJsonObject(json)) throw new SafetensorsError('header is not a JSON object');

  let metadata: Record<string, string> | undefined;
  const infos: Array<[string, TensorInfo]> = [];
  for (const [name, v] of json.entries) {
    if (name === METADATA_KEY) {
      if (!isJsonObject(v)) throw new SafetensorsError('__metadata__ is not an object');
      metadata = {};
      for (const [k, s] of v.entries) {
        if (typeof s !== 'string') throw new SafetensorsError(`__metadata__["${k}"] is not a string`);
        metadata[k] = s;
      }
      continue;
    }
    infos.push([name, parseTensorInfo(name, v)]);
  }

  // Data must be laid out back to back from offset 0 and fill the buffer exactly (HF's
  // validate()): no gaps that could hide bytes, no overlaps that alias tensors.
  infos.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let cursor = 0;
  for (const [name, info] of infos) {
    const [begin, end] = info.dataOffsets;
    if (begin !== cursor) {
      throw new SafetensorsError(begin < cursor ? `tensor "${name}" overlaps the previous tensor` : `tensor "${name}" leaves a gap at data offset ${cursor}`);
    }
    cursor = end;
  }
  if (cursor !== dataLength) throw new SafetensorsError(`tensors cover ${cursor} data bytes but the file holds ${dataLength}`);
  return { metadata, tensors: new Map(infos), dataStart: 8 + headerBytes.length };
}

function parseTensorInfo(name: string, v: JsonValue): TensorInfo {
  if (!isJsonObject(v)) throw new SafetensorsError(`tensor "${name}" is not an object`);
  const fields = new Map(v.entries);
  for (const k of fields.keys()) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') throw new SafetensorsError(`tensor "${name}" has unknown field "${k}"`);
  }
  const dtype = fields.get('dtype');
  if (typeof dtype !== 'string') throw new SafetensorsError(`tensor "${name}" has no dtype string`);
  if (!(dtype in DTYPE_SIZE)) throw new SafetensorsError(`tensor "${name}" has unsupported dtype "${dtype}"`);
  const shapeV = fields.get('shape');
  if (!Array.isArray(shapeV)) throw new SafetensorsError(`tensor "${name}" has no shape array`);
  const shape: number[] = [];
  let elements = 1n;
  for (const d of shapeV) {
    const n = jsonUint(d);
    if (n === undefined) throw new SafetensorsError(`tensor "${name}" has a shape entry that is not a non-negative integer`);
    shape.push(n);
    elements *= BigInt(n);
  }
  const offV = fields.get('data_offsets');
  if (!Array.isArray(offV) || offV.length !== 2) throw new SafetensorsError(`tensor "${name}" has no [begin, end] data_offsets`);
  const begin = jsonUint(offV[0]);
  const end = jsonUint(offV[1]);
  if (begin === undefined || end === undefined) throw new SafetensorsError(`tensor "${name}" has data_offsets that are not non-negative integers`);
  if (end < begin) throw new SafetensorsError(`tensor "${name}" has data_offsets end ${end} before begin ${begin}`);
  const expected = elements * BigInt(DTYPE_SIZE[dtype as Dtype]);
  if (expected !== BigInt(end - begin)) {
    throw new SafetensorsError(`tensor "${name}" is ${end - begin} bytes but ${dtype} ${JSON.stringify(shape)} needs ${expected}`);
  }
  return { dtype: dtype as Dtype, shape, dataOffsets: [begin, end] };
}

/** Parses and validates a whole safetensors file; tensor data are views into `bytes`. */
export function parseSafetensors(bytes: Uint8Array, opts: { maxHeaderBytes?: number } = {}): Safetensors {
  const n = readHeaderLength(bytes, bytes.length, opts.maxHeaderBytes ?? MAX_HEADER_BYTES);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n);
  const tensors: Safetensors['tensors'] = new Map();
  for (const [name, info] of header.tensors) {
    const [b, e] = info.dataOffsets;
    tensors.set(name, { dtype: info.dtype, shape: info.shape, data: bytes.subarray(header.dataStart + b, header.dataStart + e) });
  }
  return { metadata: header.metadata, tensors };
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Canonical encoding, the bytes HF's `serialize` (safetensors.torch.save_file) writes:
 * tensors sorted by dtype rank descending (larger alignment first) then name (bytewise UTF-8),
 * data in that order with no gaps; header is compact JSON with "__metadata__" first (its keys
 * sorted bytewise, where HF's own order follows a HashMap), then each tensor as
 * {"dtype","shape","data_offsets"} in data order; the header is padded with spaces (0x20) to a
 * multiple of 8 bytes so every tensor is aligned to its element size.
 */
export function encodeSafetensors(tensors: TensorInput[], metadata?: Record<string, string>): Uint8Array {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === METADATA_KEY) throw new SafetensorsError(`tensor name "${METADATA_KEY}" is reserved`);
    if (seen.has(t.name)) throw new SafetensorsError(`duplicate tensor name "${t.name}"`);
    seen.add(t.name);
    if (!(t.dtype in DTYPE_SIZE)) throw new SafetensorsError(`tensor "${t.name}" has unsupported dtype "${t.dtype}"`);
    let elements = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new SafetensorsError(`tensor "${t.name}" has an invalid shape entry ${d}`);
      elements *= d;
    }
    if (elements * DTYPE_SIZE[t.dtype] !== t.data.length) {
      throw new SafetensorsError(`tensor "${t.name}" has ${t.data.length} data bytes but ${t.dtype} ${JSON.stringify(t.shape)} needs ${elements * DTYPE_SIZE[t.dtype]}`);
    }
  }
  const ordered = [...tensors].sort((a, b) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareUtf8(a.name, b.name));
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(compareUtf8);
    for (const k of keys) if (typeof metadata[k] !== 'string') throw new SafetensorsError(`metadata value for "${k}" is not a string`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  for (const t of ordered) {
    const end = offset + t.data.length;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":${JSON.stringify(t.dtype)},"shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  let header = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded > MAX_HEADER_BYTES) throw new SafetensorsError(`header of ${padded} bytes exceeds the limit of ${MAX_HEADER_BYTES}`);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, 8 + padded);
  let at = 8 + padded;
  for (const t of ordered) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
}
