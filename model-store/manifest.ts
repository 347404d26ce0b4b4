// Blob manifest (ODA-BIP-0001 "Manifest"): what a node needs to fetch and check a blob piece by
// piece. Its canonical byte encoding is what the index stores and what P2P sends; a manifest
// is only accepted if its piece layer folds to its root, so a peer cannot make us accept
// pieces that do not belong to the committed blob.
import { HASH_SIZE, PIECE_SIZE, equalBytes, fromHex, pieceCount, rootFromPieceLayer, toHex } from './merkle.js';

export type MediaType = 'raw' | 'onnx' | 'safetensors-weights' | 'safetensors-dataset' | 'encrypted';

/** Wire codes of the media types (one byte in the encoding). */
export const MEDIA_TYPE_CODE: Readonly<Record<MediaType, number>> = {
  raw: 0,
  onnx: 1,
  'safetensors-weights': 2,
  'safetensors-dataset': 3,
  encrypted: 4,
};
const MEDIA_TYPE_BY_CODE = new Map(Object.entries(MEDIA_TYPE_CODE).map(([k, v]) => [v, k as MediaType]));

export function isMediaType(s: unknown): s is MediaType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(MEDIA_TYPE_CODE, s);
}

export const MANIFEST_VERSION = 1;
/** 64 GiB: keeps lengths exact in a JS number and a manifest under 2 MiB of piece layer. */
export const MAX_BLOB_LENGTH = 2 ** 36;
const PIECE_SIZE_LOG2 = 20;
const MAX_CID_LENGTH = 255;

export interface Manifest {
  /** BEP 52 pieces root, 64 hex characters, bytes in the order SHA-256 outputs them. */
  root: string;
  length: number;
  pieceSize: number;
  mediaType: MediaType;
  /** One hash per 1 MiB piece (for a blob of at most one piece: [root]). */
  pieceLayer: Uint8Array[];
  /** IPFS CIDv1 of the same bytes, metadata only: never checked against the data. */
  cid?: string;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(`manifest: ${message}`);
    this.name = 'ManifestError';
  }
}

/** Checks the internal consistency of a manifest; throws ManifestError naming the problem. */
export function checkManifest(m: Manifest): void {
  if (typeof m.root !== 'string' || !/^[0-9a-f]{64}$/.test(m.root)) throw new ManifestError('root is not 64 lowercase hex characters');
  if (!Number.isSafeInteger(m.length) || m.length < 0 || m.length > MAX_BLOB_LENGTH) throw new ManifestError(`length ${m.length} is out of range 0..${MAX_BLOB_LENGTH}`);
  if (m.pieceSize !== PIECE_SIZE) throw new ManifestError(`piece size ${m.pieceSize} is not ${PIECE_SIZE}`);
  if (!isMediaType(m.mediaType)) throw new ManifestError(`unknown media type "${String(m.mediaType)}"`);
  const n = pieceCount(m.length);
  if (!Array.isArray(m.pieceLayer) || m.pieceLayer.length !== n) throw new ManifestError(`piece layer has ${m.pieceLayer?.length} hashes, a ${m.length}-byte blob has ${n} pieces`);
  for (const h of m.pieceLayer) if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new ManifestError('piece layer entry is not 32 bytes');
  if (!equalBytes(rootFromPieceLayer(m.pieceLayer, m.length), fromHex(m.root))) throw new ManifestError('piece layer does not hash to the root');
  if (m.cid !== undefined && (typeof m.cid !== 'string' || !/^[a-z0-9]{1,255}$/i.test(m.cid))) throw new ManifestError('cid is not a multibase string of 1..255 alphanumeric characters');
}

/**
 * Canonical encoding: version u8 | media type u8 | log2(piece size) u8 | length u64 LE |
 * root 32 | piece layer (32 x pieces, only when pieces > 1) | cid length u8 | cid ASCII.
 */
