// The Mining/Generating RPC table against a real chain and mempool: Core's result shapes,
// BIP22 submitblock results and error codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Block } from '../../chain/block.js';
import { miningMethods } from '../../rpc/methods/mining.js';
import type { NodeContext } from '../../rpc/context.js';
import { RpcError } from '../../rpc/errors.js';
import { scriptToAddress } from '../../chain/address.js';
import { regtest } from '../../chain/params.js';
import { createBlockTemplate } from '../../miner/template.js';
import { grind } from '../../miner/grind.js';
import { type Fixture, P2WSH_TRUE, openFixture, spendOne } from '../mempool/util.js';

let fx: Fixture;
let ctx: NodeContext;
const address = scriptToAddress(P2WSH_TRUE, regtest)!;

async function call(name: string, ...args: unknown[]): Promise<any> {
  const m = miningMethods.find((x) => x.name === name);
  if (!m) throw new Error(`no method ${name}`);
  return m.handler(args, ctx);
}

async function rpcError(p: Promise<unknown>): Promise<[number, string]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return [e.code, e.message];
    throw e;
  }
  throw new Error('expected an RpcError');
}

test.before(async () => {
  fx = await openFixture();
  ctx = {
    params: regtest, chain: fx.chain, mempool: fx.mempool, miner: undefined, config: {},
    logger: undefined as never, startTime: 0, networkDir: fx.dir, shutdown() {},
  };
});

test.after(async () => {
  await fx.close();
});

test('generatetoaddress mines to the address; bad address is -5', async () => {
  const hashes: string[] = await call('generatetoaddress', 101, address);
  assert.is(hashes.length, 101);
  assert.is(fx.chain.tip.hash, hashes[100]);
  const cb = (await fx.chain.getBlock(hashes[0]))!.transactions![0];
  assert.equal(Buffer.from(cb.outs[0].script), Buffer.from(P2WSH_TRUE));
  assert.equal(await rpcError(call('generatetoaddress', 1, 'bcrt1qnotours')), [-5, 'Error: Invalid address']);
});

test('generatetodescriptor with addr() and checksum', async () => {
  const [hash] = await call('generatetodescriptor', 1, `raw(${Buffer.from(P2WSH_TRUE).toString('hex')})`);
  assert.is(fx.chain.tip.hash, hash);
  const [code] = await rpcError(call('generatetodescriptor', 1, `addr(${address})#aaaaaaaa`));
  assert.is(code, -5);
});

test('getblocktemplate: segwit rule required; Core shape with mempool txs', async () => {
  assert.equal(await rpcError(call('getblocktemplate', {})), [-8, 'getblocktemplate must be called with the segwit rule set (call with {"rules": ["segwit"]})']);
  const [cb] = await fx.matureCoinbases();
  const parent = spendOne(cb, 1000n);
  await fx.mempool.addTransaction(parent);
  const child = spendOne({ txid: parent.getId(), vout: 0, value: parent.outs[0].value }, 2000n);
  await fx.mempool.addTransaction(child);
  const t = await call('getblocktemplate', { rules: ['segwit'] });
  assert.equal(Object.keys(t), [
    'capabilities', 'version', 'rules', 'vbavailable', 'vbrequired', 'previousblockhash', 'transactions', 'coinbaseaux',
    'coinbasevalue', 'longpollid', 'target', 'mintime', 'mutable', 'noncerange', 'sigoplimit', 'sizelimit', 'weightlimit',
    'curtime', 'bits', 'height', 'default_witness_commitment', 'cost_aware',
  ]);
  // ODA-BIP-0005 (regtest: active): no ODA txs, so no CU commitment and the base bits.
  assert.equal(Object.keys(t.cost_aware), ['base_fee', 'cu_per_fee_unit', 'target_cu', 'max_cu', 'tip_cu', 'tip_discount_ppm', 'cu', 'base_bits']);
  assert.is(t.cost_aware.cu, 0);
  assert.is(t.cost_aware.base_bits, t.bits);
  assert.is(t.previousblockhash, fx.chain.tip.hash);
  assert.is(t.height, fx.chain.height + 1);
  assert.is(t.bits, '207fffff');
  assert.is(t.coinbasevalue, 5_000_000_000 + 3000); // height < 150: no halving yet
  assert.equal(t.transactions.map((x: any) => x.txid), [parent.getId(), child.getId()]);
  assert.equal(t.transactions[1].depends, [1]);
  assert.is(t.transactions[0].fee, 1000);
  assert.match(t.default_witness_commitment, /^6a24aa21a9ed[0-9a-f]{64}$/);
});

