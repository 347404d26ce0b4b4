// Connecting a block of 2,000 signed P2WPKH spends through Chain.processBlock (CheckBlock,
// ContextualCheckBlock, ConnectBlock with BIP143 sighash + ECDSA via verifyInput, UTXO
// batch, undo file, tx index), against raw tiny-secp256k1 verification of the same 2,000
// (sighash, pubkey, signature) triples measured in the same run. Reported: ms per block,
// signature checks/s through the chain, and the ratio chain time / raw verify time.
// The block is connected, then disconnected (invalidateblock) and reconnected
// (reconsiderblock, a full re-validation) ROUNDS times; medians are reported.
// fsync is off so the figure is validation cost, not the disk's fsync latency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payments, script as bscript } from 'bitcoinjs-lib';
import { Transaction } from '../chain/block.js';
import * as ecc from 'tiny-secp256k1';
import { ECPairFactory } from 'ecpair';
import { Chain } from '../chain/chain.js';
import { regtest } from '../chain/params.js';
import { buildBlock } from '../test/chain/util/builder.js';

const N = Number(process.env.CONNECT_N ?? 2000);
const ROUNDS = Number(process.env.CONNECT_ROUNDS ?? 5);
const ECPair = ECPairFactory(ecc);

const dir = mkdtempSync(join(tmpdir(), 'oda-bench-connect-'));
const chain = await Chain.open({ params: regtest, dir, fsync: false });

const keys = Array.from({ length: N }, (_, i) => {
  const d = new Uint8Array(32);
  d[0] = 0x11;
  d[30] = (i >>> 8) & 0xff;
  d[31] = (i & 0xff) + 1;
  return ECPair.fromPrivateKey(d);
});
const outs = keys.map((k) => payments.p2wpkh({ pubkey: k.publicKey }));

// 101 blocks to mature the first coinbase, then one fan-out tx paying every key.
const miner = outs[0].output!;
for (let i = 0; i < 101; i++) await chain.processBlock(buildBlock(chain, { outputScript: miner }));
const cb = (await chain.getBlock(chain.getEntryByHeight(1)!.hash))!.transactions![0];
const per = 2_000_000n;
const fan = new Transaction();
fan.version = 2;
fan.addInput(cb.getHash(), 0);
for (const o of outs) fan.addOutput(o.output!, per);
const fanFee = cb.outs[0].value - per * BigInt(N);
{
  const msg = fan.hashForWitnessV0(0, payments.p2pkh({ hash: outs[0].hash }).output!, cb.outs[0].value, Transaction.SIGHASH_ALL);
  fan.setWitness(0, [bscript.signature.encode(keys[0].sign(msg), Transaction.SIGHASH_ALL), keys[0].publicKey]);
}
await chain.processBlock(buildBlock(chain, { txs: [fan], fees: fanFee, outputScript: miner }));

// The measured block: N one-input, one-output P2WPKH spends.
const triples: Array<{ msg: Uint8Array; pub: Uint8Array; sig: Uint8Array }> = [];
const fanId = fan.getHash();
const spends = outs.map((o, i) => {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(fanId, i, 0xfffffffd);
  tx.addOutput(o.output!, per - 1000n);
  const msg = tx.hashForWitnessV0(0, payments.p2pkh({ hash: o.hash }).output!, per, Transaction.SIGHASH_ALL);
  const sig = keys[i].sign(msg);
  tx.setWitness(0, [bscript.signature.encode(sig, Transaction.SIGHASH_ALL), keys[i].publicKey]);
  triples.push({ msg, pub: keys[i].publicKey, sig });
  return tx;
});
const block = buildBlock(chain, { txs: spends, fees: 1000n * BigInt(N), outputScript: miner });
const hash = block.getId();

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
// Warm the raw path once (WASM init) so both sides are compared warm.
for (const t of triples) if (!ecc.verify(t.msg, t.pub, t.sig)) throw new Error('raw verify failed');

const connectMs: number[] = [];
const rawMs: number[] = [];
let t0 = process.hrtime.bigint();
await chain.processBlock(block);
connectMs.push(ms(t0));
if (chain.tip.hash !== hash) throw new Error('benchmark block not connected');
for (let r = 0; r < ROUNDS; r++) {
  t0 = process.hrtime.bigint();
  for (const t of triples) if (!ecc.verify(t.msg, t.pub, t.sig)) throw new Error('raw verify failed');
  rawMs.push(ms(t0));
  if (r === ROUNDS - 1) break;
  await chain.invalidateBlock(hash);
  t0 = process.hrtime.bigint();
  await chain.reconsiderBlock(hash);
  connectMs.push(ms(t0));
  if (chain.tip.hash !== hash) throw new Error('benchmark block not reconnected');
}
await chain.close();
rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const blockMs = median(connectMs);
const verifyMs = median(rawMs);
const chainRate = N / (blockMs / 1000);
const rawRate = N / (verifyMs / 1000);
const ratio = blockMs / verifyMs;
console.log(`connect-block: ${N} P2WPKH spends, weight ${block.weight()}, ${connectMs.length} connects (median)`);
console.log(`  processBlock / reconnect  : ${blockMs.toFixed(1)} ms per block = ${chainRate.toFixed(0)} signature checks/s`);
console.log(`  raw tiny-secp256k1 verify : ${verifyMs.toFixed(1)} ms for ${N} = ${rawRate.toFixed(0)} checks/s`);
console.log(`  ratio block/raw           : ${ratio.toFixed(2)}x (all connect times ms: ${connectMs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(JSON.stringify({ bench: 'connect-block', n: N, rounds: connectMs.length, blockMs: Number(blockMs.toFixed(2)), chainChecksPerSec: Math.round(chainRate), rawVerifyMs: Number(verifyMs.toFixed(2)), rawChecksPerSec: Math.round(rawRate), ratio: Number(ratio.toFixed(3)) }));
