// The lite scan keeps the filter headers it verified (lite/filter-header-store.ts) and, with
// BIP 157 checkpoints (getcfcheckpt), fetches only what it lacks (ODA-BIP-0004 §11): an
// in-process full node with 1,100+ blocks, a lite node connected to it twice (two peers to
// cross-check). The first scan fetches the checkpointed range once and the tail from both; the
// next ones only the new blocks; a torn file tail is cut at open; a stored header the peers
// contradict is dropped and refetched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BlockFilterIndex } from '../../chain/filter-index.js';
import { hashToHex, hexToHash } from '../../chain/block.js';
import type { FilterEntry } from '../../chain/filter-index.js';
import { regtest } from '../../chain/params.js';
import { LiteNode } from '../../lite/node.js';
import { scanScripts } from '../../lite/scan.js';
import { FilterHeaderStore, FILTER_HEADERS_FILE } from '../../lite/filter-header-store.js';
import { nullLogger } from '../../util/logger.js';
import { within } from '../functional/framework.js';
import { mine } from '../chain/util/builder.js';
import { cleanup, startNode, until } from '../p2p/harness.js';

const chainOf = (hashes: string[]) => ({ getEntryByHeight: (h: number) => (h < hashes.length ? { hash: hashes[h] } : undefined) });
const hash = (n: number) => n.toString(16).padStart(64, '0');
const fhash = (n: number) => Uint8Array.from({ length: 32 }, () => n);
const dsha256 = (a: Uint8Array, b: Uint8Array) => new Uint8Array(createHash('sha256').update(createHash('sha256').update(a).update(b).digest()).digest());
/** Filter headers chained from genesis over `hashes`. */
const chained = (hashes: Uint8Array[]) => { let prev = new Uint8Array(32); return hashes.map((h) => (prev = dsha256(h, prev))); };
const RECORD = 96;

test('FilterHeaderStore: a torn tail is cut at open; records off the best chain are cut; save rewrites only what differs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-fhs-'));
  try {
    const blocks = [1, 2, 3, 4].map(hash);
    const s = FilterHeaderStore.open(dir, chainOf(blocks));
    assert.is(s.height, -1);
    assert.equal(s.header(-1), new Uint8Array(32));
    const hs = [1, 2, 3, 4].map(fhash);
    s.save(blocks, hs, chained(hs));
    s.close();
    const file = join(dir, FILTER_HEADERS_FILE);
    assert.is(statSync(file).size, 4 * RECORD);
    appendFileSync(file, Buffer.alloc(37, 9)); // a crash in the middle of the next write

    const t = FilterHeaderStore.open(dir, chainOf(blocks));
    assert.is(t.height, 3);
    assert.is(statSync(file).size, 4 * RECORD, 'the torn record is gone from the file');
    assert.equal(t.header(2), chained(hs)[2]);
    const hs2 = [1, 2, 7].map(fhash);
    t.save(blocks, hs2, chained(hs2)); // a different filter at height 2: 2 and 3 replaced by the new 2
    assert.is(t.height, 2);
    assert.equal(t.header(2), chained(hs2)[2]);
    t.close();

    // A damaged record (its header not chained from the one before): it and all after it are cut.
    const fd = openSync(file, 'r+'); writeSync(fd, Buffer.alloc(32, 0xee), 0, 32, 1 * RECORD + 64); closeSync(fd);
    const v = FilterHeaderStore.open(dir, chainOf(blocks));
    assert.is(v.height, 0);
    assert.is(statSync(file).size, RECORD);
    v.save(blocks, hs2, chained(hs2));
    v.close();

    // A header reorg at height 1: records from 1 on no longer belong to the best chain.
    const u = FilterHeaderStore.open(dir, chainOf([hash(1), hash(9), hash(10)]));
    assert.is(u.height, 0);
    assert.is(statSync(file).size, RECORD);
    u.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scan: checkpoints first, stored filter headers reused, only new ones fetched; contradicted ones refetched', async () => {
  let index: BlockFilterIndex | undefined;
  const source = { filter: (e: FilterEntry) => index!.filter(e), header: (e: FilterEntry) => index!.header(e) };
  const full = await startNode({ filters: source });
  const liteDir = mkdtempSync(join(tmpdir(), 'oda-lite-fh-'));
  let lite: LiteNode | undefined;
  try {
    index = new BlockFilterIndex(full.chain);
    await within(mine(full.chain, 1_100), 120_000, 'mining 1,100 blocks');
    const addr = `127.0.0.1:${full.p2p.port}`;
    const open = async () => {
      lite = await LiteNode.open({ params: regtest, dir: liteDir, logger: nullLogger });
      await within(lite.connect(addr), 20_000, 'connect');
      await within(lite.connect(addr), 20_000, 'connect again');
      await within(until(() => lite!.chain.height === full.chain.height, 20_000, 'lite header sync'), 25_000, 'header sync');
      return lite;
    };
    const nobody = Uint8Array.from(Buffer.from('0014' + '42'.repeat(20), 'hex'));
    const scan = (l: LiteNode) => within(scanScripts(l, { scripts: [nobody], from: l.chain.height, timeout: 20_000 }), 60_000, 'scan');
    const tipHeader = async () => hashToHex((await index!.header(full.chain.tip))!);

    let l = await open();
    const first = await scan(l);
    assert.is(first.cross_checked_peers, 2);
    assert.is(first.filter_header, await tipHeader());
    // [0, 1000] once (both peers vouch for checkpoint 1000), (1000, 1100] from each peer.
    assert.equal([first.filter_headers_reused, first.filter_headers_fetched], [0, 1_001 + 2 * 100]);
    assert.is(l.filterHeaders.height, 1_100);

    await within(mine(full.chain, 5), 30_000, 'mining 5 blocks');
    await within(until(() => l.chain.height === 1_105, 20_000, 'lite sees the new blocks'), 25_000, 'new headers');
    const second = await scan(l);
    assert.equal([second.filter_headers_reused, second.filter_headers_fetched], [1_101, 2 * 5], 'only the 5 new filter headers, from each peer');
    assert.is(second.filter_header, await tipHeader());
    const third = await scan(l);
    assert.equal([third.filter_headers_reused, third.filter_headers_fetched], [1_105, 2], 'nothing new: the tip\'s header only, to compare');
    await l.close();

    // A torn tail (a crash mid-append) is cut at open; the scan refetches what it lost.
    const file = join(liteDir, FILTER_HEADERS_FILE);
    appendFileSync(file, Buffer.alloc(20, 7));
    l = await open();
    assert.is(l.filterHeaders.height, 1_105);
    assert.is(statSync(file).size, 1_106 * RECORD);
    await l.close();

    /** Rewrites the file as if a liar had served another filter at `height`: a consistent but wrong chain from there. */
    const forge = (height: number) => {
      const buf = readFileSync(file);
      buf.fill(0xee, height * RECORD + 32, height * RECORD + 64);
      for (let h = height; h * RECORD < buf.length; h++) {
        const prev = h === 0 ? new Uint8Array(32) : buf.subarray((h - 1) * RECORD + 64, h * RECORD);
        buf.set(dsha256(buf.subarray(h * RECORD + 32, h * RECORD + 64), prev), h * RECORD + 64);
      }
      const fd = openSync(file, 'w'); writeSync(fd, buf); closeSync(fd);
    };
    // A stored header the peers' answer contradicts (the last one, unconfirmed by any
    // checkpoint): dropped back to checkpoint 1000, the rest refetched from each peer.
    forge(1_104);
    l = await open();
    const fourth = await scan(l);
    assert.equal([fourth.filter_headers_reused, fourth.filter_headers_fetched], [1_001, 2 * 105]);
    assert.is(fourth.filter_header, await tipHeader());
    assert.is(readFileSync(file).subarray(1_104 * RECORD + 64, 1_105 * RECORD).toString('hex'), Buffer.from((await index.header(full.chain.getEntryByHeight(1_104)!))!).toString('hex'), 'repaired on disk');
    await l.close();

    // A stored chain that checkpoint 1000 (every peer's) contradicts: refetched from genesis.
    forge(500);
    l = await open();
    const fifth = await scan(l);
    assert.equal([fifth.filter_headers_reused, fifth.filter_headers_fetched], [0, 1_001 + 2 * 105]);
    assert.is(fifth.filter_header, await tipHeader());
    assert.is(fifth.misbehaving_peers, 0);
  } finally {
    await lite?.close();
    await cleanup([full]);
    rmSync(liteDir, { recursive: true, force: true });
  }
});

