// The wallet's in-memory ledger: its transactions, and the coins and spends derived from
// them (Core's mapWallet + IsSpent/IsTrusted/GetBalance). Pure state, no I/O: the Wallet
// persists the transaction records and decides what enters; the mempool is consulted live
// through `inMempool`, so a conflicted or evicted spend frees its coins by itself.
import { hashToHex } from '../chain/block.js';
import type { Transaction } from '../chain/block.js';
import type { DerivedKey } from './keys.js';

export interface TxRecord {
  txid: string;
  hex: string;
  /** -1 while unconfirmed. */
  height: number;
  blockHash?: string;
  blockTime?: number;
  blockIndex?: number;
  /** Unix time first seen. */
  time: number;
  comment?: string;
  commentTo?: string;
}

export interface WalletTx { rec: TxRecord; tx: Transaction; coinbase: boolean }

export interface WalletCoin {
  txid: string;
  vout: number;
  value: bigint;
  script: Uint8Array;
  key: DerivedKey;
  coinbase: boolean;
}

export interface CoinView extends WalletCoin {
  confirmations: number;
  /** Confirmed, or unconfirmed but built only from our own trusted coins (Core's IsTrusted). */
  trusted: boolean;
  immature: boolean;
}

export interface Balances { trusted: bigint; untrustedPending: bigint; immature: bigint }

export interface TxView extends TxRecord { tx: Transaction; coinbase: boolean; trusted: boolean; active: boolean }

export interface UnspentFilter { minConf?: number; maxConf?: number; scripts?: Set<string>; includeUnsafe?: boolean; includeLocked?: boolean; includeImmature?: boolean }

export const outpoint = (txid: string, vout: number) => `${txid}:${vout}`;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function isCoinbase(tx: Transaction): boolean {
  return tx.ins.length === 1 && tx.ins[0].index === 0xffffffff && tx.ins[0].hash.every((b) => b === 0);
}

export class Ledger {
  private readonly txs = new Map<string, WalletTx>();
  private readonly coins = new Map<string, WalletCoin>();
  /** outpoint → txids of wallet transactions spending it (several when replaced or conflicted). */
  private readonly spends = new Map<string, Set<string>>();
  private readonly locked = new Set<string>();

  constructor(
    private readonly isMine: (script: Uint8Array) => DerivedKey | undefined,
    private readonly inMempool: (txid: string) => boolean,
    /** Coinbase outputs are mature at this depth (Core: COINBASE_MATURITY + 1). */
    private readonly matureDepth: number,
  ) {}

  /** Does the transaction pay us or spend one of our coins? */
  isRelevant(tx: Transaction): boolean {
    if (tx.outs.some((o) => this.isMine(o.script))) return true;
    return !isCoinbase(tx) && tx.ins.some((i) => this.coins.has(outpoint(hashToHex(i.hash), i.index)));
  }

  /** Adds a transaction; returns the keys its outputs pay (so the caller can mark them used). */
  add(rec: TxRecord, tx: Transaction): DerivedKey[] {
    const coinbase = isCoinbase(tx);
    this.txs.set(rec.txid, { rec, tx, coinbase });
    if (!coinbase) {
      for (const input of tx.ins) {
        const op = outpoint(hashToHex(input.hash), input.index);
        let s = this.spends.get(op);
        if (!s) this.spends.set(op, (s = new Set()));
        s.add(rec.txid);
      }
    }
    const used: DerivedKey[] = [];
    tx.outs.forEach((out, vout) => {
      const key = this.isMine(out.script);
      if (!key) return;
      this.coins.set(outpoint(rec.txid, vout), { txid: rec.txid, vout, value: out.value, script: out.script, key, coinbase });
      used.push(key);
    });
    return used;
  }

  remove(txid: string): void {
    const wtx = this.txs.get(txid);
    if (!wtx) return;
    this.txs.delete(txid);
    for (const input of wtx.tx.ins) {
      const op = outpoint(hashToHex(input.hash), input.index);
      const s = this.spends.get(op);
      s?.delete(txid);
      if (s && s.size === 0) this.spends.delete(op);
    }
    wtx.tx.outs.forEach((_, vout) => this.coins.delete(outpoint(txid, vout)));
  }

  get(txid: string): WalletTx | undefined {
    return this.txs.get(txid);
  }

  records(): TxRecord[] {
    return [...this.txs.values()].map((w) => w.rec);
  }

  get size(): number {
    return this.txs.size;
  }

  /**
   * Transactions of the given blocks become unconfirmed; their coinbases are removed (they
   * can never confirm elsewhere). Returns the changed records and the removed txids.
   */
  unconfirm(blockHashes: Set<string>): { changed: TxRecord[]; removed: string[] } {
    const changed: TxRecord[] = [];
    const removed: string[] = [];
    for (const wtx of [...this.txs.values()]) {
      if (wtx.rec.blockHash === undefined || !blockHashes.has(wtx.rec.blockHash)) continue;
      if (wtx.coinbase) {
        this.remove(wtx.rec.txid);
        removed.push(wtx.rec.txid);
      } else {
        wtx.rec.height = -1;
        delete wtx.rec.blockHash;
        delete wtx.rec.blockTime;
        delete wtx.rec.blockIndex;
        changed.push(wtx.rec);
      }
    }
    return { changed, removed };
  }

