// Cross-checking filter headers across peers (BIP 157 "Client Operation"; ODA-BIP-0004 §11
// "Cross-checking filter headers"). ODA commits no filter header in blocks, so one peer can
// hide a payment behind a filter chain that is wrong but consistent. The scan therefore
// compares several peers' filter header chains and goes on only with chains that agree.
// Cheaply first: each peer's checkpoints (cfcheckpt, every 1,000th header) are compared with
// each other's and with the headers an earlier scan stored (lite/filter-header-store.ts);
// the range every peer vouches for by its checkpoints is fetched once, split across peers,
// each batch checked against the checkpoints at both ends; only the rest (past the last
// agreed checkpoint and the stored headers) is fetched from every peer. At the first height
// where those chains differ it downloads that block (checked against our header), asks each
// peer for its filter of it, and scores 100 every peer whose filter the block proves wrong
// (lite/filter-proof.ts); when the block proves none wrong it stops with an error naming the
// height and the peers, rather than trust one of them.
import { hashToHex, type Block } from '../chain/block.js';
import type { BlockEntry } from '../chain/entry.js';
import type { Peer } from '../p2p/peer.js';
import { filterContradiction } from './filter-proof.js';
import { LiteError, type LiteNode } from './node.js';
import { branchOf, fetchBlock, fetchCheckpoints, fetchFilter, fetchFilterHashes, PeerLied, StoredMismatch, type FilterChain } from './scan-io.js';
import { CFCHECKPT_INTERVAL, MAX_GETCFHEADERS_SIZE } from '../p2p/wire/messages.js';

/** Peers whose filter header chains one scan compares (BIP 157 leaves the number to the client). */
export const MAX_CROSS_CHECK_PEERS = 4;

export interface CrossCheck {
  /** The chains left, all equal at every height (peers proven wrong or silent removed). */
  agreed: FilterChain[];
  /** Peers whose chains were obtained and compared. */
  compared: number;
  /** Peers scored 100 for compact filter data the block or their own chain contradicts. */
  misbehaving: Peer[];
  /** Why each dropped peer was dropped. */
  failures: string[];
  /** The agreed filter header of every height 0 … tip (internal order); empty when no chain is left. */
  headers: Uint8Array[];
  /** Stored filter headers (heights 0 … reused − 1) the check started from. */
  reused: number;
  /** Filter hashes received in accepted cfheaders answers, all peers together. */
  fetched: number;
}

const peerName = (p: Peer) => `peer=${p.id} (${p.host}:${p.port})`;

/** The first height at which the chains' filter hashes (all from the same start) are not all equal, or -1. */
export function firstDisagreement(chains: readonly FilterChain[]): number {
  if (chains.length < 2) return -1;
  const n = chains[0].hashes.length;
  for (let i = 0; i < n; i++) {
    const a = chains[0].hashes[i];
    for (let j = 1; j < chains.length; j++) if (Buffer.compare(a, chains[j].hashes[i]) !== 0) return chains[0].start + i;
  }
  return -1;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
/** Heights of the batches that fetch (base, top], each ending at a checkpoint and at most 2,000 long. */
function checkpointBatches(base: number, top: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = base + 1; a <= top;) {
    const b = Math.min(top, Math.floor((a - 1 + MAX_GETCFHEADERS_SIZE) / CFCHECKPT_INTERVAL) * CFCHECKPT_INTERVAL);
    out.push([a, b]);
    a = b + 1;
  }
  return out;
}

/**
 * Compares the filter header chains of heights [0, tip] of `peers` (checkpoints first, then
 * the unconfirmed rest) and resolves every disagreement as described above; stores the
 * agreed headers. Throws LiteError when a disagreement cannot be resolved (no block, or no
 * filter provably wrong); otherwise returns the agreeing chains, which may be none (every
 * peer failed: see `failures`).
 */
