// A node killed (SIGKILL) in the middle of an import must leave no half-visible blob.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore } from '../../model-store/store.js';
import { testData } from './helpers.js';

test('SIGKILL mid-ingest, then reopen: nothing visible, temp data gone, store usable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-crash-'));
  const storeDir = join(dir, 'store');
  // One blob present before the crash must survive it.
  let s = await BlobStore.open(storeDir);
  const before = await s.importBytes(testData(3000), { mediaType: 'raw' });
  await s.close();

  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/ingest-child.ts', import.meta.url).pathname, storeDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('mid')) {
        // The temp file holds the 8 MiB written so far: the import is really under way.
        const parts = readdirSync(join(storeDir, 'tmp'));
        assert.is(parts.length, 1);
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code} ${signal}: ${out}`))));
  });

  s = await BlobStore.open(storeDir);
  const roots: string[] = [];
  for await (const m of s.list()) roots.push(m.root);
  assert.equal(roots, [before.root], 'only the earlier blob is visible');
  assert.equal(readdirSync(join(storeDir, 'tmp')), [], 'interrupted temp file removed');
  assert.ok((await s.verify(before.root)).ok);
  const full = testData(8 * 1048576 + 10);
  const m = await s.importBytes(full, { mediaType: 'raw' });
  assert.equal(await s.readAll(m.root), full);
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
