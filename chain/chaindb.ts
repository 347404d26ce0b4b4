// The chain's LevelDB (<dir>/chainstate): block index, UTXO set, tx index, tip pointer and
// extension state, keyed as chain/layout.ts documents. This file owns every key and every
// write (bcoin's chaindb.js): the chain composes one atomic batch per connected or
// disconnected block from the named methods below and never builds a key itself.
import { ClassicLevel, type ChainedBatch } from 'classic-level';
import type { Coin } from './coin.js';
import { decodeCoin, encodeCoin, type CoinSource } from './coins.js';
import { decodeCostRecord, decodeEntry, encodeCostRecord, encodeEntry, type BlockEntry, type CostRecord } from './entry.js';
import type { ExtensionState, KvChange } from './extension.js';
import { hashToHex, hexToHash } from './header.js';
import { DB_VERSION, layout } from './layout.js';

/** A batch's write side: puts and deletes join one atomic LevelDB write. */
export interface DbBatch {
  put(key: Uint8Array, value: Uint8Array): unknown;
  del(key: Uint8Array): unknown;
}

type Level = ClassicLevel<Uint8Array, Uint8Array>;
type Batch = ChainedBatch<Level, Uint8Array, Uint8Array>;

export class ChainDB implements CoinSource {
  readonly level: Level;

  constructor(readonly location: string, private readonly sync = true) {
    this.level = new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
  }

  async open(magic: number): Promise<void> {
    await this.level.open();
    const v = await this.level.get(layout.V);
    if (v === undefined) return; // fresh database; the chain writes V with genesis
    const buf = Buffer.from(v);
    const version = buf.readUInt32LE(0);
    if (version !== DB_VERSION) {
      throw new Error(`chainstate schema version ${version}, expected ${DB_VERSION}: this data directory was written by ${version < DB_VERSION ? 'an older' : 'a newer'} odad (ODA-BIP-0005 block records need version 2); remove ${this.location} and the blocks/ beside it to resync`);
    }
    if (buf.readUInt32LE(4) !== magic >>> 0) throw new Error('chainstate belongs to a different network');
  }

  close(): Promise<void> {
    return this.level.close();
  }

  batch(): Batch {
    return this.level.batch();
  }

  /** Abandons a batch that will not be written (frees its native handle). */
  async discard(batch: Batch): Promise<void> {
    await batch.close().catch(() => undefined);
  }

  // ---- writes (into a batch) -----------------------------------------------------------

  /** Schema version and network of a fresh database (written with genesis). */
  putVersion(batch: DbBatch, magic: number): void {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(DB_VERSION, 0);
    b.writeUInt32LE(magic >>> 0, 4);
    batch.put(layout.V, b);
  }

  /** The tip pointer R: always in the same batch as the tip's UTXO and index changes. */
  setTip(batch: DbBatch, hash: string): void {
    batch.put(layout.R, hexToHash(hash));
  }

  putEntry(batch: DbBatch, e: BlockEntry): void {
    batch.put(layout.e(hexToHash(e.hash)), encodeEntry(e));
  }

