// The ODA-BIP-0006 vector fixture, shared by generate.ts and test/oda/storage-vectors.test.ts:
// a fixed index of six blobs (one dormant: lost everywhere; one too recent to be sampled),
// the sampling cases and the proof cases (a valid section and mutations of it).
import { createHash } from 'node:crypto';
import { VerifyError } from '../../../../chain/errors.js';
import { blockProof, piecesRoot } from '../../../../model-store/merkle.js';
import { MemoryIndex } from '../../../../oda/storage-index.js';
import { buildStorageProof, checkStorageProof, encodeStorageProof, decodeStorageProof, sampleSlots, storageDigest, storageSeed, STORAGE, type Slot, type SlotProof } from '../../../../oda/storage-proof.js';
import { memoryLeafSource } from '../../../../oda/storage-source.js';

export function stream(name: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let j = 0; j * 32 < length; j++) {
    const h = createHash('sha256').update(name, 'utf8').update(Uint8Array.of(j & 0xff, (j >>> 8) & 0xff, (j >>> 16) & 0xff, j >>> 24)).digest();
    out.set(h.subarray(0, Math.min(32, length - j * 32)), j * 32);
  }
  return out;
}

const BLOBS = [
  { name: 'architecture', length: 9_000, height: 1 },
  { name: 'dataset', length: 40_000, height: 1 },
  { name: 'weights-v0', length: 1_100_000, height: 1 },
  { name: 'weights-v1', length: 20_000, height: 5 },
  { name: 'lost', length: 300_000, height: 6, dormant: true },
  { name: 'recent', length: 5_000, height: 30 },
];

export interface Fixture {
  blobs: { name: string; length: number; root: string; dormant: boolean; bytes: Uint8Array }[];
  index: MemoryIndex;
  held(names?: string[]): Map<string, Uint8Array>;
}

export function storageFixture(): Fixture {
  const blobs = BLOBS.map((b) => {
    const bytes = stream(b.name, b.length);
    return { name: b.name, length: b.length, root: Buffer.from(piecesRoot(bytes)).toString('hex'), dormant: !!b.dormant, bytes, height: b.height };
  });
  const index = new MemoryIndex();
  for (const b of blobs) index.add({ root: b.root, length: b.length }, b.height);
  for (const e of index.entries) if (blobs[e.ordinal]!.dormant) e.skips = STORAGE.dormantSkips;
  return {
    blobs, index,
    // By default every blob but the lost one is held.
    held: (names) => new Map(blobs.filter((b) => (names ? names.includes(b.name) : !b.dormant)).map((b) => [b.root, b.bytes])),
  };
}

/** An 80-byte header: version 1, prev hash = stream("prev"), merkle root = stream("merkle"), time, bits 0x207fffff, nonce. */
export function header(nonce: number, prev = 'prev'): Uint8Array {
  const h = new Uint8Array(80);
  const v = new DataView(h.buffer);
  v.setUint32(0, 1, true);
  h.set(stream(prev, 32), 4);
  h.set(stream('merkle', 32), 36);
  v.setUint32(68, 1_767_225_600, true);
  v.setUint32(72, 0x207fffff, true);
  v.setUint32(76, nonce, true);
  return h;
}

/** First nonce from `from` whose slots at `height` satisfy `pred` (deterministic). */
function nonceWhere(fx: Fixture, height: number, pred: (names: string[], slots: Slot[]) => boolean, from = 0): number {
  for (let n = from; ; n++) {
    const s = sampleSlots(storageSeed(header(n)), fx.index, height);
    if (pred(s.map((x) => BLOBS[x.entry.ordinal]!.name), s)) return n;
  }
}

const shortLast = (_: string[], s: Slot[]) => s.some((x) => !x.void && x.entry.length % 16384 !== 0 && x.leaf === Math.ceil(x.entry.length / 16384) - 1);

