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

/**
 * What a simulator command ends with: the tables into `outDir`/tables.md and into the BIP
 * (a missing marker sets a failing exit code, the other outputs are still written), then on stdout.
 */
export function publishTables(outDir: URL, bip: URL | string, tables: Record<string, string>): void {
  writeFileSync(new URL('tables.md', outDir), Object.entries(tables).map(([k, v]) => `## ${k}\n\n${v}\n`).join('\n'));
  try {
    writeBipTables(bip, tables);
  } catch (e) {
    console.error(`BIP not updated: ${(e as Error).message}`);
    process.exitCode = 1;
  }
  console.log(Object.values(tables).join('\n\n'));
}

/** The text between a named block's markers, or undefined (tests compare it with a fresh run). */
export function readBipTable(bip: URL | string, name: string): string | undefined {
  const m = new RegExp(`<!-- BEGIN ${name} -->\\n([\\s\\S]*?)\\n<!-- END ${name} -->`).exec(readFileSync(bip, 'utf8'));
  return m?.[1];
}
