// BitTorrent v2 (BEP 52) Merkle commitment over a blob, as specified in
// spec/BIPs/oda-bip-0001-blob-commitment.md: SHA-256 over 16 KiB blocks (the last one short,
// unpadded), missing leaves are 32 zero bytes up to a power of two, node = SHA256(L || R) with
// no domain prefix. The root is exactly BEP 52's "pieces root", so any BT v2 client can check
// an ODA blob. Pieces are 1 MiB: the roots of the 64-leaf subtrees form the "piece layer".
//
// ODA additions (BEP 52 leaves these cases undefined):
// - an empty blob is one empty block: root = SHA256("") and piece layer = [root];
// - a blob of at most one piece has piece layer = [root] (BEP 52 has no piece layer there),
//   where root is the tree over its leaves padded to the next power of two, not to 64.
import { hash as oneShot } from 'node:crypto';

export const BLOCK_SIZE = 16384;
export const PIECE_SIZE = 1048576;
export const BLOCKS_PER_PIECE = PIECE_SIZE / BLOCK_SIZE; // 64
export const HASH_SIZE = 32;

const ZERO_HASH = new Uint8Array(HASH_SIZE);

export function sha256(data: Uint8Array): Uint8Array {
  return oneShot('sha256', data, 'buffer');
}

/** SHA256(left || right): an inner node. */
export function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(HASH_SIZE * 2);
  buf.set(left, 0);
  buf.set(right, HASH_SIZE);
  return sha256(buf);
}

/** Smallest power of two >= n (n >= 1). */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** log2 of a power of two. */
function log2(p: number): number {
  let d = 0;
  while (2 ** d < p) d++;
  return d;
}

// Root of the all-zero-leaf subtree of each height, so padding never hashes zeros twice.
const padRoots: Uint8Array[] = [ZERO_HASH];
export function padRoot(height: number): Uint8Array {
  while (padRoots.length <= height) {
    const below = padRoots[padRoots.length - 1];
    padRoots.push(hashPair(below, below));
  }
  return padRoots[height];
}

/**
 * Root of a layer whose nodes are `nodes` followed by padding up to `width` nodes (a power of
 * two), where a padding node at this layer is the root of an all-zero subtree of height
 * `padHeight` (0 for leaves).
 */
export function layerRoot(nodes: Uint8Array[], width: number, padHeight: number): Uint8Array {
  if (width < nodes.length || (width & (width - 1)) !== 0) throw new RangeError('layer width must be a power of two >= node count');
  let layer = nodes;
  let size = width;
  let h = padHeight;
  while (size > 1) {
    const next: Uint8Array[] = [];
    const pad = padRoot(h);
    for (let i = 0; i < size; i += 2) {
      if (i >= layer.length) break; // the rest of this layer is padding
      next.push(hashPair(layer[i], i + 1 < layer.length ? layer[i + 1] : pad));
    }
    layer = next;
    size /= 2;
    h++;
  }
  return layer.length ? layer[0] : padRoot(h);
}

/** Number of 1 MiB pieces of a blob (an empty blob has one empty piece). */
export function pieceCount(length: number): number {
  return Math.max(1, Math.ceil(length / PIECE_SIZE));
}

/** Number of 16 KiB blocks of a blob (an empty blob has one empty block). */
export function blockCount(length: number): number {
  return Math.max(1, Math.ceil(length / BLOCK_SIZE));
}

/** Byte length of piece `index` of a blob of `length` bytes. */
export function pieceLength(length: number, index: number): number {
  return Math.max(0, Math.min(PIECE_SIZE, length - index * PIECE_SIZE));
}

/** Byte length of block `index` of a blob of `length` bytes. */
export function blockLength(length: number, index: number): number {
  return Math.max(0, Math.min(BLOCK_SIZE, length - index * BLOCK_SIZE));
}

/** SHA-256 of each 16 KiB block of `bytes` (at least one leaf, possibly of an empty block). */
export function leafHashes(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < bytes.length || out.length === 0; off += BLOCK_SIZE) {
    out.push(sha256(bytes.subarray(off, Math.min(off + BLOCK_SIZE, bytes.length))));
  }
  return out;
}

