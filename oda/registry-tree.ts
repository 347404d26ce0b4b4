// ODA-BIP-0007 registry tree: a binary Merkle trie over 256-bit key paths (SHA-256 of the
// registry key) where a subtree holding one leaf is that leaf (the leaf sits at the shallowest
// depth where it is alone, as in Diem's Jellyfish tree). Proofs are ~log2(n) siblings and
// one update rehashes ~log2(n) nodes; every stored node is one database key, so a block's
// tree changes are ordinary writes with undo, and reorganizations need nothing special.
//
//   empty subtree  -> 32 zero bytes
//   leaf           -> SHA256(0x00 | keyHash | valueHash)
//   internal node  -> SHA256(0x01 | left | right)     (never one empty child and one leaf)
//
// Nodes are stored by position: depth u16 BE | the path's first `depth` bits (ceil(depth/8)
// bytes, the rest of the last byte zero). Value: 0x00 | keyHash | valueHash (leaf) or
// 0x01 | hash (internal); no key means an empty subtree.
import { createHash } from 'node:crypto';

export const EMPTY_HASH = new Uint8Array(32);
const LEAF = 0x00;
const INTERNAL = 0x01;

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function leafHash(keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(LEAF), keyHash, valueHash);
}

export function internalHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(INTERNAL), left, right);
}

export function bit(path: Uint8Array, depth: number): number {
  return (path[depth >> 3] >> (7 - (depth & 7))) & 1;
}

export type TreeNode =
  | { kind: 'empty' }
  | { kind: 'leaf'; keyHash: Uint8Array; valueHash: Uint8Array; hash: Uint8Array }
  | { kind: 'internal'; hash: Uint8Array };

const EMPTY: TreeNode = { kind: 'empty' };

export function nodeHash(n: TreeNode): Uint8Array {
  return n.kind === 'empty' ? EMPTY_HASH : n.hash;
}

function leaf(keyHash: Uint8Array, valueHash: Uint8Array): TreeNode {
  return { kind: 'leaf', keyHash, valueHash, hash: leafHash(keyHash, valueHash) };
}

/** Position key of the subtree at `depth` on `path`. */
export function position(path: Uint8Array, depth: number): Uint8Array {
  const n = (depth + 7) >> 3;
  const out = new Uint8Array(2 + n);
  out[0] = depth >> 8;
  out[1] = depth & 0xff;
  out.set(path.subarray(0, n), 2);
  if (depth & 7) out[1 + n] &= (0xff << (8 - (depth & 7))) & 0xff;
  return out;
}

/** The path of the sibling subtree at `depth` (depth >= 1): the path with bit depth-1 flipped. */
function siblingPath(path: Uint8Array, depth: number): Uint8Array {
  const p = Uint8Array.from(path);
  p[(depth - 1) >> 3] ^= 0x80 >> ((depth - 1) & 7);
  return p;
}

export function encodeNode(n: TreeNode): Uint8Array | undefined {
  if (n.kind === 'empty') return undefined;
  if (n.kind === 'leaf') return Uint8Array.from([LEAF, ...n.keyHash, ...n.valueHash]);
  return Uint8Array.from([INTERNAL, ...n.hash]);
}

export function decodeNode(b: Uint8Array | undefined): TreeNode {
  if (!b) return EMPTY;
  if (b[0] === LEAF && b.length === 65) return leaf(b.slice(1, 33), b.slice(33, 65));
  if (b[0] === INTERNAL && b.length === 33) return { kind: 'internal', hash: b.slice(1) };
  throw new Error('corrupt registry tree node');
}

/** Where nodes are read and written; positions are the bytes of position(). */
export interface NodeStore {
  get(pos: Uint8Array): Promise<Uint8Array | undefined>;
  put(pos: Uint8Array, value: Uint8Array | undefined): void;
}

/** One leaf change: valueHash undefined removes the key. */
export interface LeafChange { keyHash: Uint8Array; valueHash: Uint8Array | undefined }

