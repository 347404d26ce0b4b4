// Model-store benchmark (issue #3): ingest, verified read and encryption of a 1 GiB file, each
// as a ratio to plain node:crypto SHA-256 over the same file measured in the same run (read in
// 1 MiB chunks + one streaming hash: the least any verified store must do), peak RSS of an
// ingest in a child process, node:crypto vs @noble/hashes, and the 2 GiB round trip.
//
//   node --import tsx bench/store.bench.ts
//   ODA_BENCH_STORE_MIB=256 (file size, default 1024)  ODA_BENCH_STORE_SKIP_2G=1 (skip 2 GiB)
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { existsSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { MerkleBuilder } from '../model-store/merkle.js';
import { BlobStore } from '../model-store/store.js';
import { decryptStream, encryptStream, generateKey, readFileChunks, writeStreamAtomic } from '../model-store/encryption.js';

const MiB = 1048576;
const self = new URL(import.meta.url).pathname;

// ---- child mode: one measured operation in a fresh process, so maxRSS is its own --------
if (process.argv[2] === '--child') {
  const [, , , op, src, storeDir, durable] = process.argv;
  const store = await BlobStore.open(storeDir);
  const t0 = performance.now();
  let bytes = 0;
  if (op === 'ingest') {
    bytes = (await store.importFile(src, { mediaType: 'raw', durable: durable === '1' })).length;
  } else if (op === 'read') {
    for await (const m of store.list()) for await (const p of store.readBlob(m.root)) bytes += p.length;
  }
  const s = (performance.now() - t0) / 1000;
  await store.close();
  console.log(JSON.stringify({ mibs: bytes / MiB / s, seconds: s, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

function child(args: string[]): Promise<{ mibs: number; seconds: number; maxRssMiB: number }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`child ${args.join(' ')} exited ${code}`))));
  });
}

async function timed(mib: number, fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return mib / ((performance.now() - t) / 1000);
}

