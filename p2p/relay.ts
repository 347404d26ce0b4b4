// Inventory relay: serving getheaders/getdata, transaction relay by inv/getdata with per-peer
// known-inventory sets (an item is announced to a peer at most once, and never back to the
// peer it came from: no relay storms), new blocks announced by headers (BIP130) or inv,
// mempool exchange on connect, a small orphan-transaction pool, and a rejected-tx filter so
// a bad tx is not fetched again from every peer.
import { Block, type Transaction, hashToHex, decodeBlockHeader } from '../chain/block.js';
import { isVerifyError } from '../chain/errors.js';
import type { Logger } from '../util/logger.js';
import type { ChainView, EntryView, MempoolView } from './chain-view.js';
import type { Peer } from './peer.js';
import type { BlockSync } from './sync.js';
import { InvType, MAX_HEADERS, MAX_INV, type InvItem, type Message } from './wire/messages.js';

const MAX_KNOWN = 50_000;
const MAX_ORPHANS = 100;
const MAX_REJECTS = 10_000;
/** Core's MAX_PEER_TX_REQUEST_IN_FLIGHT: tx getdata outstanding per peer. */
const MAX_TX_REQUESTS_PER_PEER = 100;

class BoundedSet {
  private readonly s = new Set<string>();
  constructor(private readonly cap: number) {}
  has(k: string): boolean { return this.s.has(k); }
  add(k: string): void {
    if (this.s.has(k)) return;
    this.s.add(k);
    if (this.s.size > this.cap) this.s.delete(this.s.values().next().value as string);
  }
  clear(): void { this.s.clear(); }
}

type RelayPeer = Peer & { knownInv?: BoundedSet; askedMempool?: boolean };

export class Relay {
  private readonly rejects = new BoundedSet(MAX_REJECTS);
  private readonly orphans = new Map<string, { tx: Transaction; from: Peer }>();
  private readonly requestedTx = new Map<string, Peer>();

  constructor(
    private readonly chain: ChainView,
    private readonly mempool: MempoolView | undefined,
    private readonly sync: BlockSync,
    private readonly peers: () => Peer[],
    private readonly logger: Logger,
  ) {}

  private known(p: RelayPeer): BoundedSet { return (p.knownInv ??= new BoundedSet(MAX_KNOWN)); }

  onReady(p: RelayPeer): void {
    p.send({ cmd: 'sendheaders' });
    // BIP133: do not announce transactions below our relay fee to us.
    const minFee = (this.mempool as { minRelayFee?: bigint } | undefined)?.minRelayFee;
    if (minFee !== undefined && minFee > 0n) p.send({ cmd: 'feefilter', feeRate: minFee });
    this.requestMempools();
  }

  /** Mempool exchange: asks each peer once for its mempool, but only once we are caught up
   *  (tx announcements are ignored while catching up, so asking earlier would be wasted). */
  requestMempools(): void {
    if (!this.mempool || this.sync.blocksBehind > 0) return;
    for (const p of this.peers() as RelayPeer[]) {
      // Not before we have the blocks the peer had when it connected: its txs would spend outputs we lack.
      if (p.askedMempool || !p.ready || p.closed || (p.version?.startHeight ?? 0) > this.chain.height) continue;
      p.askedMempool = true;
      p.send({ cmd: 'mempool' });
    }
  }

  async onMessage(p: RelayPeer, m: Message): Promise<void> {
    switch (m.cmd) {
      case 'getheaders': return this.serveHeaders(p, m.locator, m.stop);
      case 'getdata': return this.serveData(p, m.items);
      case 'inv': return this.onInv(p, m.items);
      case 'notfound':
        this.onTxNotFound(p, m.items.filter((i) => i.type === InvType.MSG_TX).map((i) => i.hash));
        {
          const blocks = m.items.filter((i) => i.type === InvType.MSG_BLOCK).map((i) => i.hash);
          if (blocks.length > 0) this.sync.onNotFound(p, blocks);
        }
        return;
      case 'tx': return this.onTx(p, m.tx);
      case 'mempool': return this.serveMempool(p);
      case 'headers':
        for (const h of m.headers) this.known(p).add(h.getId());
        return this.sync.onHeaders(p, m);
      case 'block':
        this.known(p).add(m.block.getId());
        return this.sync.onBlock(p, m.block);
      default:
        return;
    }
  }

