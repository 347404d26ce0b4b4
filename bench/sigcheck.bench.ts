// ECDSA signature checking through the full script path (verifyInput on P2WPKH spends:
// witness program dispatch, BIP143 sighash, encoding checks, lax DER, verify) against raw
// tiny-secp256k1 verify() on the same (message, pubkey, signature) triples, in one run.
// Prints checks/s for each and the overhead ratio; then BIP143 sighashing of a large
// transaction with shared per-transaction hashes vs bitcoinjs-lib; and one JSON line.
import { payments } from 'bitcoinjs-lib';
import { Transaction } from '../chain/block.js';
import * as ecc from 'tiny-secp256k1';
import { ECPair } from '../test/script/spend-fixtures.js';
import { encodeEcdsa } from '../test/script/spend-fixtures.js';
import { verifyInput, witnessV0Sighash, PrecomputedTransactionData, STANDARD_SCRIPT_VERIFY_FLAGS, type Prevout } from '../chain/script/index.js';

const N = Number(process.env.SIGCHECK_N ?? 400);
const ROUNDS = Number(process.env.SIGCHECK_ROUNDS ?? 7);

interface Case { tx: Transaction; prevouts: Prevout[]; msg: Uint8Array; pubkey: Uint8Array; sig: Uint8Array }

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < N; i++) {
    const d = new Uint8Array(32);
    d[0] = 0x42;
    d[28] = (i >>> 24) & 0xff; d[29] = (i >>> 16) & 0xff; d[30] = (i >>> 8) & 0xff; d[31] = (i & 0xff) + 1;
    const k = ECPair.fromPrivateKey(d);
    const w = payments.p2wpkh({ pubkey: k.publicKey });
    const value = 100_000n + BigInt(i);
    const tx = new Transaction();
    tx.version = 2;
    const prevHash = new Uint8Array(32).fill(i & 0xff);
    prevHash[0] = i >>> 8;
    tx.addInput(prevHash, i % 4, 0xfffffffd);
    tx.addOutput(w.output!, value - 1000n);
    const scriptCode = payments.p2pkh({ hash: w.hash }).output!;
    const msg = tx.hashForWitnessV0(0, scriptCode, value, Transaction.SIGHASH_ALL);
    const sig = k.sign(msg);
    tx.setWitness(0, [encodeEcdsa(sig, Transaction.SIGHASH_ALL), k.publicKey]);
    cases.push({ tx, prevouts: [{ script: w.output!, value }], msg, pubkey: k.publicKey, sig });
  }
  return cases;
}

function rate(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  const ns = Number(process.hrtime.bigint() - t0);
  return N / (ns / 1e9);
}

const cases = buildCases();
// Warm up both paths (JIT, WASM) and prove every case verifies on both.
for (const c of cases) {
  verifyInput(c.tx, 0, c.prevouts, STANDARD_SCRIPT_VERIFY_FLAGS);
  if (!ecc.verify(c.msg, c.pubkey, c.sig)) throw new Error('raw verify failed');
}

const raw: number[] = [];
const full: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  // Alternate the order so neither side always runs on a warmer machine.
  const a = () => raw.push(rate(() => { for (const c of cases) if (!ecc.verify(c.msg, c.pubkey, c.sig)) throw new Error('raw'); }));
  const b = () => full.push(rate(() => { for (const c of cases) verifyInput(c.tx, 0, c.prevouts, STANDARD_SCRIPT_VERIFY_FLAGS); }));
  if (r % 2 === 0) { a(); b(); } else { b(); a(); }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const rawRate = median(raw);
const fullRate = median(full);
const ratio = fullRate / rawRate;

// Secondary figure: BIP143 sighashes of every input of one large transaction, with the
// per-transaction parts hashed once (ours) vs rehashed per input (bitcoinjs-lib).
const BIG = Number(process.env.SIGCHECK_BIG_INPUTS ?? 500);
const big = new Transaction();
big.version = 2;
for (let i = 0; i < BIG; i++) big.addInput(new Uint8Array(32).fill(i & 0xff), i, 0xfffffffd);
for (let o = 0; o < 20; o++) big.addOutput(new Uint8Array(22), 1000n);
const scriptCode = new Uint8Array(25);
const t0 = process.hrtime.bigint();
const txdata = new PrecomputedTransactionData(big);
const ours = [];
for (let i = 0; i < BIG; i++) ours.push(witnessV0Sighash(big, i, scriptCode, 1000n, 1, txdata));
const t1 = process.hrtime.bigint();
for (let i = 0; i < BIG; i++) {
  if (Buffer.compare(big.hashForWitnessV0(i, scriptCode, 1000n, 1), ours[i]) !== 0) throw new Error('BIP143 mismatch');
}
const t2 = process.hrtime.bigint();
const oursMs = Number(t1 - t0) / 1e6;
const bjsMs = Number(t2 - t1) / 1e6;

console.log(`sigcheck: ${N} P2WPKH spends x ${ROUNDS} rounds (median)`);
console.log(`  raw tiny-secp256k1 verify : ${rawRate.toFixed(0)} checks/s`);
console.log(`  verifyInput (full script) : ${fullRate.toFixed(0)} checks/s`);
console.log(`  ratio full/raw            : ${ratio.toFixed(3)} (script path overhead ${((1 / ratio - 1) * 100).toFixed(1)}%)`);
console.log(`BIP143 sighashes of all ${BIG} inputs of one tx: precomputed ${oursMs.toFixed(1)} ms, bitcoinjs-lib per input ${bjsMs.toFixed(1)} ms (${(bjsMs / oursMs).toFixed(1)}x)`);
console.log(JSON.stringify({
  bench: 'sigcheck', n: N, rounds: ROUNDS, rawChecksPerSec: Math.round(rawRate), verifyInputChecksPerSec: Math.round(fullRate),
  ratio: Number(ratio.toFixed(4)), bigTxInputs: BIG, bip143PrecomputedMs: Number(oursMs.toFixed(2)), bip143BitcoinjsMs: Number(bjsMs.toFixed(2)),
}));
