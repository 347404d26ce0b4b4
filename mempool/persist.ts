// mempool.dat: the pool written at shutdown (and periodically) and re-validated at start,
// like Core's DumpMempool/LoadMempool. Layout (all integers little-endian):
//   magic   4 bytes "ODAM"
//   version u32 = 1
//   count   u32, then per transaction:
//       length u32, tx bytes (with witness), time i64 (unix seconds), feeDelta i64
//   deltas  u32, then per prioritisetransaction delta: txid 32 bytes (display order), delta i64
//   check   32 bytes: SHA256d of everything before it
// A file failing any check (short, bad magic/version, bad checksum, trailing bytes) is
// rejected as a whole with a message; the node then starts with an empty pool.
import { crypto as bcrypto } from 'bitcoinjs-lib';
import { Transaction } from '../chain/block.js';

const MAGIC = Buffer.from('ODAM', 'ascii');
const VERSION = 1;

export interface PersistedTx {
  tx: Transaction;
  time: number;
  feeDelta: bigint;
}

export interface MempoolSnapshot {
  txs: PersistedTx[];
  deltas: Map<string, bigint>;
}

export function encodeMempool(snap: MempoolSnapshot): Uint8Array {
  const parts: Buffer[] = [MAGIC];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const i64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    parts.push(b);
  };
  u32(VERSION);
  u32(snap.txs.length);
  for (const p of snap.txs) {
    const raw = Buffer.from(p.tx.toBuffer());
    u32(raw.length);
    parts.push(raw);
    i64(BigInt(p.time));
    i64(p.feeDelta);
  }
  const deltas = [...snap.deltas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  u32(deltas.length);
  for (const [txid, delta] of deltas) {
    parts.push(Buffer.from(txid, 'hex'));
    i64(delta);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, bcrypto.hash256(body)]);
}

export class MempoolFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MempoolFileError';
  }
}

export function decodeMempool(data: Uint8Array): MempoolSnapshot {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < MAGIC.length + 4 + 4 + 4 + 32) throw new MempoolFileError(`file too short (${buf.length} bytes)`);
  const body = buf.subarray(0, buf.length - 32);
  if (!Buffer.from(bcrypto.hash256(body)).equals(buf.subarray(buf.length - 32))) {
    throw new MempoolFileError('checksum mismatch (truncated or corrupted)');
  }
  if (!body.subarray(0, 4).equals(MAGIC)) throw new MempoolFileError('bad magic');
  let off = 4;
  const need = (n: number) => {
    if (off + n > body.length) throw new MempoolFileError(`unexpected end of data at offset ${off}`);
  };
  const u32 = () => {
    need(4);
    const v = body.readUInt32LE(off);
    off += 4;
    return v;
  };
  const i64 = () => {
    need(8);
    const v = body.readBigInt64LE(off);
    off += 8;
    return v;
  };
  const version = u32();
  if (version !== VERSION) throw new MempoolFileError(`unsupported version ${version}`);
  const count = u32();
  const txs: PersistedTx[] = [];
  for (let i = 0; i < count; i++) {
    const len = u32();
    need(len);
    let tx: Transaction;
    try {
      tx = Transaction.fromBuffer(body.subarray(off, off + len));
    } catch (e) {
      throw new MempoolFileError(`transaction ${i} does not decode: ${(e as Error).message}`);
    }
    off += len;
    txs.push({ tx, time: Number(i64()), feeDelta: i64() });
  }
  const nDeltas = u32();
  const deltas = new Map<string, bigint>();
  for (let i = 0; i < nDeltas; i++) {
    need(32);
    const txid = body.subarray(off, off + 32).toString('hex');
    off += 32;
    deltas.set(txid, i64());
  }
  if (off !== body.length) throw new MempoolFileError(`${body.length - off} trailing bytes`);
  return { txs, deltas };
}