export function encodeManifest(m: Manifest): Uint8Array {
  checkManifest(m);
  const n = m.pieceLayer.length;
  const layerBytes = n > 1 ? n * HASH_SIZE : 0;
  const cid = Buffer.from(m.cid ?? '', 'ascii');
  const out = new Uint8Array(3 + 8 + HASH_SIZE + layerBytes + 1 + cid.length);
  const view = new DataView(out.buffer);
  out[0] = MANIFEST_VERSION;
  out[1] = MEDIA_TYPE_CODE[m.mediaType];
  out[2] = PIECE_SIZE_LOG2;
  view.setBigUint64(3, BigInt(m.length), true);
  out.set(fromHex(m.root), 11);
  let at = 11 + HASH_SIZE;
  if (n > 1) for (const h of m.pieceLayer) { out.set(h, at); at += HASH_SIZE; }
  out[at++] = cid.length;
  out.set(cid, at);
  return out;
}

export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.length < 3 + 8 + HASH_SIZE + 1) throw new ManifestError(`encoding of ${bytes.length} bytes is too short`);
  if (bytes[0] !== MANIFEST_VERSION) throw new ManifestError(`unknown version ${bytes[0]}`);
  const mediaType = MEDIA_TYPE_BY_CODE.get(bytes[1]);
  if (mediaType === undefined) throw new ManifestError(`unknown media type code ${bytes[1]}`);
  if (bytes[2] !== PIECE_SIZE_LOG2) throw new ManifestError(`piece size 2^${bytes[2]} is not 2^${PIECE_SIZE_LOG2}`);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(3, true);
  if (len > BigInt(MAX_BLOB_LENGTH)) throw new ManifestError(`length ${len} exceeds ${MAX_BLOB_LENGTH}`);
  const length = Number(len);
  const rootBytes = bytes.slice(11, 11 + HASH_SIZE);
  const n = pieceCount(length);
  let at = 11 + HASH_SIZE;
  const pieceLayer: Uint8Array[] = [];
  if (n > 1) {
    if (bytes.length < at + n * HASH_SIZE + 1) throw new ManifestError(`encoding is truncated inside the piece layer (${n} pieces)`);
    for (let i = 0; i < n; i++, at += HASH_SIZE) pieceLayer.push(bytes.slice(at, at + HASH_SIZE));
  } else {
    pieceLayer.push(rootBytes);
  }
  const cidLen = bytes[at++];
  if (bytes.length !== at + cidLen) throw new ManifestError(`encoding has ${bytes.length - at - cidLen} unexpected trailing bytes`);
  const cid = cidLen ? Buffer.from(bytes.subarray(at, at + cidLen)).toString('ascii') : undefined;
  const m: Manifest = { root: toHex(rootBytes), length, pieceSize: PIECE_SIZE, mediaType, pieceLayer };
  if (cid !== undefined) m.cid = cid;
  checkManifest(m);
  return m;
}

/** JSON form (CLI, RPC): hashes as hex. */
export interface ManifestJson {
  root: string;
  length: number;
  piecesize: number;
  mediatype: MediaType;
  pieces: number;
  piecelayer: string[];
  cid?: string;
}

export function manifestToJson(m: Manifest): ManifestJson {
  const j: ManifestJson = { root: m.root, length: m.length, piecesize: m.pieceSize, mediatype: m.mediaType, pieces: m.pieceLayer.length, piecelayer: m.pieceLayer.map(toHex) };
  if (m.cid !== undefined) j.cid = m.cid;
  return j;
}

export function manifestFromJson(j: unknown): Manifest {
  if (typeof j !== 'object' || j === null) throw new ManifestError('JSON manifest is not an object');
  const o = j as Record<string, unknown>;
  if (!Array.isArray(o.piecelayer) || !o.piecelayer.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) throw new ManifestError('piecelayer is not an array of 64-hex hashes');
  const m: Manifest = {
    root: String(o.root),
    length: Number(o.length),
    pieceSize: Number(o.piecesize),
    mediaType: o.mediatype as MediaType,
    pieceLayer: (o.piecelayer as string[]).map(fromHex),
  };
  if (o.cid !== undefined) m.cid = String(o.cid);
  checkManifest(m);
  return m;
}
