// Signatures from the wallet's signer verify under Core's standard script flags (the
// project's own interpreter) for every output type the wallet hands out and every sighash type.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction } from '../../chain/block.js';
import { regtest } from '../../chain/params.js';
import { KeyChain, ADDRESS_TYPES } from '../../wallet/keys.js';
import { signInput, SIGHASH_BY_NAME } from '../../wallet/signer.js';
import { verifyInput, STANDARD_SCRIPT_VERIFY_FLAGS, isScriptError } from '../../chain/script/index.js';
import { fillDummy } from '../../wallet/coin-selection.js';

const kc = new KeyChain(new Uint8Array(32).fill(42), regtest, 0);

function spendAll() {
  const keys = ADDRESS_TYPES.map((type, i) => kc.derive({ type, branch: 0, index: i }));
  const prevouts = keys.map((k, i) => ({ script: k.script, value: 100_000n * BigInt(i + 1) }));
  const tx = new Transaction();
  tx.version = 2;
  keys.forEach((_, i) => tx.addInput(new Uint8Array(32).fill(i + 1), i, 0xfffffffd));
  tx.addOutput(Uint8Array.from([0, 20, ...new Uint8Array(20)]), 50_000n);
  tx.addOutput(Uint8Array.from([0, 20, ...new Uint8Array(20).fill(1)]), 60_000n);
  tx.addOutput(Uint8Array.from([0, 20, ...new Uint8Array(20).fill(2)]), 70_000n);
  tx.addOutput(Uint8Array.from([0, 20, ...new Uint8Array(20).fill(3)]), 80_000n);
  return { keys, prevouts, tx };
}

for (const [name, hashType] of Object.entries(SIGHASH_BY_NAME)) {
  test(`all wallet input types verify with sighash ${name}`, () => {
    const { keys, prevouts, tx } = spendAll();
    keys.forEach((k, i) => signInput(tx, i, k.type, kc.privateNode(k), prevouts, hashType));
    for (let i = 0; i < tx.ins.length; i++) verifyInput(tx, i, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS);
  });
}

test('taproot SIGHASH_SINGLE without a matching output is refused', () => {
  const { keys, prevouts, tx } = spendAll();
  tx.outs.splice(2);
  assert.throws(() => signInput(tx, 3, keys[3].type, kc.privateNode(keys[3]), prevouts, Transaction.SIGHASH_SINGLE), /without a matching output/);
});

test('a signature over the wrong amount fails verification', () => {
  const { keys, prevouts, tx } = spendAll();
  const wrong = prevouts.map((p) => ({ ...p, value: p.value + 1n }));
  keys.forEach((k, i) => signInput(tx, i, k.type, kc.privateNode(k), wrong, Transaction.SIGHASH_ALL));
  for (const i of [1, 2, 3]) assert.throws(() => verifyInput(tx, i, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS), (e: unknown) => isScriptError(e));
  verifyInput(tx, 0, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS); // legacy sighash does not commit to the amount
});

test('dummy signatures are never smaller than real ones (fee estimates hold)', () => {
  const { keys, prevouts, tx } = spendAll();
  const dummy = tx.clone();
  keys.forEach((k, i) => fillDummy(dummy, i, k.type));
  keys.forEach((k, i) => signInput(tx, i, k.type, kc.privateNode(k), prevouts, Transaction.SIGHASH_DEFAULT));
  assert.ok(tx.virtualSize() <= dummy.virtualSize());
  assert.ok(dummy.virtualSize() - tx.virtualSize() <= 2);
});

test.run();
