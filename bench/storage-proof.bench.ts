// ODA-BIP-0006 benchmark: per-nonce cost of storage sampling (seed, k byte-weighted draws, k
// 16 KiB leaf reads from the model store's blob files, the digest, the PoW hash) as a ratio to
// plain grinding (SHA256d of the header) in the same run; proof build for the winning nonce;
// proof verification per block (ms); bytes added per block.
//
//   node --import tsx bench/storage-proof.bench.ts      ODA_BENCH_STORAGE_MIB=64 (registered data, default 64)
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore } from '../model-store/store.js';
import { MemoryIndex } from '../oda/storage-index.js';
import { buildStorageProof, checkStorageProof, createStorageMiner, encodeStorageProof, storageSeed } from '../oda/storage-proof.js';
import { StoreLeafSource } from '../oda/storage-source.js';
import { rng } from '../util/rng.js';
import { median } from './util.js';

const MiB = 1048576;
const total = Number(process.env.ODA_BENCH_STORAGE_MIB ?? 64) * MiB;
const dir = await mkdtemp(join(tmpdir(), 'oda-bench-storage-'));
const store = await BlobStore.open(join(dir, 'models'));
const index = new MemoryIndex();
const r = rng(7);
// Blobs of 1–16 MiB until `total` bytes are registered.
for (let left = total, i = 0; left > 0; i++) {
  const len = Math.min(left, Math.floor((1 + r() * 15) * MiB));
  // Distinct contents per blob (a seeded counter stream; contents do not affect timings).
  const bytes = new Uint8Array(len);
  const dv = new DataView(bytes.buffer);
  const salt = Math.floor(r() * 2 ** 32);
  for (let o = 0; o + 4 <= len; o += 4) dv.setUint32(o, (salt ^ o) >>> 0, true);
  const m = await store.importBytes(bytes, { mediaType: 'raw', durable: false });
  index.add({ root: m.root, length: m.length }, 0);
  left -= len;
}
const src = new StoreLeafSource(store);
await src.refresh(index.entries.map((e) => e.root));
const height = 100;
const header = Buffer.alloc(80);
// The grinder's own per-attempt path (miner/grind.ts with the template's StorageMiner): the
// storage extension of the 80-byte header, then SHA256d of the 113-byte header.
const miner = createStorageMiner(index, height, src);
const header113 = Buffer.alloc(113);
const sha256d = (b: Uint8Array) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

function plain(n: number): void {
  for (let i = 0; i < n; i++) { header.writeUInt32LE(i, 76); sha256d(header); }
}
function sampled(n: number): void {
  const h80 = header113.subarray(0, 80);
  for (let i = 0; i < n; i++) {
    header113.writeUInt32LE(i, 76);
    const a = miner.attempt(h80);
    header113.set(a.digest, 80);
    header113[112] = a.skips;
    sha256d(header113);
  }
}
const BATCH = 2000;
const tp: number[] = [], ts: number[] = [];
plain(BATCH); sampled(BATCH);
for (let rep = 0; rep < 7; rep++) {
  let t = performance.now(); plain(BATCH); tp.push(performance.now() - t);
  t = performance.now(); sampled(BATCH); ts.push(performance.now() - t);
}
const plainRate = BATCH / (median(tp) / 1000), sampledRate = BATCH / (median(ts) / 1000);

const tb: number[] = [], tv: number[] = [], sizes: number[] = [];
for (let i = 0; i < 30; i++) {
  header.writeUInt32LE(1_000_000 + i, 76);
  const seed = storageSeed(header);
  let t = performance.now();
  const built = await buildStorageProof(seed, index, height, src);
  const bytes = encodeStorageProof(built.slots);
  tb.push(performance.now() - t);
  t = performance.now();
  checkStorageProof(seed, built.digest, index, height, bytes);
  tv.push(performance.now() - t);
  sizes.push(bytes.length + 33);
}
src.close();
await store.close();
await rm(dir, { recursive: true, force: true });
const out = {
  registeredMiB: total / MiB, blobs: index.count,
  plainHashesPerSec: Math.round(plainRate), sampledAttemptsPerSec: Math.round(sampledRate),
  ratioSampledToPlain: +(sampledRate / plainRate).toFixed(4),
  proofBuildMs: +median(tb).toFixed(2), proofVerifyMs: +median(tv).toFixed(3),
  bytesPerBlockMedian: median(sizes), bytesPerBlockMax: Math.max(...sizes),
};
console.log(`plain SHA256d ${out.plainHashesPerSec}/s, sampled attempts ${out.sampledAttemptsPerSec}/s (ratio ${out.ratioSampledToPlain}); build ${out.proofBuildMs} ms, verify ${out.proofVerifyMs} ms per block; ${out.bytesPerBlockMedian} bytes per block (max ${out.bytesPerBlockMax}, incl. the 33 header extension bytes)`);
console.log(JSON.stringify(out));
