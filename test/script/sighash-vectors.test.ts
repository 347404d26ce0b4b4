// Core's sighash.json: 500 legacy signature hashes, including FindAndDelete-free scriptCodes
// with OP_CODESEPARATORs, malformed scripts, SIGHASH_SINGLE without an output, and hash
// types with undefined bits (the full int32 is signed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Transaction } from '../../chain/block.js';
import { legacySighash } from '../../chain/script/sighash.js';

const rows: unknown[][] = JSON.parse(readFileSync(new URL('../vectors/core/sighash.json', import.meta.url), 'utf8'));

test('sighash.json: every case matches Core', () => {
  let passed = 0;
  let notApplicable = 0;
  const failures: string[] = [];
  for (const row of rows) {
    if (row.length === 1) continue;
    const [rawTx, scriptHex, index, hashType, expected] = row as [string, string, number, number, string];
    const tx = Transaction.fromHex(rawTx);
    const hash = legacySighash(tx, index, Buffer.from(scriptHex, 'hex'), hashType);
    // Core prints uint256 in display (reversed) order.
    const got = Buffer.from(hash).reverse().toString('hex');
    if (got === expected) passed++;
    else failures.push(`${rawTx.slice(0, 16)}… #${index} type ${hashType}: ${got} != ${expected}`);
  }
  console.log(`sighash.json: ${passed} passed, ${failures.length} failed, ${notApplicable} not applicable`);
  assert.equal(failures, []);
  assert.is(passed, 500);
});

test.run();
