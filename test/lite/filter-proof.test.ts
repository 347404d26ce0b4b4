// What a block proves about its basic filter (lite/filter-proof.ts, ODA-BIP-0004 §11
// "Cross-checking filter headers"): BIP 158's own vectors are never accused; a filter that
// omits or swaps out an output script, holds more elements than the block's inputs allow, or
// is not a canonical Golomb-coded set is; one that omits only an outside spend is not (the
// documented limit: a lite node does not know the spent outputs' scripts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { decodeBlock, txidOf } from '../../chain/block.js';
import { basicFilter, buildGcs, gcsDecode } from '../../chain/blockfilter.js';
import { filterContradiction } from '../../lite/filter-proof.js';
import { firstDisagreement } from '../../lite/cfheaders-check.js';
import type { FilterChain } from '../../lite/scan-io.js';
import type { Peer } from '../../p2p/peer.js';

const V = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0004/bip158-blockfilters.json', import.meta.url), 'utf8'));
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const p2wpkh = (b: number) => bytes('0014' + b.toString(16).padStart(2, '0').repeat(20));
const [A, B, C, D, X, Y, Z] = [1, 2, 3, 4, 5, 6, 7].map(p2wpkh);

test('BIP 158 vectors: every honest filter is consistent with its block', () => {
  for (const [height, , blockHex, prevScripts, , filterHex, , note] of V.vectors.slice(1)) {
    const block = decodeBlock(bytes(blockHex));
    assert.is(Buffer.from(basicFilter(block, (prevScripts as string[]).map(bytes))).toString('hex'), filterHex);
    assert.is(filterContradiction(block, bytes(filterHex)), undefined, `block ${height} (${note})`);
  }
});

const F = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0004/filter-contradiction.json', import.meta.url), 'utf8'));
const VERDICT: Record<string, RegExp> = {
  'not-canonical': /is not a canonical Golomb-coded set/,
  'too-few': /elements; the block alone requires/,
  'too-many': /elements; the block allows at most/,
  missing: /lacks the script of output/,
};

test('ODA-BIP-0004 §11 vectors (filter-contradiction.json): each candidate filter gets its verdict', () => {
  const block = decodeBlock(bytes(F.block));
  assert.ok(F.cases.length >= 9);
  for (const c of F.cases as Array<{ note: string; filter: string; verdict: string }>) {
    const why = filterContradiction(block, bytes(c.filter));
    if (c.verdict === 'consistent') assert.is(why, undefined, c.note);
    else assert.match(why ?? 'consistent', VERDICT[c.verdict], c.note);
  }
  // The missing element is named by its output: tx2's only output (D).
  const swapped = F.cases.find((c: { note: string }) => /swapped/.test(c.note));
  assert.match(filterContradiction(block, bytes(swapped.filter))!, new RegExp(`lacks the script of output 0 of tx ${txidOf(block.transactions![2])}`));
});

test('gcsDecode: canonical sets only (trailing bytes, non-zero padding, N too large)', () => {
  const key: [bigint, bigint] = [1n, 2n];
  assert.equal(gcsDecode(Uint8Array.of(0)), { n: 0, values: [] });
  assert.throws(() => gcsDecode(Uint8Array.of(0, 0)), /after the last value/);
  // One element: 1 + (0 or 1 unary bits) + 1 + 19 bits, so the last byte has padding.
  const one = buildGcs(key, [A]);
  assert.is(gcsDecode(one).n, 1);
  const padded = Uint8Array.from(one);
  padded[padded.length - 1] |= 1;
  assert.throws(() => gcsDecode(padded), /padding bits are not zero/);
  assert.throws(() => gcsDecode(Uint8Array.of(0xfc, 0, 0)), /exceeds limit/);
  // Values come out ascending and below N·M, as buildGcs sorted them.
  const many = gcsDecode(buildGcs(key, [A, B, C, D, X, Y, Z]));
  assert.is(many.n, 7);
  assert.ok(many.values.every((v, i) => i === 0 || many.values[i - 1] <= v));
});

test('firstDisagreement: the lowest height where any chain differs', () => {
  const h = (b: number) => new Uint8Array(32).fill(b);
  const chain = (id: number, ...hs: number[]) => ({ peer: { id } as Peer, start: 0, hashes: hs.map(h), headers: hs.map(h) }) as FilterChain;
  assert.is(firstDisagreement([chain(1, 1, 2, 3)]), -1);
  assert.is(firstDisagreement([chain(1, 1, 2, 3), chain(2, 1, 2, 3)]), -1);
  assert.is(firstDisagreement([chain(1, 1, 2, 3), chain(2, 1, 2, 3), chain(3, 1, 9, 9)]), 1);
  assert.is(firstDisagreement([chain(1, 1, 2, 3), chain(2, 1, 2, 4)]), 2);
});

test.run();
