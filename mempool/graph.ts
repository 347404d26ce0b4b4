// The pool's transaction graph (Core's CTxMemPool indexes and package state): entries by
// txid and wtxid, the outpoint -> spender map, parent/child links, and each entry's
// ancestor and descendant totals kept exact through insertions and removals.
import { hashToHex } from '../chain/block.js';
import type { MempoolEntry } from './entry.js';

export function outpoint(txid: string, vout: number): string {
  return `${txid}:${vout}`;
}

function insertSorted(list: string[], item: string): void {
  if (list.includes(item)) return;
  list.push(item);
  list.sort();
}

function removeItem(list: string[], item: string): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Read access the validation code needs, implemented by TxGraph and by package overlays. */
export interface GraphView {
  get(txid: string): MempoolEntry | undefined;
  hasWtxid(wtxid: string): boolean;
  spender(key: string): string | undefined;
  descendantCount(e: MempoolEntry): number;
  descendantSize(e: MempoolEntry): number;
}

export class TxGraph implements GraphView {
  private readonly map = new Map<string, MempoolEntry>();
  private readonly byWtxid = new Map<string, string>();
  private readonly spends = new Map<string, string>();
  usage = 0;
  bytes = 0;
  fees = 0n;
  /** Bumped on every addition or removal (Core's GetTransactionsUpdated). */
  updates = 0;

  get size(): number {
    return this.map.size;
  }
  get(txid: string): MempoolEntry | undefined {
    return this.map.get(txid);
  }
  hasWtxid(wtxid: string): boolean {
    return this.byWtxid.has(wtxid);
  }
  getByWtxid(wtxid: string): MempoolEntry | undefined {
    const txid = this.byWtxid.get(wtxid);
    return txid === undefined ? undefined : this.map.get(txid);
  }
  spender(key: string): string | undefined {
    return this.spends.get(key);
  }
  descendantCount(e: MempoolEntry): number {
    return e.descendantCount;
  }
  descendantSize(e: MempoolEntry): number {
    return e.descendantSize;
  }
  values(): IterableIterator<MempoolEntry> {
    return this.map.values();
  }

  /** Transitive closure along `next` links, excluding the start. */
  collect(txid: string, next: (e: MempoolEntry) => string[], view: GraphView = this): Set<string> {
    const out = new Set<string>();
    const start = view.get(txid);
    const stack = start ? [...next(start)] : [];
    while (stack.length) {
      const id = stack.pop()!;
      if (out.has(id)) continue;
      const e = view.get(id);
      if (!e) continue;
      out.add(id);
      stack.push(...next(e));
    }
    return out;
  }
  ancestors(txid: string): Set<string> {
    return this.collect(txid, (e) => e.depends);
  }
  descendants(txid: string): Set<string> {
    return this.collect(txid, (e) => e.spentBy);
  }

  /**
   * Adds an entry whose `depends` are already in the graph (Core's addUnchecked). After a
   * reorg, entries already present may spend this one's outputs: they are adopted as
   * children (Core's UpdateTransactionsFromBlock) and all totals are recomputed.
   */
  insert(entry: MempoolEntry): void {
    const { txid } = entry;
    this.map.set(txid, entry);
    this.byWtxid.set(entry.wtxid, txid);
    entry.tx.ins.forEach((input) => this.spends.set(outpoint(hashToHex(input.hash), input.index), txid));
    for (const p of entry.depends) insertSorted(this.map.get(p)!.spentBy, txid);
    let adopted = false;
    for (let i = 0; i < entry.tx.outs.length; i++) {
      const child = this.spends.get(outpoint(txid, i));
      if (child !== undefined && child !== txid) {
        insertSorted(entry.spentBy, child);
        insertSorted(this.map.get(child)!.depends, txid);
        adopted = true;
      }
    }
    this.updates++;
    this.usage += entry.usage;
    this.bytes += entry.vsize;
    this.fees += entry.fee;
    if (adopted) {
      this.recompute();
      return;
    }
    for (const a of this.ancestors(txid)) {
      const ae = this.map.get(a)!;
      entry.ancestorCount += 1;
      entry.ancestorSize += ae.vsize;
      entry.ancestorFees += ae.modifiedFee;
      entry.ancestorSigOps += ae.sigOpCost;
      ae.descendantCount += 1;
      ae.descendantSize += entry.vsize;
      ae.descendantFees += entry.modifiedFee;
    }
  }

