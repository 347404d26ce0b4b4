// Writes generated tables into a BIP between its `<!-- BEGIN name -->` / `<!-- END name -->`
// markers, so a figure a BIP claims is always the output of the command that regenerates it.
import { readFileSync, writeFileSync } from 'node:fs';

const marker = (name: string) => new RegExp(`(<!-- BEGIN ${name} -->\\n)[\\s\\S]*?(<!-- END ${name} -->)`);

/** Replaces each named block of `bip`; throws if a marker is missing (nothing is written then). */
export function writeBipTables(bip: URL | string, tables: Record<string, string>): void {
  let doc = readFileSync(bip, 'utf8');
  for (const [name, text] of Object.entries(tables)) {
    const re = marker(name);
    if (!re.test(doc)) throw new Error(`marker ${name} missing in the BIP`);
    doc = doc.replace(re, `$1${text}\n$2`);
  }
  writeFileSync(bip, doc);
}

/** The text between a named block's markers, or undefined (tests compare it with a fresh run). */
export function readBipTable(bip: URL | string, name: string): string | undefined {
  const m = new RegExp(`<!-- BEGIN ${name} -->\\n([\\s\\S]*?)\\n<!-- END ${name} -->`).exec(readFileSync(bip, 'utf8'));
  return m?.[1];
}
