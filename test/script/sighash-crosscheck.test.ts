// Our BIP143 and BIP341 sighashes (one hashing of the shared parts per transaction) against
// bitcoinjs-lib's hashForWitnessV0/V1 on pseudo-random transactions and every hash type
// bitcoinjs-lib defines the same way as Core.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction } from '../../chain/block.js';
import { sha256 } from '../../chain/script/hashes.js';
import { witnessV0Sighash, taprootSighash, PrecomputedTransactionData, type Prevout } from '../../chain/script/index.js';

let seed = 12345;
function rnd(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rnd(256));
}

/** spentScriptSize: bitcoinjs-lib's hashForWitnessV1 sizes its ANYONECANPAY buffer for a
 * 34-byte (P2TR) spent script and throws on any other, so the BIP341 check uses 34. */
function randomTx(spentScriptSize?: number): { tx: Transaction; spent: Prevout[] } {
  const tx = new Transaction();
  tx.version = rnd(3);
  tx.locktime = rnd(1 << 30);
  const nIn = 1 + rnd(4);
  const nOut = 1 + rnd(4);
  const spent: Prevout[] = [];
  for (let i = 0; i < nIn; i++) {
    tx.addInput(bytes(32), rnd(5), rnd(2) ? 0xffffffff : rnd(1 << 30));
    spent.push({ script: bytes(spentScriptSize ?? rnd(40)), value: BigInt(rnd(1 << 30)) });
  }
  for (let o = 0; o < nOut; o++) tx.addOutput(bytes(rnd(40)), BigInt(rnd(1 << 30)));
  return { tx, spent };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('BIP143: equals bitcoinjs-lib hashForWitnessV0 for all hash types, with and without shared txdata', () => {
  let n = 0;
  for (let round = 0; round < 60; round++) {
    const { tx, spent } = randomTx();
    const txdata = new PrecomputedTransactionData(tx, spent);
    for (let i = 0; i < tx.ins.length; i++) {
      for (const hashType of [0, 1, 2, 3, 4, 0x41, 0x80, 0x81, 0x82, 0x83, 0xff]) {
        const scriptCode = bytes(rnd(30));
        const expected = hex(tx.hashForWitnessV0(i, scriptCode, spent[i].value, hashType));
        assert.is(hex(witnessV0Sighash(tx, i, scriptCode, spent[i].value, hashType, txdata)), expected);
        assert.is(hex(witnessV0Sighash(tx, i, scriptCode, spent[i].value, hashType)), expected);
        n++;
      }
    }
  }
  assert.ok(n > 500);
});

test('BIP341: equals bitcoinjs-lib hashForWitnessV1 (key path, script path, annex)', () => {
  let n = 0;
  for (let round = 0; round < 60; round++) {
    const { tx, spent } = randomTx(34);
    const txdata = new PrecomputedTransactionData(tx, spent);
    for (let i = 0; i < tx.ins.length; i++) {
      for (const hashType of [0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83]) {
        if ((hashType & 3) === 3 && i >= tx.outs.length) {
          assert.is(taprootSighash(tx, i, txdata.taproot(), hashType, undefined, undefined), undefined);
          continue;
        }
        const leaf = rnd(2) ? bytes(32) : undefined;
        const annex = rnd(2) ? Uint8Array.from([0x50, ...bytes(rnd(10))]) : undefined;
        const expected = hex(tx.hashForWitnessV1(i, spent.map((s) => s.script), spent.map((s) => s.value), hashType, leaf, annex));
        const annexHash = annex ? sha256(Uint8Array.from([annex.length, ...annex])) : undefined;
        const got = taprootSighash(tx, i, txdata.taproot(), hashType, annexHash, leaf ? { leafHash: leaf, codeSeparatorPos: 0xffffffff } : undefined);
        assert.is(hex(got!), expected);
        n++;
      }
    }
  }
  assert.ok(n > 300);
});

test('BIP341: undefined hash types give no sighash', () => {
  const { tx, spent } = randomTx();
  const data = new PrecomputedTransactionData(tx, spent).taproot();
  for (const t of [0x04, 0x80, 0x84, 0x40, 0xff]) assert.is(taprootSighash(tx, 0, data, t, undefined, undefined), undefined);
});

test.run();
