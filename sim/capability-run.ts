// `npm run sim:capability`: regenerates figure (f) of ODA-BIP-0007b (capability classes) between
// the SIM-F markers of the BIP. Deterministic; test/sim/capability.test.ts checks the BIP is current.
import { readFileSync } from 'node:fs';
import { capabilityMarkdown, capabilityTable, generateMix } from './capability.js';
import { writeBipTables } from './bip-tables.js';

export const F_BLOCKS = 2_000;
export const F_SEED = 7;

export function figureF(nsPerCu: number): string {
  return capabilityMarkdown(capabilityTable(generateMix(F_BLOCKS, F_SEED)), nsPerCu, F_BLOCKS, F_SEED);
}

export const BIP_URL = new URL('../spec/BIPs/oda-bip-0007b-private-models.md', import.meta.url);
export const NS_URL = new URL('./ns-per-cu.json', import.meta.url);

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const ns = (JSON.parse(readFileSync(NS_URL, 'utf8')) as { worst: number }).worst;
  const table = figureF(ns);
  writeBipTables(BIP_URL, { 'SIM-F': table });
  console.log(table);
}
