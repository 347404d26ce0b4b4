// Media-type checks run on a blob before it becomes visible in the store. They read through a
// random-access callback so a multi-GiB file is checked without loading it: safetensors needs
// its header only, ONNX a walk over the top-level protobuf fields, encrypted blobs their
// segment framing.
import { MAX_HEADER_BYTES, parseSafetensorsHeader, readHeaderLength } from './safetensors.js';
import { checkEncryptedFraming } from './encryption.js';
import type { MediaType } from './manifest.js';

export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

/** Throws FormatError (or SafetensorsError) if the bytes are not a valid `mediaType` file. */
export async function checkMediaFormat(read: ReadAt, length: number, mediaType: MediaType): Promise<void> {
  switch (mediaType) {
    case 'raw':
      return;
    case 'safetensors-weights':
    case 'safetensors-dataset': {
      const n = readHeaderLength(await read(0, Math.min(8, length)), length, MAX_HEADER_BYTES);
      parseSafetensorsHeader(await read(8, n), length - 8 - n);
      return;
    }
    case 'onnx':
      return checkOnnx(read, length);
    case 'encrypted':
      try {
        checkEncryptedFraming(await read(0, Math.min(length, 64)), length);
      } catch (e) {
        throw new FormatError((e as Error).message);
      }
      return;
  }
}

/** protobuf's hard limit on a serialized message (ONNX models above it use external data). */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

// ModelProto field numbers (onnx/onnx.proto3).
const IR_VERSION = 1;
const GRAPH = 7;
const OPSET_IMPORT = 8;

/**
 * Walks the top level of an ONNX ModelProto: every key a valid varint with a known wire type,
 * every length-delimited field inside the file, ir_version >= 3 (when opset_import appeared),
 * exactly one graph and at least one opset_import. The graph itself is left to the validator
 * (onnxruntime), which loads it.
 */
export async function checkOnnx(read: ReadAt, length: number): Promise<void> {
  const fail = (m: string): never => { throw new FormatError(`onnx: ${m}`); };
  if (length === 0) fail('file is empty');
  if (length > MAX_ONNX_BYTES) fail(`file of ${length} bytes exceeds protobuf's 2 GiB message limit`);
  let at = 0;
  let irVersion: bigint | undefined;
  let graphs = 0;
  let opsets = 0;
  let fields = 0;
  while (at < length) {
    if (++fields > 1_000_000) fail('too many top-level fields');
    const head = await read(at, Math.min(20, length - at));
    const key = readVarint(head, 0);
    if (!key) fail(`truncated field key at offset ${at}`);
    const { value: tag, size: keySize } = key!;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (field === 0) fail(`field number 0 at offset ${at}`);
    let p = keySize;
    if (wire === 0) {
      const v = readVarint(head, p);
      if (!v) fail(`truncated varint at offset ${at + p}`);
      if (field === IR_VERSION) irVersion = v!.value;
      p += v!.size;
    } else if (wire === 1) {
      p += 8;
    } else if (wire === 5) {
      p += 4;
    } else if (wire === 2) {
      const l = readVarint(head, p);
      if (!l) fail(`truncated length at offset ${at + p}`);
      p += l!.size;
      if (l!.value > BigInt(length - at - p)) fail(`field ${field} of ${l!.value} bytes at offset ${at} runs past the end of the file`);
      p += Number(l!.value);
      if (field === GRAPH) graphs++;
      if (field === OPSET_IMPORT) opsets++;
    } else {
      fail(`unsupported wire type ${wire} (field ${field}) at offset ${at}`);
    }
    if (at + p > length) fail(`field ${field} at offset ${at} runs past the end of the file`);
    at += p;
  }
  if (irVersion === undefined) fail('no ir_version (not an ONNX ModelProto)');
  if (irVersion! < 3n || irVersion! > 100n) fail(`ir_version ${irVersion} is out of range 3..100`);
  if (graphs !== 1) fail(`expected one graph, found ${graphs}`);
  if (opsets === 0) fail('no opset_import');
}

function readVarint(b: Uint8Array, at: number): { value: bigint; size: number } | undefined {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (at + i >= b.length) return undefined;
    const byte = b[at + i];
    v |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return { value: v, size: i + 1 };
  }
  return undefined;
}