test('a wrong stored genesis filter header is refetched; honest peers are not blamed (height 0 is no checkpoint)', async () => {
  let index: BlockFilterIndex | undefined;
  const source = { filter: (e: FilterEntry) => index!.filter(e), header: (e: FilterEntry) => index!.header(e) };
  const full = await startNode({ filters: source });
  const liteDir = mkdtempSync(join(tmpdir(), 'oda-lite-fh0-'));
  let lite: LiteNode | undefined;
  try {
    index = new BlockFilterIndex(full.chain);
    await within(mine(full.chain, 3), 60_000, 'mining 3 blocks');
    // A record an earlier one-peer scan could have stored from a liar: genesis, a wrong filter.
    const rec = Buffer.alloc(RECORD);
    rec.set(hexToHash(regtest.genesis.hash), 0);
    const bad = fhash(0xee);
    rec.set(bad, 32);
    rec.set(dsha256(bad, new Uint8Array(32)), 64);
    appendFileSync(join(liteDir, FILTER_HEADERS_FILE), rec);
    lite = await LiteNode.open({ params: regtest, dir: liteDir, logger: nullLogger });
    const addr = `127.0.0.1:${full.p2p.port}`;
    await within(lite.connect(addr), 20_000, 'connect');
    await within(lite.connect(addr), 20_000, 'connect again');
    await within(until(() => lite!.chain.height === 3, 20_000, 'lite header sync'), 25_000, 'header sync');
    const r = await within(scanScripts(lite, { scripts: [Uint8Array.of(0x51)], from: 0, timeout: 20_000 }), 60_000, 'scan');
    assert.is(r.misbehaving_peers, 0);
    assert.is(r.cross_checked_peers, 2);
    assert.is(r.filter_header, hashToHex((await index.header(full.chain.tip))!));
    for (const p of lite.readyPeers()) assert.is(p.banScore, 0);
  } finally {
    await lite?.close();
    await cleanup([full]);
    rmSync(liteDir, { recursive: true, force: true });
  }
});

test.run();
