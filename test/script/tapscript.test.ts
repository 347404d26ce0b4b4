// BIP341 script path and BIP342 tapscript: CHECKSIGADD multisig, OP_CODESEPARATOR position in
// the sighash, OP_SUCCESSx, upgradable leaf versions and pubkey types, CHECKMULTISIG refusal,
// the validation-weight budget, annex commitment, and control block checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction } from '../../chain/block.js';
import * as ecc from 'tiny-secp256k1';
import {
  verifyInput, isScriptError, blockScriptFlags, STANDARD_SCRIPT_VERIFY_FLAGS, taprootSighash,
  PrecomputedTransactionData, SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS, SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION,
  SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE, type Prevout,
} from '../../chain/script/index.js';
import { tapleafHash } from '../../chain/script/verify.js';
import { taggedHash, sha256 } from '../../chain/script/hashes.js';
import { regtest } from '../../chain/params.js';
import { key } from './spend-fixtures.js';
import { parseScript } from './core-asm.js';

const CONSENSUS = blockScriptFlags(200, regtest);
const INTERNAL = key(7);
const xonly = (n: number) => key(n).publicKey.subarray(1, 33);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function signingKey(n: number): Uint8Array {
  const k = key(n);
  return k.publicKey[0] === 0x03 ? ecc.privateNegate(k.privateKey!) : k.privateKey!;
}

interface ScriptSpend { tx: Transaction; prevouts: Prevout[]; leaf: Uint8Array; control: Uint8Array; sighash(codesep?: number, annex?: Uint8Array): Uint8Array }

/** A one-input transaction spending a P2TR output whose tree is `leafScript` (plus `sibling`). */
function scriptSpend(leafScript: Uint8Array, leafVersion = 0xc0, sibling?: Uint8Array): ScriptSpend {
  const leaf = tapleafHash(leafVersion, leafScript);
  let root = leaf;
  if (sibling) root = Buffer.compare(leaf, sibling) < 0 ? taggedHash('TapBranch', leaf, sibling) : taggedHash('TapBranch', sibling, leaf);
  const internal = INTERNAL.publicKey.subarray(1, 33);
  const t = ecc.xOnlyPointAddTweak(internal, taggedHash('TapTweak', internal, root))!;
  const control = Uint8Array.from([leafVersion | t.parity, ...internal, ...(sibling ?? [])]);
  const prevouts = [{ script: Uint8Array.from([0x51, 0x20, ...t.xOnlyPubkey]), value: 70_000n }];
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(new Uint8Array(32).fill(0xcc), 0, 0xfffffffd);
  tx.addOutput(Uint8Array.from([0x00, 0x14, ...new Uint8Array(20).fill(1)]), 60_000n);
  const sighash = (codesep = 0xffffffff, annex?: Uint8Array) =>
    taprootSighash(tx, 0, new PrecomputedTransactionData(tx, prevouts).taproot(), 0,
      annex ? sha256(Uint8Array.from([annex.length, ...annex])) : undefined, { leafHash: leaf, codeSeparatorPos: codesep })!;
  return { tx, prevouts, leaf, control, sighash };
}

function run(s: ScriptSpend, stack: Uint8Array[], script: Uint8Array, flags = CONSENSUS, annex?: Uint8Array): string | undefined {
  s.tx.setWitness(0, [...stack, script, s.control, ...(annex ? [annex] : [])]);
  try {
    verifyInput(s.tx, 0, s.prevouts, flags);
    return undefined;
  } catch (e) {
    if (isScriptError(e)) return e.code;
    throw e;
  }
}

const multisig = parseScript(`0x20 0x${hex(xonly(1))} CHECKSIG 0x20 0x${hex(xonly(2))} CHECKSIGADD 0x20 0x${hex(xonly(3))} CHECKSIGADD 2 NUMEQUAL`);

test('CHECKSIGADD 2-of-3: two signatures pass, an empty one counts as no, a bad one fails', () => {
  const s = scriptSpend(multisig);
  const h = s.sighash();
  // bitcoinjs-lib agrees on the tapscript sighash (no code separator).
  assert.is(hex(h), hex(s.tx.hashForWitnessV1(0, s.prevouts.map((p) => p.script), s.prevouts.map((p) => p.value), 0, s.leaf)));
  const sig = (n: number) => ecc.signSchnorr(h, signingKey(n));
  const none = new Uint8Array(0);
  assert.is(run(s, [sig(3), none, sig(1)], multisig), undefined);
  assert.is(run(s, [none, sig(2), sig(1)], multisig), undefined);
  assert.is(run(s, [none, none, sig(1)], multisig), 'SCRIPT_ERR_EVAL_FALSE');
  assert.is(run(s, [sig(3), sig(1), sig(1)], multisig), 'SCRIPT_ERR_SCHNORR_SIG');
});

