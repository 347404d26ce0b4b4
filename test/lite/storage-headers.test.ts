// The lite header chain past ODA-BIP-0006's activation: 113-byte headers (the storage
// extension) are accepted exactly as odad's Chain accepts them, the skip-penalised PoW and
// the extension-at-activation rule refuse with the full node's reasons (each header is judged
// by both), they persist and reload; an old headers.dat of bare 80-byte records is converted
// on open (a torn tail dropped), and a torn 113-byte record is cut.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiteChain } from '../../lite/header-chain.js';
import { HEADERS_FILE, HEADERS_MAGIC } from '../../lite/header-store.js';
import { Chain } from '../../chain/chain.js';
import { regtest, withTestActivationHeights } from '../../chain/params.js';
import { compactToTarget, hashToBigInt, headerId, type StorageHeader } from '../../chain/header.js';
import { VerifyError } from '../../chain/errors.js';
import { nullLogger } from '../../util/logger.js';
import { mineChain, mineHeader, NOW, tipOf } from './util.js';

const ACTIVATION = 5;
const params = withTestActivationHeights(regtest, [`storageproofs@${ACTIVATION}`]);
const TARGET = compactToTarget(params.powLimitBits).target;
const ext = (skips: number, fill = 1): StorageHeader => ({ digest: new Uint8Array(32).fill(fill), skips });

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'oda-lite113-'));
  dirs.push(d);
  return d;
}
const open = (dir: string, info?: (s: string) => void) =>
  LiteChain.open({ params, dir, now: NOW, logger: info ? { ...nullLogger, info } : undefined });

function liteReason(c: LiteChain, raw: Uint8Array): string {
  try { c.acceptHeaders([raw]); } catch (e) { if (e instanceof VerifyError) return `${e.reason}/${e.score}`; throw e; }
  return 'accepted';
}
async function fullReason(c: Chain, raw: Uint8Array): Promise<string> {
  try { await c.processHeader(raw); } catch (e) { if (e instanceof VerifyError) return `${e.reason}/${e.score}`; throw e; }
  return 'accepted';
}

/** Heights 1..4 classic, 5..8 with the extension (no skips). */
function activatedRun(c: LiteChain): Uint8Array[] {
  const before = mineChain(tipOf(c.tip), ACTIVATION - 1, 'pre');
  const last = before[before.length - 1];
  const after = mineChain({ hash: headerId(last), time: c.tip.time + (ACTIVATION - 1) * 600 }, 4, 'post', ext(0));
  return [...before, ...after];
}

