// The lite wallet scan (ODA-BIP-0007 "Lite node"; BIP 157/158 client side): the lite node
// learns which blocks touch its scripts without telling a full node which scripts are its.
// It downloads the filter header chain (cfheaders) for its best header chain from genesis,
// the basic filters (cfilter) from --from on, checks each filter against its hash in that
// chain, matches its scripts against each filter locally, and downloads only the matching
// blocks, each checked against the synced header (block hash, merkle root). A peer whose
// data does not fit its own commitments (a filter off its cfheaders, a block off our header)
// lies: ban score 100 and the scan goes on with the next peer.
import { createHash } from 'node:crypto';
import { hashToHex, hexToHash, outpointKey, txidOf, type Block } from '../chain/block.js';
import { merkleRoot } from '../chain/coinbase.js';
import { BASIC_FILTER_TYPE, filterHash, filterKey, gcsMatchAny } from '../chain/blockfilter.js';
import type { BlockEntry } from '../chain/entry.js';
import { formatAmount } from '../util/amount.js';
import { InvType, MAX_GETCFHEADERS_SIZE, MAX_GETCFILTERS_SIZE, Services, type Message } from '../p2p/wire/messages.js';
import type { Peer } from '../p2p/peer.js';
import { LiteError, type LiteNode } from './node.js';

export interface ScanOptions {
  /** The scriptPubKeys to look for (an address's script). */
  scripts: Uint8Array[];
  /** First height whose filter is checked (default 0). */
  from?: number;
  /** Per request (ms). */
  timeout?: number;
  onProgress?: (height: number, tip: number) => void;
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
  /** BIP 157 filter header of the tip (display hex), as the peer's cfheaders chain gives it. */
  filter_header: string;
  filters_checked: number;
  blocks_matched: number;
  /** Blocks downloaded (= matched): every other block stays a filter. */
  blocks_downloaded: number;
  /** Matched blocks with nothing of ours (GCS false positives, rate 1/784931, or a spend of an output received before --from). */
  false_positives: number;
  transactions: ScanTx[];
}

/** Thrown inside a scan when the peer's data contradicts itself or our headers. */
class PeerLied extends Error {}

function dsha256(a: Uint8Array, b: Uint8Array): Uint8Array {
  const h = createHash('sha256').update(a).update(b).digest();
  return new Uint8Array(createHash('sha256').update(h).digest());
}

