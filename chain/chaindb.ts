// The chain's LevelDB (<dir>/chainstate): block index, UTXO set, tx index, tip pointer and
// extension state, keyed as chain/layout.ts documents. Writes happen only through batches
// built by the chain (one atomic batch per connected or disconnected block).
import { ClassicLevel, type ChainedBatch } from 'classic-level';
import type { Coin } from './coin.js';
import { decodeCoin, type CoinSource } from './coins.js';
import { decodeEntry, encodeEntry, type BlockEntry } from './entry.js';
import { DB_VERSION, layout } from './layout.js';

/** The write side handed to ChainExtensions: puts and deletes join the block's atomic batch. */
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
    if (buf.readUInt32LE(0) !== DB_VERSION) throw new Error(`chainstate schema version ${buf.readUInt32LE(0)}, expected ${DB_VERSION}`);
    if (buf.readUInt32LE(4) !== magic >>> 0) throw new Error('chainstate belongs to a different network');
  }

  close(): Promise<void> {
    return this.level.close();
  }

  versionRecord(magic: number): Uint8Array {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(DB_VERSION, 0);
    b.writeUInt32LE(magic >>> 0, 4);
    return b;
  }

  batch(): Batch {
    return this.level.batch();
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

  putEntry(batch: DbBatch, e: BlockEntry, hash: Uint8Array): void {
    batch.put(layout.e(hash), encodeEntry(e));
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
