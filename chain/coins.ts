// UTXO encodings, the layered CoinView used to validate blocks without touching the
// database, and per-block undo records (Core's CCoinsViewCache / CBlockUndo, bcoin's
// coinview.js / undocoins.js).
import type { Coin } from './coin.js';
import { crypto as bcrypto } from 'bitcoinjs-lib';

/** value u64 LE | code u32 LE (height * 2 + coinbase) | script. */
export function encodeCoin(c: Coin): Uint8Array {
  const buf = Buffer.alloc(12 + c.script.length);
  buf.writeBigUInt64LE(c.value, 0);
  buf.writeUInt32LE(c.height * 2 + (c.coinbase ? 1 : 0), 8);
  buf.set(c.script, 12);
  return buf;
}

export function decodeCoin(raw: Uint8Array): Coin {
  if (raw.length < 12) throw new Error('corrupt coin record');
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const code = buf.readUInt32LE(8);
  return { value: buf.readBigUInt64LE(0), height: code >>> 1, coinbase: (code & 1) === 1, script: Uint8Array.from(buf.subarray(12)) };
}

/** Where a view reads coins it has not seen yet (the database, or a parent view). */
export interface CoinSource {
  getCoins(outpoints: string[]): Promise<Array<Coin | undefined>>;
}

/**
 * A cache of coin changes over a source. Outpoints are 72-hex-char strings of the 36-byte
 * txid||vout-BE key. `changes` holds only what differs from the source: a coin (created or
 * restored) or null (spent). Nothing is written anywhere until the owner turns `changes`
 * into a database batch.
 */
export class CoinView implements CoinSource {
  readonly changes = new Map<string, Coin | null>();
  private readonly cache = new Map<string, Coin | undefined>();

  constructor(private readonly source: CoinSource) {}

  /** Loads the given outpoints from the source in one round trip. */
  async prefetch(outpoints: string[]): Promise<void> {
    const missing = outpoints.filter((k) => !this.changes.has(k) && !this.cache.has(k));
    if (missing.length === 0) return;
    const coins = await this.source.getCoins(missing);
    missing.forEach((k, i) => this.cache.set(k, coins[i]));
  }

  async get(outpoint: string): Promise<Coin | undefined> {
    if (this.changes.has(outpoint)) return this.changes.get(outpoint) ?? undefined;
    if (!this.cache.has(outpoint)) await this.prefetch([outpoint]);
    return this.cache.get(outpoint);
  }

  async getCoins(outpoints: string[]): Promise<Array<Coin | undefined>> {
    await this.prefetch(outpoints);
    return Promise.all(outpoints.map((k) => this.get(k)));
  }

  /** Marks the coin spent and returns it (undefined when missing or already spent). */
  async spend(outpoint: string): Promise<Coin | undefined> {
    const coin = await this.get(outpoint);
    if (coin) this.changes.set(outpoint, null);
    return coin;
  }

  add(outpoint: string, coin: Coin): void {
    this.changes.set(outpoint, coin);
  }

  /** Applies another view's changes on top of this one (child view validated and accepted). */
  merge(child: CoinView): void {
    for (const [k, v] of child.changes) this.changes.set(k, v);
  }
}

// ---- undo records -------------------------------------------------------------------------
// File layout (blocks/<hh>/<hash>.rev):
//   u32 LE n | n × (u64 LE value | u32 LE code | u32 LE scriptLen | script)   spent coins, in
//                                         block order (tx order, then input order)
//   u32 LE m | m × (u8 nameLen | name | u32 LE len | bytes)                    extension undo
//   32-byte checksum: SHA256d(block hash internal || everything above)        (as Core's rev files)

export interface BlockUndo {
  spent: Coin[];
  extensions: Map<string, Uint8Array>;
}

export function encodeUndo(blockHash: Uint8Array, undo: BlockUndo): Uint8Array {
  const parts: Buffer[] = [];
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
  parts.push(u32(undo.spent.length));
  for (const c of undo.spent) {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(c.value, 0);
    b.writeUInt32LE(c.height * 2 + (c.coinbase ? 1 : 0), 8);
    b.writeUInt32LE(c.script.length, 12);
    parts.push(b, Buffer.from(c.script));
  }
  const names = [...undo.extensions.keys()].sort();
  parts.push(u32(names.length));
  for (const name of names) {
    const n = Buffer.from(name, 'utf8');
    if (n.length > 255) throw new Error('extension name too long');
    const data = undo.extensions.get(name)!;
    parts.push(Buffer.of(n.length), n, u32(data.length), Buffer.from(data));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, bcrypto.hash256(Buffer.concat([blockHash, body]))]);
}

export function decodeUndo(blockHash: Uint8Array, raw: Uint8Array): BlockUndo {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  if (buf.length < 40) throw new Error('corrupt undo record: too short');
  const body = buf.subarray(0, buf.length - 32);
  const sum = bcrypto.hash256(Buffer.concat([blockHash, body]));
  if (Buffer.compare(sum, buf.subarray(buf.length - 32)) !== 0) throw new Error('corrupt undo record: checksum mismatch');
  let off = 0;
  const need = (n: number) => { if (off + n > body.length) throw new Error('corrupt undo record: truncated'); };
  const u32 = () => { need(4); const v = body.readUInt32LE(off); off += 4; return v; };
  const spent: Coin[] = [];
  const n = u32();
  for (let i = 0; i < n; i++) {
    need(16);
    const value = body.readBigUInt64LE(off);
    const code = body.readUInt32LE(off + 8);
    const len = body.readUInt32LE(off + 12);
    off += 16;
    need(len);
    spent.push({ value, height: code >>> 1, coinbase: (code & 1) === 1, script: Uint8Array.from(body.subarray(off, off + len)) });
    off += len;
  }
  const extensions = new Map<string, Uint8Array>();
  const m = u32();
  for (let i = 0; i < m; i++) {
    need(1);
    const nl = body[off++];
    need(nl);
    const name = body.subarray(off, off + nl).toString('utf8');
    off += nl;
    const len = u32();
    need(len);
    extensions.set(name, Uint8Array.from(body.subarray(off, off + len)));
    off += len;
  }
  if (off !== body.length) throw new Error('corrupt undo record: trailing bytes');
  return { spent, extensions };
}
