// Core's tx_valid.json and tx_invalid.json, checked the way Core's transaction_tests.cpp does:
// the stated flags; then for tx_valid every flag (and random sets) removed keeps it valid, for
// tx_invalid every flag (and random sets) added keeps it invalid; and the flags must be tight
// (tx_valid: adding back any one excluded flag fails; tx_invalid: removing any one passes). BADTX rows must fail CheckTransaction, and only those.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTransactionSanity } from './check-transaction.js';
import {
  loadTxCases, txScriptsValid, fillFlags, trimFlags, excludeIndividualFlags, parseScriptFlags, SCRIPT_FLAG_NAMES,
} from './tx-vectors.js';

const FLAG_BITS = Object.entries(SCRIPT_FLAG_NAMES).filter(([, bit]) => bit !== 0);

// Core adds or removes random flag sets too; a fixed-seed generator keeps runs reproducible.
let seed = 0x2545f491;
function randomFlagBits(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) & ((1 << 21) - 1);
}

test('tx_valid.json: every case valid, removing flags keeps it valid, excluded flags tight', () => {
  const cases = loadTxCases('tx_valid.json');
  let passed = 0;
  let checks = 0;
  const failures: string[] = [];
  for (const c of cases) {
    const problems: string[] = [];
    const expect = (ok: boolean, what: string) => {
      checks++;
      if (!ok) problems.push(what);
    };
    const excluded = parseScriptFlags(c.flagsText);
    expect(checkTransactionSanity(c.tx) === undefined, 'CheckTransaction failed');
    expect(c.prevouts !== undefined, 'prevout missing');
    if (c.prevouts) {
      expect(~excluded === fillFlags(~excluded), 'bad test flags');
      expect(txScriptsValid(c, ~excluded), `invalid with all flags but ${c.flagsText}`);
      for (const [name, bit] of FLAG_BITS) {
        expect(txScriptsValid(c, trimFlags(~(excluded | bit))), `invalid with ${name} unset`);
        const more = randomFlagBits();
        expect(txScriptsValid(c, trimFlags(~(excluded | more))), `invalid with flags 0x${more.toString(16)} unset`);
      }
      for (const f of excludeIndividualFlags(excluded)) expect(!txScriptsValid(c, ~f), `still valid with flags ~0x${(f >>> 0).toString(16)}`);
    }
    if (problems.length === 0) passed++;
    else failures.push(`${c.tx.getId()} [${c.flagsText}] ${c.comment.slice(0, 80)}: ${problems.join('; ')}`);
  }
  console.log(`tx_valid.json: ${passed} passed, ${failures.length} failed, 0 not applicable (${cases.length} cases, ${checks} checks)`);
  for (const f of failures) console.log('  FAIL', f);
  assert.is(failures.length, 0);
  assert.is(passed, cases.length);
});

test('tx_invalid.json: every case invalid (BADTX by CheckTransaction), adding flags keeps it invalid, flags tight', () => {
  const cases = loadTxCases('tx_invalid.json');
  let passed = 0;
  let badtx = 0;
  let checks = 0;
  const failures: string[] = [];
  for (const c of cases) {
    const problems: string[] = [];
    const expect = (ok: boolean, what: string) => {
      checks++;
      if (!ok) problems.push(what);
    };
    const reason = checkTransactionSanity(c.tx);
    if (reason !== undefined || c.flagsText === 'BADTX') {
      expect(reason !== undefined && c.flagsText === 'BADTX', reason ? `CheckTransaction failed (${reason}) but flags are ${c.flagsText}` : 'BADTX passed CheckTransaction');
      if (reason) badtx++;
    } else {
      const flags = parseScriptFlags(c.flagsText);
      expect(c.prevouts !== undefined, 'prevout missing');
      if (c.prevouts) {
        expect(flags === fillFlags(flags), 'bad test flags');
        expect(!txScriptsValid(c, flags), `valid with ${c.flagsText}`);
        for (const [name, bit] of FLAG_BITS) {
          expect(!txScriptsValid(c, fillFlags(flags | bit)), `valid with ${name} added`);
          const more = randomFlagBits();
          expect(!txScriptsValid(c, fillFlags(flags | more)), `valid with flags 0x${more.toString(16)} added`);
        }
        for (const f of excludeIndividualFlags(flags)) expect(txScriptsValid(c, f), `still invalid with flags 0x${f.toString(16)}`);
      }
    }
    if (problems.length === 0) passed++;
    else failures.push(`${c.tx.getId()} [${c.flagsText}] ${c.comment.slice(0, 80)}: ${problems.join('; ')}`);
  }
  console.log(`tx_invalid.json: ${passed} passed (${badtx} by CheckTransaction), ${failures.length} failed, 0 not applicable (${cases.length} cases, ${checks} checks)`);
  for (const f of failures) console.log('  FAIL', f);
  assert.is(failures.length, 0);
  assert.is(passed, cases.length);
});

test.run();
