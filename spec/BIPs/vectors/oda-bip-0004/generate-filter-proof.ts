// Regenerates filter-contradiction.json: a block and candidate basic filters, each with what
// ODA-BIP-0004 §11 "Cross-checking filter headers" says the block proves about it.
// Run: node --import tsx spec/BIPs/vectors/oda-bip-0004/generate-filter-proof.ts
// The test (test/lite/filter-proof.test.ts) checks every verdict with lite/filter-proof.ts.
import { writeFileSync } from 'node:fs';
import { Block, Transaction, hexToHash, txidOf } from '../../../../chain/block.js';
import { basicFilter, buildGcs, filterKey } from '../../../../chain/blockfilter.js';

const dir = new URL('.', import.meta.url).pathname;
const script = (b: number) => Buffer.from('0014' + b.toString(16).padStart(2, '0').repeat(20), 'hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const [A, B, C, D, X, Y, Z] = [1, 2, 3, 4, 5, 6, 7].map(script);

// coinbase pays A and an OP_RETURN commitment; tx1 spends an outside output (script X) and
// pays B and C; tx2 spends tx1:0 (B, inside the block) and an outside output (script Y) and
// pays D. Required elements {A, B, C, D}; two inputs spend from outside the block.
const coinbase = new Transaction();
coinbase.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, Buffer.from('0101', 'hex'));
coinbase.addOutput(A, 50n);
coinbase.addOutput(Buffer.from('6a24aa21a9ed' + '00'.repeat(32), 'hex'), 0n);
const tx1 = new Transaction();
tx1.addInput(Buffer.alloc(32, 9), 0);
tx1.addOutput(B, 10n);
tx1.addOutput(C, 20n);
const tx2 = new Transaction();
tx2.addInput(Buffer.from(hexToHash(txidOf(tx1))), 0);
tx2.addInput(Buffer.alloc(32, 8), 3);
tx2.addOutput(D, 5n);
const block = new Block();
block.version = 0x20000000;
block.prevHash = Buffer.alloc(32, 1);
block.merkleRoot = Buffer.alloc(32, 2);
block.timestamp = 1_700_000_000;
block.bits = 0x207fffff;
block.nonce = 0;
block.transactions = [coinbase, tx1, tx2];

const key = filterKey(block.getHash());
const honest = basicFilter(block, [X, B, Y]);
const gcs = (...e: Uint8Array[]) => hex(buildGcs(key, e));
const cases: Array<{ note: string; filter: string; verdict: 'consistent' | 'not-canonical' | 'too-few' | 'too-many' | 'missing' }> = [
  { note: 'the true filter (spent scripts X, B, Y)', filter: hex(honest), verdict: 'consistent' },
  { note: 'outputs only: OP_RETURN never required, outside spends unknown', filter: gcs(A, B, C, D), verdict: 'consistent' },
  { note: 'without X, an outside spend: the block cannot tell (the limit)', filter: gcs(A, B, C, D, Y), verdict: 'consistent' },
  { note: 'without output D, 5 elements (within the bounds)', filter: gcs(A, B, C, X, Y), verdict: 'missing' },
  { note: 'output D swapped for a stranger Z (N unchanged)', filter: gcs(A, B, C, Z, X, Y), verdict: 'missing' },
  { note: '3 elements: fewer than the 4 distinct output scripts', filter: gcs(A, B, C), verdict: 'too-few' },
  { note: '7 elements: more than 4 outputs + 2 outside spends allow', filter: gcs(A, B, C, D, X, Y, Z), verdict: 'too-many' },
  { note: 'the true filter with a trailing zero byte', filter: hex(honest) + '00', verdict: 'not-canonical' },
  { note: 'the true filter cut by a byte', filter: hex(honest).slice(0, -2), verdict: 'not-canonical' },
];

writeFileSync(`${dir}filter-contradiction.json`, JSON.stringify({
  comment: 'ODA-BIP-0004 §11 "Cross-checking filter headers": what a block alone proves about a candidate BIP 158 basic filter. verdict: consistent | not-canonical | too-few | too-many | missing. Regenerate: node --import tsx spec/BIPs/vectors/oda-bip-0004/generate-filter-proof.ts',
  block: block.toHex(),
  cases,
}, null, 2) + '\n');
console.log(`wrote filter-contradiction.json (${cases.length} cases)`);
