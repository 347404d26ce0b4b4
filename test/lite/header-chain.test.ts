// The lite node's header chain: the same header rules as odad, most-work branch selection
// with first-seen ties, persistence across a reopen (a torn last record cut off), invalid
// headers refused with Core's reasons, and the anchor rule for model proofs (a proof against
// a header off the best chain, unknown, or at a lied height is refused).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiteChain } from '../../lite/header-chain.js';
import { HEADERS_FILE, HEADERS_MAGIC } from '../../lite/header-store.js';
import { proofAnchor, ProofRefused } from '../../lite/proof.js';
import { compactToTarget, headerId, targetToCompact } from '../../chain/header.js';
import { VerifyError } from '../../chain/errors.js';
import { blockWork, costAwareBits } from '../../chain/difficulty.js';
import { COST_AWARE } from '../../chain/cost-aware.js';
import { mineChain, mineHeader, NOW, params, tipOf } from './util.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'oda-lite-'));
  dirs.push(d);
  return d;
}
const open = (dir: string) => LiteChain.open({ params, dir, now: NOW });

function reason(fn: () => unknown): string {
  try { fn(); } catch (e) { if (e instanceof VerifyError) return `${e.reason}/${e.score}`; throw e; }
  return 'accepted';
}

test('syncs a run of headers, stores them, and reopens at the same tip', () => {
  const dir = tmp();
  const c = open(dir);
  const run = mineChain(tipOf(c.tip), 30);
  const r = c.acceptHeaders(run);
  assert.is(r.added.length, 30);
  assert.is(c.height, 30);
  assert.is(c.tip.hash, headerId(run[29]));
  assert.is(statSync(join(dir, HEADERS_FILE)).size, HEADERS_MAGIC.length + 30 * 81, 'magic, then a length byte and 80 bytes per header');
  // Already known headers are not stored again.
  assert.is(c.acceptHeaders(run.slice(10)).added.length, 0);
  c.close();
  const again = open(dir);
  assert.is(again.tip.hash, headerId(run[29]));
  assert.is(again.getEntryByHeight(12)!.hash, headerId(run[11]));
  again.close();
});

test('a heavier branch becomes the best chain (header reorg); on equal work the first seen stays', () => {
  const dir = tmp();
  const c = open(dir);
  const a = mineChain(tipOf(c.tip), 10, 'a');
  c.acceptHeaders(a);
  const fork = c.getEntryByHeight(5)!;
  const b = mineChain(tipOf(fork), 5, 'b'); // height 10: equal work
  assert.is(c.acceptHeaders(b).reorg, undefined);
  assert.is(c.tip.hash, headerId(a[9]), 'equal work: the first seen branch stays best');
  const b2 = mineChain({ hash: headerId(b[4]), time: fork.time + 5 * 600 }, 2, 'b');
  const r = c.acceptHeaders(b2);
  assert.ok(r.reorg, 'reorg reported');
  assert.is(r.reorg!.fork.hash, fork.hash);
  assert.is(r.reorg!.oldTip.hash, headerId(a[9]));
  assert.is(c.tip.hash, headerId(b2[1]));
  assert.is(c.height, 12);
  assert.not.ok(c.isMainChain(c.getEntry(headerId(a[9]))!), 'the old branch left the main chain');
  assert.is(c.getEntryByHeight(6)!.hash, headerId(b[0]));
  c.close();
  // Replayed in arrival order, the reopened chain picks the same branch.
  const again = open(dir);
  assert.is(again.tip.hash, headerId(b2[1]));
  assert.ok(again.getEntry(headerId(a[9])), 'the stale branch is kept (a later reorg back needs it)');
  again.close();
});

