// The node's BIP 157/158 basic filters: built for each block the chain connects (from the
// block and its undo data, i.e. the scripts it spends) and kept in memory with their headers.
// Nothing is written: after a restart a filter is rebuilt from the block files on first use,
// and a header from the nearest known ancestor's (genesis's previous header is 32 zero bytes).
import type { Chain, BlockEntry } from './chain.js';
import { basicFilter, filterHeader } from './blockfilter.js';

const ZERO = new Uint8Array(32);

/** What the index needs of a block entry (the chain's BlockEntry, P2P's EntryView). */
export type FilterEntry = Pick<BlockEntry, 'hash' | 'height' | 'prevHash'>;

export class BlockFilterIndex {
  private readonly headers = new Map<string, Uint8Array>();
  private readonly filters = new Map<string, Uint8Array>();
  private readonly building = new Map<string, Promise<Uint8Array | undefined>>();

  /** `maxFilters`: filters kept in memory (headers are 32 bytes each and all kept). */
  constructor(private readonly chain: Chain, private readonly maxFilters = 2_000) {
    chain.on('connect', (entry) => {
      // Build as blocks arrive (so a lite client never waits for a whole chain's filters);
      // a failure only means it is built on demand later.
      this.header(entry).catch(() => undefined);
    });
  }

  /** The basic filter of a block with data and undo (a connected block), or undefined. */
  async filter(entry: FilterEntry): Promise<Uint8Array | undefined> {
    const hit = this.filters.get(entry.hash);
    if (hit) return hit;
    const [block, undo] = await Promise.all([this.chain.getBlock(entry.hash), entry.height === 0 ? [] : this.chain.getBlockUndo(entry.hash)]);
    if (!block || !undo) return undefined;
    const f = basicFilter(block, undo.flat().map((c) => c.script));
    this.filters.set(entry.hash, f);
    while (this.filters.size > this.maxFilters) this.filters.delete(this.filters.keys().next().value as string);
    return f;
  }

  /**
   * The filter header of a block (internal order), building every missing ancestor's first. A
   * build in progress is shared: after a restart the first connects each need the whole chain's
   * filters, and building them once per connect read every block many times over.
   */
  header(entry: FilterEntry): Promise<Uint8Array | undefined> {
    const hit = this.headers.get(entry.hash);
    if (hit) return Promise.resolve(hit);
    const inflight = this.building.get(entry.hash);
    if (inflight) return inflight;
    const p = this.build(entry).finally(() => this.building.delete(entry.hash));
    this.building.set(entry.hash, p);
    return p;
  }

  private async build(entry: FilterEntry): Promise<Uint8Array | undefined> {
    const path: FilterEntry[] = [];
    let base: Uint8Array | Promise<Uint8Array | undefined> = ZERO; // genesis's previous header
    for (let e: FilterEntry | undefined = entry; e; e = e.height === 0 ? undefined : this.chain.getEntry(e.prevHash)) {
      const known = this.headers.get(e.hash) ?? (e === entry ? undefined : this.building.get(e.hash));
      if (known) { base = known; break; }
      path.push(e);
    }
    let prev = await base;
    if (!prev) return undefined;
    for (const p of path.reverse()) {
      const f = await this.filter(p);
      if (!f) return undefined;
      prev = filterHeader(f, prev);
      this.headers.set(p.hash, prev);
    }
    return prev;
  }
}
