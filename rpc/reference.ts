// The README's RPC reference, generated from the method tables so it cannot drift:
// `npm run docs` rewrites it, and test/rpc/readme.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { allMethods } from './methods/index.js';
import type { RpcMethod, ParamSpec } from './types.js';

export const START = '<!-- rpc-reference:start -->';
export const END = '<!-- rpc-reference:end -->';

const BUILTIN: Pick<RpcMethod, 'name' | 'category' | 'params' | 'help'>[] = [
  { name: 'help', category: 'Control', params: [{ name: 'command', type: 'string', optional: true }], help: 'List all commands, or get help for a specified command.' },
  { name: 'uptime', category: 'Control', params: [], help: 'Returns the total uptime of the server.' },
];

function signature(params: ParamSpec[]): string {
  return params.map((p) => (p.optional ? `[${p.name}]` : p.name)).join(' ');
}

function firstSentence(help: string): string {
  const line = help.split('\n')[0].trim();
  return line.replace(/\|/g, '\\|');
}

export function rpcReference(): string {
  const methods = [...BUILTIN, ...allMethods()];
  const byCat = new Map<string, typeof methods>();
  for (const m of methods) {
    if (!byCat.has(m.category)) byCat.set(m.category, []);
    byCat.get(m.category)!.push(m);
  }
  const out: string[] = [START];
  for (const cat of [...byCat.keys()].sort()) {
    out.push('', `**${cat}**`, '', '| method | arguments | what it does |', '|---|---|---|');
    for (const m of byCat.get(cat)!.sort((a, b) => a.name.localeCompare(b.name))) {
      out.push(`| \`${m.name}\` | ${signature(m.params) || '–'} | ${firstSentence(m.help)} |`);
    }
  }
  out.push('', END);
  return out.join('\n');
}

export function replaceReference(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < 0) throw new Error('README has no rpc-reference markers');
  return readme.slice(0, a) + rpcReference() + readme.slice(b + END.length);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const file = new URL('../README.md', import.meta.url);
  writeFileSync(file, replaceReference(readFileSync(file, 'utf8')));
  console.log('README.md RPC reference updated');
}
