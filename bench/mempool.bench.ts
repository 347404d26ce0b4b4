// Mempool acceptance throughput: N independent signed P2WPKH spends (1 in, 1 out) through
// Mempool.addTransaction (all of Core's PreChecks, policy, UTXO reads from LevelDB, BIP143
// sighash + ECDSA under the standard flags, package bookkeeping), against the baseline of
// verifyInput alone on the same N inputs measured in the same run. The ratio is what
// policy and bookkeeping cost on top of the signature check. A second figure accepts a
// 25-transaction chain repeatedly (ancestor/descendant bookkeeping).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payments, script as bscript } from 'bitcoinjs-lib';
import { Transaction, hexToHash } from '../chain/block.js';
import * as ecc from 'tiny-secp256k1';
import { ECPairFactory } from 'ecpair';
import { Chain } from '../chain/chain.js';
import { regtest } from '../chain/params.js';
import { STANDARD_SCRIPT_VERIFY_FLAGS, verifyInput } from '../chain/script/index.js';
import { Mempool } from '../mempool/mempool.js';
import { generateBlocks } from '../miner/generate.js';
import { createBlockTemplate } from '../miner/template.js';
import { grind } from '../miner/grind.js';

const N = Number(process.env.MEMPOOL_N ?? 2000);
/** Transactions accepted untimed first, so the measured ones run JIT-warm. */
const WARM = 300;
const ECPair = ECPairFactory(ecc);

const dir = await mkdtemp(join(tmpdir(), 'oda-bench-mempool-'));
const chain = await Chain.open({ params: regtest, dir, fsync: false });
const mempool = new Mempool({ chain, params: regtest });
chain.on('connect', (_e, block) => mempool.handleConnect(block));

const key = ECPair.fromPrivateKey(Buffer.alloc(32, 0x42));
const p2wpkh = payments.p2wpkh({ pubkey: key.publicKey });
const scriptCode = payments.p2pkh({ hash: p2wpkh.hash }).output!;

function signed(prevTxid: string, vout: number, value: bigint, fee: bigint): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(hexToHash(prevTxid), vout, 0xfffffffd);
  tx.addOutput(p2wpkh.output!, value - fee);
  const hash = tx.hashForWitnessV0(0, scriptCode, value, Transaction.SIGHASH_ALL);
  tx.setWitness(0, [bscript.signature.encode(key.sign(hash), Transaction.SIGHASH_ALL), key.publicKey]);
  return tx;
}

await generateBlocks({ chain, outputScript: p2wpkh.output!, nblocks: 101 });
const cb = (await chain.getBlock(chain.getEntryByHeight(1)!.hash))!.transactions![0];
// Fan-out confirmed directly in a block (it is larger than a standard transaction may be).
const per = 1_000_000n;
const fan = new Transaction();
fan.version = 2;
fan.addInput(cb.getHash(), 0);
for (let i = 0; i < WARM + N + 1; i++) fan.addOutput(p2wpkh.output!, per);
{
  const hash = fan.hashForWitnessV0(0, scriptCode, cb.outs[0].value, Transaction.SIGHASH_ALL);
  fan.setWitness(0, [bscript.signature.encode(key.sign(hash), Transaction.SIGHASH_ALL), key.publicKey]);
}
const t = await createBlockTemplate({ chain, outputScript: p2wpkh.output!, txs: [{ tx: fan, txid: fan.getId(), wtxid: '', fee: 0n, sigOpCost: 4, weight: fan.weight() }] });
await chain.processBlock(grind(t.block, 1_000_000)!);

const warm = Array.from({ length: WARM }, (_, i) => signed(fan.getId(), N + 1 + i, per, 500n));
const txs = Array.from({ length: N }, (_, i) => signed(fan.getId(), i, per, 500n));
for (const tx of warm) await mempool.addTransaction(tx);
await generateBlocks({ chain, mempool, outputScript: p2wpkh.output!, nblocks: 1 });

// Baseline: the script check alone. One untimed pass warms the JIT; then each transaction
// is verified and accepted back to back, so load from other processes on a shared machine
// hits both sides alike.
const prevouts = [{ script: p2wpkh.output!, value: per }];
for (const tx of txs) verifyInput(tx, 0, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS);
let verifyNs = 0n;
let acceptNs = 0n;
for (const tx of txs) {
  const t0 = process.hrtime.bigint();
  verifyInput(tx, 0, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS);
  const t1 = process.hrtime.bigint();
  await mempool.addTransaction(tx);
  const t2 = process.hrtime.bigint();
  verifyNs += t1 - t0;
  acceptNs += t2 - t1;
}
const verifySec = Number(verifyNs) / 1e9;
const acceptSec = Number(acceptNs) / 1e9;
if (mempool.size !== N) throw new Error(`pool holds ${mempool.size}, expected ${N}`);

// Chains of 25 (the ancestor limit) on the last fan-out output, accepted and confirmed.
const CHAINS = 8;
let chainSec = 0;
let prev = { txid: fan.getId(), vout: N, value: per };
for (let r = 0; r < CHAINS; r++) {
  const chainTxs: Transaction[] = [];
  for (let i = 0; i < 25; i++) {
    const tx = signed(prev.txid, prev.vout, prev.value, 500n);
    chainTxs.push(tx);
    prev = { txid: tx.getId(), vout: 0, value: prev.value - 500n };
  }
  const c0 = process.hrtime.bigint();
  for (const tx of chainTxs) await mempool.addTransaction(tx);
  chainSec += Number(process.hrtime.bigint() - c0) / 1e9;
  await generateBlocks({ chain, mempool, outputScript: p2wpkh.output!, nblocks: 1 });
}

await chain.close();
await rm(dir, { recursive: true, force: true });

const result = {
  bench: 'mempool',
  txs: N,
  accept_tx_per_s: +(N / acceptSec).toFixed(0),
  baseline_verify_tx_per_s: +(N / verifySec).toFixed(0),
  ratio_accept_vs_verify: +(acceptSec / verifySec).toFixed(2),
  chained_accept_tx_per_s: +((CHAINS * 25) / chainSec).toFixed(0),
};
console.log(`mempool acceptance: ${N} P2WPKH spends in ${acceptSec.toFixed(2)} s = ${result.accept_tx_per_s} tx/s`);
console.log(`baseline, verifyInput alone: ${result.baseline_verify_tx_per_s} tx/s; ratio ${result.ratio_accept_vs_verify}x`);
console.log(`25-deep chains: ${result.chained_accept_tx_per_s} tx/s`);
console.log(JSON.stringify(result));
