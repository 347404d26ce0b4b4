// ODA-BIP-0004 §4's message table and §1's MAX_FRAME against the code (p2p/wire): every row's
// limit must equal MAX_PAYLOAD of each command it names, every command must have a row, and
// the frame limit the BIP states must be MAX_FRAME, so the text cannot drift from the code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { MAX_FRAME } from '../../p2p/wire/frame.js';
import { COMMANDS, MAX_PAYLOAD, type Command } from '../../p2p/wire/messages.js';

const BIP = readFileSync(new URL('../../spec/BIPs/oda-bip-0004-p2p.md', import.meta.url), 'utf8');

/** A limit cell: a number with thousands separators, or a sum of such ("5 + 2,097,451"). */
function limitOf(cell: string): number {
  assert.ok(/^[0-9, +]+$/.test(cell), `limit cell "${cell}" is not a number or a sum`);
  return cell.split('+').reduce((sum, term) => sum + Number(term.trim().replace(/,/g, '')), 0);
}

/** Rows of the table under "### 4. Messages": commands (backticked in the first cell) and limit (last cell). */
function tableRows(): Array<{ commands: string[]; limit: number }> {
  const section = BIP.slice(BIP.indexOf('### 4. Messages'), BIP.indexOf('### 5.'));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.map((l) => {
    const cells = l.split('|').slice(1, -1).map((c) => c.trim());
    return { commands: [...cells[0].matchAll(/`([a-z]+)`/g)].map((m) => m[1]), limit: limitOf(cells[cells.length - 1]) };
  });
}

test('every row of the message table states MAX_PAYLOAD of its commands', () => {
  const rows = tableRows();
  assert.ok(rows.length >= 20, `found ${rows.length} rows`);
  for (const r of rows) {
    for (const c of r.commands) {
      assert.ok(COMMANDS.includes(c as Command), `the table names ${c}, which is not a command`);
      assert.is(r.limit, MAX_PAYLOAD[c as Command], `limit of ${c}`);
    }
  }
});

test('every command has a row, exactly one', () => {
  const named = tableRows().flatMap((r) => r.commands);
  for (const c of COMMANDS) assert.is(named.filter((n) => n === c).length, 1, `rows naming ${c}`);
});

test('§1 states MAX_FRAME as the code computes it', () => {
  const m = /`MAX_FRAME` = 20 \+ ([0-9,]+) = ([0-9,]+) bytes/.exec(BIP);
  assert.ok(m, 'the MAX_FRAME sentence');
  const num = (s: string) => Number(s.replace(/,/g, ''));
  assert.is(num(m![1]), Math.max(...Object.values(MAX_PAYLOAD)));
  assert.is(num(m![2]), MAX_FRAME);
});

test.run();
