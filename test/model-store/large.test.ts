// The "done when" round trip: a large file goes in and comes out byte-identical with bounded
// memory, its root equals the BEP 52 pieces root (computed here independently), and a
// flipped byte on disk is detected. Size: ODA_STORE_LARGE_MIB, default 256 (about 8 s); the
// full 2 GiB run is ODA_STORE_LARGE_MIB=2048 (40-75 s on the shared 2-core machine, 4 GiB of
// temp disk, deleted at the end), which bench/store.bench.ts also runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1048576;
const sizeMiB = Number(process.env.ODA_STORE_LARGE_MIB ?? 256);
const RSS_LIMIT_MIB = 200;

/** Writes the AES-256-CTR keystream of SHA256("ODA-BIP-0001 large") to `path`; returns its SHA-256 and BEP 52 root. */
async function writeSource(path: string, length: number): Promise<{ sha: string; root: string }> {
  const ks = createCipheriv('aes-256-ctr', createHash('sha256').update('ODA-BIP-0001 large').digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(MiB);
  const fileHash = createHash('sha256');
  const leaves: Buffer[] = [];
  const fh = await open(path, 'w');
  try {
    for (let off = 0; off < length; off += MiB) {
      const chunk = ks.update(zeros.subarray(0, Math.min(MiB, length - off)));
      fileHash.update(chunk);
      for (let b = 0; b < chunk.length; b += 16384) leaves.push(createHash('sha256').update(chunk.subarray(b, b + 16384)).digest());
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
  // Independent tree: level by level, a missing node is the all-padding subtree of its height.
  let pad = Buffer.alloc(32);
  let layer = leaves;
  let width = 1;
  while (width < leaves.length) width *= 2;
  for (; width > 1; width /= 2) {
    const next: Buffer[] = [];
    for (let i = 0; i < layer.length; i += 2) next.push(createHash('sha256').update(layer[i]).update(layer[i + 1] ?? pad).digest());
    layer = next;
    pad = createHash('sha256').update(pad).update(pad).digest();
  }
  return { sha: fileHash.digest('hex'), root: layer[0].toString('hex') };
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(MiB);
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, MiB, null);
      if (!bytesRead) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

test(`${sizeMiB} MiB + 12345 bytes round trip with bounded memory`, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'oda-large-'));
  try {
    const length = sizeMiB * MiB + 12345;
    const src = join(dir, 'src.bin');
    const out = join(dir, 'out.bin');
    const expected = await writeSource(src, length);
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/large-child.ts', import.meta.url).pathname, src, join(dir, 'store'), out], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise((r) => child.on('close', r)); // 'close': stdout fully read
    assert.is(code, 0, 'child exit');
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    console.log(`    ${sizeMiB} MiB: import ${r.importMiBs} MiB/s, export ${r.exportMiBs} MiB/s, peak RSS ${r.maxRssMiB} MiB`);
    assert.is(r.length, length);
    assert.is(r.root, expected.root, 'root equals the BEP 52 pieces root');
    await rm(src);
    assert.is(await sha256File(out), expected.sha, 'byte-identical export');
    assert.equal(r.badPieces, [r.flippedPiece], 'flipped byte detected in the right piece');
    assert.ok(r.maxRssMiB <= RSS_LIMIT_MIB, `peak RSS ${r.maxRssMiB} MiB > ${RSS_LIMIT_MIB} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
