// The storage index (ODA-BIP-0006 "Storage index"): every distinct blob the registry names
// (architectures, datasets, weights of every version) in registration order with its
// cumulative byte offset, so a byte offset drawn over the whole registered data names one
// blob by binary search. It is chain state of its own extension, namespace X"storage"\0:
//
//   n                     -> count u32 LE | total bytes u64 LE
//   e | ordinal u32 BE    -> root 32 | length u64 LE | start u64 LE | height u32 LE | skips u8
//   r | root 32           -> ordinal u32 LE                (a root is indexed once)
//
// Entries are only appended (so the entries eligible at a height are a prefix); the skip
// counter is the one mutable field (proven: 0, skipped while live: +1, saturating at 255).
// The index is maintained from genesis (state only: no block bytes depend on it) and read by
// the consensus rule from params.activation.storageProofs.
import { blockHeader80, type Block } from '../chain/block.js';
import type { BlockContext, ChainExtension, ExtensionState, ExtensionVerdict, KvChange, KvSource, StorageMiner } from '../chain/extension.js';
import type { BlobStore } from '../model-store/store.js';
import { layout } from '../chain/layout.js';
import { Reader, Writer, fromHex, toHex } from './codec.js';
import { decodeOdaTx } from './envelope.js';
import type { BlobRef } from './payload.js';
import { checkHeaderSkips, checkStorageProof, createStorageMiner, storageSeed, StorageReason } from './storage-proof.js';
import { VerifyError } from '../chain/errors.js';
import { StoreLeafSource } from './storage-source.js';
import { IndexCache } from './storage-index-cache.js';

export const STORAGE_EXTENSION = 'storage';

export interface IndexEntry {
  ordinal: number;
  /** BEP 52 pieces root, hex. */
  root: string;
  length: number;
  /** Sum of the lengths of all earlier entries. */
  start: bigint;
  /** Height of the block that registered it. */
  height: number;
  /** Times skipped while live since its last proof (dormant at STORAGE.dormantSkips). */
  skips: number;
}

/** Synchronous random access to the index (what sampling needs). */
export interface IndexLookup {
  readonly count: number;
  entry(ordinal: number): IndexEntry;
}

const K_META = 0x6e; // n
const K_ENTRY = 0x65; // e
const K_ROOT = 0x72; // r

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

function key(prefix: number, part?: Uint8Array): Uint8Array {
  const w = new Writer().u8(prefix);
  if (part) w.bytes(part);
  return layout.x(STORAGE_EXTENSION, w.finish());
}

export const storageKeys = {
  meta: () => key(K_META),
  entry: (ordinal: number) => key(K_ENTRY, u32be(ordinal)),
  root: (root: string) => key(K_ROOT, fromHex(root, 32, 'root')),
  entryRange: () => ({ gte: key(K_ENTRY), lt: key(K_ENTRY + 1) }),
};

export function encodeEntry(e: IndexEntry): Uint8Array {
  return new Writer().bytes(fromHex(e.root, 32, 'root')).u64(BigInt(e.length)).u64(e.start).u32(e.height).u8(e.skips).finish();
}

export function decodeEntry(ordinal: number, b: Uint8Array): IndexEntry {
  const r = new Reader(b, 'bad-storage-state');
  const e = { ordinal, root: toHex(r.take(32, 'root')), length: Number(r.u64('length')), start: r.u64('start'), height: r.u32('height'), skips: r.u8('skips') };
  r.end();
  return e;
}

export interface IndexMeta { count: number; total: bigint }

export function encodeMeta(m: IndexMeta): Uint8Array {
  return new Writer().u32(m.count).u64(m.total).finish();
}

export function decodeMeta(b: Uint8Array | undefined): IndexMeta {
  if (!b) return { count: 0, total: 0n };
  const r = new Reader(b, 'bad-storage-state');
  const m = { count: r.u32('count'), total: r.u64('total') };
  r.end();
  return m;
}

