// BIP 158 basic filters against BIP 158's own vectors (Bitcoin Core's blockfilters.json, in
// spec/BIPs/vectors/oda-bip-0004/) and SipHash-2-4 against its reference vectors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { BlockFilterIndex } from '../../chain/filter-index.js';
import type { Chain } from '../../chain/chain.js';
import { decodeBlock } from '../../chain/block.js';
import { basicFilter, basicFilterElements, filterHeader, filterKey, gcsMatchAny, siphash24 } from '../../chain/blockfilter.js';

const V = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0004/bip158-blockfilters.json', import.meta.url), 'utf8'));
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const display = (b: Uint8Array) => Buffer.from(b).reverse().toString('hex');

test('SipHash-2-4: the reference implementation\'s vectors (key 00..0f, messages 00..n-1)', () => {
  const k0 = 0x0706050403020100n;
  const k1 = 0x0f0e0d0c0b0a0908n;
  // siphash24 reference vectors_sip64[0], [1], [8], [15] (little-endian bytes).
  const expect: Record<number, string> = { 0: '310e0edd47db6f72', 1: 'fd67dc93c539f874', 8: '6224939a79f5f593', 15: 'e545be4961ca29a1' };
  for (const [n, hex] of Object.entries(expect)) {
    const msg = Uint8Array.from({ length: Number(n) }, (_, i) => i);
    const out = Buffer.alloc(8);
    out.writeBigUInt64LE(siphash24(k0, k1, msg));
    assert.is(out.toString('hex'), hex, `message of ${n} bytes`);
  }
});

test('BIP 158 vectors: basic filter and filter header of every block', () => {
  const rows = V.vectors.slice(1);
  assert.ok(rows.length >= 6);
  for (const [height, hash, blockHex, prevScripts, prevHeader, filterHex, headerHex, note] of rows) {
    const block = decodeBlock(bytes(blockHex));
    assert.is(block.getId(), hash, `block ${height}`);
    const spent = (prevScripts as string[]).map(bytes);
    const filter = basicFilter(block, spent);
    assert.is(Buffer.from(filter).toString('hex'), filterHex, `filter of block ${height} (${note})`);
    assert.is(display(filterHeader(filter, bytes(prevHeader).reverse())), headerHex, `header of block ${height}`);
    // Every element matches; a script not in the block does not (N small: no false positive here).
    const key = filterKey(block.getHash());
    for (const e of basicFilterElements(block, spent)) assert.ok(gcsMatchAny(key, filter, [e]), `element of block ${height}`);
    assert.not.ok(gcsMatchAny(key, filter, [bytes('0014' + 'ab'.repeat(20))]), `foreign script in block ${height}`);
  }
});

test('empty filter: N = 0 encodes as one zero byte and matches nothing', () => {
  const block = decodeBlock(bytes(V.vectors[1][2]));
  block.transactions![0].outs[0].script = Buffer.from([0x6a]);
  const f = basicFilter(block, []);
  assert.is(Buffer.from(f).toString('hex'), '00');
  assert.not.ok(gcsMatchAny(filterKey(block.getHash()), f, [Uint8Array.of(0x6a)]));
});

test('BlockFilterIndex after a restart: connects in quick succession share one build (each block read once)', async () => {
  const block = decodeBlock(Buffer.from(V.vectors[1][2], 'hex'));
  const N = 300;
  const entries = Array.from({ length: N }, (_, h) => ({ hash: `h${h}`, height: h, prevHash: `h${h - 1}` }));
  let reads = 0;
  const tick = () => new Promise((r) => setImmediate(r));
  const chain = Object.assign(new EventEmitter(), {
    getEntry: (h: string) => entries[Number(h.slice(1))],
    getBlock: async () => { reads++; await tick(); return block; },
    getBlockUndo: async () => { await tick(); return []; },
  });
  const index = new BlockFilterIndex(chain as unknown as Chain);
  for (let h = N - 10; h < N; h++) { chain.emit('connect', entries[h]); await tick(); }
  const tip = await index.header(entries[N - 1]);
  // Chained by hand from genesis: the same header, and each block was read once.
  let prev: Uint8Array = new Uint8Array(32);
  const f = basicFilter(block, []);
  for (let h = 0; h < N; h++) prev = filterHeader(f, prev);
  assert.equal(tip, prev);
  assert.is(reads, N);
});

test.run();
