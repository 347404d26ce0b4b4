// Sigop counting as Core: legacy (multisig = 20), P2SH redeem scripts (accurate), witness
// sigops (P2WPKH 1, P2WSH accurate, taproot 0), and the cost scaling by WITNESS_SCALE_FACTOR.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { payments } from 'bitcoinjs-lib';
import { Transaction } from '../../chain/block.js';
import {
  getLegacySigOpCount, getP2SHSigOpCount, getTransactionSigOpCost,
  SCRIPT_VERIFY_P2SH, SCRIPT_VERIFY_WITNESS, STANDARD_SCRIPT_VERIFY_FLAGS,
} from '../../chain/script/index.js';
import { buildSpend, key } from './spend-fixtures.js';
import { parseScript } from './core-asm.js';

const FLAGS = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS;

test('legacy count: CHECKSIG 1, bare CHECKMULTISIG 20 whatever its key count', () => {
  const tx = new Transaction();
  tx.addInput(new Uint8Array(32).fill(1), 0, 0xffffffff, parseScript('CHECKSIG CHECKSIGVERIFY'));
  tx.addOutput(payments.p2pkh({ pubkey: key(1).publicKey }).output!, 1n);
  tx.addOutput(parseScript('1 0x21 0x' + Buffer.from(key(1).publicKey).toString('hex') + ' 1 CHECKMULTISIG'), 1n);
  assert.is(getLegacySigOpCount(tx), 2 + 1 + 20);
  // Not a P2SH spend, no witness: cost is legacy x 4.
  const prevouts = [{ script: parseScript('1'), value: 1n }];
  assert.is(getTransactionSigOpCost(tx, prevouts, FLAGS), 23 * 4);
});

test('P2SH multisig: redeem script counted accurately (2-of-3 = 3 per input), x4 in cost', () => {
  const s = buildSpend('p2sh-multisig', { hashType: 1 });
  assert.is(getLegacySigOpCount(s.tx), 0);
  assert.is(getP2SHSigOpCount(s.tx, s.prevouts), 6);
  assert.is(getTransactionSigOpCost(s.tx, s.prevouts, FLAGS), 24);
  assert.is(getTransactionSigOpCost(s.tx, s.prevouts, 0), 0, 'without P2SH the redeem script is data');
});

test('witness sigops: P2WPKH 1, P2SH-P2WPKH 1, P2WSH multisig 3, taproot 0; not counted without WITNESS', () => {
  const cases: [Parameters<typeof buildSpend>[0], number][] = [['p2wpkh', 2], ['p2sh-p2wpkh', 2], ['p2wsh-multisig', 6], ['p2tr-key', 0], ['p2tr-script', 0]];
  for (const [kind, cost] of cases) {
    const s = buildSpend(kind, { hashType: 1 });
    assert.is(getTransactionSigOpCost(s.tx, s.prevouts, STANDARD_SCRIPT_VERIFY_FLAGS), cost, kind);
    assert.is(getTransactionSigOpCost(s.tx, s.prevouts, SCRIPT_VERIFY_P2SH), 0, `${kind} without WITNESS`);
  }
});

test('coinbase: only legacy sigops of its own scripts', () => {
  const cb = new Transaction();
  cb.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, parseScript('1 CHECKSIG'));
  cb.addOutput(payments.p2pkh({ pubkey: key(1).publicKey }).output!, 1n);
  assert.is(getTransactionSigOpCost(cb, [{ script: payments.p2sh({ redeem: { output: parseScript('CHECKSIG') } }).output!, value: 0n }], FLAGS), 8);
});

test('P2SH with a non-push scriptSig counts no redeem sigops', () => {
  const s = buildSpend('p2sh-multisig', { hashType: 1 });
  s.tx.setInputScript(0, parseScript('NOP 0x01 0xac'));
  assert.is(getP2SHSigOpCount(s.tx, s.prevouts), 3);
});

test.run();