/** An in-memory index (the miner's snapshot, vectors, the simulator, tests). */
export class MemoryIndex implements IndexLookup {
  constructor(readonly entries: IndexEntry[] = []) {}
  get count(): number { return this.entries.length; }
  get total(): bigint {
    const last = this.entries[this.entries.length - 1];
    return last ? last.start + BigInt(last.length) : 0n;
  }
  entry(i: number): IndexEntry {
    const e = this.entries[i];
    if (!e) throw new RangeError(`index entry ${i} out of range (${this.entries.length})`);
    return e;
  }
  /** Appends a blob not indexed yet (returns false for a root already present). */
  add(blob: BlobRef, height: number): boolean {
    if (this.entries.some((e) => e.root === blob.root)) return false;
    this.entries.push({ ordinal: this.entries.length, root: blob.root, length: blob.length, start: this.total, height, skips: 0 });
    return true;
  }
}

/** Loads the whole index from a state source (the extension state at the tip, or an overlay). */
export async function loadIndex(state: Pick<KvSource, 'iterator'>): Promise<MemoryIndex> {
  const entries: IndexEntry[] = [];
  const at = storageKeys.entryRange().gte.length;
  for await (const [k, v] of state.iterator(storageKeys.entryRange())) {
    const ordinal = new DataView(k.buffer, k.byteOffset + at, 4).getUint32(0, false);
    if (ordinal !== entries.length) throw new Error(`storage index: entry ${ordinal} where ${entries.length} was expected`);
    entries.push(decodeEntry(ordinal, v));
  }
  return new MemoryIndex(entries);
}

/**
 * The index after a block from the index before it and the block's writes (an IndexVerdict's,
 * or a disconnect's undo writes): the same MemoryIndex loadIndex would read from the state
 * with the writes applied, without reading the state. Decodes exactly the keys indexBlock
 * writes: entries (appended, or their skip counter changed), roots, meta; an undo may delete
 * the newest entries. `index` is not touched (it may be shared); unchanged entries are shared
 * with the result. The result is frozen. Throws on a write that breaks the index's invariants
 * (ordinals contiguous, meta and roots agreeing with the entries).
 */
export function applyIndexWrites(index: IndexLookup & { readonly entries: readonly IndexEntry[] }, writes: readonly KvChange[]): MemoryIndex {
  const ns = storageKeys.meta().length - 1;
  const base = storageKeys.meta().subarray(0, ns);
  // Array.from, not slice: V8 copies a frozen array (what the cache holds) slowly with slice.
  const entries = Array.from(index.entries);
  const deleted: number[] = [];
  let meta: IndexMeta | undefined;
  const roots: Array<[string, number | undefined]> = [];
  for (const w of writes) {
    const k = w.key;
    if (k.length <= ns || !equalPrefix(k, base)) throw new Error('storage index: write outside the namespace');
    const kind = k[ns];
    const part = k.subarray(ns + 1);
    if (kind === K_META && part.length === 0) {
      meta = decodeMeta(w.value);
    } else if (kind === K_ENTRY && part.length === 4) {
      const ordinal = new DataView(part.buffer, part.byteOffset, 4).getUint32(0, false);
      if (w.value === undefined) deleted.push(ordinal);
      else entries[ordinal] = Object.freeze(decodeEntry(ordinal, w.value));
    } else if (kind === K_ROOT && part.length === 32) {
      roots.push([toHex(part), w.value === undefined ? undefined : decodeRootOrdinal(w.value)]);
    } else {
      throw new Error(`storage index: unknown key ${toHex(k)}`);
    }
  }
  // An undo removes the entries its block appended: the newest ones, all of them.
  if (deleted.length) {
    const keep = entries.length - deleted.length;
    if (deleted.some((o) => o < keep || o >= entries.length) || new Set(deleted).size !== deleted.length) throw new Error('storage index: deleting an entry that is not among the newest');
    entries.length = keep;
  }
  // Entries below the old count were decoded at their own ordinal; appended ones must leave no gap.
  for (let i = index.entries.length; i < entries.length; i++) if (entries[i]?.ordinal !== i) throw new Error(`storage index: entry ${i} missing`);
  const out = new MemoryIndex(entries);
  const added = entries.length !== index.entries.length;
  if (meta ? meta.count !== out.count || meta.total !== out.total : added) throw new Error('storage index: meta disagrees with the entries');
  for (const [root, ordinal] of roots) {
    const ok = ordinal === undefined ? !entries.some((e) => e.root === root) : entries[ordinal]?.root === root;
    if (!ok) throw new Error(`storage index: root ${root} disagrees with the entries`);
  }
  Object.freeze(entries);
  return out;
}

