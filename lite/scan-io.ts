// The wallet scan's requests to one peer (BIP 157 getcfcheckpt / getcfheaders / getcfilters, getdata for a
// block), each answer checked against what the peer itself committed to or against our
// synced header. A contradiction is a PeerLied: the caller scores the peer 100 (ODA-BIP-0004
// §11); a silent or vanished peer is a LiteError (no score: it may just be slow or gone).
import { hashToHex, hexToHash, type Block } from '../chain/block.js';
import { merkleRoot } from '../chain/coinbase.js';
import { BASIC_FILTER_TYPE, filterHash, filterHeaderFromHash } from '../chain/blockfilter.js';
import type { BlockEntry } from '../chain/entry.js';
import { CFCHECKPT_INTERVAL, InvType, MAX_GETCFHEADERS_SIZE, type Message } from '../p2p/wire/messages.js';
import type { Peer } from '../p2p/peer.js';
import { LiteError, type LiteNode } from './node.js';

/**
 * The blocks of the branch ending at `tip`, by height. A scan reads heights from this, not from
 * the live best chain: headers keep arriving during a scan, and after a header reorg an honest
 * peer's answer for the old branch must not be judged against the new one.
 */
export function branchOf(node: LiteNode, tip: BlockEntry): BlockEntry[] {
  const out: BlockEntry[] = new Array(tip.height + 1);
  for (let e: BlockEntry | undefined = tip; e; e = e.height === 0 ? undefined : node.chain.getEntry(e.prevHash)) out[e.height] = e;
  return out;
}

/** Thrown when a peer's data contradicts itself or our headers. */
export class PeerLied extends Error {}

/**
 * Thrown when a peer's first cfheaders answer does not chain onto a stored filter header that
 * no checkpoint confirmed: the stored header or the peer may be wrong; the caller starts again
 * from a confirmed checkpoint, where a mismatch is the peer's lie.
 */
export class StoredMismatch extends Error {}

/** A peer's filter hashes for heights [start, tip] of our best header chain, with the headers they chain to. */
export interface FilterChain {
  peer: Peer;
  /** Height of hashes[0] (and headers[0]). */
  start: number;
  /** Filter hash of each height (internal order). */
  hashes: Uint8Array[];
  /** Filter header of each height (internal order). */
  headers: Uint8Array[];
}

/** Waits for messages from `p` until `take` returns a value (or throws); `timeout` ms without one fails. */
export function collect<T>(node: LiteNode, p: Peer, send: () => void, take: (m: Message) => T | undefined, timeout: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    if (p.closed) { reject(new LiteError(`peer=${p.id} disconnected before ${what}`)); return; }
    let timer = setTimeout(() => done(new LiteError(`peer=${p.id}: no ${what} within ${timeout} ms`)), timeout);
    const onData = (from: Peer, m: Message) => {
      if (from !== p) return;
      try {
        const v = take(m);
        clearTimeout(timer);
        if (v !== undefined) done(undefined, v);
        else timer = setTimeout(() => done(new LiteError(`peer=${p.id}: no ${what} within ${timeout} ms`)), timeout);
      } catch (e) { done(e as Error); }
    };
    const onClose = (c: Peer, reason: string) => { if (c === p) done(new LiteError(`peer=${p.id} disconnected during the scan: ${reason}`)); };
    const done = (e?: Error, v?: T) => {
      clearTimeout(timer);
      node.off('scan-data', onData);
      node.off('peer-closed', onClose);
      if (e) reject(e); else resolve(v as T);
    };
    node.on('scan-data', onData);
    node.on('peer-closed', onClose);
    send();
  });
}

/**
 * `p`'s filter hashes of heights [start, stop] (getcfheaders, 2,000 a request), the first batch
 * chained onto `prev` (our header of start − 1; zeros for start 0) and each later one onto the
 * batch before. A first batch off `prev` is a PeerLied when `prevConfirmed` (the peer itself
 * or genesis vouches for it), else a StoredMismatch.
 */
