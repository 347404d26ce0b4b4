// The wallet and util RPC tables over the real JSON-RPC server, on a real chain, mempool and
// wallets: Core's result shapes, error codes and messages, /wallet/<name> routing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RpcServer } from '../../rpc/server.js';
import type { NodeContext } from '../../rpc/context.js';
import { walletMethods } from '../../rpc/methods/wallet.js';
import { utilMethods } from '../../rpc/methods/util.js';
import { regtest, COIN } from '../../chain/params.js';
import { TestNode } from './util/node.js';
import { raw } from '../rpc/helpers.js';
import { feeFor } from '../../wallet/coin-selection.js';
import { Transaction } from '../../chain/block.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

async function setup() {
  const node = await TestNode.start();
  const relayed: string[] = [];
  const ctx = {
    params: regtest, chain: node.chain, mempool: node.mempool, miner: undefined,
    get wallets() { return node.wallets; },
    p2p: { relayTransaction: (tx: Transaction) => relayed.push(tx.getId()) },
    config: {}, logger: silent, startTime: 0, networkDir: node.dir, shutdown() {},
  } as unknown as NodeContext;
  const server = new RpcServer<NodeContext>({ methods: [...walletMethods, ...utilMethods], context: ctx, host: '127.0.0.1', port: 0, auth: { user: 'u', password: 'p' } });
  await server.start();
  let id = 0;
  const call = async (method: string, params: unknown[] | Record<string, unknown> = [], path = '/') => {
    const r = await raw(server.port, { auth: 'u:p', path, body: JSON.stringify({ jsonrpc: '1.0', id: ++id, method, params }) });
    const body = JSON.parse(r.body);
    return { result: body.result, error: body.error as { code: number; message: string } | null, text: r.body };
  };
  const ok = async (method: string, params: unknown[] | Record<string, unknown> = [], path = '/') => {
    const r = await call(method, params, path);
    assert.is(r.error, null, `${method}: ${JSON.stringify(r.error)}`);
    return r.result;
  };
  const fails = async (method: string, params: unknown[], code: number, message: string | RegExp) => {
    const r = await call(method, params);
    assert.ok(r.error, `${method} should fail`);
    assert.is(r.error!.code, code, r.error!.message);
    if (typeof message === 'string') assert.is(r.error!.message, message);
    else assert.match(r.error!.message, message);
  };
  const stop = async (remove = true) => {
    await server.stop();
    await node.stop(remove);
  };
  return { node, call, ok, fails, stop, relayed };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Runs a test body; the node's temp dir is removed on success and kept on failure. */
async function withNode(fn: (s: Setup) => Promise<void>): Promise<void> {
  const s = await setup();
  try {
    await fn(s);
  } catch (e) {
    await s.stop(false);
    console.error(`kept ${s.node.dir}`);
    throw e;
  }
  await s.stop();
}

test('regtest works without createwallet or -fallbackfee: mine, balances, send', () => withNode(async ({ node, ok, call, relayed }) => {
  const addr = await ok('getnewaddress');
  assert.match(addr, /^odart1q/);
  await node.mine(101, addr);
  const bals = await ok('getbalances');
  assert.equal(bals.mine, { trusted: 50, untrusted_pending: 0, immature: 5000 });
  const text = (await call('getbalance')).text;
  assert.match(text, /"result":50\.00000000/, 'amounts print with 8 decimals');
  assert.is(await ok('getbalance', ['*', 1]), 50);

  const dest = await ok('getnewaddress', ['payee', 'legacy']);
  assert.match(dest, /^T/);
  const txid = await ok('sendtoaddress', [dest, 1.5]);
  assert.equal(relayed, [txid], 'relayed to peers');
  assert.ok(node.mempool.has(txid));
  const entry = node.mempool.get(txid)!;
  assert.ok(entry.fee >= feeFor(20_000n, entry.vsize) && entry.fee <= feeFor(20_000n, entry.vsize + 2), 'fallback fee 0.0002 BTC/kvB');

  const gt = await ok('gettransaction', [txid]);
  assert.is(gt.confirmations, 0);
  assert.is(gt.trusted, true);
  assert.is(gt['bip125-replaceable'], 'yes');
  assert.is(gt.amount, 0, 'paid to ourselves: net zero');
  assert.is(Math.round(-gt.fee * 1e8), Number(entry.fee));
  assert.equal(gt.details.map((d: any) => d.category).sort(), ['receive', 'send']);

  const v = await ok('sendtoaddress', { address: dest, amount: '0.25', fee_rate: 3.5, verbose: true });
  assert.is(v.fee_reason, 'PayTxFee set');
  const e2 = node.mempool.get(v.txid)!;
  assert.ok(e2.fee >= feeFor(3500n, e2.vsize) && e2.fee <= feeFor(3500n, e2.vsize + 2), 'fee_rate in sat/vB');

  // Concurrent sends never pick the same coin.
  const many = await Promise.all([0, 1, 2, 3].map(() => ok('sendtoaddress', [dest, 0.01])));
  assert.is(new Set(many).size, 4);
  for (const t of many) assert.ok(node.mempool.has(t));

  await node.mine(1);
  const unspent = (await ok('listunspent', [1, 9999999, [dest]])).filter((x: any) => x.amount !== 0.01);
  assert.is(unspent.length, 2);
  const u = unspent.find((x: any) => x.amount === 1.5);
  assert.equal(Object.keys(u), ['txid', 'vout', 'address', 'label', 'scriptPubKey', 'amount', 'confirmations', 'spendable', 'solvable', 'desc', 'parent_descs', 'safe']);
  assert.match(u.parent_descs[0], /^pkh\(\[[0-9a-f]{8}\/44h\/1h\/0h\]\w+\/0\/\*\)#[a-z0-9]{8}$/);
  assert.is(u.label, 'payee');
  assert.match(u.desc, /^pkh\(\[[0-9a-f]{8}\/44h\/1h\/0h\/0\/0\][0-9a-f]{66}\)#[a-z0-9]{8}$/);

  // Coinbases to addr: block 1's was spent, block 2's matured at tip 102, 3..101 are immature.
  assert.is((await ok('listunspent', [1, 9999999, [addr], true, { include_immature_coinbase: true }])).length, 100);
  assert.is((await ok('listunspent', [1, 9999999, [addr]])).length, 1, 'immature coinbases are not listed by default');
  const info = await ok('getwalletinfo');
  assert.is(info.keypoolsize, 100 - 0, 'lookahead 100 past the last used receive key');
  assert.is(info.walletname, '');
  assert.is(info.txcount, 107, '101 coinbases and six sends');
  assert.equal(info.lastprocessedblock, { hash: node.chain.tip.hash, height: 102 });
  const txs = await ok('listtransactions', ['*', 3]);
  assert.is(txs.length, 3);
}));

test('Core error codes and messages', () => withNode(async ({ node, ok, fails }) => {
  const addr = await ok('getnewaddress');
  await fails('sendtoaddress', [addr, 1], -6, 'Insufficient funds');
  await fails('sendtoaddress', ['bcrt1qqurswpc8qurswpc8qurswpc8qurswpc8dxm0gk', 1], -5, /^Invalid ODA address/);
  await fails('sendtoaddress', [addr, 0], -3, 'Invalid amount for send');
  await fails('sendtoaddress', [addr, -1], -3, 'Amount out of range');
  await fails('sendtoaddress', [addr, 1, '', '', false, true, 6, 'unset', false, 5], -8, /Cannot specify both conf_target and fee_rate/);
  await fails('getnewaddress', ['', 'p2pk'], -5, "Unknown address type 'p2pk'");
  await fails('gettransaction', ['00'.repeat(32)], -5, 'Invalid or non-wallet transaction id');
  await fails('getaddressinfo', ['mgA7SfyBBrVGVSpQ7oqGHPhxpp2gUZWtfc'], -5, 'Invalid or unsupported Base58-encoded address.');
  await fails('signrawtransactionwithwallet', ['00'], -22, /TX decode failed/);
  await fails('loadwallet', ['nope'], -18, /Path does not exist/);
  await node.mine(101, addr);
  await fails('sendtoaddress', [addr, 0.000001], -6, 'Transaction amount too small');
  await fails('sendtoaddress', [addr, 1, '', '', false, true, null, null, false, 0.5], -6, 'Fee rate (0.500 sat/vB) is lower than the minimum fee rate setting (1.000 sat/vB)');
}));

test('validateaddress shapes, for ODA and foreign addresses', () => withNode(async ({ ok }) => {
  const a = await ok('getnewaddress');
  const v = await ok('validateaddress', [a]);
  assert.equal(Object.keys(v), ['isvalid', 'address', 'scriptPubKey', 'isscript', 'iswitness', 'witness_version', 'witness_program']);
  assert.equal([v.isvalid, v.isscript, v.iswitness, v.witness_version], [true, false, true, 0]);
  const l = await ok('validateaddress', [await ok('getnewaddress', ['', 'p2sh-segwit'])]);
  assert.equal([l.isscript, l.iswitness], [true, false]);
  const bad = await ok('validateaddress', ['bcrt1qqurswpc8qurswpc8qurswpc8qurswpc8dxm0gk']);
  assert.equal(bad, { isvalid: false, error_locations: [], error: 'Invalid or unsupported Segwit (Bech32) or Base58 encoding.' });
  const info = await ok('getaddressinfo', [a]);
  assert.equal([info.ismine, info.solvable, info.iswatchonly, info.ischange, info.labels], [true, true, false, false, ['']]);
  assert.match(info.hdkeypath, /^m\/84'\/1'\/0'\/0\/\d+$/);
  const changeAddr = await ok('getrawchangeaddress');
  const change = await ok('getaddressinfo', [changeAddr]);
  assert.equal([change.ischange, change.labels], [true, []]);
  assert.is(await ok('setlabel', [changeAddr, 'savings']), null);
  assert.equal((await ok('getaddressinfo', [changeAddr])).labels, ['savings']);
}));

test('fundrawtransaction + signrawtransactionwithwallet, wallets by URL path', () => withNode(async ({ node, ok, call }) => {
  await node.mine(101, await ok('getnewaddress'));
  assert.equal(await ok('createwallet', ['bob']), { name: 'bob' });
  assert.equal(await ok('listwallets'), ['', 'bob']);
  const bobAddr = await ok('getnewaddress', [], '/wallet/bob');
  const r = await call('getnewaddress', [], '/wallet/carol');
  assert.equal(r.error, { code: -18, message: 'Requested wallet does not exist or is not loaded' });

  const unsigned = new Transaction();
  unsigned.version = 2;
  unsigned.addOutput((await import('../../chain/address.js')).addressToScript(bobAddr, regtest), 2n * COIN);
  const taprootChange = await ok('fundrawtransaction', [unsigned.toHex(), { change_type: 'bech32m', changePosition: 1 }]);
  assert.is(Transaction.fromHex(taprootChange.hex).outs[1].script[0], 0x51, 'change_type bech32m gives a witness v1 change output');
  const funded = await ok('fundrawtransaction', [unsigned.toHex(), { changePosition: 0, fee_rate: 2, lockUnspents: true }]);
  assert.equal(Object.keys(funded), ['hex', 'fee', 'changepos']);
  assert.is(funded.changepos, 0);
  assert.equal(await ok('listunspent'), [], 'the selected coin is locked');
  assert.is((await ok('listlockunspent')).length, 1);
  const bobTry = await ok('signrawtransactionwithwallet', [funded.hex], '/wallet/bob');
  assert.is(bobTry.complete, false);
  assert.is(bobTry.errors[0].error, 'Witness program hash mismatch', 'Core: a P2WPKH witness must have exactly two items');
  const signed = await ok('signrawtransactionwithwallet', [funded.hex]);
  assert.equal(Object.keys(signed), ['hex', 'complete']);
  assert.is(signed.complete, true);
  await node.mempool.addTransaction(Transaction.fromHex(signed.hex));
  await node.mine(1);
  assert.equal((await ok('getbalances', [], '/wallet/bob')).mine.trusted, 2);
  assert.equal(await ok('unloadwallet', [], '/wallet/bob'), {});
  assert.equal(await ok('listwallets'), ['']);
  assert.equal(await ok('loadwallet', ['bob']), { name: 'bob' });
  assert.equal((await ok('getbalances', [], '/wallet/bob')).mine.trusted, 2);
}));

test.run();
