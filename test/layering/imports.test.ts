// The dependency rule of docs/ARCHITECTURE.md, checked on the source itself: every import
// points to a lower layer (or inside its own folder), and no file reaches itself through
// its value imports (an import circle). `import type` is erased at run time, so it may
// cross a layer sideways but still never upwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/** Lower numbers are lower layers; a folder may import only strictly lower ones. */
const LAYER: Record<string, number> = {
  util: 0,
  'model-store': 1, chain: 1,
  validator: 2, mempool: 2,
  miner: 3, wallet: 3,
  // ODA's services (OdaWallet, the plugin) build on the plain Bitcoin wallet, never the reverse.
  oda: 4,
  p2p: 5, tools: 5,
  rpc: 6,
  explorer: 7,
  node: 8, lite: 8,
  cli: 9, regtest: 9, sim: 9,
  bin: 10,
};
/** Subfolders that count as their own layer inside a folder. */
function layerOf(file: string): string {
  const top = file.split('/')[0];
  return top;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

interface Edge { from: string; to: string; typeOnly: boolean }

const IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?\bfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

function resolveSpec(from: string, spec: string): string | undefined {
  const base = normalize(join(dirname(from), spec));
  for (const c of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(join(root, c)) && statSync(join(root, c)).isFile()) return c;
  }
  return undefined;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const top of Object.keys(LAYER)) {
    if (!existsSync(join(root, top))) continue;
    for (const f of sources(top)) {
      const text = readFileSync(join(root, f), 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[4] ?? m[5];
        const to = resolveSpec(f, spec);
        if (!to) continue;
        // `import { type A, type B }` is type-only too.
        const names = m[3] ?? '';
        const allTypes = /^\{\s*(type\s+\w+(\s+as\s+\w+)?\s*,?\s*)+\}\s*from\s+$/.test(names.trim() + ' ') || /^\{[^}]*\}/.test(names) && [...names.matchAll(/[{,]\s*([^,}]+)/g)].every((x) => x[1].trim().startsWith('type '));
        out.push({ from: f, to: relative(root, join(root, to)), typeOnly: Boolean(m[2]) || (m[1] === 'import' && allTypes) });
      }
    }
  }
  return out;
}

test('imports point to lower layers only', () => {
  const bad: string[] = [];
  for (const e of edges()) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (a === b) continue;
    if (!(b in LAYER)) { bad.push(`${e.from} -> ${e.to} (folder ${b} has no layer)`); continue; }
    if (LAYER[b] >= LAYER[a]) bad.push(`${e.from} -> ${e.to} (${a}:${LAYER[a]} may not import ${b}:${LAYER[b]})`);
  }
  assert.equal(bad, []);
});

test('no import circle between source files (value imports)', () => {
  const graph = new Map<string, string[]>();
  for (const e of edges()) {
    if (e.typeOnly) continue;
    if (!graph.has(e.from)) graph.set(e.from, []);
    graph.get(e.from)!.push(e.to);
  }
  // Tarjan's strongly connected components; any component of two or more files is a circle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) circles.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  assert.equal(circles, []);
});

test.run();