export async function fetchFilterHashes(node: LiteNode, p: Peer, start: number, stop: BlockEntry, prev: Uint8Array, prevConfirmed: boolean, timeout: number): Promise<FilterChain> {
  const hashes: Uint8Array[] = [];
  const headers: Uint8Array[] = [];
  const branch = branchOf(node, stop);
  let header = prev;
  for (let from = start; from <= stop.height; from += MAX_GETCFHEADERS_SIZE) {
    const to = branch[Math.min(from + MAX_GETCFHEADERS_SIZE - 1, stop.height)];
    const m = await collect(node, p, () => p.send({ cmd: 'getcfheaders', filterType: BASIC_FILTER_TYPE, startHeight: from, stopHash: to.hash }),
      (m) => (m.cmd === 'cfheaders' && m.stopHash === to.hash ? m : undefined), timeout, `cfheaders up to ${to.height}`);
    if (m.filterType !== BASIC_FILTER_TYPE || m.filterHashes.length !== to.height - from + 1) throw new PeerLied(`cfheaders up to ${to.height} with ${m.filterHashes.length} hashes`);
    if (m.prevFilterHeader !== hashToHex(header)) {
      if (from === start && !prevConfirmed) throw new StoredMismatch(`peer=${p.id}: filter header of height ${start - 1} is ${m.prevFilterHeader}, the stored one ${hashToHex(header)}`);
      throw new PeerLied(`cfheaders from ${from}: previous filter header ${m.prevFilterHeader} is not the one ${from === start ? 'its checkpoint' : 'its earlier answer'} chains to`);
    }
    for (const h of m.filterHashes) {
      const fh = hexToHash(h);
      hashes.push(fh);
      header = filterHeaderFromHash(fh, header);
      headers.push(header);
    }
  }
  return { peer: p, start, hashes, headers };
}

/** `p`'s filter headers at heights 1000, 2000, … ≤ tip (getcfcheckpt; BIP 157 checkpoints). */
export function fetchCheckpoints(node: LiteNode, p: Peer, tip: BlockEntry, timeout: number): Promise<Uint8Array[]> {
  return collect(node, p, () => p.send({ cmd: 'getcfcheckpt', filterType: BASIC_FILTER_TYPE, stopHash: tip.hash }), (m) => {
    if (m.cmd !== 'cfcheckpt' || m.stopHash !== tip.hash) return undefined;
    const n = Math.floor(tip.height / CFCHECKPT_INTERVAL);
    if (m.filterType !== BASIC_FILTER_TYPE || m.filterHeaders.length !== n) throw new PeerLied(`cfcheckpt up to ${tip.height} with ${m.filterHeaders.length} headers, expected ${n}`);
    return m.filterHeaders.map(hexToHash);
  }, timeout, `cfcheckpt up to ${tip.height}`);
}

/** `p`'s filter of the block `e`, which must hash to `expected` (the peer's own cfheaders entry). */
export function fetchFilter(node: LiteNode, p: Peer, e: BlockEntry, expected: Uint8Array, timeout: number): Promise<Uint8Array> {
  return collect(node, p, () => p.send({ cmd: 'getcfilters', filterType: BASIC_FILTER_TYPE, startHeight: e.height, stopHash: e.hash }), (m) => {
    if (m.cmd !== 'cfilter') return undefined;
    if (m.blockHash !== e.hash) throw new PeerLied(`cfilter for ${m.blockHash}, expected block ${e.hash} at height ${e.height}`);
    if (Buffer.compare(filterHash(m.filter), expected) !== 0) throw new PeerLied(`cfilter of block ${e.hash} does not hash to its cfheaders entry`);
    return m.filter;
  }, timeout, `cfilter of block ${e.height}`);
}

/** The block `e` from `p`, checked against our synced header (hash, merkle root, not mutated). */
export async function fetchBlock(node: LiteNode, p: Peer, e: BlockEntry, timeout: number): Promise<Block> {
  const block = await collect<Block>(node, p, () => p.send({ cmd: 'getdata', items: [{ type: InvType.MSG_BLOCK, hash: e.hash }] }), (m) => {
    if (m.cmd === 'notfound' && m.items.some((i) => i.hash === e.hash)) throw new LiteError(`peer=${p.id} does not have block ${e.hash}`);
    return m.cmd === 'block' && m.block.getId() === e.hash ? m.block : undefined;
  }, timeout, `block ${e.hash}`);
  const { root, mutated } = merkleRoot((block.transactions ?? []).map((t) => t.getHash()));
  if (mutated || !block.merkleRoot || Buffer.compare(root, block.merkleRoot) !== 0) throw new PeerLied(`block ${e.hash}: transactions do not hash to the header's merkle root`);
  return block;
}
