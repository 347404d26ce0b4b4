// The lite wallet scan (ODA-BIP-0007 "Lite node"; BIP 157/158 client side): the lite node
// learns which blocks touch its scripts without telling a full node which scripts are its.
// It obtains the filter header chain for its best header chain from genesis (the part an
// earlier scan verified from its datadir, the rest by cfcheckpt/cfheaders, compared across
// peers and disagreements resolved from the block: lite/cfheaders-check.ts), downloads the
// basic filters (cfilter) from --from on, checks each filter against that chain, matches its
// scripts against each filter locally, and downloads only the matching blocks, each checked
// against the synced header (block hash, merkle root). A peer whose data does not fit its own commitments (a
// filter off its cfheaders, a block off our header) or that the block proves wrong lies:
// ban score 100 and the scan goes on with the next peer.
import { hashToHex, hexToHash, outpointKey, txidOf } from '../chain/block.js';
import { BASIC_FILTER_TYPE, filterHeader, filterKey, gcsMatchAny } from '../chain/blockfilter.js';
import type { BlockEntry } from '../chain/entry.js';
import { formatAmount } from '../util/amount.js';
import { MAX_GETCFILTERS_SIZE, Services } from '../p2p/wire/messages.js';
import type { Peer } from '../p2p/peer.js';
import { LiteError, type LiteNode } from './node.js';
import { branchOf, collect, fetchBlock, PeerLied } from './scan-io.js';
import { crossCheckFilterHeaders, MAX_CROSS_CHECK_PEERS } from './cfheaders-check.js';

export interface ScanOptions {
  /** The scriptPubKeys to look for (an address's script). */
  scripts: Uint8Array[];
  /** First height whose filter is checked (default 0). */
  from?: number;
  /** Per request (ms). */
  timeout?: number;
  onProgress?: (height: number, tip: number) => void;
  /** Told what the scan could not check (one peer's filter headers only); also logged. */
  onWarning?: (message: string) => void;
}

export interface ScanTx {
  txid: string;
  height: number;
  blockhash: string;
  /** receive: an output pays the script; spend: an input spends such an output found by this scan. */
  category: 'receive' | 'spend';
  /** Output index (receive) or input index (spend). */
  index: number;
  /** The output's value in coins (decimal text, as Core's amounts). */
  value: string;
  value_sat: string;
}

export interface ScanResult {
  from: number;
  to: number;
  tip: string;
  /** BIP 157 filter header of the tip (display hex), as the agreed filter header chain gives it. */
  filter_header: string;
  /** Filter hashes received in cfheaders answers (all peers); the headers of an earlier scan are not fetched again. */
  filter_headers_fetched: number;
  /** Filter headers taken from the datadir (verified by an earlier scan, still on the best header chain). */
  filter_headers_reused: number;
  filters_checked: number;
  blocks_matched: number;
  /** Blocks downloaded (= matched): every other block stays a filter. */
  blocks_downloaded: number;
  /** Matched blocks with nothing of ours (GCS false positives, rate 1/784931, or a spend of an output received before --from). */
  false_positives: number;
  /** Peers whose filter header chains were compared (1: not cross-checked; ODA-BIP-0004 §11). */
  cross_checked_peers: number;
  /** Peers scored 100 during the scan for compact filter data that contradicts itself, our headers or the block. */
  misbehaving_peers: number;
  transactions: ScanTx[];
}

type ScanBody = Omit<ScanResult, 'cross_checked_peers' | 'misbehaving_peers' | 'filter_headers_fetched' | 'filter_headers_reused'>;

