// Cross-checking filter headers across peers (BIP 157 "Client Operation"; ODA-BIP-0004 §11
// "Cross-checking filter headers"). ODA commits no filter header in blocks, so one peer can
// hide a payment behind a filter chain that is wrong but consistent. The scan therefore asks
// several peers for the whole filter hash chain and goes on only with chains that agree. At
// the first height where they differ it downloads that block (checked against our header),
// asks each peer for its filter of it, and scores 100 every peer whose filter the block
// proves wrong (lite/filter-proof.ts); when the block proves none wrong it stops with an
// error naming the height and the peers, rather than trust one of them.
import { hashToHex, type Block } from '../chain/block.js';
import type { BlockEntry } from '../chain/entry.js';
import type { Peer } from '../p2p/peer.js';
import { filterContradiction } from './filter-proof.js';
import { LiteError, type LiteNode } from './node.js';
import { fetchBlock, fetchFilter, fetchFilterChain, PeerLied, type FilterChain } from './scan-io.js';

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
}

const peerName = (p: Peer) => `peer=${p.id} (${p.host}:${p.port})`;

/** The first height at which the chains' filter hashes are not all equal, or -1. */
export function firstDisagreement(chains: readonly FilterChain[]): number {
  if (chains.length < 2) return -1;
  const n = chains[0].hashes.length;
  for (let h = 0; h < n; h++) {
    const a = chains[0].hashes[h];
    for (let i = 1; i < chains.length; i++) if (Buffer.compare(a, chains[i].hashes[h]) !== 0) return h;
  }
  return -1;
}

/**
 * Fetches the filter hash chain of heights [0, tip] from each of `peers` and resolves every
 * disagreement as described above. Throws LiteError when a disagreement cannot be resolved
 * (no block, or no filter provably wrong); otherwise returns the agreeing chains, which may
 * be none (every peer failed: see `failures`).
 */
export async function crossCheckFilterHeaders(node: LiteNode, peers: readonly Peer[], tip: BlockEntry, timeout: number): Promise<CrossCheck> {
  const out: CrossCheck = { agreed: [], compared: 0, misbehaving: [], failures: [] };
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

  const got = await Promise.all(peers.map((p) => fetchFilterChain(node, p, tip, timeout).then((c) => c, (e: unknown) => ({ p, e }))));
  let chains: FilterChain[] = [];
  for (const g of got) if ('hashes' in g) chains.push(g); else fault(g.p, g.e);
  out.compared = chains.length;

  for (let h = firstDisagreement(chains); h >= 0; h = firstDisagreement(chains)) {
    const e = node.chain.getEntryByHeight(h)!;
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

    const filters = await Promise.all(chains.map((c) => fetchFilter(node, c.peer, e, c.hashes[h], timeout).then((f) => ({ c, f }), (err: unknown) => ({ c, err }))));
    const judged = new Map<string, string | undefined>();
    const kept: FilterChain[] = [];
    // A peer that will not show its filter is not trusted; but neither is its silence proof
    // that the others are right, so it still counts as disagreeing below.
    const silent: FilterChain[] = [];
    for (const r of filters) {
      if ('err' in r) { fault(r.c.peer, r.err); if (!(r.err instanceof PeerLied)) silent.push(r.c); continue; }
      const key = hashToHex(r.c.hashes[h]);
      if (!judged.has(key)) judged.set(key, filterContradiction(block, r.f));
      const wrong = judged.get(key);
      if (wrong) punish(r.c.peer, `filter header chain disagrees with other peers at height ${h}, and ${wrong}`);
      else kept.push(r.c);
    }
    chains = kept;
    const open = [...kept, ...silent];
    if (new Set(open.map((c) => hashToHex(c.hashes[h]))).size > 1) {
      throw new LiteError(`filter headers disagree at height ${h} (block ${e.hash}) and the block proves none of the filters wrong ` +
        `(BIP 158 filters also hold the scripts of spent outputs, which a lite node cannot see): ` +
        `${open.map((c) => `${peerName(c.peer)} filter hash ${hashToHex(c.hashes[h])}${silent.includes(c) ? ' (did not send its filter)' : ''}`).join(', ')}; not scanning with any of them`);
    }
  }
  out.agreed = chains;
  return out;
}