test('OP_CODESEPARATOR: tapscript signs the position of the last executed one', () => {
  const script = parseScript(`CODESEPARATOR 0x20 0x${hex(xonly(1))} CHECKSIG`);
  const s = scriptSpend(script);
  assert.is(run(s, [ecc.signSchnorr(s.sighash(0), signingKey(1))], script), undefined);
  assert.is(run(s, [ecc.signSchnorr(s.sighash(), signingKey(1))], script), 'SCRIPT_ERR_SCHNORR_SIG');
  // Not executed: the position stays 0xffffffff.
  const skipped = parseScript(`0 IF CODESEPARATOR ENDIF 0x20 0x${hex(xonly(1))} CHECKSIG`);
  const s2 = scriptSpend(skipped);
  assert.is(run(s2, [ecc.signSchnorr(s2.sighash(), signingKey(1))], skipped), undefined);
});

test('annex: committed to by the signature, and only as the last of at least two elements', () => {
  const script = parseScript(`0x20 0x${hex(xonly(1))} CHECKSIG`);
  const s = scriptSpend(script);
  const annex = Uint8Array.of(0x50, 1, 2, 3);
  assert.is(run(s, [ecc.signSchnorr(s.sighash(0xffffffff, annex), signingKey(1))], script, CONSENSUS, annex), undefined);
  assert.is(run(s, [ecc.signSchnorr(s.sighash(), signingKey(1))], script, CONSENSUS, annex), 'SCRIPT_ERR_SCHNORR_SIG');
});

test('OP_SUCCESSx makes the script succeed, unless discouraged; even before a bad opcode', () => {
  const script = parseScript('RETURN 0x50');
  const s = scriptSpend(script);
  assert.is(run(s, [], script), undefined);
  assert.is(run(s, [], script, CONSENSUS | SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS), 'SCRIPT_ERR_DISCOURAGE_OP_SUCCESS');
  assert.is(run(s, [], script, STANDARD_SCRIPT_VERIFY_FLAGS), 'SCRIPT_ERR_DISCOURAGE_OP_SUCCESS');
});

test('CHECKMULTISIG is not available in tapscript', () => {
  const script = parseScript(`0 0 0 CHECKMULTISIG`);
  assert.is(run(scriptSpend(script), [], script), 'SCRIPT_ERR_TAPSCRIPT_CHECKMULTISIG');
});

test('unknown leaf version: anyone can spend under consensus, discouraged by policy', () => {
  const script = parseScript('0');
  const s = scriptSpend(script, 0xc2);
  assert.is(run(s, [], script), undefined);
  assert.is(run(s, [], script, CONSENSUS | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION), 'SCRIPT_ERR_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION');
});

test('unknown public key type succeeds for a non-empty signature, discouraged by policy; empty key fails', () => {
  const script = parseScript(`0x21 0x${hex(key(1).publicKey)} CHECKSIG`);
  const s = scriptSpend(script);
  assert.is(run(s, [Uint8Array.of(1)], script), undefined);
  assert.is(run(s, [Uint8Array.of(1)], script, CONSENSUS | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE), 'SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE');
  const empty = parseScript('0 CHECKSIG');
  assert.is(run(scriptSpend(empty), [Uint8Array.of(1)], empty), 'SCRIPT_ERR_TAPSCRIPT_EMPTY_PUBKEY');
});

test('validation weight: each signature check spends 50 of (witness size + 50)', () => {
  const build = (n: number) => parseScript(`${'DUP '.repeat(n - 1)}${`0x20 0x${hex(xonly(1))} CHECKSIGVERIFY `.repeat(n)}1`);
  const ten = build(10);
  const s10 = scriptSpend(ten);
  assert.is(run(s10, [ecc.signSchnorr(s10.sighash(), signingKey(1))], ten), undefined);
  const twelve = build(12);
  const s12 = scriptSpend(twelve);
  assert.is(run(s12, [ecc.signSchnorr(s12.sighash(), signingKey(1))], twelve), 'SCRIPT_ERR_TAPSCRIPT_VALIDATION_WEIGHT');
});

test('minimal IF is consensus in tapscript', () => {
  const script = parseScript('IF 1 ENDIF');
  const s = scriptSpend(script);
  assert.is(run(s, [Uint8Array.of(1)], script), undefined);
  assert.is(run(s, [Uint8Array.of(2)], script), 'SCRIPT_ERR_TAPSCRIPT_MINIMALIF');
});

test('control block: a two-leaf tree verifies; wrong size, wrong path and wrong parity fail', () => {
  const script = parseScript('1');
  const s = scriptSpend(script, 0xc0, new Uint8Array(32).fill(9));
  assert.is(run(s, [], script), undefined);
  const good = s.control;
  s.control = good.subarray(0, 40);
  assert.is(run(s, [], script), 'SCRIPT_ERR_TAPROOT_WRONG_CONTROL_SIZE');
  s.control = Uint8Array.from([...good.subarray(0, 33), ...new Uint8Array(32).fill(8)]);
  assert.is(run(s, [], script), 'SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH');
  s.control = Uint8Array.from([good[0] ^ 1, ...good.subarray(1)]);
  assert.is(run(s, [], script), 'SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH');
});

test('empty witness on a taproot output', () => {
  const s = scriptSpend(parseScript('1'));
  s.tx.setWitness(0, []);
  assert.throws(() => verifyInput(s.tx, 0, s.prevouts, CONSENSUS), (e: unknown) => isScriptError(e) && e.code === 'SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY');
});

test.run();