  private serveHeaders(p: RelayPeer, locator: string[], stop: string): void {
    // Fork point: the first locator hash on our main chain (genesis if none).
    let start: EntryView | undefined;
    for (const h of locator) {
      const e = this.chain.getEntry(h);
      if (e && this.chain.isMainChain(e)) { start = e; break; }
    }
    const from = start ? start.height + 1 : 0;
    const headers: Block[] = [];
    for (let h = from; h <= this.chain.height && headers.length < MAX_HEADERS; h++) {
      const e = this.chain.getEntryByHeight(h)!;
      headers.push(decodeBlockHeader(e.header));
      this.known(p).add(e.hash);
      if (e.hash === stop) break;
    }
    p.send({ cmd: 'headers', headers });
  }

  private async serveData(p: RelayPeer, items: InvItem[]): Promise<void> {
    const missing: InvItem[] = [];
    for (const it of items) {
      if (p.closed) return;
      // Honour the send buffer: a peer that asks faster than it reads waits (Core's fPauseSend).
      while (p.sendBlocked && !p.closed) await new Promise((r) => p.once('drain', r).once('close', r));
      if (it.type === InvType.MSG_BLOCK) {
        const block = await this.chain.getBlock(it.hash);
        if (block) { p.send({ cmd: 'block', block }); this.known(p).add(it.hash); } else missing.push(it);
      } else {
        const e = this.mempool?.get(it.hash);
        if (e) { p.send({ cmd: 'tx', tx: e.tx }); this.known(p).add(it.hash); } else missing.push(it);
      }
    }
    if (missing.length > 0) p.send({ cmd: 'notfound', items: missing });
  }

  private onInv(p: RelayPeer, items: InvItem[]): void {
    const want: InvItem[] = [];
    let outstanding = 0;
    for (const q of this.requestedTx.values()) if (q === p) outstanding++;
    for (const it of items) {
      this.known(p).add(it.hash);
      if (it.type === InvType.MSG_BLOCK) { this.sync.onBlockInv(p, it.hash); continue; }
      if (!this.mempool || this.mempool.has(it.hash) || this.rejects.has(it.hash) || this.orphans.has(it.hash) || this.requestedTx.has(it.hash)) continue;
      if (this.sync.catchingUp()) continue; // Core ignores tx invs during IBD
      // A peer cannot make us track unbounded requests: the rest is asked again when re-announced.
      if (outstanding >= MAX_TX_REQUESTS_PER_PEER) break;
      outstanding++;
      this.requestedTx.set(it.hash, p);
      want.push(it);
    }
    if (want.length > 0) p.send({ cmd: 'getdata', items: want });
  }

  private async onTx(p: RelayPeer, tx: Transaction): Promise<void> {
    const txid = tx.getId();
    this.known(p).add(txid);
    this.requestedTx.delete(txid);
    if (!this.mempool || this.mempool.has(txid) || this.rejects.has(txid)) return;
    await this.acceptTx(tx, p);
  }

