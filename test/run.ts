// Test driver: runs every test/**/*.test.ts file in its own process (isolation, and two
// at a time on our 2-core machines), sums uvu's per-file totals and prints the line CI
// reads: "N passed, N failed". A file that crashes before uvu reports counts as one failure.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cpus } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv.slice(2);

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

interface Result { file: string; passed: number; failed: number; skipped: number; code: number | null; output: string; ms: number }

function runFile(file: string): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout also kills the odad nodes it started
    });
    let output = '';
    // A hung file must not hang CI: kill its whole process group after the limit.
    const limit = Number(process.env.TEST_FILE_TIMEOUT ?? 600) * 1000;
    const timer = setTimeout(() => {
      output += `\n[test/run] killed after ${limit / 1000}s without finishing\n`;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    }, limit);
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      // uvu prints a summary per process: "Total: N", "Passed: N", "Skipped: N".
      const num = (label: string) => {
        let sum = 0;
        for (const m of output.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))) sum += Number(m[1]);
        return sum;
      };
      const total = num('Total');
      const passed = num('Passed');
      const skipped = num('Skipped');
      let failed = total - passed - skipped;
      if (code !== 0 && failed === 0) failed = 1; // crashed or failed outside a test
      resolve({ file, passed, failed, skipped, code, output, ms: Date.now() - started });
    });
  });
}

const files = findTests(join(root, 'test')).filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
const jobs = Math.max(1, Math.min(Number(process.env.TEST_JOBS ?? 0) || cpus().length, 4));
const results: Result[] = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const file = files[next++];
    const r = await runFile(file);
    results.push(r);
    const status = r.failed > 0 ? 'FAIL' : 'ok  ';
    console.log(`${status} ${relative(root, file)}  (${r.passed} passed, ${r.failed} failed, ${(r.ms / 1000).toFixed(1)}s)`);
    if (r.failed > 0 || process.env.TEST_VERBOSE) console.log(r.output.replace(/^/gm, '    '));
  }
}
await Promise.all(Array.from({ length: jobs }, worker));
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
const skipped = results.reduce((a, r) => a + r.skipped, 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