  /** Recomputes every entry's ancestor and descendant totals from the links. */
  recompute(): void {
    for (const e of this.map.values()) {
      e.ancestorCount = 1; e.ancestorSize = e.vsize; e.ancestorFees = e.modifiedFee; e.ancestorSigOps = e.sigOpCost;
      e.descendantCount = 1; e.descendantSize = e.vsize; e.descendantFees = e.modifiedFee;
    }
    for (const e of this.map.values()) {
      for (const a of this.ancestors(e.txid)) {
        const ae = this.map.get(a)!;
        e.ancestorCount += 1; e.ancestorSize += ae.vsize; e.ancestorFees += ae.modifiedFee; e.ancestorSigOps += ae.sigOpCost;
        ae.descendantCount += 1; ae.descendantSize += e.vsize; ae.descendantFees += e.modifiedFee;
      }
    }
  }

  /**
   * Removes a set of entries (Core's RemoveStaged) and returns them. Entries left behind
   * keep exact totals: remaining ancestors lose the removed descendants, and remaining
   * descendants (children of a confirmed parent) lose the removed ancestors.
   */
  remove(set: Set<string>): MempoolEntry[] {
    for (const id of set) {
      const e = this.map.get(id);
      if (!e) continue;
      for (const a of this.ancestors(id)) {
        if (set.has(a)) continue;
        const ae = this.map.get(a)!;
        ae.descendantCount -= 1; ae.descendantSize -= e.vsize; ae.descendantFees -= e.modifiedFee;
      }
      for (const d of this.descendants(id)) {
        if (set.has(d)) continue;
        const de = this.map.get(d)!;
        de.ancestorCount -= 1; de.ancestorSize -= e.vsize; de.ancestorFees -= e.modifiedFee; de.ancestorSigOps -= e.sigOpCost;
      }
    }
    const removed: MempoolEntry[] = [];
    for (const id of set) {
      const e = this.map.get(id);
      if (!e) continue;
      for (const p of e.depends) {
        const pe = this.map.get(p);
        if (pe) removeItem(pe.spentBy, id);
      }
      for (const c of e.spentBy) {
        const ce = this.map.get(c);
        if (ce) removeItem(ce.depends, id);
      }
      e.tx.ins.forEach((input) => {
        const key = outpoint(hashToHex(input.hash), input.index);
        if (this.spends.get(key) === id) this.spends.delete(key);
      });
      this.map.delete(id);
      this.byWtxid.delete(e.wtxid);
      this.updates++;
      this.usage -= e.usage;
      this.bytes -= e.vsize;
      this.fees -= e.fee;
      removed.push(e);
    }
    return removed;
  }

  /** A changed modified fee (prioritisetransaction) flows into every package total. */
  setModifiedFee(txid: string, fee: bigint): void {
    const e = this.map.get(txid);
    if (!e) return;
    e.modifiedFee = fee;
    this.recompute();
  }
}

/**
 * The pool plus transactions accepted earlier in the same testAccept package: lookups see
 * both, while the pool itself stays untouched.
 */
export class PackageView implements GraphView {
  private readonly extra = new Map<string, MempoolEntry>();
  private readonly extraSpends = new Map<string, string>();
  /** Descendants the package adds to pool entries (count, vsize). */
  private readonly extraDesc = new Map<string, { count: number; size: number }>();
  constructor(private readonly graph: TxGraph) {}

  get(txid: string): MempoolEntry | undefined {
    return this.graph.get(txid) ?? this.extra.get(txid);
  }
  hasWtxid(wtxid: string): boolean {
    return this.graph.hasWtxid(wtxid) || [...this.extra.values()].some((e) => e.wtxid === wtxid);
  }
  spender(key: string): string | undefined {
    return this.graph.spender(key) ?? this.extraSpends.get(key);
  }
  descendantCount(e: MempoolEntry): number {
    return e.descendantCount + (this.extraDesc.get(e.txid)?.count ?? 0);
  }
  descendantSize(e: MempoolEntry): number {
    return e.descendantSize + (this.extraDesc.get(e.txid)?.size ?? 0);
  }
  /** Records a package member as if it had been added. */
  add(entry: MempoolEntry, ancestors: Set<string>): void {
    this.extra.set(entry.txid, entry);
    entry.tx.ins.forEach((input) => this.extraSpends.set(outpoint(hashToHex(input.hash), input.index), entry.txid));
    for (const a of ancestors) {
      const d = this.extraDesc.get(a) ?? { count: 0, size: 0 };
      this.extraDesc.set(a, { count: d.count + 1, size: d.size + entry.vsize });
    }
  }
}
