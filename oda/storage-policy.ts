// Store policy for registered model data (ODA-BIP-0006 §8, not consensus): which registered
// blobs a node keeps (-storemodels), what it holds against what is registered (getstorageinfo,
// getmininginfo.storageheld), and the background fetch that lets a new miner catch up.
import type { BlobStore } from '../model-store/store.js';
import type { RegistryReader } from './registry.js';
import type { MemoryIndex } from './storage-index.js';
import { PIN_TAG } from './extension.js';

/** all: keep and fetch every registered blob; pinned: keep what is held; none: let gc prune. */
export type StoreModelsMode = 'all' | 'pinned' | 'none';

/** -storemodels: default `all` for a miner (its rate depends on it), `pinned` otherwise. */
export function parseStoreModels(value: string | undefined, mining: boolean): StoreModelsMode {
  if (value === undefined || value === '') return mining ? 'all' : 'pinned';
  if (value === 'all' || value === 'pinned' || value === 'none') return value;
  throw new Error(`-storemodels=${value}: expected all, pinned or none`);
}

export interface ModelStorage { modelId: string; name: string; registeredBytes: number; heldBytes: number; blobs: number; heldBlobs: number }
export interface StorageInfo { mode: StoreModelsMode; registeredBytes: number; registeredBlobs: number; heldBytes: number; heldBlobs: number; heldShare: number; models: ModelStorage[] }

/** Bytes held of a blob: complete blobs count whole, partial ones by verified pieces. */
async function heldBytes(store: BlobStore, root: string, length: number): Promise<number> {
  const s = await store.getStatus(root);
  if (!s || s.manifest.length !== length) return 0;
  return s.complete ? length : Math.min(length, s.havePieces * 1048576);
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
    models.push({ modelId: m.modelId, name: m.add.name, registeredBytes: reg, heldBytes: h, blobs: refs.size, heldBlobs: hb });
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
 * One pass of the policy: `all` fetches missing registered blobs (largest first: they weigh
 * most in the sampling), one at a time so a catching-up node does not flood its peers;
 * `none` unpins registered blobs so model-store gc may remove them. Returns the roots acted on.
 */
export async function applyStorePolicy(mode: StoreModelsMode, index: MemoryIndex, store: BlobStore, fetchBlob: ((root: string) => Promise<unknown>) | undefined, log?: (m: string) => void): Promise<string[]> {
  const done: string[] = [];
  if (mode === 'pinned') return done;
  if (mode === 'none') {
    for (const e of index.entries) if (await store.getManifest(e.root)) { await store.unpin(e.root, PIN_TAG); done.push(e.root); }
    return done;
  }
  if (!fetchBlob) return done;
  const missing = [];
  for (const e of index.entries) if (!(await store.has(e.root))) missing.push(e);
  missing.sort((a, b) => b.length - a.length || (a.root < b.root ? -1 : 1));
  for (const e of missing) {
    try {
      await fetchBlob(e.root);
      await store.pin(e.root, PIN_TAG);
      done.push(e.root);
    } catch (err) {
      log?.(`storemodels: fetching ${e.root}: ${(err as Error).message}`);
    }
  }
  return done;
}
