// Runs the -storemodels policy (storage-policy.ts) in the background: one pass at a time,
// started when the node is ready, at each new tip (new registrations) and on the plugin's
// retry timer, so a new miner catches up with the registered data and a pruning node drops
// what each block added. Passes never overlap: a kick during a pass runs one more after it.
import type { BlobStore } from '../model-store/store.js';
import type { MemoryIndex } from './storage-index.js';
import { applyStorePolicy, type StoreModelsMode } from './storage-policy.js';

export interface StoreKeeperOptions {
  mode: StoreModelsMode;
  store: BlobStore;
  /** The storage index at the chain's tip. */
  index(): Promise<MemoryIndex>;
  /** Fetches a blob from peers; undefined while (or when) the node has no P2P. */
  fetchBlob(): ((root: string) => Promise<unknown>) | undefined;
  /** True while blocks wait for model data: pruning then waits, so it never races their retry. */
  busy(): boolean;
  log(msg: string): void;
}

export class StoreKeeper {
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly o: StoreKeeperOptions) {}

  get mode(): StoreModelsMode {
    return this.o.mode;
  }

  /** Starts a pass (or queues one more after the current pass). */
  kick(): void {
    if (this.closed || this.o.mode === 'pinned') return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => { this.running = undefined; });
  }

  /** Resolves once no pass runs or is queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  close(): void {
    this.closed = true;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
      } catch (e) {
        if (!this.closed) this.o.log(`storemodels=${this.o.mode}: ${(e as Error)?.message ?? e}`);
      }
    } while (this.again && !this.closed);
  }

  private async pass(): Promise<void> {
    if (this.o.mode === 'none' && this.o.busy()) return;
    const fetch = this.o.fetchBlob();
    if (this.o.mode === 'all' && !fetch) return;
    await applyStorePolicy(this.o.mode, await this.o.index(), this.o.store, fetch, (m) => this.o.log(m));
  }
}
