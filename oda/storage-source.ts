// Where a miner reads sampled leaves (ODA-BIP-0006 LeafSource): from the model store's blob
// files (one positioned 16 KiB read per slot, no hashing: the digest binds the bytes and a
// corrupt leaf only spoils that attempt), or from memory (vectors, simulator, benchmarks).
import { openSync, readSync, closeSync } from 'node:fs';
import { BLOCKS_PER_PIECE, BLOCK_SIZE, blockLength, blockProof, pieceBlockProof } from '../model-store/merkle.js';
import { blobPath } from '../model-store/layout.js';
import type { BlobStore } from '../model-store/store.js';
import type { IndexEntry } from './storage-index.js';
import type { SyncLeafSource } from './storage-proof.js';

/** Leaves of blobs held in memory, by root. */
export function memoryLeafSource(blobs: ReadonlyMap<string, Uint8Array>): SyncLeafSource {
  return {
    leaf(e: IndexEntry, leaf: number) {
      const b = blobs.get(e.root);
      if (!b || b.length !== e.length) return undefined;
      return b.subarray(leaf * BLOCK_SIZE, leaf * BLOCK_SIZE + blockLength(e.length, leaf));
    },
    path(e: IndexEntry, leaf: number) {
      return blockProof(blobs.get(e.root)!, leaf);
    },
  };
}

/**
 * Leaves of complete blobs in a model store. `refresh()` re-reads which blobs are complete
 * (call it at each new template); reads between refreshes are synchronous file reads.
 */
export class StoreLeafSource implements SyncLeafSource {
  private readonly held = new Map<string, number>(); // root -> fd
  private readonly buf = Buffer.allocUnsafe(BLOCK_SIZE);

  constructor(private readonly store: BlobStore) {}

  /** Opens the blob files of every complete blob among `roots` (closing the others). */
  async refresh(roots: Iterable<string>): Promise<void> {
    const want = new Set<string>();
    for (const r of roots) if (await this.store.has(r)) want.add(r);
    for (const [r, fd] of this.held) if (!want.has(r)) { closeSync(fd); this.held.delete(r); }
    for (const r of want) {
      if (this.held.has(r)) continue;
      try {
        this.held.set(r, openSync(blobPath(this.store.dir, r), 'r'));
      } catch {
        // the data file vanished: treated as not held
      }
    }
  }

  holds(root: string): boolean {
    return this.held.has(root);
  }

  leaf(e: IndexEntry, leaf: number): Uint8Array | undefined {
    const fd = this.held.get(e.root);
    if (fd === undefined) return undefined;
    const len = blockLength(e.length, leaf);
    const n = readSync(fd, this.buf, 0, len, leaf * BLOCK_SIZE);
    return n === len ? new Uint8Array(this.buf.subarray(0, len)) : undefined;
  }

  async path(e: IndexEntry, leaf: number): Promise<Uint8Array[]> {
    const m = await this.store.getManifest(e.root);
    if (!m) throw new Error(`blob ${e.root} left the store`);
    const piece = await this.store.readPiece(e.root, Math.floor(leaf / BLOCKS_PER_PIECE));
    return pieceBlockProof(piece, m.pieceLayer, m.length, leaf);
  }

  close(): void {
    for (const fd of this.held.values()) closeSync(fd);
    this.held.clear();
  }
}
