// chain/block.ts, the one block/tx codec. txidOf must equal bitcoinjs-lib's getId for every transaction shape: with and without
// witnesses, varint boundaries in input/output counts and script lengths, extreme fields.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction, decodeBlock, blockHeaderBytes, outpointKey, outpointKeyHex, txidOf, wtxidOf, HEADER_SIZE } from '../../chain/block.js';
import { outpointBytes } from '../../chain/layout.js';
import { genesisBlock, regtest } from '../../chain/params.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function bytes(n: number, r: () => number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function randomTx(r: () => number, nIn: number, nOut: number, scriptLen: number, witness: boolean): Transaction {
  const tx = new Transaction();
  tx.version = Math.floor(r() * 2 ** 32);
  tx.locktime = Math.floor(r() * 2 ** 32);
  for (let i = 0; i < nIn; i++) {
    tx.addInput(bytes(32, r), Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32), bytes(scriptLen, r));
    if (witness) tx.setWitness(i, [bytes(72, r), bytes(33, r)]);
  }
  for (let o = 0; o < nOut; o++) tx.addOutput(bytes(scriptLen, r), BigInt(Math.floor(r() * 2 ** 50)));
  return tx;
}

test('txidOf equals getId across shapes and varint boundaries', () => {
  const r = seeded(7);
  const shapes: Array<[number, number, number]> = [[1, 1, 0], [1, 2, 22], [2, 3, 252], [1, 1, 253], [3, 253, 10], [253, 1, 1], [1, 1, 0x10000]];
  for (const [nIn, nOut, len] of shapes) {
    for (const witness of [false, true]) {
      const tx = randomTx(r, nIn, nOut, len, witness);
      assert.is(txidOf(tx), tx.getId(), `${nIn} in ${nOut} out script ${len} witness ${witness}`);
      // Round trip through the wire form too (fields as a peer's transaction carries them).
      const back = Transaction.fromBuffer(tx.toBuffer());
      assert.is(txidOf(back), tx.getId());
    }
  }
});

test('txidOf: maximal fields; a version no wire tx has fails as getId does', () => {
  const tx = new Transaction();
  tx.version = 0xffffffff;
  tx.locktime = 0xffffffff;
  tx.addInput(new Uint8Array(32).fill(0xff), 0xffffffff, 0xffffffff, new Uint8Array());
  tx.addOutput(Uint8Array.of(0x6a), 2_100_000_000_000_000n);
  assert.is(txidOf(tx), tx.getId());
  tx.version = -1;
  assert.throws(() => tx.getId());
  assert.throws(() => txidOf(tx));
});

test('outpointKey is the chain DB coin-key suffix; the block codec round-trips genesis', () => {
  const txid = Uint8Array.from({ length: 32 }, (_, i) => i);
  assert.is(outpointKey(txid, 0x01020304), Buffer.from(outpointBytes(txid, 0x01020304)).toString('hex'));
  assert.is(outpointKeyHex(Buffer.from(txid).reverse().toString('hex'), 7), outpointKey(txid, 7));
  const g = genesisBlock(regtest);
  const back = decodeBlock(g.toBuffer());
  assert.is(back.getId(), regtest.genesis.hash);
  assert.is(blockHeaderBytes(back).length, HEADER_SIZE);
  const cb = back.transactions![0];
  assert.is(txidOf(cb), cb.getId());
  assert.is(wtxidOf(cb), cb.getId()); // no witness: wtxid = txid
});

test.run();