test('invalid headers are refused with Core\'s reasons and scores; the valid ones before are kept', () => {
  const c = open(tmp());
  const good = mineChain(tipOf(c.tip), 3);
  c.acceptHeaders(good);
  const t = tipOf(c.tip);
  assert.is(reason(() => c.acceptHeaders([mineHeader(t, { badPow: true })])), 'high-hash/100');
  assert.is(reason(() => c.acceptHeaders([mineHeader(t, { bits: 0x1f7fffff })])), 'bad-diffbits/100');
  assert.is(reason(() => c.acceptHeaders([mineHeader(t, { time: params.genesis.time + 600 })])), 'time-too-old/100');
  assert.is(reason(() => c.acceptHeaders([mineHeader(t, { time: NOW() + 3 * 3600 })])), 'time-too-new/0');
  assert.is(reason(() => c.acceptHeaders([mineHeader({ hash: 'ab'.repeat(32), time: t.time })])), 'prev-blk-not-found/0');
  // A run with a bad header in the middle keeps the ones before it.
  const more = mineChain(t, 2);
  const bad = mineHeader({ hash: headerId(more[1]), time: t.time + 1200 }, { bits: 0x1f7fffff });
  const child = mineHeader({ hash: headerId(bad), time: t.time + 1800 });
  assert.is(reason(() => c.acceptHeaders([...more, bad, child])), 'bad-diffbits/100');
  assert.is(c.height, 5);
  // A child of a refused header is refused as well.
  assert.is(reason(() => c.acceptHeaders([child])), 'bad-prevblk/100');
  c.close();
});

test('after ODA-BIP-0005 activation a discounted header is accepted within the cap, credited its base work', () => {
  const c = open(tmp());
  c.acceptHeaders(mineChain(tipOf(c.tip), params.activation.costAwareDifficulty));
  const base = c.tip;
  const easier = costAwareBits(params.powLimitBits, COST_AWARE.capPpm);
  const raw = mineHeader(tipOf(base), { bits: easier });
  c.acceptHeaders([raw]);
  assert.is(c.tip.hash, headerId(raw));
  assert.is(c.tip.chainwork - base.chainwork, blockWork(params.powLimitBits), 'work of the base bits, not the discounted ones');
  const tooEasy = targetToCompact((compactToTarget(easier).target * 104n) / 100n);
  // Past the cap is past the easiest target any header may carry: refused context-free.
  assert.is(reason(() => c.acceptHeaders([mineHeader(tipOf(c.tip), { bits: tooEasy })])), 'high-hash/100');
  c.close();
});

test('a torn last record is cut off on reopen', () => {
  const dir = tmp();
  const c = open(dir);
  c.acceptHeaders(mineChain(tipOf(c.tip), 4));
  c.close();
  appendFileSync(join(dir, HEADERS_FILE), Buffer.alloc(33, 7));
  const again = open(dir);
  assert.is(again.height, 4);
  assert.is(statSync(join(dir, HEADERS_FILE)).size, HEADERS_MAGIC.length + 4 * 81);
  again.close();
});

test('a proof is anchored only to a header on the best chain, at its true height', () => {
  const c = open(tmp());
  const a = mineChain(tipOf(c.tip), 6, 'a');
  c.acceptHeaders(a);
  const stale = mineChain(tipOf(c.getEntryByHeight(2)!), 2, 's');
  c.acceptHeaders(stale);
  assert.is(proofAnchor(c, a[5], 6).height, 6);
  const refused = (fn: () => unknown) => { try { fn(); } catch (e) { if (e instanceof ProofRefused) return e; throw e; } throw new Error('accepted'); };
  const off = refused(() => proofAnchor(c, stale[1], 4));
  assert.match(off.message, 'not on our best header chain');
  assert.is(off.score, 0);
  const unknown = refused(() => proofAnchor(c, mineHeader(tipOf(c.tip), { seed: 'x' })));
  assert.ok(unknown.unknownHeader);
  const lie = refused(() => proofAnchor(c, a[5], 9));
  assert.is(lie.score, 100);
  c.close();
});

test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
test.run();
