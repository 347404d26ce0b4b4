// Headers-first sync, reorgs, block and transaction relay between in-process nodes with real
// chains and mempools on loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction } from '../../chain/block.js';
import { cleanup, connect, startNode, syncBlocks, syncMempools, until, type TestNode } from './harness.js';

const nodes: TestNode[] = [];
const node = async (...a: Parameters<typeof startNode>) => { const n = await startNode(...a); nodes.push(n); return n; };
test.after(async () => { await cleanup(nodes); });

function spendCoinbase(miner: TestNode, cbTx: Transaction, fee = 10_000n): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(cbTx.getHash(), 0, 0xfffffffd);
  tx.addOutput(miner.scriptPubKey, cbTx.outs[0].value - fee);
  tx.setWitness(0, [Buffer.from(miner.witnessScript)]);
  return tx;
}

let A: TestNode, B: TestNode, C: TestNode;

test('initial block download from scratch, then from two peers at once', async () => {
  A = await node(); B = await node(); C = await node();
  await A.mine(120);
  await connect(B, A);
  await syncBlocks([A, B]);
  assert.is(B.chain.height, 120);
  assert.is(B.p2p.sync.bestHeaderHeight, 120);
  // C learns from both A and B (parallel fetch across peers).
  await connect(C, A);
  await connect(C, B);
  await syncBlocks([A, B, C]);
  const peersServing = C.p2p.getPeerInfo().filter((p) => (p.bytesrecv_per_msg.block ?? 0) > 0).length;
  assert.ok(peersServing >= 1);
  assert.is(C.p2p.verificationProgress(), 1);
});

test('new blocks propagate along a line A-B-C by headers announcements', async () => {
  // C is connected to A directly too; cut that to make the path A→B→C.
  C.p2p.disconnectNode(`127.0.0.1:${A.p2p.port}`);
  await until(() => C.p2p.pool.readyPeers().length === 1 && A.p2p.pool.readyPeers().length === 1);
  await A.mine(3);
  await syncBlocks([A, B, C]);
  assert.ok((B.p2p.getPeerInfo().find((p) => p.inbound === false)!.bytesrecv_per_msg.headers ?? 0) > 0);
});

test('transactions relay once and reach every mempool; mempool exchange on connect', async () => {
  const cb = (await A.chain.getBlock(A.chain.getEntryByHeight(1)!.hash))!.transactions![0];
  const tx = spendCoinbase(A, cb);
  await A.mempool.addTransaction(tx);
  await syncMempools([A, B, C]);
  assert.ok(C.mempool.has(tx.getId()));
  // Each node received the tx message at most once from each peer (no storm).
  for (const n of [A, B, C]) for (const p of n.p2p.getPeerInfo()) assert.ok((p.bytesrecv_per_msg.tx ?? 0) <= tx.byteLength() + 20 + 1);
  // A fresh node gets the mempool on connect.
  const D = await node();
  await connect(D, C);
  await syncBlocks([C, D]);
  await syncMempools([C, D]);
  // The block that confirms it empties every mempool.
  await B.mine(1);
  await syncBlocks([A, B, C, D]);
  await until(() => [A, B, C, D].every((n) => n.mempool.entries().length === 0));
  await D.close();
});

test('partitions mine competing chains, then heal onto the heavier one', async () => {
  // Split: disconnect B from A and C.
  for (const p of B.p2p.peers()) p.disconnect('split');
  await until(() => B.p2p.pool.readyPeers().length === 0 && A.p2p.pool.readyPeers().length === 0);
  await A.mine(4);
  await B.mine(7);
  assert.is.not(A.chain.tip.hash, B.chain.tip.hash);
  const heavier = B.chain.tip.hash;
  await connect(A, B);
  await connect(C, B);
  await syncBlocks([A, B, C]);
  assert.is(A.chain.tip.hash, heavier);
  const tips = A.chain.getChainTips();
  assert.ok(tips.some((t) => t.status === 'valid-fork' || t.status === 'valid-headers'), JSON.stringify(tips));
});

test('network RPC backends answer with Core shapes', async () => {
  const info = A.p2p.getPeerInfo()[0];
  for (const k of ['id', 'addr', 'services', 'servicesnames', 'bytessent_per_msg', 'bytesrecv_per_msg', 'subver', 'synced_headers', 'synced_blocks', 'connection_type', 'pingtime']) assert.ok(k in info, k);
  assert.ok(info.servicesnames.includes('NETWORK') && info.servicesnames.includes('ODA_VALIDATE'));
  assert.is(A.p2p.connectionCount().total, 1);
  const tot = A.p2p.netTotals();
  assert.ok(tot.totalbytesrecv > 0 && tot.totalbytessent > 0);
  assert.is(A.p2p.addNode(`127.0.0.1:${C.p2p.port}`, 'add'), 'ok');
  assert.is(A.p2p.addNode(`127.0.0.1:${C.p2p.port}`, 'add'), 'already-added');
  await until(() => A.p2p.getAddedNodeInfo()[0].connected);
  assert.is(A.p2p.addNode(`127.0.0.1:${C.p2p.port}`, 'remove'), 'ok');
  assert.is(A.p2p.addNode(`127.0.0.1:${C.p2p.port}`, 'remove'), 'not-added');
  assert.not.ok(A.p2p.disconnectNode(undefined, 99999));
});

test.run();
