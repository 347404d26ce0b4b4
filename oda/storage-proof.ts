// Proof-of-storage for model data (ODA-BIP-0006): the pure rules. Per PoW attempt the header
// (prev hash and nonce included) seeds k byte offsets drawn uniformly over the registered data
// eligible at the block's height; each offset names one 16 KiB leaf (ODA-BIP-0001 blocks) of
// one blob; the miner folds the leaf bytes into a 32-byte digest that the PoW hash covers, and
// the block carries each leaf with its BEP 52 path. Verification needs only the index
// (roots, lengths, cumulative offsets): no block is ever judged on whether a validator holds
// data. Integers only; every hash input is a canonical byte string.
import { VerifyError } from '../chain/errors.js';
import { STORAGE_POW, checkPenalizedPow, penalizedTarget } from '../chain/header.js';
import { BLOCK_SIZE, HASH_SIZE, sha256, blockLength, equalBytes, proofDepth, verifyBlockProof } from '../model-store/merkle.js';
import { OdaDecodeError, Reader, Writer } from './codec.js';
import { createHash, type Hash } from 'node:crypto';
import type { IndexEntry, IndexLookup } from './storage-index.js';

/** ODA-BIP-0006 constants; every value is derived in the BIP's Rationale. */
export const STORAGE = {
  /**
   * Sampled leaves per attempt: a miner holding half the data keeps at most a fifth of a full
   * miner's rate, g(1/2) = (1/2 + 1/2 · 2^-b)^k = (5/8)^4 = 0.153 (skipping its missing slots).
   */
  k: STORAGE_POW.k,
  /** Blobs are sampled only D blocks after registration, so they can propagate first. */
  lookback: 10,
  /** A skipped live slot halves the target this many times (skip penalty 2^b). */
  skipPenaltyBits: STORAGE_POW.skipPenaltyBits,
  /** A blob skipped this many times since its last proof is dormant: its slots are void (free). */
  dormantSkips: 1,
  /** Proof section version. */
  version: 1,
} as const;

export const StorageReason = {
  /** A leaf or path of the wrong length, or one that does not verify against the sampled blob's root. */
  PROOF: 'bad-storage-proof',
  /** The proof section cannot be decoded (truncated, trailing bytes, version, unknown slot kind, bounds). */
  ENCODING: 'bad-storage-proof-encoding',
  /** The slot count is not k (or not 0 when nothing is eligible). */
  COUNT: 'bad-storage-proof-count',
  /** The header's storage digest is not the digest of the proof's leaves under its seed. */
  DIGEST: 'bad-storage-digest',
  /** The header's skip count is not the proof's. */
  SKIPS: 'bad-storage-skips',
  /** The PoW hash does not meet the target lowered by the skip penalty. */
  PENALTY: 'high-hash-storage-penalty',
} as const;

/**
 * A proof failure. The proof section sits in the coinbase witness, which no merkle tree
 * commits to, so a relayer could have mangled it: `malleated`, so the chain forgets the body
 * but never marks the header invalid (§6), while the peer that sent it is still scored.
 */
function reject(reason: string, details: string): never {
  throw new VerifyError('block', reason, 100, details, true);
}

const TAG_SAMPLE = 'ODA/storage-sample';
const TAG_DIGEST = 'ODA/storage-digest';

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}


/**
 * ODA-BIP-0003's BIP340-style tagged hash, SHA256(SHA256(tag) ‖ SHA256(tag) ‖ msg), as an open
 * hasher: the tag prefix is hashed once and copied (the per-attempt path runs it 2k times),
 * and the message parts are fed without concatenating 16 KiB leaves. Equal to payload.ts
 * taggedHash (the vectors pin both).
 */
const tagPrefixes = new Map<string, Hash>();
function tagged(tag: string): Hash {
  let h = tagPrefixes.get(tag);
  if (!h) {
    const t = createHash('sha256').update(tag, 'utf8').digest();
    h = createHash('sha256').update(t).update(t);
    tagPrefixes.set(tag, h);
  }
  return h.copy();
}

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Big-endian 256-bit number mod `m` (< 2^64): four 64-bit limbs, no hex round trip. */
function u256beMod(b: Uint8Array, m: bigint): bigint {
  const dv = new DataView(b.buffer, b.byteOffset, 32);
  let r = 0n;
  for (let i = 0; i < 32; i += 8) r = ((r << 64n) | dv.getBigUint64(i, false)) % m;
  return r;
}

