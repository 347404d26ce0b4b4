// ODA-BIP-0006 proof check per block with N indexed blobs: reading the parent's index from the
// state for every block (loadIndex over the extension's LevelDB namespace, the old path) vs the
// per-block-hash cache (oda/storage-index-cache.ts: the parent's index from memory, the block's
// derived with applyIndexWrites). Both then check the same real proof section (every slot a
// leaf with its BEP 52 path) and compute the block's index writes (one new blob registered).
// Ratio cached / loadIndex in the same run, per N.
//
//   node --import tsx bench/storage-index.bench.ts      ODA_BENCH_INDEX_N=1000,10000 (default)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainDB } from '../chain/chaindb.js';
import { blockProof, piecesRoot, toHex } from '../model-store/merkle.js';
import { applyIndexWrites, indexBlock, loadIndex, STORAGE_EXTENSION, type IndexEntry, type MemoryIndex } from '../oda/storage-index.js';
import { IndexCache } from '../oda/storage-index-cache.js';
import { buildStorageProof, checkStorageProof, encodeStorageProof, storageSeed, type LeafSource } from '../oda/storage-proof.js';
import { rng } from '../util/rng.js';
import { ratio } from './util.js';

const SIZES = (process.env.ODA_BENCH_INDEX_N ?? '1000,10000').split(',').map(Number);
const HEIGHT = 1000;
const PROOFS = 16;

/** Blob contents from its ordinal (so the proof builder regenerates a blob instead of keeping N). */
function content(i: number, length: number): Uint8Array {
  const b = new Uint8Array(length);
  const dv = new DataView(b.buffer);
  for (let o = 0; o + 4 <= length; o += 4) dv.setUint32(o, (Math.imul(i + 1, 0x9e3779b1) ^ o) >>> 0, true);
  return b;
}

const source: LeafSource = {
  leaf: (e: IndexEntry, leaf: number) => content(e.ordinal, e.length).subarray(leaf * 16384, Math.min(e.length, (leaf + 1) * 16384)),
  path: (e: IndexEntry, leaf: number) => blockProof(content(e.ordinal, e.length), leaf),
};

async function measure(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'oda-bench-index-'));
  const db = new ChainDB(join(dir, 'chainstate'), false);
  await db.open(0);
  const state = db.extensionState(STORAGE_EXTENSION);
  const r = rng(n);
  // N blobs of 64 bytes–48 KiB (1–3 leaves), registered 100 per block.
  for (let first = 0, h = 1; first < n; first += 100, h++) {
    const blobs = [];
    for (let i = first; i < Math.min(n, first + 100); i++) {
      const length = 64 + Math.floor(r() * (49152 - 64));
      blobs.push({ root: toHex(piecesRoot(content(i, length))), length });
    }
    const v = await indexBlock(state, h, blobs);
    const batch = db.batch();
    db.putExtensionState(batch, STORAGE_EXTENSION, v.writes);
    await batch.write();
  }
  const parent = await loadIndex(state);
  const cache = new IndexCache();
  cache.put('parent', parent);
  // Blocks to check: PROOFS headers, each with a valid proof section and one new blob.
  const blocks: Array<{ seed: Uint8Array; digest: Uint8Array; proof: Uint8Array }> = [];
  for (let i = 0; i < PROOFS; i++) {
    const header = Buffer.alloc(80);
    header.writeUInt32LE(i, 76);
    const seed = storageSeed(header);
    const built = await buildStorageProof(seed, parent, HEIGHT, source);
    blocks.push({ seed, digest: built.digest, proof: encodeStorageProof(built.slots) });
  }
  const fresh = { root: 'ee'.repeat(32), length: 123_456 };
  let k = 0;
  const check = async (index: MemoryIndex) => {
    const b = blocks[k++ % PROOFS]!;
    const outcome = checkStorageProof(b.seed, b.digest, index, HEIGHT, b.proof);
    return indexBlock(state, HEIGHT, [fresh], outcome);
  };
  const old = async () => { await check(await loadIndex(state)); };
  const cached = async () => {
    const index = cache.get('parent')!;
    const v = await check(index);
    cache.put('child', applyIndexWrites(index, v.writes));
  };
  const res = await ratio(cached, old, n >= 10_000 ? 21 : 41);
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return { n, loadIndexMs: +res.base.toFixed(3), cachedMs: +res.cand.toFixed(3), ratioCachedToLoad: +res.ratio.toFixed(4) };
}

const rows = [];
for (const n of SIZES) {
  const row = await measure(n);
  rows.push(row);
  console.log(`N=${n}: per-block check ${row.loadIndexMs} ms reading the index, ${row.cachedMs} ms cached (ratio ${row.ratioCachedToLoad})`);
}
console.log(JSON.stringify({ rows }));