function decodeRootOrdinal(b: Uint8Array): number {
  const r = new Reader(b, 'bad-storage-state');
  const o = r.u32('ordinal');
  r.end();
  return o;
}

function equalPrefix(k: Uint8Array, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (k[i] !== prefix[i]) return false;
  return true;
}

/**
 * The blobs a block registers, in block order: add-model's architecture, dataset and weights,
 * reveal-weights' weights (ODA-BIP-0006 §1 "Which data counts"). Neither inference data nor a
 * private model's ciphertext (types 5/6, decoded here so they are left out by rule, not by
 * accident) counts. Malformed envelopes are skipped: the ODA extension rejects the block.
 */
export function registeredBlobs(block: Block): BlobRef[] {
  const out: BlobRef[] = [];
  for (const tx of (block.transactions ?? []).slice(1)) {
    let p;
    try {
      p = decodeOdaTx(tx, 'block', true)?.payload;
    } catch {
      continue;
    }
    if (p?.type === 'add-model' && !p.private) out.push(p.architecture, p.dataset, p.weights);
    else if (p?.type === 'reveal-weights') out.push(p.weights);
  }
  return out;
}

/** Outcome of a block's storage proof for the index (ODA-BIP-0006 StorageVerdict). */
export interface ProofOutcome { proven: readonly number[]; skipped: readonly number[] }

export interface IndexVerdict extends ExtensionVerdict {
  added: IndexEntry[];
}

/**
 * The index changes of one block: the proof outcome first (it was judged on the parent's
 * index), then the new blobs appended (a root already indexed is revived: skips = 0).
 * Returns the writes in key order and the undo (the prior value of each key).
 */