function cmp(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

async function read(store: NodeStore, path: Uint8Array, depth: number): Promise<TreeNode> {
  return decodeNode(await store.get(position(path, depth)));
}

function write(store: NodeStore, path: Uint8Array, depth: number, n: TreeNode): void {
  store.put(position(path, depth), encodeNode(n));
}

/** Builds the subtree at `depth` from leaves known to share its path prefix (none stored below). */
function build(store: NodeStore, depth: number, leaves: Array<{ keyHash: Uint8Array; valueHash: Uint8Array }>): TreeNode {
  if (leaves.length === 0) return EMPTY;
  if (leaves.length === 1) {
    const n = leaf(leaves[0].keyHash, leaves[0].valueHash);
    write(store, leaves[0].keyHash, depth, n);
    return n;
  }
  const left = leaves.filter((l) => bit(l.keyHash, depth) === 0);
  const right = leaves.filter((l) => bit(l.keyHash, depth) === 1);
  const path = leaves[0].keyHash;
  const l = build(store, depth + 1, left);
  const r = build(store, depth + 1, right);
  const n: TreeNode = { kind: 'internal', hash: internalHash(nodeHash(l), nodeHash(r)) };
  write(store, path, depth, n);
  return n;
}

/**
 * Applies `changes` (sorted by keyHash, distinct) to the subtree at (`path`, `depth`),
 * writing every node that changes, and returns the subtree's new top node.
 */
async function update(store: NodeStore, path: Uint8Array, depth: number, changes: LeafChange[]): Promise<TreeNode> {
  const here = await read(store, path, depth);
  if (changes.length === 0) return here;
  if (here.kind !== 'internal') {
    // Nothing is stored below an empty subtree or a leaf: rebuild this subtree from its leaves.
    const leaves: Array<{ keyHash: Uint8Array; valueHash: Uint8Array }> = [];
    if (here.kind === 'leaf' && !changes.some((c) => cmp(c.keyHash, here.keyHash) === 0)) leaves.push(here);
    for (const c of changes) if (c.valueHash) leaves.push({ keyHash: c.keyHash, valueHash: c.valueHash });
    leaves.sort((a, b) => cmp(a.keyHash, b.keyHash));
    if (leaves.length === 0) write(store, path, depth, EMPTY);
    return build(store, depth, leaves);
  }
  const leftPath = Uint8Array.from(path);
  leftPath[depth >> 3] &= ~(0x80 >> (depth & 7));
  const rightPath = Uint8Array.from(path);
  rightPath[depth >> 3] |= 0x80 >> (depth & 7);
  const l = await update(store, leftPath, depth + 1, changes.filter((c) => bit(c.keyHash, depth) === 0));
  const r = await update(store, rightPath, depth + 1, changes.filter((c) => bit(c.keyHash, depth) === 1));
  let n: TreeNode;
  if (l.kind === 'empty' && r.kind === 'empty') n = EMPTY;
  else if (l.kind === 'empty' && r.kind === 'leaf') {
    write(store, rightPath, depth + 1, EMPTY); // a lone leaf moves up
    n = r;
  } else if (r.kind === 'empty' && l.kind === 'leaf') {
    write(store, leftPath, depth + 1, EMPTY);
    n = l;
  } else n = { kind: 'internal', hash: internalHash(nodeHash(l), nodeHash(r)) };
  write(store, path, depth, n);
  return n;
}

/** Applies leaf changes to the tree in `store`; returns the new root hash. */
export async function updateTree(store: NodeStore, changes: LeafChange[]): Promise<Uint8Array> {
  const sorted = [...changes].sort((a, b) => cmp(a.keyHash, b.keyHash));
  for (let i = 1; i < sorted.length; i++) if (cmp(sorted[i - 1].keyHash, sorted[i].keyHash) === 0) throw new Error('duplicate leaf change');
  return nodeHash(await update(store, new Uint8Array(32), 0, sorted));
}

export async function treeRoot(store: Pick<NodeStore, 'get'>): Promise<Uint8Array> {
  return nodeHash(decodeNode(await store.get(position(new Uint8Array(32), 0))));
}

/**
 * A path proof: the sibling hashes from the root down to the subtree where `keyHash`'s path
 * ends (a leaf, its own or another key's, or an empty subtree).
 */
export interface TreeProof {
  siblings: Uint8Array[];
  terminal: { keyHash: Uint8Array; valueHash: Uint8Array } | undefined;
}

export async function proveKey(store: Pick<NodeStore, 'get'>, keyHash: Uint8Array): Promise<TreeProof> {
  const siblings: Uint8Array[] = [];
  for (let depth = 0; depth <= 256; depth++) {
    const n = await read(store as NodeStore, keyHash, depth);
    if (n.kind === 'empty') return { siblings, terminal: undefined };
    if (n.kind === 'leaf') return { siblings, terminal: { keyHash: n.keyHash, valueHash: n.valueHash } };
    siblings.push(nodeHash(await read(store as NodeStore, siblingPath(keyHash, depth + 1), depth + 1)));
  }
  throw new Error('corrupt registry tree: path longer than 256');
}

/** The root a proof implies for `keyHash` (pure). */
export function proofRoot(keyHash: Uint8Array, p: TreeProof): Uint8Array {
  let h = p.terminal ? leafHash(p.terminal.keyHash, p.terminal.valueHash) : EMPTY_HASH;
  for (let d = p.siblings.length - 1; d >= 0; d--) {
    h = bit(keyHash, d) ? internalHash(p.siblings[d], h) : internalHash(h, p.siblings[d]);
  }
  return h;
}
