// What a block proves about its basic filter (lite/filter-proof.ts, ODA-BIP-0004 §11
// "Cross-checking filter headers"): BIP 158's own vectors are never accused; a filter that
// omits or swaps out an output script, holds more elements than the block's inputs allow, or
// is not a canonical Golomb-coded set is; one that omits only an outside spend is not (the
// documented limit: a lite node does not know the spent outputs' scripts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Block, decodeBlock, Transaction, hexToHash, txidOf } from '../../chain/block.js';
import { basicFilter, buildGcs, filterKey, gcsDecode } from '../../chain/blockfilter.js';
import { filterContradiction } from '../../lite/filter-proof.js';
import { firstDisagreement } from '../../lite/cfheaders-check.js';
import type { FilterChain } from '../../lite/scan-io.js';
import type { Peer } from '../../p2p/peer.js';

const V = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0004/bip158-blockfilters.json', import.meta.url), 'utf8'));
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const p2wpkh = (b: number) => bytes('0014' + b.toString(16).padStart(2, '0').repeat(20));

test('BIP 158 vectors: every honest filter is consistent with its block', () => {
  for (const [height, , blockHex, prevScripts, , filterHex, , note] of V.vectors.slice(1)) {
    const block = decodeBlock(bytes(blockHex));
    assert.is(Buffer.from(basicFilter(block, (prevScripts as string[]).map(bytes))).toString('hex'), filterHex);
    assert.is(filterContradiction(block, bytes(filterHex)), undefined, `block ${height} (${note})`);
  }
});

// coinbase: A and an OP_RETURN commitment; tx1 spends X (outside), pays B and C; tx2 spends
// tx1:0 (B, inside the block) and Y (outside), pays D. Required {A, B, C, D}; 2 outside spends.
const [A, B, C, D, X, Y, Z] = [1, 2, 3, 4, 5, 6, 7].map(p2wpkh);
function sampleBlock(): Block {
  const coinbase = new Transaction();
  coinbase.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, Buffer.from('0101', 'hex'));
  coinbase.addOutput(Buffer.from(A), 50n);
  coinbase.addOutput(Buffer.from('6a24aa21a9ed' + '00'.repeat(32), 'hex'), 0n);
  const tx1 = new Transaction();
  tx1.addInput(Buffer.alloc(32, 9), 0);
  tx1.addOutput(Buffer.from(B), 10n);
  tx1.addOutput(Buffer.from(C), 20n);
  const tx2 = new Transaction();
  tx2.addInput(Buffer.from(hexToHash(txidOf(tx1))), 0);
  tx2.addInput(Buffer.alloc(32, 8), 3);
  tx2.addOutput(Buffer.from(D), 5n);
  const block = new Block();
  block.version = 0x20000000;
  block.prevHash = Buffer.alloc(32, 1);
  block.merkleRoot = Buffer.alloc(32, 2);
  block.timestamp = 1_700_000_000;
  block.bits = 0x207fffff;
  block.nonce = 0;
  block.transactions = [coinbase, tx1, tx2];
  return block;
}

test('a synthetic block: the honest filter passes; a filter missing or swapping an output script, or too large, is proven wrong', () => {
  const block = sampleBlock();
  const key = filterKey(block.getHash());
  const honest = basicFilter(block, [X, B, Y]);
  assert.is(gcsDecode(honest).n, 6);
  assert.is(filterContradiction(block, honest), undefined);
  // Omitted output D (5 elements is within the bounds): the missing element is found by its hash.
  assert.match(filterContradiction(block, buildGcs(key, [A, B, C, X, Y]))!, /lacks the script of output 0 of tx /);
  // The honest count, D swapped for a stranger.
  assert.match(filterContradiction(block, buildGcs(key, [A, B, C, Z, X, Y]))!, new RegExp(`lacks the script of output 0 of tx ${txidOf(block.transactions![2])}`));
  // Only outputs, D missing: 3 < 4 required.
  assert.match(filterContradiction(block, buildGcs(key, [A, B, C]))!, /has 3 elements; the block alone requires 4/);
  // One element more than 4 outputs + 2 outside spends can give.
  assert.match(filterContradiction(block, buildGcs(key, [A, B, C, D, X, Y, Z]))!, /has 7 elements; the block allows at most 6/);
  // An OP_RETURN output is never required (BIP 158 leaves it out).
  assert.is(filterContradiction(block, buildGcs(key, [A, B, C, D])), undefined);
  // The limit: a filter without an outside spend's script (X) keeps every fact the block shows.
  assert.is(filterContradiction(block, buildGcs(key, [A, B, C, D, Y])), undefined);
  // Malformed bytes.
  assert.match(filterContradiction(block, Uint8Array.from([...honest, 0]))!, /not a canonical Golomb-coded set/);
  assert.match(filterContradiction(block, honest.subarray(0, honest.length - 1))!, /not a canonical Golomb-coded set/);
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
  const chain = (id: number, ...hs: number[]) => ({ peer: { id } as Peer, hashes: hs.map(h), header: h(0) }) as FilterChain;
  assert.is(firstDisagreement([chain(1, 1, 2, 3)]), -1);
  assert.is(firstDisagreement([chain(1, 1, 2, 3), chain(2, 1, 2, 3)]), -1);
  assert.is(firstDisagreement([chain(1, 1, 2, 3), chain(2, 1, 2, 3), chain(3, 1, 9, 9)]), 1);
  assert.is(firstDisagreement([chain(1, 1, 2, 3), chain(2, 1, 2, 4)]), 2);
});

test.run();
