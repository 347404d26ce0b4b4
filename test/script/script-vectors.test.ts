// Core's script_tests.json, run as Core's script_tests.cpp does: each case spends a crediting
// transaction's only output with the given scriptSig and witness, under the given flags, and
// must fail with exactly the listed ScriptError (or pass for "OK"). Passing cases must stay
// valid with random flags removed, failing cases stay invalid with random flags added.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Transaction } from '../../chain/block.js';
import * as ecc from 'tiny-secp256k1';
import { parseScript } from './core-asm.js';
import {
  verifyScript, TransactionSignatureChecker, isScriptError, parseScriptFlags,
  SCRIPT_VERIFY_CLEANSTACK, SCRIPT_VERIFY_P2SH, SCRIPT_VERIFY_WITNESS,
} from '../../chain/script/index.js';
import { tapleafHash, TAPROOT_LEAF_TAPSCRIPT } from '../../chain/script/verify.js';
import { taggedHash } from '../../chain/script/hashes.js';

const rows: unknown[][] = JSON.parse(readFileSync(new URL('../vectors/core/script_tests.json', import.meta.url), 'utf8'));

/** Core's test names for errors differ from the enum in two places. */
function expectedCode(name: string): string | undefined {
  if (name === 'OK') return undefined;
  if (name === 'NULLFAIL') return 'SCRIPT_ERR_SIG_NULLFAIL';
  return `SCRIPT_ERR_${name}`;
}

function creditingTx(scriptPubKey: Uint8Array, value: bigint): Transaction {
  const tx = new Transaction();
  tx.version = 1;
  tx.locktime = 0;
  tx.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, Uint8Array.of(0x00, 0x00));
  tx.addOutput(scriptPubKey, value);
  return tx;
}

function spendingTx(scriptSig: Uint8Array, witness: Uint8Array[], credit: Transaction): Transaction {
  const tx = new Transaction();
  tx.version = 1;
  tx.locktime = 0;
  tx.addInput(credit.getHash(), 0, 0xffffffff, scriptSig);
  tx.setWitness(0, witness);
  tx.addOutput(new Uint8Array(0), credit.outs[0].value);
  return tx;
}

// Core's placeholder taproot output: one tapscript leaf under an internal key. Core uses a
// test key; no vector spends the key path, so BIP341's NUMS point serves equally.
const INTERNAL_KEY = Buffer.from('50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0', 'hex');

function taprootFor(script: Uint8Array): { output: Uint8Array; control: Uint8Array } {
  const leaf = tapleafHash(TAPROOT_LEAF_TAPSCRIPT, script);
  const tweaked = ecc.xOnlyPointAddTweak(INTERNAL_KEY, taggedHash('TapTweak', INTERNAL_KEY, leaf));
  if (!tweaked) throw new Error('bad tweak');
  const control = new Uint8Array(33);
  control[0] = TAPROOT_LEAF_TAPSCRIPT | tweaked.parity;
  control.set(INTERNAL_KEY, 1);
  return { output: Uint8Array.from([0x51, 0x20, ...tweaked.xOnlyPubkey]), control };
}

/** Builds Core's crediting/spending pair once per case; returns a runner over flag sets. */
function prepare(scriptSig: Uint8Array, scriptPubKey: Uint8Array, witness: Uint8Array[], value: bigint): (flags: number) => string | undefined {
  const credit = creditingTx(scriptPubKey, value);
  const spend = spendingTx(scriptSig, witness, credit);
  const checker = new TransactionSignatureChecker(spend, 0, value, [{ script: scriptPubKey, value }]);
  return (flags) => {
    try {
      verifyScript(scriptSig, scriptPubKey, witness, flags, checker);
      return undefined;
    } catch (e) {
      if (isScriptError(e)) return e.code;
      throw e;
    }
  };
}

let seed = 0x1b873593;
function randomBits16(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) & 0xffff;
}

test('script_tests.json: every case gives Core\'s result and error', () => {
  let passed = 0;
  let notApplicable = 0;
  let total = 0;
  const failures: string[] = [];
  for (const row of rows) {
    if (row.length === 1) continue;
    total++;
    let pos = 0;
    const witness: Uint8Array[] = [];
    let value = 0n;
    let tapscript: Uint8Array | undefined;
    if (Array.isArray(row[0])) {
      const w = row[0] as (string | number)[];
      for (let i = 0; i < w.length - 1; i++) {
        const el = String(w[i]);
        if (el.startsWith('#SCRIPT#')) {
          tapscript = parseScript(el.slice('#SCRIPT#'.length));
          witness.push(tapscript);
        } else if (el === '#CONTROLBLOCK#') {
          witness.push(taprootFor(tapscript!).control);
        } else witness.push(Buffer.from(el, 'hex'));
      }
      // Amounts are BTC as JSON numbers; round to satoshis as Core's AmountFromValue.
      value = BigInt(Math.round(Number(w[w.length - 1]) * 1e8));
      pos++;
    }
    const [sigText, pubText, flagsText, errorName] = row.slice(pos, pos + 4) as string[];
    const label = `${JSON.stringify(row).slice(0, 140)}`;
    let scriptSig: Uint8Array, scriptPubKey: Uint8Array;
    try {
      scriptSig = parseScript(sigText);
      scriptPubKey = pubText === '0x51 0x20 #TAPROOTOUTPUT#' ? taprootFor(tapscript!).output : parseScript(pubText);
    } catch (e) {
      notApplicable++;
      failures.push(`${label}: not parsed (${(e as Error).message})`);
      continue;
    }
    let flags = parseScriptFlags(flagsText);
    if (flags & SCRIPT_VERIFY_CLEANSTACK) flags |= SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS;
    const want = expectedCode(errorName);
    const run = prepare(scriptSig, scriptPubKey, witness, value);
    const got = run(flags);
    const problems: string[] = [];
    if (got !== want) problems.push(`got ${got ?? 'OK'}, want ${want ?? 'OK'}`);
    for (let i = 0; i < 16 && problems.length === 0; i++) {
      const extra = randomBits16();
      const combined = want === undefined ? flags & ~extra : flags | extra;
      if (combined & SCRIPT_VERIFY_CLEANSTACK && ~combined & (SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS)) continue;
      if (combined & SCRIPT_VERIFY_WITNESS && ~combined & SCRIPT_VERIFY_P2SH) continue;
      const r = run(combined);
      if ((r === undefined) !== (want === undefined)) problems.push(`flags 0x${combined.toString(16)} flip the result`);
    }
    if (problems.length === 0) passed++;
    else failures.push(`${label}: ${problems.join('; ')}`);
  }
  console.log(`script_tests.json: ${passed} passed, ${failures.length - notApplicable} failed, ${notApplicable} not applicable (${total} cases)`);
  for (const f of failures) console.log('  FAIL', f);
  assert.equal(failures, []);
});

test.run();