test('113-byte headers past activation: accepted and refused exactly as odad\'s Chain judges them', async () => {
  const dir = tmp();
  const c = open(dir);
  const full = await Chain.open({ params, dir: join(tmp(), 'full'), fsync: false });
  try {
    const run = activatedRun(c);
    assert.equal(run.map((r) => r.length), [80, 80, 80, 80, 113, 113, 113, 113]);
    assert.is(c.acceptHeaders(run).added.length, 8);
    for (const r of run) assert.is(await fullReason(full, r), 'accepted');
    assert.is(c.height, 8);
    assert.is(c.tip.header.length, 113);
    assert.equal(c.tip.storage, ext(0));

    const t = tipOf(c.tip);
    const both = async (raw: Uint8Array) => {
      const lite = liteReason(c, raw);
      assert.is(lite, await fullReason(full, raw), 'the lite node and odad give the same verdict');
      return lite;
    };
    // Meets the bits' target but not the target lowered by one skip (2 bits): refused.
    const h = (raw: Uint8Array) => hashToBigInt(raw);
    const penalised = mineHeader(t, { seed: 'p', storage: ext(1), want: (x) => h(x) <= TARGET && h(x) > TARGET >> 2n });
    assert.is(await both(penalised), 'high-hash-storage-penalty/100');
    assert.is(await both(mineHeader(t, { seed: 'k', storage: ext(5) })), 'bad-storage-skips/100');
    // The extension must be there from activation and absent before it.
    assert.is(await both(mineHeader(t, { seed: 'classic' })), 'bad-storage-header/100');
    const early = c.getEntryByHeight(ACTIVATION - 2)!;
    assert.is(await both(mineHeader(tipOf(early), { seed: 'early', storage: ext(0) })), 'bad-storage-header/100');
    // A skip paid for with the penalised target is fine.
    const paid = mineHeader(t, { seed: 'paid', storage: ext(1, 2), want: (x) => h(x) <= TARGET >> 2n });
    assert.is(await both(paid), 'accepted');
    assert.is(c.tip.hash, headerId(paid));
    // The wire length must be the one the version announces.
    assert.is(liteReason(c, mineHeader(tipOf(c.tip), { seed: 'cut', storage: ext(0) }).subarray(0, 80)), 'bad-header-size/100');
    c.close();

    // Persisted as length-prefixed records, reloaded (and re-validated) to the same tip.
    assert.is(statSync(join(dir, HEADERS_FILE)).size, HEADERS_MAGIC.length + 4 * 81 + 5 * 114);
    const again = open(dir);
    assert.is(again.height, 9);
    assert.is(again.tip.hash, headerId(paid));
    assert.equal(again.tip.storage, ext(1, 2));
    assert.is(again.getEntryByHeight(ACTIVATION)!.header.length, 113);
    // A torn 113-byte record at the end is cut off.
    appendFileSync(join(dir, HEADERS_FILE), Buffer.concat([Buffer.of(113), Buffer.from(mineHeader(tipOf(again.tip), { storage: ext(0) }).subarray(0, 60))]));
    again.close();
    const third = open(dir);
    assert.is(third.height, 9);
    assert.is(statSync(join(dir, HEADERS_FILE)).size, HEADERS_MAGIC.length + 4 * 81 + 5 * 114);
    third.acceptHeaders(mineChain(tipOf(third.tip), 1, 'more', ext(0)));
    assert.is(third.height, 10);
    third.close();
  } finally {
    await full.close();
  }
});

test('an old headers.dat (bare 80-byte records, torn tail) is converted on open and keeps growing', () => {
  const dir = tmp();
  const c = open(dir);
  const run = mineChain(tipOf(c.tip), ACTIVATION - 1, 'old');
  c.close();
  rmSync(join(dir, HEADERS_FILE), { force: true });
  writeFileSync(join(dir, HEADERS_FILE), Buffer.concat([...run.map((r) => Buffer.from(r)), Buffer.alloc(33, 7)]));
  const logged: string[] = [];
  const d = open(dir, (s) => logged.push(s));
  assert.is(d.height, ACTIVATION - 1);
  assert.is(d.tip.hash, headerId(run[run.length - 1]));
  assert.ok(logged.some((l) => l.includes(`converted ${ACTIVATION - 1} headers`)), logged.join('\n'));
  const file = readFileSync(join(dir, HEADERS_FILE));
  assert.equal(new Uint8Array(file.subarray(0, HEADERS_MAGIC.length)), HEADERS_MAGIC);
  assert.is(file.length, HEADERS_MAGIC.length + (ACTIVATION - 1) * 81);
  assert.not.ok(existsSync(join(dir, `${HEADERS_FILE}.tmp`)));
  d.acceptHeaders(mineChain(tipOf(d.tip), 2, 'new', ext(0)));
  d.close();
  const e = open(dir);
  assert.is(e.height, ACTIVATION + 1);
  assert.is(e.tip.header.length, 113);
  e.close();
});

test('a crash during the first write (a partial magic) leaves an empty chain', () => {
  const dir = tmp();
  open(dir).close();
  writeFileSync(join(dir, HEADERS_FILE), HEADERS_MAGIC.subarray(0, 3));
  const c = open(dir);
  assert.is(c.height, 0);
  c.acceptHeaders(mineChain(tipOf(c.tip), 2));
  c.close();
  assert.is(open(dir).height, 2);
});

test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
test.run();