  private async acceptTx(tx: Transaction, from: Peer): Promise<boolean> {
    const txid = tx.getId();
    try {
      await this.mempool!.addTransaction(tx);
    } catch (e) {
      if (!isVerifyError(e)) throw e;
      if (e.reason === 'bad-txns-inputs-missingorspent' || e.reason === 'missing-inputs') {
        // Parents may still be on their way: keep it as an orphan, bounded.
        if (this.orphans.size >= MAX_ORPHANS) this.orphans.delete(this.orphans.keys().next().value as string);
        this.orphans.set(txid, { tx, from });
        return false;
      }
      if (!e.malleated) this.rejects.add(txid);
      from.misbehave(e.score, `invalid tx ${txid}: ${e.reason}`);
      this.logger.debug('mempool', `tx ${txid} from peer=${from.id} rejected: ${e.reason}`);
      return false;
    }
    // The mempool's 'tx' event announces it; now retry orphans that may spend it.
    for (const [oid, o] of [...this.orphans]) {
      if (o.tx.ins.some((i) => hashToHex(i.hash) === txid)) {
        this.orphans.delete(oid);
        await this.acceptTx(o.tx, o.from);
      }
    }
    return true;
  }

  private serveMempool(p: RelayPeer): void {
    if (!this.mempool) return;
    const items: InvItem[] = [];
    for (const e of this.mempool.entries()) {
      if (this.known(p).has(e.txid)) continue;
      if (p.feeFilter > 0n && (e.fee * 1000n) / BigInt(Math.max(1, e.vsize)) < p.feeFilter) continue;
      this.known(p).add(e.txid);
      items.push({ type: InvType.MSG_TX, hash: e.txid });
      if (items.length === MAX_INV) { p.send({ cmd: 'inv', items: items.splice(0) }); }
    }
    if (items.length > 0) p.send({ cmd: 'inv', items });
  }

  /** Announces a mempool transaction to every peer that does not know it. */
  announceTx(txid: string, fee: bigint, vsize: number): void {
    for (const p of this.peers() as RelayPeer[]) {
      if (!p.ready || p.closed || this.known(p).has(txid) || p.version?.relay === false) continue;
      if (p.feeFilter > 0n && (fee * 1000n) / BigInt(Math.max(1, vsize)) < p.feeFilter) continue;
      this.known(p).add(txid);
      p.send({ cmd: 'inv', items: [{ type: InvType.MSG_TX, hash: txid }] });
    }
  }

  /** Announces a new tip: headers (with any ancestors the peer lacks, up to 8) or an inv. */
  announceBlock(entry: EntryView): void {
    if (this.sync.catchingUp()) return;
    for (const p of this.peers() as RelayPeer[]) {
      if (!p.ready || p.closed || this.known(p).has(entry.hash)) continue;
      if (p.preferHeaders) {
        const chainOut: EntryView[] = [];
        let e: EntryView | undefined = entry;
        while (e && !this.known(p).has(e.hash) && chainOut.length < 8) { chainOut.push(e); e = this.chain.getEntry(e.prevHash); }
        if (e && this.known(p).has(e.hash)) {
          chainOut.reverse();
          for (const c of chainOut) this.known(p).add(c.hash);
          p.send({ cmd: 'headers', headers: chainOut.map((c) => decodeBlockHeader(c.header)) });
          continue;
        }
      }
      this.known(p).add(entry.hash);
      p.send({ cmd: 'inv', items: [{ type: InvType.MSG_BLOCK, hash: entry.hash }] });
    }
  }

  /** A new tip may make rejected txs valid (e.g. coinbase maturity): forget them, as Core's
   *  m_recent_rejects is reset on every tip change. */
  onTip(): void { this.rejects.clear(); }

  /** After a block connects, orphans' missing parents may be confirmed: retry them. */
  async retryOrphans(): Promise<void> {
    for (const [oid, o] of [...this.orphans]) {
      if (!this.orphans.has(oid)) continue;
      this.orphans.delete(oid);
      await this.acceptTx(o.tx, o.from);
    }
  }

  onPeerClosed(p: Peer): void {
    for (const [txid, q] of this.requestedTx) if (q === p) this.requestedTx.delete(txid);
  }

  /** A tx requested but not delivered (answered with notfound) may be asked of another peer. */
  onTxNotFound(p: Peer, txids: string[]): void {
    for (const t of txids) if (this.requestedTx.get(t) === p) this.requestedTx.delete(t);
  }
}