/**
 * The attempt's seed: SHA256d of the 80-byte header (prev hash, merkle root with the miner's
 * coinbase, time, bits, nonce), i.e. the classic block hash in internal byte order. Changing
 * any of them (a new nonce) draws new leaves.
 */
export function storageSeed(header80: Uint8Array): Uint8Array {
  if (header80.length !== 80) throw new RangeError(`storage seed needs the 80-byte header, got ${header80.length}`);
  return sha256(sha256(header80));
}

/** Byte offset of slot i in [0, total): U256(taggedHash(sample, seed ‖ u32le i)) mod total. */
export function slotOffset(seed: Uint8Array, slot: number, total: bigint): bigint {
  if (total <= 0n) throw new RangeError('no eligible data');
  return u256beMod(tagged(TAG_SAMPLE).update(seed).update(u32le(slot)).digest(), total);
}

/** One sampled leaf: the entry (blob) holding the offset and the 16 KiB block within it. */
export interface Slot {
  slot: number;
  offset: bigint;
  entry: IndexEntry;
  leaf: number;
  /** A dormant blob's slot: no proof required, no penalty if skipped. */
  void: boolean;
}

/** The index entry whose byte range [start, start + length) holds `offset` (binary search). */
export function locate(index: IndexLookup, eligible: number, offset: bigint): IndexEntry {
  let lo = 0, hi = eligible - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (index.entry(mid).start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return index.entry(lo);
}

/** Entries registered at height ≤ height − lookback: a prefix of the index (entries are appended in block order). */
export function eligibleCount(index: IndexLookup, height: number, lookback = STORAGE.lookback): number {
  const limit = height - lookback;
  let lo = 0, hi = index.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (index.entry(mid).height <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bytes of the eligible prefix. */
export function eligibleBytes(index: IndexLookup, eligible: number): bigint {
  if (eligible === 0) return 0n;
  const last = index.entry(eligible - 1);
  return last.start + BigInt(last.length);
}

export function isDormant(e: IndexEntry): boolean {
  return e.skips >= STORAGE.dormantSkips;
}

/**
 * The k slots of an attempt at `height` (none when nothing is eligible, so the first blocks
 * after activation, and a chain without models, mine as plain PoW).
 */
export function sampleSlots(seed: Uint8Array, index: IndexLookup, height: number, k: number = STORAGE.k): Slot[] {
  const eligible = eligibleCount(index, height);
  const total = eligibleBytes(index, eligible);
  if (total === 0n) return [];
  const out: Slot[] = [];
  for (let i = 0; i < k; i++) {
    const offset = slotOffset(seed, i, total);
    const entry = locate(index, eligible, offset);
    out.push({ slot: i, offset, entry, leaf: Number((offset - entry.start) / BigInt(BLOCK_SIZE)), void: isDormant(entry) });
  }
  return out;
}

/** One slot of the proof section: the leaf bytes and its BEP 52 path, or a skip. */
export type SlotProof = { kind: 'skip' } | { kind: 'leaf'; leaf: Uint8Array; path: Uint8Array[] };

/**
 * The storage digest the PoW hash covers: d_0 = seed; d_{i+1} = taggedHash(digest, d_i ‖
 * u32le i ‖ kind ‖ leaf), kind 0 skip (no bytes), 1 leaf. Built from raw leaf bytes, so a miner
 * must read them for each attempt; paths are only needed for the winning attempt.
 */
export function storageDigest(seed: Uint8Array, slots: readonly SlotProof[]): Uint8Array {
  return digestOfLeaves(seed, slots.map((s) => (s.kind === 'leaf' ? s.leaf : undefined)));
}

const KIND_SKIP = Uint8Array.of(0);
const KIND_LEAF = Uint8Array.of(1);

/** Digest from the leaf bytes alone (the miner's per-attempt path: undefined = skipped). */
export function digestOfLeaves(seed: Uint8Array, leaves: readonly (Uint8Array | undefined)[]): Uint8Array {
  let d = seed;
  for (let i = 0; i < leaves.length; i++) {
    const h = tagged(TAG_DIGEST).update(d).update(u32le(i));
    const leaf = leaves[i];
    d = view((leaf ? h.update(KIND_LEAF).update(leaf) : h.update(KIND_SKIP)).digest());
  }
  return d;
}

/** Largest BEP 52 path: a 2^36-byte blob has 2^22 leaves. */
export const MAX_PATH = 22;

/** Encoding: version u8 | count u8 | per slot: kind u8 [| leafLen u16 LE | leaf | pathLen u8 | path 32·n]. */
export function encodeStorageProof(slots: readonly SlotProof[]): Uint8Array {
  const w = new Writer().u8(STORAGE.version).u8(slots.length);
  for (const s of slots) {
    if (s.kind === 'skip') { w.u8(0); continue; }
    if (s.leaf.length < 1 || s.leaf.length > BLOCK_SIZE) throw new RangeError(`leaf of ${s.leaf.length} bytes`);
    if (s.path.length > MAX_PATH) throw new RangeError(`path of ${s.path.length} hashes`);
    w.u8(1).u16(s.leaf.length).bytes(s.leaf).u8(s.path.length);
    for (const h of s.path) w.bytes(h);
  }
  return w.finish();
}

export function decodeStorageProof(b: Uint8Array): SlotProof[] {
  const r = new Reader(b, StorageReason.ENCODING);
  if (r.u8('version') !== STORAGE.version) r.fail('unknown proof version');
  const n = r.u8('count');
  if (n > STORAGE.k) r.fail(`${n} slots, at most ${STORAGE.k}`);
  const out: SlotProof[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r.u8('kind');
    if (kind === 0) { out.push({ kind: 'skip' }); continue; }
    if (kind !== 1) r.fail(`slot ${i}: unknown kind ${kind}`);
    const len = r.u16('leaf length');
    if (len < 1 || len > BLOCK_SIZE) r.fail(`slot ${i}: leaf of ${len} bytes`);
    const leaf = r.take(len, 'leaf').slice();
    const depth = r.u8('path length');
    if (depth > MAX_PATH) r.fail(`slot ${i}: path of ${depth} hashes`);
    const path: Uint8Array[] = [];
    for (let j = 0; j < depth; j++) path.push(r.take(HASH_SIZE, 'path').slice());
    out.push({ kind: 'leaf', leaf, path });
  }
  r.end();
  return out;
}

/** Largest encoded proof section (k slots of a 16 KiB leaf with a 22-hash path); chain/header.ts holds the same bound. */
export const MAX_PROOF_BYTES = 2 + STORAGE.k * (1 + 2 + BLOCK_SIZE + 1 + MAX_PATH * HASH_SIZE);
if (MAX_PROOF_BYTES !== STORAGE_POW.maxProofBytes) throw new Error('ODA-BIP-0006: chain/header.ts STORAGE_POW.maxProofBytes disagrees with MAX_PROOF_BYTES');

/** What a verified proof tells the chain: the digest, the penalty, and the index updates. */
export interface StorageVerdict {
  digest: Uint8Array;
  /** Live slots skipped: the PoW target is shifted right by skipPenaltyBits per skip. */
  skips: number;
  penaltyBits: number;
  /** Entry ordinals proven (their skip counters reset) and skipped while live (counters +1), slot order. */
  proven: number[];
  skipped: number[];
}

/**
 * Checks a decoded proof section against the index at `height` and the attempt's seed.
 * Needs no blob data: each leaf is checked by its path against the entry's committed root
 * and length (ODA-BIP-0001 verifyBlockProof). Throws VerifyError with a StorageReason.
 */
export function verifyStorageProof(seed: Uint8Array, index: IndexLookup, height: number, slots: readonly SlotProof[]): StorageVerdict {
  const sampled = sampleSlots(seed, index, height);
  if (slots.length !== sampled.length) reject(StorageReason.COUNT, `${slots.length} slots, expected ${sampled.length}`);
  const proven: number[] = [];
  const skipped: number[] = [];
  sampled.forEach((s, i) => {
    const p = slots[i]!;
    if (p.kind === 'skip') {
      if (!s.void) skipped.push(s.entry.ordinal);
      return;
    }
    const e = s.entry;
    if (p.leaf.length !== blockLength(e.length, s.leaf)) reject(StorageReason.PROOF, `slot ${i}: leaf of ${p.leaf.length} bytes, block ${s.leaf} of ${e.root} has ${blockLength(e.length, s.leaf)}`);
    if (p.path.length !== proofDepth(e.length)) reject(StorageReason.PROOF, `slot ${i}: path of ${p.path.length} hashes, expected ${proofDepth(e.length)}`);
    if (!verifyBlockProof(hexBytes(e.root), e.length, s.leaf, p.leaf, p.path)) reject(StorageReason.PROOF, `slot ${i}: block ${s.leaf} of ${e.root} does not verify`);
    proven.push(e.ordinal);
  });
  const penaltyBits = skipped.length * STORAGE.skipPenaltyBits;
  return { digest: storageDigest(seed, slots), skips: skipped.length, penaltyBits, proven, skipped };
}

/** Decodes and verifies a proof section, then checks the header's digest (the PoW check applies penaltyBits). */
export function checkStorageProof(seed: Uint8Array, headerDigest: Uint8Array, index: IndexLookup, height: number, proofBytes: Uint8Array): StorageVerdict {
  let slots: SlotProof[];
  try {
    slots = decodeStorageProof(proofBytes);
  } catch (e) {
    if (e instanceof OdaDecodeError) reject(e.reason, e.message);
    throw e;
  }
  const v = verifyStorageProof(seed, index, height, slots);
  if (!equalBytes(v.digest, headerDigest)) reject(StorageReason.DIGEST, 'header storage digest does not match the proof');
  return v;
}

/** Checks the header's claimed skip count against the verified proof (ODA-BIP-0006 §6 step 4). */
export function checkHeaderSkips(headerSkips: number, v: StorageVerdict): void {
  if (headerSkips !== v.skips) reject(StorageReason.SKIPS, `header claims ${headerSkips} skips, the proof has ${v.skips}`);
}

/** What a header-only node checks (§5): chain/header.ts, where the PoW rule lives. */
export { checkPenalizedPow, penalizedTarget };

/**
 * Reads what an attempt needs: `leaf` gives a block's bytes or undefined when not held;
 * `path` the BEP 52 path of a held block (only called for the winning attempt).
 */
export interface LeafSource {
  leaf(e: IndexEntry, leaf: number): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  path(e: IndexEntry, leaf: number): Uint8Array[] | Promise<Uint8Array[]>;
}

/** A source whose leaf reads are synchronous (the per-attempt path must not await). */
export interface SyncLeafSource extends LeafSource {
  leaf(e: IndexEntry, leaf: number): Uint8Array | undefined;
}

/**
 * Builds the proof section of an attempt from a leaf source: held leaves are proven (void
 * slots too: proving revives a dormant blob), missing ones skipped.
 */
export async function buildStorageProof(seed: Uint8Array, index: IndexLookup, height: number, src: LeafSource): Promise<{ slots: SlotProof[]; digest: Uint8Array; penaltyBits: number }> {
  const out: SlotProof[] = [];
  let skips = 0;
  for (const s of sampleSlots(seed, index, height)) {
    const leaf = await src.leaf(s.entry, s.leaf);
    if (leaf) out.push({ kind: 'leaf', leaf, path: await src.path(s.entry, s.leaf) });
    else {
      out.push({ kind: 'skip' });
      if (!s.void) skips++;
    }
  }
  return { slots: out, digest: storageDigest(seed, out), penaltyBits: skips * STORAGE.skipPenaltyBits };
}

/**
 * The miner's side of one template (chain/extension.ts StorageMiner): per attempt, sample,
 * read the held leaves (synchronous reads: StoreLeafSource) and fold them into the digest;
 * for the winner, the proof section. The proof is rebuilt from the source, so it is checked
 * against the digest the header committed to (a blob that left the store in between).
 */
export function createStorageMiner(index: IndexLookup, height: number, src: SyncLeafSource): { attempt(h80: Uint8Array): { digest: Uint8Array; skips: number }; proof(h80: Uint8Array): Promise<Uint8Array> } {
  return {
    attempt(h80) {
      const seed = storageSeed(h80);
      let skips = 0;
      const leaves = sampleSlots(seed, index, height).map((s) => {
        const leaf = src.leaf(s.entry, s.leaf);
        if (!leaf && !s.void) skips++;
        return leaf;
      });
      return { digest: digestOfLeaves(seed, leaves), skips };
    },
    async proof(h80) {
      const seed = storageSeed(h80);
      const built = await buildStorageProof(seed, index, height, src);
      const want = this.attempt(h80);
      if (!equalBytes(built.digest, want.digest)) throw new Error('storage proof: the leaves changed while mining (a blob left the store)');
      return encodeStorageProof(built.slots);
    },
  };
}

function hexBytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}