async function readChunks(path: string, each: (b: Uint8Array) => void, limit = Infinity): Promise<void> {
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(MiB);
  let total = 0;
  try {
    while (total < limit) {
      const { bytesRead } = await fh.read(buf, 0, MiB, null);
      if (!bytesRead) break;
      each(buf.subarray(0, bytesRead));
      total += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

const sizeMiB = Number(process.env.ODA_BENCH_STORE_MIB ?? 1024);
const dir = await mkdtemp(join(tmpdir(), 'oda-bench-store-'));
try {
  const src = join(dir, 'src.bin');
  {
    const ks = createCipheriv('aes-256-ctr', createHash('sha256').update('ODA-BIP-0001 large').digest(), Buffer.alloc(16));
    const fh = await open(src, 'w');
    const zeros = Buffer.alloc(MiB);
    for (let i = 0; i < sizeMiB; i++) await fh.write(ks.update(zeros));
    await fh.close();
  }
  const baseline = () => timed(sizeMiB, async () => { const h = createHash('sha256'); await readChunks(src, (b) => h.update(b)); h.digest(); });
  const base1 = await baseline();

  const tree = await timed(sizeMiB, async () => { const m = new MerkleBuilder(); await readChunks(src, (b) => m.update(b)); m.digest(); });

  // node:crypto vs @noble/hashes on the same 64 MiB (noble is too slow for the whole file).
  const nobleMiB = Math.min(64, sizeMiB);
  const nodeSmall = await timed(nobleMiB, async () => { const h = createHash('sha256'); await readChunks(src, (b) => h.update(b), nobleMiB * MiB); h.digest(); });
  const noble = await timed(nobleMiB, async () => { const h = nobleSha256.create(); await readChunks(src, (b) => h.update(b), nobleMiB * MiB); h.digest(); });

  const ingestDurable = await child([self, '--child', 'ingest', src, join(dir, 'store-d'), '1']);
  const ingestFast = await child([self, '--child', 'ingest', src, join(dir, 'store-f'), '0']);
  await rm(join(dir, 'store-f'), { recursive: true });
  // The same ingest into tmpfs isolates the store's own pipeline from the disk's write speed.
  let ingestTmpfs: { mibs: number; maxRssMiB: number } | undefined;
  if (existsSync('/dev/shm') && statfsSync('/dev/shm').bavail * statfsSync('/dev/shm').bsize > 4 * sizeMiB * MiB) {
    const shm = await mkdtemp('/dev/shm/oda-bench-store-');
    try {
      ingestTmpfs = await child([self, '--child', 'ingest', src, join(shm, 'store'), '0']);
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  }
  const read = await child([self, '--child', 'read', src, join(dir, 'store-d'), '0']);
  await rm(join(dir, 'store-d'), { recursive: true });

  const key = generateKey();
  const enc = join(dir, 'enc.bin');
  const encryptOnly = await timed(sizeMiB, async () => { for await (const _ of encryptStream(readFileChunks(src), key)) { /* consume */ } });
  const encrypt = await timed(sizeMiB, async () => { await writeStreamAtomic(enc, encryptStream(readFileChunks(src), key)); });
  const decrypt = await timed(sizeMiB, async () => { for await (const _ of decryptStream(readFileChunks(enc), key)) { /* consume */ } });
  const copy = await timed(sizeMiB, async () => { await writeStreamAtomic(join(dir, 'copy.bin'), readFileChunks(src)); });
  await rm(enc);
  await rm(join(dir, 'copy.bin'));
  const base2 = await baseline();
  const base = (base1 + base2) / 2;
  await rm(src);

  let roundTrip: Record<string, unknown> | undefined;
  if (!process.env.ODA_BENCH_STORE_SKIP_2G) {
    const t = performance.now();
    const code = await new Promise((r) => spawn(process.execPath, ['--import', 'tsx', new URL('../test/model-store/large.test.ts', import.meta.url).pathname], {
      env: { ...process.env, ODA_STORE_LARGE_MIB: '2048' }, stdio: ['ignore', 'inherit', 'inherit'],
    }).on('exit', r));
    roundTrip = { sizeMiB: 2048, passed: code === 0, seconds: +((performance.now() - t) / 1000).toFixed(1) };
  }

  const f = (x: number) => +x.toFixed(1);
  const r = (x: number) => +x.toFixed(3);
  const figures = {
    bench: 'store', sizeMiB,
    sha256BaselineMiBs: f(base), sha256BaselineRuns: [f(base1), f(base2)],
    bep52TreeMiBs: f(tree), treeRatio: r(tree / base),
    ingestDurableMiBs: f(ingestDurable.mibs), ingestDurableRatio: r(ingestDurable.mibs / base), ingestPeakRssMiB: f(ingestDurable.maxRssMiB),
    ingestNoSyncMiBs: f(ingestFast.mibs), ingestNoSyncRatio: r(ingestFast.mibs / base), ingestNoSyncPeakRssMiB: f(ingestFast.maxRssMiB),
    verifiedReadMiBs: f(read.mibs), verifiedReadRatio: r(read.mibs / base), readPeakRssMiB: f(read.maxRssMiB),
    ingestOverPlainCopy: r(ingestDurable.mibs / copy),
    ingestTmpfsMiBs: ingestTmpfs ? f(ingestTmpfs.mibs) : null, ingestTmpfsRatio: ingestTmpfs ? r(ingestTmpfs.mibs / base) : null,
    encryptMiBs: f(encryptOnly), encryptRatio: r(encryptOnly / base), decryptMiBs: f(decrypt), decryptRatio: r(decrypt / base),
    encryptToFileMiBs: f(encrypt), plainCopyMiBs: f(copy), encryptToFileSlowdown: r(copy / encrypt),
    nodeSha256MiBs: f(nodeSmall), nobleSha256MiBs: f(noble), nodeOverNoble: r(nodeSmall / noble),
    roundTrip2GiB: roundTrip ?? null,
    targets: { ingestRatio: 0.7, peakRssMiB: 200 },
  };
  console.log(`model store, ${sizeMiB} MiB file (baseline: read + node:crypto SHA-256 = ${f(base)} MiB/s, runs ${f(base1)} / ${f(base2)})`);
  console.log(`  BEP 52 tree only       ${f(tree)} MiB/s  (${r(tree / base)}x baseline)`);
  console.log(`  ingest, fsync          ${f(ingestDurable.mibs)} MiB/s  (${r(ingestDurable.mibs / base)}x, target >= 0.7)  peak RSS ${f(ingestDurable.maxRssMiB)} MiB (target <= 200)`);
  console.log(`  ingest, no fsync       ${f(ingestFast.mibs)} MiB/s  (${r(ingestFast.mibs / base)}x)  peak RSS ${f(ingestFast.maxRssMiB)} MiB`);
  if (ingestTmpfs) console.log(`  ingest into tmpfs      ${f(ingestTmpfs.mibs)} MiB/s  (${r(ingestTmpfs.mibs / base)}x: the store's pipeline without the disk)`);
  console.log(`  verified read          ${f(read.mibs)} MiB/s  (${r(read.mibs / base)}x)  peak RSS ${f(read.maxRssMiB)} MiB`);
  console.log(`  plain file copy+fsync  ${f(copy)} MiB/s (disk-bound context: ingest is ${r(ingestDurable.mibs / copy)}x a plain copy)`);
  console.log(`  AES-256-GCM encrypt    ${f(encryptOnly)} MiB/s (${r(encryptOnly / base)}x baseline), decrypt ${f(decrypt)} MiB/s; encrypt to file ${f(encrypt)} MiB/s vs plain copy (slowdown ${r(copy / encrypt)}x)`);
  console.log(`  SHA-256 node:crypto ${f(nodeSmall)} MiB/s vs @noble/hashes ${f(noble)} MiB/s (${r(nodeSmall / noble)}x) on ${nobleMiB} MiB`);
  if (roundTrip) console.log(`  2 GiB round trip (test/model-store/large.test.ts): ${roundTrip.passed ? 'passed' : 'FAILED'} in ${roundTrip.seconds} s`);
  console.log(JSON.stringify(figures));
} finally {
  await rm(dir, { recursive: true, force: true });
}
