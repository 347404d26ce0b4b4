// Flag sets against Core's numbers, block flags per height, and the mandatory/non-mandatory
// classification the mempool prints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  blockScriptFlags, checkInputScripts, parseScriptFlags, MANDATORY_SCRIPT_VERIFY_FLAGS, STANDARD_SCRIPT_VERIFY_FLAGS,
  SCRIPT_VERIFY_P2SH, SCRIPT_VERIFY_DERSIG, SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY, SCRIPT_VERIFY_CHECKSEQUENCEVERIFY,
  SCRIPT_VERIFY_WITNESS, SCRIPT_VERIFY_NULLDUMMY, SCRIPT_VERIFY_TAPROOT, SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE,
} from '../../chain/script/index.js';
import { regtest, main } from '../../chain/params.js';
import { buildSpend, key } from './spend-fixtures.js';

test('flag bits and sets are Core\'s', () => {
  assert.is(SCRIPT_VERIFY_TAPROOT, 1 << 17);
  assert.is(SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE, 1 << 20);
  // policy.h: STANDARD = every flag but SIGPUSHONLY; MANDATORY = the soft-fork flags.
  assert.is(STANDARD_SCRIPT_VERIFY_FLAGS, 0x1fffdf);
  assert.is(MANDATORY_SCRIPT_VERIFY_FLAGS, 0x20e15);
  assert.is(parseScriptFlags('P2SH,WITNESS'), 0x801);
  assert.is(parseScriptFlags('NONE'), 0);
  assert.throws(() => parseScriptFlags('P2SH,BOGUS'), /unknown script verify flag: BOGUS/);
});

test('blockScriptFlags: P2SH/WITNESS/TAPROOT always; the rest from their heights', () => {
  const all = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT | SCRIPT_VERIFY_DERSIG |
    SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY | SCRIPT_VERIFY_CHECKSEQUENCEVERIFY | SCRIPT_VERIFY_NULLDUMMY;
  assert.is(blockScriptFlags(1, regtest), all);
  assert.is(blockScriptFlags(1000, main), all);
  // Genesis: segwit is at 0 on ODA, the others at 1.
  assert.is(blockScriptFlags(0, regtest), SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT | SCRIPT_VERIFY_NULLDUMMY);
  const late = { ...regtest, bip66Height: 10, bip65Height: 20, csvHeight: 30, segwitHeight: 40 };
  assert.is(blockScriptFlags(15, late), SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT | SCRIPT_VERIFY_DERSIG);
  assert.is(blockScriptFlags(40, late), all);
  assert.equal(blockScriptFlags(39, late) & SCRIPT_VERIFY_NULLDUMMY, 0);
});

test('checkInputScripts: valid transaction gives no failure', () => {
  const s = buildSpend('p2tr-key', { hashType: 0 });
  assert.is(checkInputScripts(s.tx, s.prevouts, STANDARD_SCRIPT_VERIFY_FLAGS), undefined);
});

test('checkInputScripts: high S is non-mandatory; a bad segwit signature is mandatory', () => {
  const high = buildSpend('p2wpkh', { hashType: 1, highS: true });
  const f1 = checkInputScripts(high.tx, high.prevouts, STANDARD_SCRIPT_VERIFY_FLAGS)!;
  assert.is(f1.mandatory, false);
  assert.is(f1.index, 0);
  assert.is(f1.reason, 'non-mandatory-script-verify-flag (Non-canonical signature: S value is unnecessarily high)');
  const bad = buildSpend('p2wsh-multisig', { hashType: 1 });
  bad.prevouts[1] = { ...bad.prevouts[1], value: 1n };
  const f2 = checkInputScripts(bad.tx, bad.prevouts, STANDARD_SCRIPT_VERIFY_FLAGS)!;
  assert.is(f2.mandatory, true);
  assert.is(f2.index, 1);
  assert.is(f2.reason, 'mandatory-script-verify-flag-failed (Signature must be zero for failed CHECK(MULTI)SIG operation)');
  const wrongKey = buildSpend('p2pkh', { hashType: 1, signer: key(5) });
  assert.is(checkInputScripts(wrongKey.tx, wrongKey.prevouts, STANDARD_SCRIPT_VERIFY_FLAGS)!.reason, 'mandatory-script-verify-flag-failed (Script failed an OP_EQUALVERIFY operation)');
});

test.run();
