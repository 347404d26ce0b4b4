// Runs every bench/*.bench.ts (or those whose name contains an argument) one after another
// (benchmarks must not compete for our 2 cores), collects each one's final JSON line and
// writes them to bench-out/results.json.
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv.slice(2);
const files = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)))
  .sort();
const results: Record<string, unknown> = {};
for (const f of files) {
  console.log(`\n=== ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', f)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  process.stdout.write(r.stdout);
  const last = r.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  results[f] = r.status === 0 && last ? JSON.parse(last) : { error: `exit ${r.status}` };
}
mkdirSync(join(root, 'bench-out'), { recursive: true });
writeFileSync(join(root, 'bench-out', 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote bench-out/results.json (${files.length} benchmarks)`);
