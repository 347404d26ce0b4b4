// End to end on a real chain and mempool: mining to the wallet, coinbase maturity, sending
// between wallets, reorgs, restart without rescan, catch-up after missed blocks (a node
// killed mid-way), funding and signing raw transactions for every address type.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction } from '../../chain/block.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TestNode, P2WSH_TRUE } from './util/node.js';
import { addressToScript } from '../../chain/address.js';
import { regtest, COIN } from '../../chain/params.js';
import { WalletError, REGTEST_FALLBACK_FEE } from '../../wallet/wallet.js';
import { feeFor } from '../../wallet/coin-selection.js';

const script = (a: string) => addressToScript(a, regtest);

/** Runs a test body on a fresh node; its temp dir is removed on success, kept on failure. */
async function withNode(fn: (node: TestNode) => Promise<void>): Promise<void> {
  const node = await TestNode.start();
  try {
    await fn(node);
  } catch (e) {
    await node.stop(false);
    console.error(`kept ${node.dir}`);
    throw e;
  }
  await node.stop();
}

async function rejects(p: Promise<unknown>, check: RegExp | ((e: unknown) => boolean)): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(typeof check === 'function' ? check(e) : check.test((e as Error).message), String(e));
    return;
  }
  assert.unreachable('expected a rejection');
}

test('mine 101 to the wallet, send to a second wallet, reorg, restart, catch up', () => withNode(async (node) => {
  const a = node.w;
  const addrA = await a.getNewAddress('mining');
  await node.mine(101, addrA);
  let bal = a.getBalances();
  assert.is(bal.trusted, 50n * COIN, 'block 1 coinbase mature at depth 101');
  assert.is(bal.immature, 100n * 50n * COIN);
  assert.is(bal.untrustedPending, 0n);

  const b = await node.wallets.create('b');
  const addrB = await b.getNewAddress();
  const { tx, fee } = await a.createTransaction([{ script: script(addrB), value: 10n * COIN }]);
  assert.is(tx.ins[0].sequence, 0xfffffffd, 'BIP125 signalling by default');
  assert.is(tx.locktime, 101, 'anti-fee-sniping locktime at the tip');
  assert.ok(fee >= feeFor(REGTEST_FALLBACK_FEE, tx.virtualSize()) && fee <= feeFor(REGTEST_FALLBACK_FEE, tx.virtualSize() + 2));
  await node.mempool.addTransaction(tx);
  await a.sync();
  await b.sync();
  bal = a.getBalances();
  assert.is(bal.trusted, 40n * COIN - fee, 'own change is trusted while in the mempool');
  assert.is(b.getBalances().untrustedPending, 10n * COIN);
  assert.is(b.getBalances().trusted, 0n);
  assert.is(b.listUnspent().length, 0, 'listunspent minconf=1 default');
  assert.is(b.listUnspent({ minConf: 0 }).length, 1);

  const [blockHash] = await node.mine(1);
  await b.sync();
  assert.is(b.getBalances().trusted, 10n * COIN);
  assert.is(a.getBalances().trusted, 50n * COIN + 40n * COIN - fee, 'block 2 matured too');
  assert.is(b.listUnspent()[0].confirmations, 1);

  // Reorg: the block with the payment leaves the chain; the tx returns to the mempool.
  await node.chain.invalidateBlock(blockHash);
  await node.settle();
  assert.ok(node.mempool.has(tx.getId()));
  assert.is(b.getBalances().trusted, 0n);
  assert.is(b.getBalances().untrustedPending, 10n * COIN);
  assert.is(a.getBalances().trusted, 40n * COIN - fee, 'block 2 immature again, change pending but trusted');
  assert.is(a.tipHeight, 101);

  await node.mine(1, addrA); // a different block from the invalidated one
  assert.is(b.getBalances().trusted, 10n * COIN);
  const heightBefore = node.chain.height;

  // Restart: state persisted, nothing to rescan.
  const before = { a: a.getBalances(), b: b.getBalances() };
  await node.closeWallets();
  await node.openWallets();
  assert.equal(node.wallets.list(), [''], 'only the default wallet loads at startup');
  const b2 = await node.wallets.load('b');
  assert.equal(node.w.getBalances(), before.a);
  assert.equal(b2.getBalances(), before.b);
  assert.is(node.w.tipHeight, heightBefore);

  // Node "killed" with the wallets closed: blocks arrive that the wallets never see.
  await node.closeWallets();
  await node.stop(false);
  await node.openChain();
  const external = new TestNode_Miner(node);
  await external.mine(3);
  await node.openWallets();
  const b3 = await node.wallets.load('b');
  assert.is(node.w.tipHeight, node.chain.height, 'caught up on open');
  assert.is(b3.tipHeight, node.chain.height);
  assert.equal(b3.getBalances(), before.b);
  assert.is(node.w.getBalances().trusted, before.a.trusted + 3n * 50n * COIN, 'three more coinbases matured');
}));

/** Mines with no wallets open (they are closed: a node that was down for these blocks). */
class TestNode_Miner {
  constructor(private readonly node: TestNode) {}
  async mine(n: number) {
    const { generateBlocks } = await import('../../miner/generate.js');
    await generateBlocks({ chain: this.node.chain, mempool: this.node.mempool, outputScript: P2WSH_TRUE, nblocks: n });
  }
}

