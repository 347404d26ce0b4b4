// BIP 157 serving (ODA-BIP-0004 §11): getcfilters → one cfilter per block, getcfheaders →
// cfheaders, getcfcheckpt → cfcheckpt (the filter header of every 1,000th block up to the
// stop), for basic filters (type 0) of main-chain blocks up to a stop hash. A request
// for another type or a range past BIP 157's limits is a protocol violation: score 100. An
// unknown or side-chain stop hash only disconnects (the requester may be ahead of us), as Core.
import { filterHash, BASIC_FILTER_TYPE } from '../chain/blockfilter.js';
import type { FilterEntry } from '../chain/filter-index.js';
import { hashToHex } from '../chain/block.js';
import type { ChainView, EntryView } from './chain-view.js';
import type { Peer } from './peer.js';
import { CFCHECKPT_INTERVAL, MAX_GETCFHEADERS_SIZE, MAX_GETCFILTERS_SIZE, ZERO_HASH, type Message } from './wire/messages.js';

/** The node's filters (chain/filter-index.ts BlockFilterIndex). */
export interface FilterSource {
  filter(e: FilterEntry): Promise<Uint8Array | undefined>;
  header(e: FilterEntry): Promise<Uint8Array | undefined>;
}

export const CFILTER_COMMANDS: ReadonlySet<string> = new Set(['getcfilters', 'getcfheaders', 'getcfcheckpt']);

const display = (b: Uint8Array) => hashToHex(b);

export class CompactFilterServer {
  constructor(private readonly chain: ChainView, private readonly filters: FilterSource) {}

  /** The main-chain stop entry, or undefined (after disconnecting or penalising the peer) when the request cannot be served. */
  private stopEntry(p: Peer, filterType: number, stopHash: string, startHeight = 0, max = Infinity): EntryView | undefined {
    const stop = this.chain.getEntry(stopHash);
    if (filterType === BASIC_FILTER_TYPE && (!stop || !this.chain.isMainChain(stop))) {
      // Core's PrepareBlockFilterRequest: the requester may just be ahead of us or on a branch
      // we left, which is no fault; it is disconnected, not scored.
      p.disconnect(`cfilter request for stop hash ${stopHash}, not on our main chain`);
      return undefined;
    }
    const bad = filterType !== BASIC_FILTER_TYPE ? `filter type ${filterType}`
      : startHeight > stop!.height ? `start ${startHeight} above stop ${stop!.height}`
      : stop!.height - startHeight >= max ? `range of ${stop!.height - startHeight + 1} above ${max}` : undefined;
    if (bad) {
      p.misbehave(100, `bad-cfilter-request: ${bad}`);
      return undefined;
    }
    return stop;
  }

  /** The main-chain entries [startHeight, stop], or undefined (after penalising the peer) when the request is invalid. */
  private range(p: Peer, filterType: number, startHeight: number, stopHash: string, max: number): EntryView[] | undefined {
    const stop = this.stopEntry(p, filterType, stopHash, startHeight, max);
    if (!stop) return undefined;
    const out: EntryView[] = [];
    for (let h = startHeight; h <= stop.height; h++) out.push(this.chain.getEntryByHeight(h)!);
    return out;
  }

  async onMessage(p: Peer, m: Message): Promise<void> {
    if (m.cmd === 'getcfilters') {
      const entries = this.range(p, m.filterType, m.startHeight, m.stopHash, MAX_GETCFILTERS_SIZE);
      for (const e of entries ?? []) {
        const filter = await this.filters.filter(e);
        if (!filter || p.closed) return;
        p.send({ cmd: 'cfilter', filterType: m.filterType, blockHash: e.hash, filter });
      }
    } else if (m.cmd === 'getcfheaders') {
      const entries = this.range(p, m.filterType, m.startHeight, m.stopHash, MAX_GETCFHEADERS_SIZE);
      if (!entries) return;
      const prevEntry = m.startHeight === 0 ? undefined : this.chain.getEntryByHeight(m.startHeight - 1)!;
      const prev = prevEntry ? await this.filters.header(prevEntry) : new Uint8Array(32);
      const hashes: string[] = [];
      for (const e of entries) {
        const f = await this.filters.filter(e);
        if (!f || !prev) return;
        hashes.push(display(filterHash(f)));
      }
      p.send({ cmd: 'cfheaders', filterType: m.filterType, stopHash: m.stopHash, prevFilterHeader: prevEntry ? display(prev!) : ZERO_HASH, filterHashes: hashes });
    } else if (m.cmd === 'getcfcheckpt') {
      // No range limit (BIP 157): the answer grows by only 32 bytes per 1,000 blocks.
      const stop = this.stopEntry(p, m.filterType, m.stopHash);
      if (!stop) return;
      const headers: string[] = [];
      for (let h = CFCHECKPT_INTERVAL; h <= stop.height; h += CFCHECKPT_INTERVAL) {
        const fh = await this.filters.header(this.chain.getEntryByHeight(h)!);
        if (!fh || p.closed) return;
        headers.push(display(fh));
      }
      p.send({ cmd: 'cfcheckpt', filterType: m.filterType, stopHash: m.stopHash, filterHeaders: headers });
    }
  }
}