export async function crossCheckFilterHeaders(node: LiteNode, peers: readonly Peer[], tip: BlockEntry, timeout: number): Promise<CrossCheck> {
  const out: CrossCheck = { agreed: [], compared: 0, misbehaving: [], failures: [], headers: [], reused: 0, fetched: 0 };
  const store = node.filterHeaders;
  store.matchChain(node.chain);
  const branch = branchOf(node, tip);
  const punish = (p: Peer, reason: string) => {
    out.failures.push(`${peerName(p)}: ${reason}`);
    if (!out.misbehaving.includes(p)) out.misbehaving.push(p);
    p.misbehave(100, `bad compact filter data: ${reason}`);
  };
  /** PeerLied scores the peer, LiteError (silent, gone) only drops it; anything else is ours. */
  const fault = (p: Peer, e: unknown) => {
    if (e instanceof PeerLied) punish(p, e.message);
    else if (e instanceof LiteError) {
      out.failures.push(e.message);
      node.opts.logger.info(`filter header cross-check: ${e.message}; peer=${p.id} left out`);
    } else throw e;
  };
  const I = CFCHECKPT_INTERVAL;

  // 1. Checkpoints: the highest one every peer gives the same header is vouched for by all.
  let live = [...peers];
  const checkpoints = new Map<Peer, Uint8Array[]>();
  const nCheckpoints = Math.floor(tip.height / I);
  if (nCheckpoints > 0) {
    const got = await Promise.all(live.map((p) => fetchCheckpoints(node, p, tip, timeout).then((c) => ({ p, c }), (e: unknown) => ({ p, e }))));
    live = [];
    for (const g of got) if ('c' in g) { checkpoints.set(g.p, g.c); live.push(g.p); } else fault(g.p, g.e);
    if (live.length === 0) return out;
  }
  let agreed = 0;
  while (agreed < nCheckpoints && live.every((p) => same(checkpoints.get(p)![agreed], checkpoints.get(live[0])![agreed]))) agreed++;
  /** Header at checkpoint height c (c ≤ agreed · I), agreed by every peer. */
  const checkpoint = (c: number) => checkpoints.get(live[0])![c / I - 1];
  // Height 0 is no checkpoint: a stored genesis filter header is vouched for by nobody, so a
  // peer whose answer does not chain onto it only makes us refetch, it is not blamed.
  const confirmed = (h: number) => h === -1 || (h > 0 && h % I === 0 && h / I <= agreed);

  // 2. Stored headers: usable up to the first checkpoint they contradict or the peers dispute.
  let base = Math.min(store.height, tip.height - 1);
  for (let c = I; c <= base; c += I) {
    if (c / I <= agreed && same(store.header(c), checkpoint(c))) continue;
    if (c / I <= agreed) {
      node.opts.logger.warn(`stored filter header at height ${c} differs from every peer's checkpoint; refetching from height ${c - I + 1}`);
      store.truncate(c - I + 1);
    }
    base = c - I === 0 ? -1 : c - I;
    break;
  }

  for (;;) {
    try {
      const { chains, prefix, prefixHashes } = await fetchFrom(base);
      out.compared = chains.length;
      const resolved = await resolve(chains);
      out.agreed = resolved;
      if (resolved.length > 0) {
        const headers: Uint8Array[] = [], hashes: Uint8Array[] = [];
        for (let h = 0; h <= base; h++) { headers.push(store.header(h)); hashes.push(store.hash(h)); }
        headers.push(...prefix, ...resolved[0].headers);
        hashes.push(...prefixHashes, ...resolved[0].hashes);
        out.headers = headers;
        out.reused = base + 1;
        const blocks = headers.map((_, h) => branch[h].hash);
        store.save(blocks, hashes, headers);
      }
      return out;
    } catch (e) {
      if (!(e instanceof StoredMismatch)) throw e;
      // The stored tail is unconfirmed: start again from the checkpoint below it.
      const below = Math.floor(base / I) * I;
      node.opts.logger.info(`filter header cross-check: ${e.message}; refetching from height ${below === 0 ? 0 : below + 1}`);
      base = below === 0 ? -1 : below;
    }
  }

  /**
   * Fetches (base, agreed checkpoint] once, batches spread over the peers (`prefix`: its
   * headers), then (…, tip] from every peer (`chains`); drops peers that fail. Throws
   * StoredMismatch when a first answer does not chain onto an unconfirmed stored header.
   */
  async function fetchFrom(from: number): Promise<{ chains: FilterChain[]; prefix: Uint8Array[]; prefixHashes: Uint8Array[] }> {
    const baseHeader = store.header(from);
    const top = Math.max(from, agreed > 0 ? agreed * I : -1);
    const batches = checkpointBatches(from, top);
    const results: FilterChain[] = new Array(batches.length);
    const queue = batches.map((_, i) => i);
    let mismatch: StoredMismatch | undefined;
    // One worker per peer takes batches until the queue is empty; a failing peer hands its
    // batch back and stops (another round picks it up if the others had finished).
    while (queue.length > 0 && live.length > 0 && !mismatch) await Promise.all(live.map(async (p) => {
      for (let i = queue.shift(); i !== undefined && !mismatch; i = queue.shift()) {
        const [a, b] = batches[i];
        try {
          const c = await fetchFilterHashes(node, p, a, branch[b], a - 1 === from ? baseHeader : checkpoint(a - 1), confirmed(a - 1), timeout);
          out.fetched += c.hashes.length;
          if (!same(c.headers[c.headers.length - 1], checkpoint(b))) throw new PeerLied(`cfheaders up to ${b} do not chain to its own checkpoint at ${b}`);
          results[i] = c;
        } catch (e) {
          queue.unshift(i);
          if (e instanceof StoredMismatch) { mismatch = e; return; }
          fault(p, e);
          live = live.filter((x) => x !== p);
          return;
        }
      }
    }));
    if (mismatch) throw mismatch;
    if (queue.length > 0) return { chains: [], prefix: [], prefixHashes: [] };
    const prefix = results.flatMap((c) => c.headers), prefixHashes = results.flatMap((c) => c.hashes);

    const start = top + 1;
    const prev = top === from ? baseHeader : checkpoint(top);
    if (start > tip.height) return { chains: live.map((p) => ({ peer: p, start, hashes: [], headers: [] })), prefix, prefixHashes };
    const got = await Promise.all(live.map((p) => fetchFilterHashes(node, p, start, tip, prev, confirmed(top), timeout).then((c) => c, (e: unknown) => ({ p, e }))));
    const chains: FilterChain[] = [];
    for (const g of got) {
      if ('e' in g) {
        if (g.e instanceof StoredMismatch) throw g.e;
        fault(g.p, g.e);
        continue;
      }
      out.fetched += g.hashes.length;
      // Past the agreed checkpoints each chain must still pass through the peer's own ones.
      const own = checkpoints.get(g.peer);
      const off = own?.findIndex((_, k) => (k + 1) * I >= start && !same(own[k], g.headers[(k + 1) * I - start])) ?? -1;
      if (own && off >= 0) { punish(g.peer, `cfheaders disagree with its own checkpoint at height ${(off + 1) * I}`); continue; }
      chains.push(g);
    }
    return { chains, prefix, prefixHashes };
  }

  /** The disagreement resolution of ODA-BIP-0004 §11 steps 2–4 over chains from the same start. */
  async function resolve(initial: FilterChain[]): Promise<FilterChain[]> {
    let chains = initial;
    for (let h = firstDisagreement(chains); h >= 0; h = firstDisagreement(chains)) {
      const e = branch[h];
      const at = (c: FilterChain) => c.hashes[h - c.start];
      node.opts.logger.warn(`filter headers disagree at height ${h} (block ${e.hash}) among ${chains.map((c) => peerName(c.peer)).join(', ')}: downloading the block to judge`);
      // Any peer may serve the block: it must match our header, whoever sends it.
      let block: Block | undefined;
      for (const p of [...chains.map((c) => c.peer), ...node.readyPeers().filter((r) => !chains.some((c) => c.peer === r))]) {
        try { block = await fetchBlock(node, p, e, timeout); break; } catch (err) {
          fault(p, err);
          chains = chains.filter((c) => c.peer !== p || !(err instanceof PeerLied));
        }
      }
      if (!block) throw new LiteError(`filter headers disagree at height ${h} (block ${e.hash}) and no peer served that block: ${out.failures.join('; ')}`);

      const filters = await Promise.all(chains.map((c) => fetchFilter(node, c.peer, e, at(c), timeout).then((f) => ({ c, f }), (err: unknown) => ({ c, err }))));
      const judged = new Map<string, string | undefined>();
      const kept: FilterChain[] = [];
      // A peer that will not show its filter is not trusted; but neither is its silence proof
      // that the others are right, so it still counts as disagreeing below.
      const silent: FilterChain[] = [];
      for (const r of filters) {
        if ('err' in r) { fault(r.c.peer, r.err); if (!(r.err instanceof PeerLied)) silent.push(r.c); continue; }
        const key = hashToHex(at(r.c));
        if (!judged.has(key)) judged.set(key, filterContradiction(block, r.f));
        const wrong = judged.get(key);
        if (wrong) punish(r.c.peer, `filter header chain disagrees with other peers at height ${h}, and ${wrong}`);
        else kept.push(r.c);
      }
      chains = kept;
      const open = [...kept, ...silent];
      if (new Set(open.map((c) => hashToHex(at(c)))).size > 1) {
        throw new LiteError(`filter headers disagree at height ${h} (block ${e.hash}) and the block proves none of the filters wrong ` +
          `(BIP 158 filters also hold the scripts of spent outputs, which a lite node cannot see): ` +
          `${open.map((c) => `${peerName(c.peer)} filter hash ${hashToHex(at(c))}${silent.includes(c) ? ' (did not send its filter)' : ''}`).join(', ')}; not scanning with any of them`);
      }
    }
    return chains;
  }
}