/** Scans with `p`'s filters, checked against the (cross-checked) filter `headers` of heights 0 … tip; PeerLied is the peer's fault. */
async function scanWith(node: LiteNode, p: Peer, headers: readonly Uint8Array[], tip: BlockEntry, o: Required<Pick<ScanOptions, 'scripts' | 'from' | 'timeout'>> & ScanOptions): Promise<ScanBody> {
  const zero = new Uint8Array(32);
  const matched: BlockEntry[] = [];
  let checked = 0;
  const branch = branchOf(node, tip);
  for (let start = o.from; start <= tip.height; start += MAX_GETCFILTERS_SIZE) {
    const stop = branch[Math.min(start + MAX_GETCFILTERS_SIZE - 1, tip.height)];
    let h = start;
    await collect(node, p, () => p.send({ cmd: 'getcfilters', filterType: BASIC_FILTER_TYPE, startHeight: start, stopHash: stop.hash }), (m) => {
      if (m.cmd !== 'cfilter') return undefined;
      const e = branch[h];
      if (m.blockHash !== e.hash) throw new PeerLied(`cfilter for ${m.blockHash}, expected block ${e.hash} at height ${h}`);
      if (Buffer.compare(filterHeader(m.filter, h === 0 ? zero : headers[h - 1]), headers[h]) !== 0) throw new PeerLied(`cfilter of block ${e.hash} does not hash to its cfheaders entry (the agreed filter header at height ${h})`);
      let hit: boolean;
      try { hit = gcsMatchAny(filterKey(hexToHash(e.hash)), m.filter, o.scripts); } catch { throw new PeerLied(`malformed cfilter for block ${e.hash}`); }
      if (hit) matched.push(e);
      checked++;
      return h++ === stop.height ? true : undefined;
    }, o.timeout, `cfilters up to ${stop.height}`);
    o.onProgress?.(stop.height, tip.height);
  }

  const mine = new Set(o.scripts.map((s) => Buffer.from(s).toString('hex')));
  const owned = new Map<string, bigint>();
  const txs: ScanTx[] = [];
  let falsePositives = 0;
  for (const e of matched) {
    const block = await fetchBlock(node, p, e, o.timeout);
    const before = txs.length;
    for (const tx of block.transactions!) {
      const txid = txidOf(tx);
      tx.ins.forEach((i, n) => {
        const v = owned.get(outpointKey(i.hash, i.index));
        if (v !== undefined) txs.push({ txid, height: e.height, blockhash: e.hash, category: 'spend', index: n, value: formatAmount(v), value_sat: v.toString() });
      });
      tx.outs.forEach((out, n) => {
        if (!mine.has(Buffer.from(out.script).toString('hex'))) return;
        owned.set(outpointKey(hexToHash(txid), n), out.value);
        txs.push({ txid, height: e.height, blockhash: e.hash, category: 'receive', index: n, value: formatAmount(out.value), value_sat: out.value.toString() });
      });
    }
    if (txs.length === before) falsePositives++;
  }
  return {
    from: o.from, to: tip.height, tip: tip.hash, filter_header: hashToHex(headers[tip.height]), filters_checked: checked,
    blocks_matched: matched.length, blocks_downloaded: matched.length, false_positives: falsePositives, transactions: txs,
  };
}

/**
 * Scans the best header chain from `from` for transactions paying or spending `scripts`.
 * The filter header chains of up to MAX_CROSS_CHECK_PEERS peers that serve filters are
 * cross-checked; the filters are then taken from the first agreeing peer, and a peer that
 * lies is scored 100 and the next one asked.
 */
export async function scanScripts(node: LiteNode, opts: ScanOptions): Promise<ScanResult> {
  const from = opts.from ?? 0;
  if (!Number.isInteger(from) || from < 0) throw new LiteError(`--from must be a height >= 0, got ${from}`);
  if (from > node.chain.height) throw new LiteError(`--from ${from} is above the best header ${node.chain.height}`);
  if (opts.scripts.length === 0) throw new LiteError('nothing to scan for');
  const timeout = opts.timeout ?? 30_000;
  const peers = node.readyPeers().filter((p) => ((p.version?.services ?? 0n) & Services.NODE_COMPACT_FILTERS) !== 0n);
  if (peers.length === 0) throw new LiteError('no connected peer serves compact block filters (NODE_COMPACT_FILTERS)');
  const tip = node.chain.tip;
  const check = await crossCheckFilterHeaders(node, peers.slice(0, MAX_CROSS_CHECK_PEERS), tip, timeout);
  const failures = check.failures;
  const misbehaving = new Set<Peer>(check.misbehaving);
  if (check.compared === 1 && check.agreed.length === 1) {
    const warning = `filter headers from one peer only (peer=${check.agreed[0].peer.id}): not cross-checked, so a peer serving a consistent but wrong filter chain could hide transactions; connect to more peers (-connect) to check them (ODA-BIP-0004 §11)`;
    node.opts.logger.warn(warning);
    opts.onWarning?.(warning);
  }
  for (const c of check.agreed) {
    try {
      const body = await scanWith(node, c.peer, check.headers, tip, { ...opts, from, timeout });
      // A header reorg during the scan: what was found belongs to a branch we left; nobody lied.
      if (!node.chain.isMainChain(tip)) throw new LiteError(`the best header chain moved off block ${tip.hash} (height ${tip.height}) during the scan; scan again`);
      return {
        ...body, filter_headers_fetched: check.fetched, filter_headers_reused: check.reused,
        cross_checked_peers: check.compared, misbehaving_peers: misbehaving.size, transactions: body.transactions,
      };
    } catch (e) {
      if (e instanceof PeerLied) {
        c.peer.misbehave(100, `bad compact filter data: ${e.message}`);
        misbehaving.add(c.peer);
        failures.push(`peer=${c.peer.id}: ${e.message}`);
      } else if (e instanceof LiteError) failures.push(e.message);
      else throw e;
    }
  }
  throw new LiteError(`scan failed: ${failures.join('; ')}`);
}
