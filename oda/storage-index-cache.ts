// ODA-BIP-0006's storage index kept in memory per block hash, so the proof check and the miner
// do not reload the whole index (every entry of the extension's namespace) for every block.
//
// Why a block hash is a sound key: the index after block X is a pure function of the chain up
// to X. Its inputs are the parent's index, X's height, the blobs X registers (ODA envelopes in
// OP_RETURN outputs, committed by the merkle root) and X's proof outcome (which slots were
// proven or skipped: the header's storage digest commits to the kind of every slot, and
// headerHash covers the 113-byte header). So the same hash means the same index whether the
// state it was derived from was the tip's database or a reorganization's OverlayState. One
// cache belongs to one chain (one extension instance): the outcome also depends on the
// network's activation height.
//
// Cached indexes are shared (a parent's with all its children, siblings included) and never
// mutated: applyIndexWrites copies, and what is cached is frozen so a stray write throws.
import type { IndexEntry, MemoryIndex } from './storage-index.js';

/** Enough for a reorganization of a few blocks and a sibling or two; deeper ones just miss. */
export const INDEX_CACHE_BLOCKS = 16;

export class IndexCache {
  // Insertion order only picks what to evict; what a lookup returns does not depend on it.
  private readonly byHash = new Map<string, MemoryIndex>();

  constructor(readonly capacity: number = INDEX_CACHE_BLOCKS) {}

  get size(): number {
    return this.byHash.size;
  }

  get(hash: string): MemoryIndex | undefined {
    return this.byHash.get(hash);
  }

  /** Keeps `index` as the index after block `hash` (frozen: callers share it read-only). */
  put(hash: string, index: MemoryIndex): void {
    freezeIndex(index);
    this.byHash.delete(hash);
    this.byHash.set(hash, index);
    while (this.byHash.size > this.capacity) this.byHash.delete(this.byHash.keys().next().value!);
  }

  clear(): void {
    this.byHash.clear();
  }
}

function freezeIndex(index: MemoryIndex): void {
  if (Object.isFrozen(index.entries)) return;
  for (const e of index.entries as IndexEntry[]) Object.freeze(e);
  Object.freeze(index.entries);
}