export async function indexBlock(state: Pick<KvSource, 'get'>, height: number, blobs: readonly BlobRef[], outcome?: ProofOutcome): Promise<IndexVerdict> {
  const changed = new Map<string, KvChange>();
  const prior = new Map<string, KvChange>();
  const read = async (k: Uint8Array): Promise<Uint8Array | undefined> => {
    const h = toHex(k);
    if (changed.has(h)) return changed.get(h)!.value;
    const v = await state.get(k);
    if (!prior.has(h)) prior.set(h, { key: k, value: v });
    return v;
  };
  const write = (k: Uint8Array, v: Uint8Array) => changed.set(toHex(k), { key: k, value: v });
  const setSkips = async (ordinal: number, f: (s: number) => number) => {
    const k = storageKeys.entry(ordinal);
    const v = await read(k);
    if (!v) throw new Error(`storage index: no entry ${ordinal}`);
    const e = decodeEntry(ordinal, v);
    const skips = f(e.skips);
    if (skips !== e.skips) write(k, encodeEntry({ ...e, skips }));
  };
  for (const o of outcome?.proven ?? []) await setSkips(o, () => 0);
  for (const o of outcome?.skipped ?? []) await setSkips(o, (s) => Math.min(255, s + 1));

  const meta = decodeMeta(await read(storageKeys.meta()));
  const added: IndexEntry[] = [];
  for (const b of blobs) {
    const rk = storageKeys.root(b.root);
    const known = await read(rk);
    if (known) {
      await setSkips(new DataView(known.buffer, known.byteOffset, 4).getUint32(0, true), () => 0);
      continue;
    }
    const e: IndexEntry = { ordinal: meta.count, root: b.root, length: b.length, start: meta.total, height, skips: 0 };
    await read(storageKeys.entry(e.ordinal));
    write(storageKeys.entry(e.ordinal), encodeEntry(e));
    write(rk, new Writer().u32(e.ordinal).finish());
    meta.count++;
    meta.total += BigInt(b.length);
    added.push(e);
  }
  if (added.length) write(storageKeys.meta(), encodeMeta(meta));

  const sorted = (m: Map<string, KvChange>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  const writes = sorted(changed);
  const undoW = new Writer().u32(writes.length);
  for (const c of writes) {
    const p = prior.get(toHex(c.key))!;
    undoW.var32(p.key);
    if (p.value === undefined) undoW.u8(0);
    else undoW.u8(1).var32(p.value);
  }
  return { writes, undo: undoW.finish(), added };
}

/** The writes restoring the index before a block, from its undo bytes. */
export function decodeIndexUndo(b: Uint8Array): KvChange[] {
  if (b.length === 0) return [];
  const r = new Reader(b, 'bad-storage-undo');
  const n = r.u32('count');
  const out: KvChange[] = [];
  for (let i = 0; i < n; i++) {
    const k = r.var32('key', 1, 64).slice();
    const present = r.u8('present');
    if (present > 1) r.fail('present flag');
    out.push({ key: k, value: present ? r.var32('value', 0, 64).slice() : undefined });
  }
  r.end();
  return out;
}

/**
 * ODA-BIP-0006 §6 for one block on its parent's index: the proof section (coinbase witness
 * item 2; chain/check-block.ts enforced the stack's shape) checked against the seed of the
 * block's 80-byte header and its header digest, then the header's skip count. Returns the
 * outcome for the index. Needs no blob data.
 */
export function checkBlockStorage(ctx: BlockContext, parentIndex: IndexLookup): ProofOutcome {
  const storage = ctx.block.storage;
  const proof = ctx.block.transactions?.[0]?.ins[0]?.witness[1];
  if (!storage || !proof) throw new VerifyError('block', StorageReason.ENCODING, 100, 'no storage header or proof section', true);
  const v = checkStorageProof(storageSeed(blockHeader80(ctx.block)), storage.digest, parentIndex, ctx.height, proof);
  checkHeaderSkips(storage.skips, v);
  return v;
}

/**
 * The extension keeping the index and, from params.activation.storageProofs, checking each
 * block's storage proof against it (skipped while a template is assembled or not yet ground:
 * its header is not final). With a model store it also gives the miner its per-attempt work.
 * The parent's index comes from a per-block-hash cache (oda/storage-index-cache.ts), read
 * from the state only on a miss; each checked block's index is derived from its writes.
 */
export function createStorageIndexExtension(opts: { store?: BlobStore; cacheBlocks?: number } = {}): ChainExtension<IndexVerdict> & { index(state: ExtensionState): Promise<MemoryIndex>; readonly cache: IndexCache } {
  const source = opts.store ? new StoreLeafSource(opts.store) : undefined;
  const cache = new IndexCache(opts.cacheBlocks);
  /** The index after block `hash`, whose state `state` is. */
  const indexAt = async (hash: string, state: ExtensionState): Promise<MemoryIndex> => {
    const hit = cache.get(hash);
    if (hit) return hit;
    const loaded = await loadIndex(state);
    cache.put(hash, loaded);
    return loaded;
  };
  return {
    name: STORAGE_EXTENSION,
    cache,
    index: (state) => loadIndex(state),
    async checkBlock(ctx: BlockContext, state: ExtensionState): Promise<IndexVerdict> {
      // A template's header is not final (nor its hash): nothing to prove, nothing to cache.
      const template = ctx.assembling || ctx.unmined;
      const proven = ctx.height >= ctx.params.activation.storageProofs && !template;
      const parent = proven ? await indexAt(ctx.entry.prevHash, state) : template ? undefined : cache.get(ctx.entry.prevHash);
      const outcome = proven ? checkBlockStorage(ctx, parent!) : undefined;
      const verdict = await indexBlock(state, ctx.height, registeredBlobs(ctx.block), outcome);
      if (parent) {
        try {
          cache.put(ctx.entry.hash, verdict.writes.length ? applyIndexWrites(parent, verdict.writes) : parent);
        } catch {
          // Cannot happen while indexBlock and applyIndexWrites agree; if they ever do not,
          // the next block reads the state instead of trusting a derived index.
          cache.clear();
        }
      }
      return verdict;
    },
    disconnectBlock(_ctx: BlockContext, undo: Uint8Array) {
      return decodeIndexUndo(undo);
    },
    async storageMiner(height: number, state: ExtensionState, tip?: string): Promise<StorageMiner | undefined> {
      if (!source) return undefined;
      const index = tip ? await indexAt(tip, state) : await loadIndex(state);
      // Which blobs are complete is read once per template: the per-attempt path only reads files.
      await source.refresh(index.entries.map((e) => e.root));
      return createStorageMiner(index, height, source);
    },
  };
}