/** Waits for messages from `p` until `take` returns a value (or throws); `timeout` ms without one fails. */
function collect<T>(node: LiteNode, p: Peer, send: () => void, take: (m: Message) => T | undefined, timeout: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
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

/** The filter hashes (internal order) of heights [0, tip] from `p`'s cfheaders, chained and checked; and the tip's filter header. */
async function filterHashes(node: LiteNode, p: Peer, tip: BlockEntry, timeout: number): Promise<{ hashes: Uint8Array[]; header: Uint8Array }> {
  const hashes: Uint8Array[] = [];
  let header: Uint8Array = new Uint8Array(32);
  for (let start = 0; start <= tip.height; start += MAX_GETCFHEADERS_SIZE) {
    const stop = node.chain.getEntryByHeight(Math.min(start + MAX_GETCFHEADERS_SIZE - 1, tip.height))!;
    const m = await collect(node, p, () => p.send({ cmd: 'getcfheaders', filterType: BASIC_FILTER_TYPE, startHeight: start, stopHash: stop.hash }),
      (m) => (m.cmd === 'cfheaders' && m.stopHash === stop.hash ? m : undefined), timeout, `cfheaders up to ${stop.height}`);
    if (m.filterType !== BASIC_FILTER_TYPE || m.filterHashes.length !== stop.height - start + 1) throw new PeerLied(`cfheaders up to ${stop.height} with ${m.filterHashes.length} hashes`);
    if (m.prevFilterHeader !== hashToHex(header)) throw new PeerLied(`cfheaders from ${start}: previous filter header ${m.prevFilterHeader} is not the one its earlier answer chains to`);
    for (const h of m.filterHashes) {
      const fh = hexToHash(h);
      hashes.push(fh);
      header = dsha256(fh, header);
    }
  }
  return { hashes, header };
}

/** Scans with one peer; PeerLied is the peer's fault. */
async function scanWith(node: LiteNode, p: Peer, o: Required<Pick<ScanOptions, 'scripts' | 'from' | 'timeout'>> & ScanOptions): Promise<ScanResult> {
  const tip = node.chain.tip;
  const { hashes, header } = await filterHashes(node, p, tip, o.timeout);
  const matched: BlockEntry[] = [];
  let checked = 0;
  for (let start = o.from; start <= tip.height; start += MAX_GETCFILTERS_SIZE) {
    const stop = node.chain.getEntryByHeight(Math.min(start + MAX_GETCFILTERS_SIZE - 1, tip.height))!;
    let h = start;
    await collect(node, p, () => p.send({ cmd: 'getcfilters', filterType: BASIC_FILTER_TYPE, startHeight: start, stopHash: stop.hash }), (m) => {
      if (m.cmd !== 'cfilter') return undefined;
      const e = node.chain.getEntryByHeight(h)!;
      if (m.blockHash !== e.hash) throw new PeerLied(`cfilter for ${m.blockHash}, expected block ${e.hash} at height ${h}`);
      if (Buffer.compare(filterHash(m.filter), hashes[h]) !== 0) throw new PeerLied(`cfilter of block ${e.hash} does not hash to its cfheaders entry`);
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
    const block = await collect<Block>(node, p, () => p.send({ cmd: 'getdata', items: [{ type: InvType.MSG_BLOCK, hash: e.hash }] }), (m) => {
      if (m.cmd === 'notfound' && m.items.some((i) => i.hash === e.hash)) throw new LiteError(`peer=${p.id} does not have block ${e.hash}`);
      return m.cmd === 'block' && m.block.getId() === e.hash ? m.block : undefined;
    }, o.timeout, `block ${e.hash}`);
    const { root, mutated } = merkleRoot((block.transactions ?? []).map((t) => t.getHash()));
    if (mutated || !block.merkleRoot || Buffer.compare(root, block.merkleRoot) !== 0) throw new PeerLied(`block ${e.hash}: transactions do not hash to the header's merkle root`);
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
    from: o.from, to: tip.height, tip: tip.hash, filter_header: hashToHex(header), filters_checked: checked,
    blocks_matched: matched.length, blocks_downloaded: matched.length, false_positives: falsePositives, transactions: txs,
  };
}

/**
 * Scans the best header chain from `from` for transactions paying or spending `scripts`, with
 * the first peer that serves filters; a peer that lies is scored 100 and the next one asked.
 */
export async function scanScripts(node: LiteNode, opts: ScanOptions): Promise<ScanResult> {
  const from = opts.from ?? 0;
  if (!Number.isInteger(from) || from < 0) throw new LiteError(`--from must be a height >= 0, got ${from}`);
  if (from > node.chain.height) throw new LiteError(`--from ${from} is above the best header ${node.chain.height}`);
  if (opts.scripts.length === 0) throw new LiteError('nothing to scan for');
  const failures: string[] = [];
  const peers = node.readyPeers().filter((p) => ((p.version?.services ?? 0n) & Services.NODE_COMPACT_FILTERS) !== 0n);
  for (const p of peers) {
    try {
      return await scanWith(node, p, { ...opts, from, timeout: opts.timeout ?? 30_000 });
    } catch (e) {
      if (e instanceof PeerLied) {
        p.misbehave(100, `bad compact filter data: ${e.message}`);
        failures.push(`peer=${p.id}: ${e.message}`);
      } else if (e instanceof LiteError) failures.push(e.message);
      else throw e;
    }
  }
  throw new LiteError(peers.length === 0 ? 'no connected peer serves compact block filters (NODE_COMPACT_FILTERS)' : `scan failed: ${failures.join('; ')}`);
}