test('a reorg while the wallet was closed is rolled back on open', () => withNode(async (node) => {
  const addr = await node.w.getNewAddress();
  await node.mine(101, addr);
  const stale = await node.mine(2, addr);
  assert.is(node.w.getBalances().trusted, 3n * 50n * COIN);
  await node.closeWallets();
  await node.chain.invalidateBlock(stale[0]);
  await new TestNode_Miner(node).mine(3); // longer branch, coinbases not ours
  await node.openWallets();
  assert.is(node.w.tipHash, node.chain.tip.hash);
  // Tip 104: coinbases at heights 1..4 are mature; 5..101 immature; 102..103 were stale.
  assert.is(node.w.getBalances().trusted, 4n * 50n * COIN);
  assert.is(node.w.getBalances().immature, 97n * 50n * COIN);
  assert.is(node.w.listUnspent().length, 4);
}));

test('a wallet whose tip the chain does not know (chain data replaced) rescans from genesis', () => withNode(async (node) => {
  const addr = await node.w.getNewAddress();
  await node.mine(102, addr);
  assert.is(node.w.getBalances().trusted, 100n * COIN);
  await node.closeWallets();
  await node.chain.close();
  rmSync(join(node.dir, 'chainstate'), { recursive: true, force: true });
  rmSync(join(node.dir, 'blocks'), { recursive: true, force: true });
  await node.openChain();
  await new TestNode_Miner(node).mine(2);
  await node.openWallets();
  assert.is(node.w.tipHash, node.chain.tip.hash);
  assert.equal(node.w.getBalances(), { trusted: 0n, untrustedPending: 0n, immature: 0n });
  assert.is(node.w.txCount, 0, 'coinbases of the vanished chain are gone');
}));

test('fund and sign raw transactions; every address type receives and spends', () => withNode(async (node) => {
  const w = node.w;
  await node.mine(101, await w.getNewAddress());
  const types = ['legacy', 'p2sh-segwit', 'bech32', 'bech32m'] as const;
  const addrs = await Promise.all(types.map((t) => w.getNewAddress('', t)));
  const pay = new Transaction();
  pay.version = 2;
  for (const a of addrs) pay.addOutput(script(a), COIN);
  const funded = await w.fund(pay, { feeRate: 5000n, changePosition: 4 });
  assert.is(funded.changePos, 4);
  assert.is(funded.tx.outs.length, 5);
  const signed = funded.tx.clone();
  const res = await w.sign(signed);
  assert.ok(res.complete, JSON.stringify(res.errors));
  assert.is(funded.fee, 50n * COIN - 4n * COIN - funded.tx.outs[4].value);
  assert.ok(funded.fee >= feeFor(5000n, signed.virtualSize()));
  await node.mempool.addTransaction(signed);
  await node.mine(1);

  // Spend exactly the four new coins in one transaction, signed by the wallet.
  const spend = new Transaction();
  spend.version = 2;
  for (let vout = 0; vout < 4; vout++) spend.addInput(signed.getHash(), vout, 0xfffffffd);
  spend.addOutput(P2WSH_TRUE, 4n * COIN - 100_000n);
  const r2 = await w.sign(spend);
  assert.ok(r2.complete, JSON.stringify(r2.errors));
  const [accept] = await node.mempool.testAccept([spend]);
  assert.ok(accept.allowed, JSON.stringify(accept, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));

  // An input the wallet does not know, and one it cannot sign.
  const foreign = new Transaction();
  foreign.addInput(Buffer.alloc(32, 7), 0);
  foreign.addOutput(P2WSH_TRUE, 1000n);
  const r3 = await w.sign(foreign);
  assert.not.ok(r3.complete);
  assert.is(r3.errors[0].error, 'Input not found or already spent');
  const r4 = await w.sign(foreign, { prevouts: new Map([[`${'07'.repeat(32)}:0`, { script: P2WSH_TRUE, value: 5000n }]]) });
  assert.is(r4.errors[0].error, 'Witness program was passed an empty witness');
}));

test('insufficient funds, dust amounts, fee rate floor, subtract fee from amount', () => withNode(async (node) => {
  const w = node.w;
  await node.mine(101, await w.getNewAddress());
  const dest = script(await w.getNewAddress());
  await rejects(w.createTransaction([{ script: dest, value: 51n * COIN }]), (e: unknown) => e instanceof WalletError && e.message === 'Insufficient funds');
  await rejects(w.createTransaction([{ script: dest, value: 100n }]), /Transaction amount too small/);
  await rejects(w.createTransaction([{ script: dest, value: COIN }], { feeRate: 999n }), /lower than the minimum fee rate setting \(1\.000 sat\/vB\)/);
  const all = await w.createTransaction([{ script: P2WSH_TRUE, value: 50n * COIN }], { subtractFeeFrom: [0], feeRate: 1000n });
  assert.is(all.changePos, -1);
  assert.is(all.tx.outs[0].value, 50n * COIN - all.fee);
  assert.ok(all.fee >= feeFor(1000n, all.tx.virtualSize()) && all.fee <= feeFor(1000n, all.tx.virtualSize() + 2));
}));

test.run();
