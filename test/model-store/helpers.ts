// Test helpers: the deterministic data stream of the ODA-BIP-0001 vectors, and an
// independent BEP 52 computation (recursive, over all leaves at once, with createHash) to
// cross-check model-store/merkle.ts, which is streaming and iterative.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Stream block k (32 bytes) = SHA256("ODA-BIP-0001" || u32 LE k). */
export function streamBlock(k: number): Buffer {
  const ctr = Buffer.alloc(4);
  ctr.writeUInt32LE(k);
  return sha(Buffer.from('ODA-BIP-0001', 'ascii'), ctr);
}

/** The first `length` bytes of the vector data stream. */
export function testData(length: number, offset = 0): Uint8Array {
  const out = new Uint8Array(length);
  let k = Math.floor(offset / 32);
  let skip = offset % 32;
  let at = 0;
  while (at < length) {
    const b = streamBlock(k++).subarray(skip);
    skip = 0;
    const take = Math.min(b.length, length - at);
    out.set(b.subarray(0, take), at);
    at += take;
  }
  return out;
}

/** Writes `length` bytes of the stream to a file in 1 MiB chunks, never holding it whole. */
export async function writeTestFile(path: string, length: number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (let off = 0; off < length; off += 1048576) await fh.write(testData(Math.min(1048576, length - off), off));
  } finally {
    await fh.close();
  }
}

const ZERO = Buffer.alloc(32);

function leaves(data: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  const n = Math.max(1, Math.ceil(data.length / 16384));
  for (let i = 0; i < n; i++) out.push(sha(data.subarray(i * 16384, (i + 1) * 16384)));
  return out;
}

function width(data: Uint8Array): number {
  let w = 1;
  while (w < leaves(data).length) w *= 2;
  return w;
}

// Node over leaf range [lo, lo + size): zero hash beyond the real leaves.
function node(ls: Buffer[], lo: number, size: number): Buffer {
  if (size === 1) return lo < ls.length ? ls[lo] : ZERO;
  const half = size / 2;
  return sha(node(ls, lo, half), node(ls, lo + half, half));
}

export function naiveRoot(data: Uint8Array): Buffer {
  return node(leaves(data), 0, width(data));
}

export function naivePieceLayer(data: Uint8Array): Buffer[] {
  const ls = leaves(data);
  if (data.length <= 1048576) return [naiveRoot(data)];
  const out: Buffer[] = [];
  for (let lo = 0; lo < ls.length; lo += 64) out.push(node(ls, lo, 64));
  return out;
}

export function naiveProof(data: Uint8Array, index: number): Buffer[] {
  const ls = leaves(data);
  const proof: Buffer[] = [];
  let size = 1;
  const w = width(data);
  while (size < w) {
    const sibLo = (Math.floor(index / size) ^ 1) * size;
    proof.push(node(ls, sibLo, size));
    size *= 2;
  }
  return proof;
}

// Minimal protobuf writer, enough to build a real ONNX ModelProto for tests.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}
const fieldVarint = (f: number, v: number) => Buffer.from([...varint(f << 3), ...varint(v)]);
const fieldBytes = (f: number, b: Uint8Array | string) => {
  const body = typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b);
  return Buffer.concat([Buffer.from([...varint((f << 3) | 2), ...varint(body.length)]), body]);
};

/** ONNX model Y = Identity(X), X and Y float[n], opset 13, IR version 8. */
export function identityOnnx(n = 4): Uint8Array {
  const tensorType = (dim: number) => fieldBytes(1, Buffer.concat([fieldVarint(1, 1), fieldBytes(2, fieldBytes(1, fieldVarint(1, dim)))]));
  const valueInfo = (name: string) => Buffer.concat([fieldBytes(1, name), fieldBytes(2, tensorType(n))]);
  const node = Buffer.concat([fieldBytes(1, 'X'), fieldBytes(2, 'Y'), fieldBytes(3, 'id0'), fieldBytes(4, 'Identity')]);
  const graph = Buffer.concat([fieldBytes(1, node), fieldBytes(2, 'g'), fieldBytes(11, valueInfo('X')), fieldBytes(12, valueInfo('Y'))]);
  const opset = Buffer.concat([fieldBytes(1, ''), fieldVarint(2, 13)]);
  return new Uint8Array(Buffer.concat([fieldVarint(1, 8), fieldBytes(2, 'oda-test'), fieldBytes(7, graph), fieldBytes(8, opset)]));
}

/**
 * BEP 52's own procedure (bep_0052_torrent_creator.py, FileHasher), restated: per piece, the
 * block hashes padded to 64 leaves (to the next power of two if the file is a single short
 * piece); then the piece roots padded with the root of 64 zero leaves to a power of two.
 * Undefined for an empty file (BEP 52 gives it no pieces root).
 */
export function bep52CreatorRoot(data: Uint8Array): { root: Buffer; pieceLayer: Buffer[] } | undefined {
  const rootHash = (hs: Buffer[]): Buffer => {
    while (hs.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < hs.length; i += 2) next.push(sha(hs[i], hs[i + 1]));
      hs = next;
    }
    return hs[0];
  };
  const pieces: Buffer[] = [];
  for (let p = 0; p < data.length; p += 1048576) {
    const blocks: Buffer[] = [];
    for (let b = p; b < Math.min(p + 1048576, data.length); b += 16384) blocks.push(sha(data.subarray(b, Math.min(b + 16384, data.length))));
    if (blocks.length !== 64) {
      const required = pieces.length === 0 ? 2 ** Math.ceil(Math.log2(blocks.length)) : 64;
      while (blocks.length < required) blocks.push(Buffer.alloc(32));
    }
    pieces.push(rootHash(blocks));
  }
  if (pieces.length === 0) return undefined;
  const layer = [...pieces];
  if (layer.length > 1) {
    const pad = rootHash(Array.from({ length: 64 }, () => Buffer.alloc(32)));
    while (layer.length & (layer.length - 1)) layer.push(pad);
  }
  return { root: rootHash(layer), pieceLayer: pieces };
}