test('getblocktemplate long polling returns when the tip moves', async () => {
  const first = await call('getblocktemplate', { rules: ['segwit'] });
  let done = false;
  const waiting = call('getblocktemplate', { rules: ['segwit'], longpollid: first.longpollid }).then((t) => {
    done = true;
    return t;
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.is(done, false);
  const [hash] = await call('generatetoaddress', 1, address);
  const next = await waiting;
  assert.is(next.previousblockhash, hash);
});

test('getblocktemplate proposal mode (BIP23)', async () => {
  const t = await createBlockTemplate({ chain: fx.chain, mempool: fx.mempool, outputScript: P2WSH_TRUE });
  assert.is(await call('getblocktemplate', { mode: 'proposal', data: t.block.toHex() }), null);
  const bad = Block.fromHex(t.block.toHex());
  bad.merkleRoot = Buffer.alloc(32, 1);
  assert.is(await call('getblocktemplate', { mode: 'proposal', data: bad.toHex() }), 'bad-txnmrklroot');
  assert.equal(await rpcError(call('getblocktemplate', { mode: 'proposal', data: 'zz' })), [-22, 'Block decode failed']);
  assert.equal(await rpcError(call('getblocktemplate', { mode: 'bogus' })), [-8, 'Invalid mode']);
});

test('submitblock: null, duplicate, high-hash, decode failures, no coinbase, inconclusive', async () => {
  const t = await createBlockTemplate({ chain: fx.chain, mempool: fx.mempool, outputScript: P2WSH_TRUE });
  const good = grind(t.block, 1_000_000)!;
  // A copy with a nonce that misses the target.
  const bad = Block.fromHex(good.toHex());
  for (let n = 0; ; n++) {
    bad.nonce = n;
    if (!bad.checkProofOfWork()) break;
  }
  assert.is(await call('submitblock', bad.toHex()), 'high-hash');
  assert.is(await call('submitblock', good.toHex()), null);
  assert.is(fx.chain.tip.hash, good.getId());
  assert.is(fx.mempool.size, 0);
  assert.is(await call('submitblock', good.toHex()), 'duplicate');
  assert.equal(await rpcError(call('submitblock', 'zz')), [-22, 'Block decode failed']);
  const noCb = Block.fromHex(good.toHex());
  noCb.transactions = noCb.transactions!.slice(1).concat([spendOne({ txid: 'ab'.repeat(32), vout: 0, value: 10_000n }, 1000n)]);
  assert.equal(await rpcError(call('submitblock', noCb.toHex())), [-25, 'Block does not start with a coinbase']);
  // A sibling of the tip has equal work: stored, not connected.
  const prevTip = fx.chain.tip.hash;
  await call('generatetoaddress', 1, address);
  const sibling = await createBlockTemplate({ chain: fx.chain, prev: fx.chain.getEntry(prevTip)!, outputScript: Uint8Array.of(0x51) });
  assert.is(await call('submitblock', grind(sibling.block, 1_000_000)!.toHex()), 'inconclusive');
});

test('generateblock: exact transactions, txid or hex, submit=false', async () => {
  const [cb] = await fx.matureCoinbases();
  const a = spendOne(cb, 1000n);
  await fx.mempool.addTransaction(a);
  const res = await call('generateblock', address, [a.getId()], false);
  assert.equal(Object.keys(res), ['hash', 'hex']);
  const block = Block.fromHex(res.hex);
  assert.equal(block.transactions!.map((t) => t.getId()).slice(1), [a.getId()]);
  const { hash } = await call('generateblock', address, [a.toHex()]);
  assert.is(fx.chain.tip.hash, hash);
  assert.not.ok(fx.mempool.has(a.getId()));
  assert.equal(await rpcError(call('generateblock', address, ['cd'.repeat(32)])), [-5, `Transaction ${'cd'.repeat(32)} not in mempool.`]);
  // Spending a coin that does not exist fails TestBlockValidity before any grinding.
  const ghost = spendOne({ txid: 'ab'.repeat(32), vout: 0, value: 100_000n }, 1000n);
  const [code, msg] = await rpcError(call('generateblock', address, [ghost.toHex()]));
  assert.is(code, -25);
  assert.match(msg, /^TestBlockValidity failed: bad-txns-inputs-missingorspent/);
  assert.is(fx.chain.tip.hash, hash);
  assert.equal((await rpcError(call('generateblock', 'nope', [])))[0], -5);
});

test('getmininginfo, getnetworkhashps, prioritisetransaction', async () => {
  const info = await call('getmininginfo');
  assert.is(info.blocks, fx.chain.height);
  assert.is(info.chain, 'regtest');
  assert.is(info.pooledtx, 0);
  assert.is(info.next.height, fx.chain.height + 1);
  assert.type(info.networkhashps, 'number');
  assert.ok(info.networkhashps >= 0);
  assert.equal(await rpcError(call('getnetworkhashps', 120, fx.chain.height + 1)), [-8, 'Block does not exist at specified height']);
  const txid = 'ef'.repeat(32);
  assert.is(await call('prioritisetransaction', txid, 0, 1234), true);
  assert.equal(await call('getprioritisedtransactions'), { [txid]: { fee_delta: 1234, in_mempool: false } });
  assert.is((await rpcError(call('prioritisetransaction', txid, 1, 5)))[0], -8);
});

test.run();
