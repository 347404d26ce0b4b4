// Store policy for registered model data (ODA-BIP-0006 §8, not consensus): which registered
// blobs a node keeps (-storemodels), what it holds against what is registered (getstorageinfo,
// getmininginfo.storageheld), and the background fetch that lets a new miner catch up.
import type { BlobStore } from '../model-store/store.js';
import type { RegistryReader } from './registry.js';
import type { MemoryIndex } from './storage-index.js';
import { PIN_TAG } from './extension.js';

/**
 * all: keep every registered blob, fetching missing ones; pinned: keep what is held, fetch
 * nothing more; none: remove registered blobs once connected (a later block that needs one
 * fetches it again through the P2P gate or parks until it is here).
 */
export type StoreModelsMode = 'all' | 'pinned' | 'none';

/** -storemodels: default `all` for a miner (its rate depends on it), `pinned` otherwise. */
export function parseStoreModels(value: string | undefined, mining: boolean): StoreModelsMode {
  if (value === undefined || value === '') return mining ? 'all' : 'pinned';
  if (value === 'all' || value === 'pinned' || value === 'none') return value;
  throw new Error(`-storemodels=${value}: expected all, pinned or none`);
}

/** `private`: an ODA-BIP-0007b model, whose ciphertext is not registered data (ODA-BIP-0006 §1) and not in the totals. */
export interface ModelStorage { modelId: string; name: string; registeredBytes: number; heldBytes: number; blobs: number; heldBlobs: number; private: boolean }
export interface StorageInfo { mode: StoreModelsMode; registeredBytes: number; registeredBlobs: number; heldBytes: number; heldBlobs: number; heldShare: number; models: ModelStorage[] }

/** Bytes held of a blob: complete blobs count whole, partial ones by verified pieces. */
async function heldBytes(store: BlobStore, root: string, length: number): Promise<number> {
  const s = await store.getStatus(root);
  if (!s || s.manifest.length !== length) return 0;
  return s.complete ? length : Math.min(length, s.havePieces * 1048576);
}

/** The share of registered bytes held (getmininginfo.storageheld): 1 when nothing is registered. */
export async function heldShare(index: MemoryIndex, store: BlobStore): Promise<number> {
  if (index.total === 0n) return 1;
  let held = 0;
  for (const e of index.entries) held += await heldBytes(store, e.root, e.length);
  return held / Number(index.total);
}

/** Registered against held bytes, in total (from the index) and per model (every version). */
export async function storageInfo(mode: StoreModelsMode, index: MemoryIndex, store: BlobStore, registry: RegistryReader): Promise<StorageInfo> {
  const held = new Map<string, number>();
  for (const e of index.entries) held.set(e.root, await heldBytes(store, e.root, e.length));
  const models: ModelStorage[] = [];
  for (const m of await registry.listModels()) {
    const refs = new Map<string, number>();
    for (const b of [m.add.architecture, m.add.dataset]) refs.set(b.root, b.length);
    for (const v of (await registry.getHistory(m.modelId)) ?? []) refs.set(v.weights.root, v.weights.length);
    let reg = 0, h = 0, hb = 0;
    for (const [root, len] of refs) {
      reg += len;
      const x = held.get(root) ?? (await heldBytes(store, root, len));
      h += x;
      if (x === len) hb++;
    }
    models.push({ modelId: m.modelId, name: m.add.name, registeredBytes: reg, heldBytes: h, blobs: refs.size, heldBlobs: hb, private: m.private !== undefined });
  }
  const registeredBytes = Number(index.total);
  const hb = [...held.values()].reduce((a, x) => a + x, 0);
  return {
    mode, registeredBytes, registeredBlobs: index.count, heldBytes: hb,
    heldBlobs: index.entries.filter((e) => held.get(e.root) === e.length).length,
    heldShare: registeredBytes === 0 ? 1 : hb / registeredBytes, models,
  };
}

/**
 * The pins the node itself puts on registered data: the registry's (ODA-BIP-0003, on connect)
 * and the P2P fetcher's (p2p/blobs.ts, on the manifest, so a download is never collected).
 * A pin under any other tag (a user's) always wins over `none`.
 */
export const NODE_PINS: readonly string[] = [PIN_TAG, 'p2p'];

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/**
 * One pass of the policy. `all` fetches missing registered blobs (largest first: they weigh
 * most in the sampling), one at a time so a catching-up node does not flood its peers, and
 * pins them; `none` removes complete registered blobs that only the node's own pins hold (a
 * partial blob may be a download in progress and is left alone); `pinned`
 * does nothing. Returns the roots acted on; progress goes to `log`.
 */
export async function applyStorePolicy(mode: StoreModelsMode, index: MemoryIndex, store: BlobStore, fetchBlob: ((root: string) => Promise<unknown>) | undefined, log?: (m: string) => void): Promise<string[]> {
  if (mode === 'none') return pruneRegistered(index, store, log);
  if (mode === 'all' && fetchBlob) return fetchMissing(index, store, fetchBlob, log);
  return [];
}

async function pruneRegistered(index: MemoryIndex, store: BlobStore, log?: (m: string) => void): Promise<string[]> {
  const done: string[] = [];
  let bytes = 0;
  for (const e of index.entries) {
    const s = await store.getStatus(e.root);
    // A pin of any other tag (a user's) keeps the blob, and the node's pins with it.
    if (!s?.complete || s.pins.some((p) => !NODE_PINS.includes(p))) continue;
    if (await store.remove(e.root)) {
      done.push(e.root);
      bytes += e.length;
    }
  }
  if (done.length) log?.(`storemodels=none: removed ${done.length} registered blob(s), ${mib(bytes)}`);
  return done;
}

async function fetchMissing(index: MemoryIndex, store: BlobStore, fetchBlob: (root: string) => Promise<unknown>, log?: (m: string) => void): Promise<string[]> {
  const done: string[] = [];
  const missing = [];
  for (const e of index.entries) if (!(await store.has(e.root))) missing.push(e);
  if (missing.length === 0) return done;
  missing.sort((a, b) => b.length - a.length || (a.root < b.root ? -1 : 1));
  const total = missing.reduce((a, e) => a + e.length, 0);
  log?.(`storemodels=all: fetching ${missing.length} missing registered blob(s), ${mib(total)}, from peers`);
  let got = 0;
  for (const e of missing) {
    try {
      await fetchBlob(e.root);
      await store.pin(e.root, PIN_TAG);
      done.push(e.root);
      got += e.length;
      log?.(`storemodels=all: fetched ${e.root} (${done.length}/${missing.length} blobs, ${mib(got)} of ${mib(total)})`);
    } catch (err) {
      log?.(`storemodels=all: fetching ${e.root}: ${(err as Error).message}; will retry`);
    }
  }
  return done;
}
