// The chain database key schema, in one place (after bcoin's blockchain/layout.js).
// Database: classic-level (LevelDB) at <dir>/chainstate, keys and values raw bytes.
// Block and undo bodies are NOT in the database; they are files under <dir>/blocks/
// (chain/blockstore.ts), written and fsynced before any batch that references them.
//
//   V                      -> u32 LE schema version | u32 LE network magic
//   R                      -> tip hash (32 bytes, internal order). Written in the SAME batch as
//                             the UTXO, tx-index and status changes of every connect/disconnect,
//                             so the database is always exactly some tip's state.
//   e[hash:32]             -> block index entry (chain/entry.ts): header 80, or 113 with the
//                             ODA-BIP-0006 extension (its version says which) | height u32 LE |
//                             status u32 LE | chainwork 32 B big-endian
//   n[hash:32]             -> transactions in the block (Core's CBlockIndex::nTx), u32 LE.
//                             Written in the SAME batch as the entry that first carries
//                             HAVE_DATA (the body is fsynced before), so a stored body always
//                             has its count. Its own key rather than a field of e: the entry
//                             encoding stays as it is, and data dirs from before the key are
//                             upgraded at startup by counting their stored bodies once
//                             (chain/chain.ts loadTxCounts; derivable data, so a crash during
//                             that only repeats it).
//   k[hash:32]             -> ODA-BIP-0005 record of a block connected at or after activation
//                             (chain/entry.ts encodeCostRecord): cu u64 LE | baseFee u64 LE |
//                             burn u64 LE | discountPpm u32 LE. Written in the batch that first
//                             connects the block (so a VALID entry past activation always has
//                             one); kept when the block leaves the main chain, as its undo file.
//   c[txid:32][vout:u32BE] -> unspent coin (chain/coins.ts): value u64 LE |
//                             code u32 LE (height * 2 + coinbase) | scriptPubKey (rest)
//                             vout is big-endian so iteration is in (txid, vout) order, the
//                             order gettxoutsetinfo hashes in.
//   t[txid:32]             -> tx index: block hash 32 (internal order) | position in block u32 LE
//   X[name][0x00][key...]  -> state owned by the ChainExtension called `name` (e.g. the ODA
//                             model registry); written only inside the chain's block batches.
//
// Hashes and txids in keys are in internal byte order (bitcoinjs getHash()).

// Schema versions: 1 the first; 2 adds ODA-BIP-0005's block records (k) and ODA-BIP-0006's
// storage index (X"storage"\0), kept from genesis. Both are written only by connecting blocks
// (extension undo lives in the block's undo record), so an older database cannot gain them in
// place: it is refused at open.
export const DB_VERSION = 2;

const P_VERSION = 0x56; // 'V'
const P_TIP = 0x52; // 'R'
const P_ENTRY = 0x65; // 'e'
const P_NTX = 0x6e; // 'n'
const P_COST = 0x6b; // 'k'
const P_COIN = 0x63; // 'c'
const P_TX = 0x74; // 't'
const P_EXT = 0x58; // 'X'

export const layout = {
  V: Uint8Array.of(P_VERSION),
  R: Uint8Array.of(P_TIP),
  /** Block index entry of `hash` (internal order). */
  e(hash: Uint8Array): Uint8Array {
    return prefixed(P_ENTRY, hash);
  },
  /** Transaction count of block `hash` (internal order). */
  n(hash: Uint8Array): Uint8Array {
    return prefixed(P_NTX, hash);
  },
  /** ODA-BIP-0005 record of block `hash` (internal order). */
  k(hash: Uint8Array): Uint8Array {
    return prefixed(P_COST, hash);
  },
  /** Unspent coin at (txid, vout); `outpoint` is the 36-byte txid||vout-BE suffix. */
  c(outpoint: Uint8Array): Uint8Array {
    return prefixed(P_COIN, outpoint);
  },
  t(txid: Uint8Array): Uint8Array {
    return prefixed(P_TX, txid);
  },
  /** Key inside the namespace of extension `name`. */
  x(name: string, key: Uint8Array): Uint8Array {
    const n = Buffer.from(name, 'utf8');
    if (n.includes(0)) throw new Error('extension name may not contain NUL');
    return Buffer.concat([Uint8Array.of(P_EXT), n, Uint8Array.of(0), key]);
  },
  /** [gte, lt) bounds for iterating one prefix. */
  range(prefix: 'e' | 'n' | 'k' | 'c' | 't'): { gte: Uint8Array; lt: Uint8Array } {
    const p = prefix.charCodeAt(0);
    return { gte: Uint8Array.of(p), lt: Uint8Array.of(p + 1) };
  },
  extRange(name: string): { gte: Uint8Array; lt: Uint8Array } {
    const n = Buffer.from(name, 'utf8');
    return { gte: Buffer.concat([Uint8Array.of(P_EXT), n, Uint8Array.of(0)]), lt: Buffer.concat([Uint8Array.of(P_EXT), n, Uint8Array.of(1)]) };
  },
};

function prefixed(p: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = p;
  out.set(body, 1);
  return out;
}

/** 36-byte outpoint: txid (internal order) || vout big-endian. */
export function outpointBytes(txid: Uint8Array, vout: number): Uint8Array {
  const out = new Uint8Array(36);
  out.set(txid, 0);
  new DataView(out.buffer).setUint32(32, vout >>> 0, false);
  return out;
}