  /** Confirmed, or waiting in the mempool. Anything else (evicted, conflicted) counts for nothing. */
  isActive(wtx: WalletTx | undefined): boolean {
    if (!wtx) return false;
    return wtx.rec.height >= 0 || this.inMempool(wtx.rec.txid);
  }

  private isSpent(op: string): boolean {
    const s = this.spends.get(op);
    if (!s) return false;
    for (const txid of s) if (this.isActive(this.txs.get(txid))) return true;
    return false;
  }

  /** Core's CachedTxIsTrusted: confirmed, or in the mempool spending only our trusted coins. */
  isTrusted(wtx: WalletTx, seen = new Set<string>()): boolean {
    if (wtx.rec.height >= 0) return true;
    if (!this.isActive(wtx) || seen.has(wtx.rec.txid)) return false;
    seen.add(wtx.rec.txid);
    return wtx.tx.ins.every((input) => {
      const parentTxid = hashToHex(input.hash);
      const parent = this.txs.get(parentTxid);
      return parent !== undefined && this.coins.has(outpoint(parentTxid, input.index)) && this.isTrusted(parent, seen);
    });
  }

  depth(txid: string, tipHeight: number): number {
    const wtx = this.txs.get(txid);
    if (!wtx || wtx.rec.height < 0) return 0;
    return tipHeight - wtx.rec.height + 1;
  }

  /** Unspent coins of active transactions, with their confirmation state at `tipHeight`. */
  coinViews(tipHeight: number): CoinView[] {
    const out: CoinView[] = [];
    for (const [op, coin] of this.coins) {
      const wtx = this.txs.get(coin.txid)!;
      if (!this.isActive(wtx) || this.isSpent(op)) continue;
      const confirmations = this.depth(coin.txid, tipHeight);
      out.push({
        ...coin,
        confirmations,
        trusted: this.isTrusted(wtx),
        // Core's GetTxBlocksToMaturity: the wallet spends a coinbase one block after consensus would.
        immature: coin.coinbase && confirmations < this.matureDepth,
      });
    }
    return out;
  }

  /** Core's GetBalance: trusted (with min depth), untrusted pending, immature. */
  balances(tipHeight: number, minConf = 0): Balances {
    const b: Balances = { trusted: 0n, untrustedPending: 0n, immature: 0n };
    for (const c of this.coinViews(tipHeight)) {
      if (c.immature) b.immature += c.value;
      else if (c.trusted && c.confirmations >= minConf) b.trusted += c.value;
      else if (!c.trusted && c.confirmations === 0) b.untrustedPending += c.value;
    }
    return b;
  }

  /** Core's AvailableCoins: mature (unless asked), unlocked, within the confirmation range; sorted by outpoint. */
  unspent(tipHeight: number, f: UnspentFilter = {}): CoinView[] {
    const minConf = f.minConf ?? 1;
    const maxConf = f.maxConf ?? 9_999_999;
    return this.coinViews(tipHeight)
      .filter((c) => f.includeImmature || !c.immature)
      .filter((c) => c.confirmations >= minConf && c.confirmations <= maxConf)
      .filter((c) => (f.includeUnsafe ?? true) || c.trusted)
      .filter((c) => f.includeLocked || !this.locked.has(outpoint(c.txid, c.vout)))
      .filter((c) => !f.scripts || f.scripts.has(hex(c.script)))
      .sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));
  }

  /** A wallet-owned output, spent or not (debits, fees, signing). */
  coin(txid: string, vout: number): WalletCoin | undefined {
    return this.coins.get(outpoint(txid, vout));
  }

  /** Debit (our coins it spends) and credit (our outputs) of a wallet transaction. */
  amounts(txid: string): { debit: bigint; credit: bigint } | undefined {
    const wtx = this.txs.get(txid);
    if (!wtx) return undefined;
    let debit = 0n;
    if (!wtx.coinbase) {
      for (const input of wtx.tx.ins) debit += this.coins.get(outpoint(hashToHex(input.hash), input.index))?.value ?? 0n;
    }
    let credit = 0n;
    wtx.tx.outs.forEach((_, vout) => (credit += this.coins.get(outpoint(txid, vout))?.value ?? 0n));
    return { debit, credit };
  }

  view(txid: string): TxView | undefined {
    const wtx = this.txs.get(txid);
    if (!wtx) return undefined;
    return { ...wtx.rec, tx: wtx.tx, coinbase: wtx.coinbase, trusted: this.isTrusted(wtx), active: this.isActive(wtx) };
  }

  /** Transactions oldest first: by time seen, then chain position (listtransactions order). */
  views(): TxView[] {
    const pos = (v: TxView) => (v.height < 0 ? Number.MAX_SAFE_INTEGER : v.height);
    return [...this.txs.keys()]
      .map((txid) => this.view(txid)!)
      .sort((a, b) => a.time - b.time || pos(a) - pos(b) || (a.blockIndex ?? 0) - (b.blockIndex ?? 0));
  }

  lock(txid: string, vout: number): void {
    this.locked.add(outpoint(txid, vout));
  }

  unlock(txid: string, vout: number): boolean {
    return this.locked.delete(outpoint(txid, vout));
  }

  isLocked(txid: string, vout: number): boolean {
    return this.locked.has(outpoint(txid, vout));
  }

  listLocked(): { txid: string; vout: number }[] {
    return [...this.locked].sort().map((op) => {
      const [txid, vout] = op.split(':');
      return { txid, vout: Number(vout) };
    });
  }
}
