// Shared reading of Core's tx_valid.json / tx_invalid.json rows and the flag arithmetic of
// Core's transaction_tests.cpp (FillFlags, TrimFlags, ExcludeIndividualFlags).
import { readFileSync } from 'node:fs';
import { Transaction } from '../../chain/block.js';
import { parseScript } from './core-asm.js';
import {
  verifyInput, isScriptError, parseScriptFlags, SCRIPT_FLAG_NAMES,
  SCRIPT_VERIFY_P2SH, SCRIPT_VERIFY_WITNESS, SCRIPT_VERIFY_CLEANSTACK, PrecomputedTransactionData, type Prevout,
} from '../../chain/script/index.js';

export interface TxCase {
  comment: string;
  tx: Transaction;
  prevouts: Prevout[] | undefined;
  flagsText: string;
  /** Shared sighash data for all checks of this case (the tx is never modified). */
  txdata?: PrecomputedTransactionData;
}

export function loadTxCases(file: string): TxCase[] {
  const rows: unknown[][] = JSON.parse(readFileSync(new URL(`../vectors/core/${file}`, import.meta.url), 'utf8'));
  const cases: TxCase[] = [];
  let comment = '';
  for (const row of rows) {
    if (row.length === 1) {
      comment = comment && !comment.endsWith('\n') ? `${comment} ${row[0]}` : String(row[0]);
      continue;
    }
    const [inputs, hex, flagsText] = row as [[string, number, string, number?][], string, string];
    const tx = Transaction.fromHex(hex);
    const map = new Map<string, Prevout>();
    for (const [hash, index, asm, amount] of inputs) {
      map.set(`${hash}:${index >>> 0}`, { script: parseScript(asm), value: BigInt(amount ?? 0) });
    }
    // Map each input to its coin by outpoint, as Core's test does; a missing one is a bad test.
    const prevouts: Prevout[] = [];
    let missing = false;
    for (const input of tx.ins) {
      const key = `${Buffer.from(input.hash).reverse().toString('hex')}:${input.index >>> 0}`;
      const p = map.get(key);
      if (!p) missing = true;
      else prevouts.push(p);
    }
    cases.push({ comment, tx, prevouts: missing ? undefined : prevouts, flagsText, txdata: missing ? undefined : new PrecomputedTransactionData(tx, prevouts) });
    comment = '';
  }
  return cases;
}

/** Core's CheckTxScripts: true when every input's validity equals expectValid. */
export function txScriptsValid(c: TxCase, flags: number): boolean {
  for (let i = 0; i < c.tx.ins.length; i++) {
    try {
      verifyInput(c.tx, i, c.prevouts!, flags, c.txdata);
    } catch (e) {
      if (isScriptError(e)) return false;
      throw e;
    }
  }
  return true;
}

export function fillFlags(flags: number): number {
  if (flags & SCRIPT_VERIFY_CLEANSTACK) flags |= SCRIPT_VERIFY_WITNESS;
  if (flags & SCRIPT_VERIFY_WITNESS) flags |= SCRIPT_VERIFY_P2SH;
  return flags;
}

export function trimFlags(flags: number): number {
  if (!(flags & SCRIPT_VERIFY_P2SH)) flags &= ~SCRIPT_VERIFY_WITNESS;
  if (!(flags & SCRIPT_VERIFY_WITNESS)) flags &= ~SCRIPT_VERIFY_CLEANSTACK;
  return flags;
}

/** Each set flag removed in turn, keeping the combination consistent (Core's ExcludeIndividualFlags). */
export function excludeIndividualFlags(flags: number): number[] {
  const out: number[] = [];
  for (const bit of Object.values(SCRIPT_FLAG_NAMES)) {
    if (bit === 0 || !(flags & bit)) continue;
    const f = trimFlags(flags & ~bit);
    if (f !== flags) out.push(f);
  }
  return [...new Set(out)];
}

export { parseScriptFlags, SCRIPT_FLAG_NAMES };