/**
 * The piece-layer entry of one piece's bytes. In a multi-piece blob it is the 64-leaf subtree
 * root (a short last piece padded with zero leaves); in a single-piece blob it is the blob root.
 */
export function pieceHash(pieceBytes: Uint8Array, singlePiece: boolean): Uint8Array {
  if (pieceBytes.length > PIECE_SIZE) throw new RangeError('piece larger than PIECE_SIZE');
  const leaves = leafHashes(pieceBytes);
  return layerRoot(leaves, singlePiece ? nextPow2(leaves.length) : BLOCKS_PER_PIECE, 0);
}

/** Root over a piece layer of a blob of `length` bytes. */
export function rootFromPieceLayer(pieceLayer: Uint8Array[], length: number): Uint8Array {
  const n = pieceCount(length);
  if (pieceLayer.length !== n) throw new RangeError(`piece layer has ${pieceLayer.length} entries, expected ${n}`);
  if (n === 1) return pieceLayer[0];
  return layerRoot(pieceLayer, nextPow2(n), log2(BLOCKS_PER_PIECE));
}

export interface MerkleDigest {
  root: Uint8Array;
  pieceLayer: Uint8Array[];
  length: number;
}

/**
 * Streaming BEP 52 hasher: memory is one partial block plus the leaf hashes of the current
 * piece and 32 bytes per finished piece, whatever the blob size.
 */
export class MerkleBuilder {
  private partial = new Uint8Array(BLOCK_SIZE);
  private partialLen = 0;
  private leaves: Uint8Array[] = [];
  private pieces: Uint8Array[] = [];
  private total = 0;
  private done = false;

  update(chunk: Uint8Array): this {
    if (this.done) throw new Error('MerkleBuilder already digested');
    this.total += chunk.length;
    let off = 0;
    if (this.partialLen > 0) {
      const take = Math.min(BLOCK_SIZE - this.partialLen, chunk.length);
      this.partial.set(chunk.subarray(0, take), this.partialLen);
      this.partialLen += take;
      off = take;
      if (this.partialLen === BLOCK_SIZE) {
        this.pushLeaf(sha256(this.partial));
        this.partialLen = 0;
      }
    }
    // Whole blocks straight from the caller's buffer, no copy.
    while (chunk.length - off >= BLOCK_SIZE) {
      this.pushLeaf(sha256(chunk.subarray(off, off + BLOCK_SIZE)));
      off += BLOCK_SIZE;
    }
    if (off < chunk.length) {
      this.partial.set(chunk.subarray(off), 0);
      this.partialLen = chunk.length - off;
    }
    return this;
  }

  private pushLeaf(leaf: Uint8Array): void {
    this.leaves.push(leaf);
    if (this.leaves.length === BLOCKS_PER_PIECE) {
      this.pieces.push(layerRoot(this.leaves, BLOCKS_PER_PIECE, 0));
      this.leaves = [];
    }
  }

  /** Pieces completed so far (each a full 1 MiB), for writers that verify as they go. */
  get completedPieces(): number {
    return this.pieces.length;
  }

  digest(): MerkleDigest {
    if (this.done) throw new Error('MerkleBuilder already digested');
    this.done = true;
    if (this.partialLen > 0 || this.total === 0) this.leaves.push(sha256(this.partial.subarray(0, this.partialLen)));
    const length = this.total;
    if (length <= PIECE_SIZE) {
      // Single piece: all leaves are in this.leaves, or (exactly 1 MiB) already folded.
      const root = this.pieces.length === 1 ? this.pieces[0] : layerRoot(this.leaves, nextPow2(this.leaves.length), 0);
      return { root, pieceLayer: [root], length };
    }
    if (this.leaves.length > 0) this.pieces.push(layerRoot(this.leaves, BLOCKS_PER_PIECE, 0));
    const pieceLayer = this.pieces;
    return { root: rootFromPieceLayer(pieceLayer, length), pieceLayer, length };
  }
}