export const SAMPLING_CASES = (() => {
  const fx = storageFixture();
  return [
    { description: 'height 5: nothing registered 10 blocks deep, no slots (plain PoW)', header: header(0), height: 5 },
    { description: 'height 11: only the three blobs of height 1 are eligible', header: header(0), height: 11 },
    { description: 'height 20: five blobs eligible (the recent one is not)', header: header(0), height: 20 },
    { description: 'height 20, next nonce: new leaves', header: header(1), height: 20 },
    { description: 'height 20, another prev hash: new leaves', header: header(0, 'other-prev'), height: 20 },
    { description: 'height 40: all six eligible', header: header(7), height: 40 },
    { description: 'height 20: a slot on the dormant blob is void', header: header(nonceWhere(fx, 20, (n) => n.includes('lost'))), height: 20 },
    { description: 'height 20: a slot on a short last leaf', header: header(nonceWhere(fx, 20, shortLast)), height: 20 },
  ];
})();

export type Mutation =
  | { op: 'none' } | { op: 'truncate' } | { op: 'append' } | { op: 'version' } | { op: 'kind' }
  | { op: 'flipLeaf' } | { op: 'flipPath' } | { op: 'dropSlot' } | { op: 'extraSlot' } | { op: 'pathExtra' }
  | { op: 'otherLeaf' } | { op: 'unregistered' } | { op: 'seedMismatch' } | { op: 'digest' } | { op: 'skipLive' };

export interface ProofCase { description: string; nonce: number; height: number; held?: string[]; mutation: Mutation }

export const PROOF_CASES: ProofCase[] = (() => {
  const fx = storageFixture();
  const all = nonceWhere(fx, 20, (n) => !n.includes('lost'));
  const withVoid = nonceWhere(fx, 20, (n) => n.includes('lost') && n.includes('weights-v0'));
  const m = (op: Mutation['op']) => ({ op }) as Mutation;
  return [
    { description: 'every sampled leaf held: accepted, no penalty', nonce: all, height: 20, mutation: m('none') },
    { description: 'no blob eligible: empty section (count 0) accepted', nonce: 0, height: 5, mutation: m('none') },
    { description: 'a slot on the dormant blob skipped: void, no penalty', nonce: withVoid, height: 20, mutation: m('none') },
    { description: 'miner without weights-v0: its slots skipped, penalty 2 bits each', nonce: withVoid, height: 20, held: ['architecture', 'dataset', 'weights-v1'], mutation: m('none') },
    { description: 'a short last leaf proven', nonce: nonceWhere(fx, 20, shortLast), height: 20, mutation: m('none') },
    { description: 'miner holding nothing: every live slot skipped', nonce: all, height: 20, held: [], mutation: m('none') },
    { description: 'truncated section', nonce: all, height: 20, mutation: m('truncate') },
    { description: 'extra trailing byte', nonce: all, height: 20, mutation: m('append') },
    { description: 'unknown section version', nonce: all, height: 20, mutation: m('version') },
    { description: 'unknown slot kind', nonce: all, height: 20, mutation: m('kind') },
    { description: 'a flipped leaf byte (digest recomputed: the path no longer verifies)', nonce: all, height: 20, mutation: m('flipLeaf') },
    { description: 'a flipped path byte', nonce: all, height: 20, mutation: m('flipPath') },
    { description: 'one slot missing', nonce: all, height: 20, mutation: m('dropSlot') },
    { description: 'one slot too many', nonce: all, height: 20, mutation: m('extraSlot') },
    { description: 'a path with one hash too many', nonce: all, height: 20, mutation: m('pathExtra') },
    { description: 'a valid leaf and path of the same blob, but not the sampled leaf', nonce: all, height: 20, mutation: m('otherLeaf') },
    { description: 'a leaf of an unregistered blob', nonce: all, height: 20, mutation: m('unregistered') },
    { description: 'a section built for another nonce (seed mismatch)', nonce: all, height: 20, mutation: m('seedMismatch') },
    { description: 'header digest of another section', nonce: all, height: 20, mutation: m('digest') },
    { description: 'a live slot skipped though held: accepted with the penalty', nonce: all, height: 20, mutation: m('skipLive') },
    { description: 'slots given where none is eligible', nonce: all, height: 5, mutation: m('extraSlot') },
  ];
})();

