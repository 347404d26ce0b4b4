import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Block, Transaction } from '../../chain/block.js';
import {
  createCoinbase, bip34HeightScript, scriptNumEncode, addWitnessCommitment, getWitnessCommitmentIndex,
  merkleRoot, witnessCommitment,
} from '../../chain/coinbase.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('BIP34 height push matches CScript() << nHeight', () => {
  assert.is(hex(bip34HeightScript(0)), '00');
  assert.is(hex(bip34HeightScript(1)), '51');
  assert.is(hex(bip34HeightScript(16)), '60');
  assert.is(hex(bip34HeightScript(17)), '0111');
  assert.is(hex(bip34HeightScript(127)), '017f');
  assert.is(hex(bip34HeightScript(128)), '028000'); // sign bit needs an extra byte
  assert.is(hex(bip34HeightScript(255)), '02ff00');
  assert.is(hex(bip34HeightScript(256)), '020001');
  assert.is(hex(bip34HeightScript(32768)), '03008000');
  assert.is(hex(bip34HeightScript(227931)), '035b7a03'); // mainnet BIP34 activation block's push
  assert.is(hex(scriptNumEncode(-1)), '81');
  assert.is(hex(scriptNumEncode(-128)), '8080');
});

test('createCoinbase: scriptSig = height, extranonce; witness reserved value', () => {
  const cb = createCoinbase({ height: 3, outputScript: Uint8Array.of(0x51), value: 5000n });
  assert.is(hex(cb.ins[0].script), '5300');
  assert.ok(cb.isCoinbase());
  assert.is(cb.ins[0].sequence, 0xffffffff);
  const cb2 = createCoinbase({ height: 300, outputScript: Uint8Array.of(0x51), value: 5000n, extraNonce: 1, witnessCommitment: new Uint8Array(32).fill(7) });
  assert.is(hex(cb2.ins[0].script), '022c010101');
  assert.is(cb2.outs.length, 2);
  assert.is(hex(cb2.outs[1].script), '6a24aa21a9ed' + '07'.repeat(32));
  assert.equal(cb2.ins[0].witness, [new Uint8Array(32)]);
  assert.is(getWitnessCommitmentIndex(cb2), 1);
  assert.throws(() => createCoinbase({ height: 1, outputScript: Uint8Array.of(0x51), value: 1n, extraData: new Uint8Array(99) }));
});

test('addWitnessCommitment agrees with bitcoinjs checkTxRoots', () => {
  const spend = new Transaction();
  spend.version = 2;
  spend.addInput(new Uint8Array(32).fill(9), 0, 0xffffffff);
  spend.setWitness(0, [Uint8Array.of(1, 2, 3), Uint8Array.of(0x51)]);
  spend.addOutput(Uint8Array.of(0x51), 1000n);
  const block = new Block();
  block.version = 4;
  block.prevHash = new Uint8Array(32);
  block.timestamp = 1767225601;
  block.bits = 0x207fffff;
  block.transactions = [createCoinbase({ height: 1, outputScript: Uint8Array.of(0x51), value: 1n }), spend];
  addWitnessCommitment(block);
  const decoded = Block.fromBuffer(block.toBuffer());
  assert.ok(decoded.checkTxRoots());
  assert.equal(decoded.witnessCommit, witnessCommitment(block.transactions!));
  assert.equal(witnessCommitment(block), witnessCommitment(block.transactions!));
  // adding twice replaces rather than duplicates
  addWitnessCommitment(block);
  assert.is(block.transactions![0].outs.length, 2);
});

test('merkleRoot flags CVE-2012-2459 duplicates', () => {
  const a = new Uint8Array(32).fill(1), b = new Uint8Array(32).fill(2), c = new Uint8Array(32).fill(3);
  const three = merkleRoot([a, b, c]);
  const four = merkleRoot([a, b, c, c]);
  assert.equal(three.root, four.root);
  assert.not.ok(three.mutated);
  assert.ok(four.mutated);
  assert.equal(merkleRoot([a]).root, a);
});

test.run();
