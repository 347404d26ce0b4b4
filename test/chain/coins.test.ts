import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CoinView, decodeCoin, decodeUndo, encodeCoin, encodeUndo, type CoinSource } from '../../chain/coins.js';
import type { Coin } from '../../chain/coin.js';
import { decodeEntry, encodeEntry, entryFromHeader } from '../../chain/entry.js';
import { genesisBlock, regtest } from '../../chain/params.js';
import { layout, outpointBytes } from '../../chain/layout.js';

const coin = (value: bigint, height: number, coinbase: boolean, script = Uint8Array.of(0x51, 0x52)): Coin => ({ value, height, coinbase, script });

test('coin encoding round-trips and matches the documented layout', () => {
  const c = coin(123456789n, 1000, true);
  const raw = encodeCoin(c);
  assert.is(Buffer.from(raw).toString('hex'), '15cd5b0700000000' + 'd1070000' + '5152');
  assert.equal(decodeCoin(raw), c);
  assert.equal(decodeCoin(encodeCoin(coin(0n, 0, false, new Uint8Array(0)))), coin(0n, 0, false, new Uint8Array(0)));
  assert.throws(() => decodeCoin(new Uint8Array(11)));
});

test('undo records: round-trip, checksum bound to the block hash, truncation detected', () => {
  const hash = new Uint8Array(32).fill(9);
  const undo = { spent: [coin(5n, 1, true), coin(7n, 2, false, new Uint8Array(300))], extensions: new Map([['models', Uint8Array.of(1, 2, 3)]]) };
  const raw = encodeUndo(hash, undo);
  assert.equal(decodeUndo(hash, raw), undo);
  assert.throws(() => decodeUndo(new Uint8Array(32).fill(8), raw), /checksum/);
  const flipped = Uint8Array.from(raw);
  flipped[5] ^= 1;
  assert.throws(() => decodeUndo(hash, flipped), /checksum/);
  assert.throws(() => decodeUndo(hash, raw.subarray(0, 20)));
});

test('CoinView: layered reads, spends and merges never touch the source', async () => {
  const backing = new Map<string, Coin>([['aa', coin(1n, 1, false)], ['bb', coin(2n, 1, false)]]);
  let reads = 0;
  const source: CoinSource = { async getCoins(keys) { reads += keys.length; return keys.map((k) => backing.get(k)); } };
  const parent = new CoinView(source);
  const child = new CoinView(parent);
  assert.equal(await child.spend('aa'), coin(1n, 1, false));
  assert.is(await child.spend('aa'), undefined, 'no double spend inside a view');
  child.add('cc', coin(3n, 2, true));
  assert.ok(await parent.get('aa'), 'parent unaffected until merge');
  parent.merge(child);
  assert.is(await parent.get('aa'), undefined);
  assert.equal(await parent.get('cc'), coin(3n, 2, true));
  assert.is(backing.size, 2, 'source untouched');
  assert.equal([...parent.changes.keys()].sort(), ['aa', 'cc']);
  await parent.prefetch(['aa', 'bb', 'bb']);
  assert.ok(reads <= 3);
});

test('block index entry encoding and key schema', () => {
  const g = genesisBlock(regtest);
  const e = entryFromHeader(g.toBuffer(true), 0, 0n, 3);
  assert.is(e.hash, regtest.genesis.hash);
  assert.is(e.chainwork, 2n);
  const back = decodeEntry(encodeEntry(e));
  assert.equal(back, e);
  assert.is(Buffer.from(layout.c(outpointBytes(new Uint8Array(32).fill(1), 258))).toString('hex'), '63' + '01'.repeat(32) + '00000102');
  assert.is(Buffer.from(layout.x('models', Uint8Array.of(7))).toString('hex'), '58' + Buffer.from('models').toString('hex') + '0007');
});

test.run();