export interface ProofResult {
  description: string; header: string; height: number; held: string[]; mutation: string;
  proofLength: number; proofSha256: string; digest: string; reason: string;
  penaltyBits?: number; proven?: number[]; skipped?: number[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Builds, mutates and checks one proof case; the header digest is the mutated section's own digest unless the case is about the digest. */
export async function runProofCase(fx: Fixture, c: ProofCase): Promise<ProofResult> {
  const seed = storageSeed(header(c.nonce));
  const held = c.held ?? fx.blobs.filter((b) => !b.dormant).map((b) => b.name);
  const built = await buildStorageProof(c.mutation.op === 'seedMismatch' ? storageSeed(header(c.nonce + 1)) : seed, fx.index, c.height, memoryLeafSource(fx.held(held)));
  let slots: SlotProof[] = built.slots.map((s) => (s.kind === 'leaf' ? { kind: 'leaf', leaf: s.leaf.slice(), path: s.path.map((p) => p.slice()) } : s));
  const firstLeaf = () => slots.findIndex((s) => s.kind === 'leaf');
  const sampled = sampleSlots(seed, fx.index, c.height);
  switch (c.mutation.op) {
    case 'flipLeaf': { const s = slots[firstLeaf()] as Extract<SlotProof, { kind: 'leaf' }>; s.leaf[0] ^= 1; break; }
    case 'flipPath': { const s = slots[firstLeaf()] as Extract<SlotProof, { kind: 'leaf' }>; s.path[s.path.length - 1]![31] ^= 1; break; }
    case 'dropSlot': slots = slots.slice(0, -1); break;
    case 'extraSlot': slots = [...slots, { kind: 'skip' }]; break;
    case 'pathExtra': { const s = slots[firstLeaf()] as Extract<SlotProof, { kind: 'leaf' }>; s.path.push(new Uint8Array(32)); break; }
    case 'skipLive': slots[firstLeaf()] = { kind: 'skip' }; break;
    case 'otherLeaf': {
      const i = firstLeaf();
      const b = fx.blobs[sampled[i]!.entry.ordinal]!;
      const j = (sampled[i]!.leaf + 1) % Math.ceil(b.length / 16384);
      slots[i] = { kind: 'leaf', leaf: b.bytes.subarray(j * 16384, Math.min(b.length, (j + 1) * 16384)), path: blockProof(b.bytes, j) };
      break;
    }
    case 'unregistered': {
      const i = firstLeaf();
      const e = sampled[i]!.entry;
      const other = stream('unregistered', e.length);
      slots[i] = { kind: 'leaf', leaf: other.subarray(sampled[i]!.leaf * 16384, Math.min(e.length, (sampled[i]!.leaf + 1) * 16384)), path: blockProof(other, sampled[i]!.leaf) };
      break;
    }
  }
  let bytes = encodeStorageProof(slots.length > STORAGE.k ? slots.slice(0, STORAGE.k) : slots);
  if (slots.length > STORAGE.k) bytes = Uint8Array.from([...bytes.subarray(0, 1), slots.length, ...bytes.subarray(2), 0]);
  if (c.mutation.op === 'truncate') bytes = bytes.subarray(0, bytes.length - 1);
  if (c.mutation.op === 'append') bytes = Uint8Array.from([...bytes, 0]);
  if (c.mutation.op === 'version') bytes = Uint8Array.from([2, ...bytes.subarray(1)]);
  if (c.mutation.op === 'kind') bytes = Uint8Array.from([...bytes.subarray(0, 2), 2, ...bytes.subarray(3)]);
  let digest: Uint8Array;
  try {
    digest = storageDigest(seed, decodeStorageProof(bytes));
  } catch {
    digest = built.digest;
  }
  if (c.mutation.op === 'digest') digest = storageDigest(seed, [{ kind: 'skip' }]);
  const base = {
    description: c.description, header: hex(header(c.nonce)), height: c.height, held, mutation: c.mutation.op,
    proofLength: bytes.length, proofSha256: createHash('sha256').update(bytes).digest('hex'), digest: hex(digest),
  };
  try {
    const v = checkStorageProof(seed, digest, fx.index, c.height, bytes);
    return { ...base, reason: 'accepted', penaltyBits: v.penaltyBits, proven: v.proven, skipped: v.skipped };
  } catch (e) {
    if (e instanceof VerifyError) return { ...base, reason: e.reason };
    throw e;
  }
}