  /** nTx of a block, in the batch whose entry first carries HAVE_DATA. */
  putTxCount(batch: DbBatch, hash: string, n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0, 0);
    batch.put(layout.n(hexToHash(hash)), b);
  }

  /** ODA-BIP-0005 record of a connected block: in the batch that connects it. */
  putCostRecord(batch: DbBatch, hash: string, r: CostRecord): void {
    batch.put(layout.k(hexToHash(hash)), encodeCostRecord(r));
  }

  /** A CoinView's changes: a coin is written, null (spent) deletes it. Outpoints in hex. */
  putCoins(batch: DbBatch, changes: ReadonlyMap<string, Coin | null>): void {
    for (const [k, coin] of changes) {
      const key = layout.c(Buffer.from(k, 'hex'));
      if (coin) batch.put(key, encodeCoin(coin));
      else batch.del(key);
    }
  }

  /** Tx index of a connected block: txid → (block hash, position). */
  indexTxs(batch: DbBatch, txids: readonly Uint8Array[], blockHash: string): void {
    const hashBytes = hexToHash(blockHash);
    txids.forEach((txid, i) => {
      const loc = Buffer.alloc(36);
      loc.set(hashBytes, 0);
      loc.writeUInt32LE(i, 32);
      batch.put(layout.t(txid), loc);
    });
  }

  unindexTxs(batch: DbBatch, txids: readonly Uint8Array[]): void {
    for (const txid of txids) batch.del(layout.t(txid));
  }

  /** Throws when an extension's writes leave its namespace (a bug in the extension, not data). */
  checkExtensionKeys(name: string, writes: readonly KvChange[]): void {
    const prefix = layout.extRange(name).gte;
    for (const w of writes) if (!hasPrefix(w.key, prefix)) throw new Error(`extension ${name} wrote outside its namespace`);
  }

  /** An extension's writes (checked with checkExtensionKeys). */
  putExtensionState(batch: DbBatch, name: string, writes: readonly KvChange[]): void {
    this.checkExtensionKeys(name, writes);
    for (const w of writes) {
      if (w.value === undefined) batch.del(w.key);
      else batch.put(w.key, w.value);
    }
  }

  // ---- reads -----------------------------------------------------------------------------

  /** The read side of extension `name`'s namespace at the tip. */
  extensionState(name: string): ExtensionState {
    const range = layout.extRange(name);
    const level = this.level;
    const check = (k: Uint8Array) => {
      if (!hasPrefix(k, range.gte)) throw new Error(`extension ${name} read outside its namespace`);
    };
    return {
      name,
      get: async (k) => {
        check(k);
        return level.get(k);
      },
      getMany: async (ks) => {
        ks.forEach(check);
        return ks.length ? level.getMany(ks) : [];
      },
      iterator: (r) => {
        check(r.gte);
        // The upper bound is clamped to the namespace, so a range cannot run past it.
        const lt = Buffer.compare(r.lt, range.lt) > 0 ? range.lt : r.lt;
        return level.iterator({ gte: r.gte, lt });
      },
    };
  }

  /** Commits a batch; with sync the LevelDB log is fsynced (survives power loss, not just kill -9). */
  write(batch: Batch): Promise<void> {
    return batch.write({ sync: this.sync });
  }

  async getTip(): Promise<Uint8Array | undefined> {
    return this.level.get(layout.R);
  }

  async *entries(): AsyncGenerator<BlockEntry> {
    for await (const v of this.level.values(layout.range('e'))) yield decodeEntry(v);
  }

  /** Every stored tx count: [block hash in display hex, nTx]. */
  async *txCounts(): AsyncGenerator<[string, number]> {
    for await (const [k, v] of this.level.iterator(layout.range('n'))) {
      if (k.length !== 33 || v.length !== 4) throw new Error('corrupt tx count record: database corrupt');
      yield [hashToHex(k.subarray(1)), Buffer.from(v).readUInt32LE(0)];
    }
  }

  /** Every ODA-BIP-0005 record: [block hash (internal order), record]. */
  async *costRecords(): AsyncGenerator<[Uint8Array, CostRecord]> {
    for await (const [k, v] of this.level.iterator(layout.range('k'))) yield [k.subarray(1), decodeCostRecord(v)];
  }

  /** CoinSource: outpoints are hex of the 36-byte txid||vout-BE key. */
  async getCoins(outpoints: string[]): Promise<Array<Coin | undefined>> {
    if (outpoints.length === 0) return [];
    const raws = await this.level.getMany(outpoints.map((k) => layout.c(Buffer.from(k, 'hex'))));
    return raws.map((r) => (r === undefined ? undefined : decodeCoin(r)));
  }

  async getTxLocation(txid: Uint8Array): Promise<{ blockHash: Uint8Array; index: number } | undefined> {
    const v = await this.level.get(layout.t(txid));
    if (!v) return undefined;
    const b = Buffer.from(v);
    return { blockHash: Uint8Array.from(b.subarray(0, 32)), index: b.readUInt32LE(32) };
  }

  /** Every unspent coin in (txid, vout) order: [36-byte outpoint, coin]. */
  async *coins(): AsyncGenerator<[Uint8Array, Coin]> {
    for await (const [k, v] of this.level.iterator(layout.range('c'))) yield [k.subarray(1), decodeCoin(v)];
  }
}

function hasPrefix(k: Uint8Array, prefix: Uint8Array): boolean {
  if (k.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (k[i] !== prefix[i]) return false;
  return true;
}