/** BEP 52 pieces root of a whole in-memory blob. */
export function piecesRoot(data: Uint8Array): Uint8Array {
  return new MerkleBuilder().update(data).digest().root;
}

/** Siblings from a leaf up to the root of a layer of `width` nodes (see layerRoot). */
function layerPath(nodes: Uint8Array[], width: number, padHeight: number, index: number): Uint8Array[] {
  const path: Uint8Array[] = [];
  let layer = nodes;
  let size = width;
  let h = padHeight;
  let i = index;
  while (size > 1) {
    const sib = i ^ 1;
    path.push(sib < layer.length ? layer[sib] : padRoot(h));
    const next: Uint8Array[] = [];
    const pad = padRoot(h);
    for (let j = 0; j < layer.length; j += 2) next.push(hashPair(layer[j], j + 1 < layer.length ? layer[j + 1] : pad));
    layer = next;
    size /= 2;
    h++;
    i >>= 1;
  }
  return path;
}

/**
 * Inclusion proof of block `blockIndex` given only its piece's bytes and the piece layer (what
 * the store holds): siblings inside the piece subtree, then siblings in the piece-layer tree,
 * leaf to root. The proof has log2(padded leaf count) hashes.
 */
export function pieceBlockProof(pieceBytes: Uint8Array, pieceLayer: Uint8Array[], length: number, blockIndex: number): Uint8Array[] {
  const nBlocks = blockCount(length);
  if (!Number.isInteger(blockIndex) || blockIndex < 0 || blockIndex >= nBlocks) throw new RangeError(`block index ${blockIndex} out of range (${nBlocks} blocks)`);
  const pieceIndex = Math.floor(blockIndex / BLOCKS_PER_PIECE);
  if (pieceBytes.length !== pieceLength(length, pieceIndex)) throw new RangeError('piece bytes have the wrong length');
  const leaves = leafHashes(pieceBytes);
  const n = pieceCount(length);
  if (n === 1) return layerPath(leaves, nextPow2(leaves.length), 0, blockIndex);
  const inner = layerPath(leaves, BLOCKS_PER_PIECE, 0, blockIndex % BLOCKS_PER_PIECE);
  const outer = layerPath(pieceLayer, nextPow2(n), log2(BLOCKS_PER_PIECE), pieceIndex);
  return inner.concat(outer);
}

/** Inclusion proof of block `blockIndex` of a whole in-memory blob. */
export function blockProof(data: Uint8Array, blockIndex: number): Uint8Array[] {
  const { pieceLayer, length } = new MerkleBuilder().update(data).digest();
  const pieceIndex = Math.floor(blockIndex / BLOCKS_PER_PIECE);
  const start = pieceIndex * PIECE_SIZE;
  return pieceBlockProof(data.subarray(start, start + pieceLength(length, pieceIndex)), pieceLayer, length, blockIndex);
}

/** Proof length (hashes) for any block of a blob of `length` bytes. */
export function proofDepth(length: number): number {
  return log2(nextPow2(blockCount(length)));
}

/**
 * Checks that `blockBytes` is block `blockIndex` of the blob committed by (root, length). The
 * block must have its exact length (16 KiB, or the short remainder for the last block), and the
 * proof exactly proofDepth(length) hashes.
 */
export function verifyBlockProof(root: Uint8Array, length: number, blockIndex: number, blockBytes: Uint8Array, proof: Uint8Array[]): boolean {
  if (!Number.isSafeInteger(length) || length < 0) return false;
  if (!Number.isInteger(blockIndex) || blockIndex < 0 || blockIndex >= blockCount(length)) return false;
  if (blockBytes.length !== blockLength(length, blockIndex)) return false;
  if (root.length !== HASH_SIZE || proof.length !== proofDepth(length)) return false;
  let node = sha256(blockBytes);
  let i = blockIndex;
  for (const sib of proof) {
    if (sib.length !== HASH_SIZE) return false;
    node = i & 1 ? hashPair(sib, node) : hashPair(node, sib);
    i >>= 1;
  }
  return equalBytes(node, root);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new TypeError('invalid hex string');
  return new Uint8Array(Buffer.from(s, 'hex'));
}
