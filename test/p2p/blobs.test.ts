// Model-data exchange between in-process nodes with real blob stores: a block that uses a
// blob waits until the blob arrives, the blob spreads A → B → C, a peer feeding corrupt
// pieces is punished while the data still arrives from an honest peer, and corrupt local
// pieces are repaired from peers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Block, Transaction } from '../../chain/block.js';
import { buildBlockWithTxs } from '../../miner/generate.js';
import { blobPath } from '../../model-store/layout.js';
import { encodeManifest } from '../../model-store/manifest.js';
import { Services } from '../../p2p/wire/messages.js';
import { cleanup, connect, scriptedPeer, startNode, syncBlocks, until, type TestNode } from './harness.js';

const nodes: TestNode[] = [];
test.after(async () => { await cleanup(nodes); });

/** The test's stand-in for the ODA layer: a block uses the blobs named in OP_RETURN outputs. */
function blobsForBlock(block: Block): string[] {
  const roots: string[] = [];
  for (const tx of block.transactions ?? []) for (const o of tx.outs) if (o.script.length === 34 && o.script[0] === 0x6a && o.script[1] === 0x20) roots.push(Buffer.from(o.script.subarray(2)).toString('hex'));
  return roots;
}
const opts = { withStore: true, blobsForBlock, blobWaitTimeout: 20_000 };

let A: TestNode, B: TestNode, C: TestNode, root: string, data: Uint8Array;

test('a block using a blob waits for it; the blob spreads A → B → C before C accepts the block', async () => {
  A = await startNode(opts); B = await startNode(opts); C = await startNode(opts);
  nodes.push(A, B, C);
  await A.mine(101);
  await connect(B, A);
  await connect(C, B);
  await syncBlocks([A, B, C]);
  data = randomBytes(3 * 1048576 + 12345);
  const m = await A.store!.importBytes(data, { mediaType: 'raw', durable: false });
  root = m.root;
  // A transaction committing to the blob, mined by A.
  const cb = (await A.chain.getBlock(A.chain.getEntryByHeight(1)!.hash))!.transactions![0];
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(cb.getHash(), 0, 0xfffffffd);
  tx.addOutput(A.scriptPubKey, cb.outs[0].value - 20_000n);
  tx.addOutput(Buffer.concat([Buffer.from([0x6a, 0x20]), Buffer.from(root, 'hex')]), 0n);
  tx.setWitness(0, [Buffer.from(A.witnessScript)]);
  const entry = A.mempool ? await A.mempool.addTransaction(tx) : undefined;
  assert.ok(entry);
  const block = (await buildBlockWithTxs({ chain: A.chain, outputScript: A.scriptPubKey, txs: [(A.mempool as any).get(tx.getId())] }))!;
  await A.chain.processBlock(block);
  await syncBlocks([A, B, C]);
  assert.ok(await B.store!.has(root));
  assert.ok(await C.store!.has(root));
  assert.equal(Buffer.from(await C.store!.readAll(root)), Buffer.from(data));
  // C is not connected to A: every piece came through B.
  assert.ok(C.p2p.peers().every((p) => p.port !== A.p2p.port));
  const fromB = C.p2p.getPeerInfo()[0].bytesrecv_per_msg.piece ?? 0;
  assert.ok(fromB >= data.length, `C received ${fromB} piece bytes from B`);
});

async function evilStorePeer(port: number, manifest: Uint8Array, rootHex: string, pieces: number): Promise<{ ws: WebSocket; closed: () => boolean; served: () => number }> {
  let served = 0;
  const peer = await scriptedPeer(port, { services: Services.NODE_NETWORK | Services.NODE_MODEL_STORE, userAgent: '/evil-store/', nonce: 1234n }, (m, send) => {
    if (m.cmd === 'getmanifest') send({ cmd: 'manifest', manifest });
    if (m.cmd === 'getblobhave') send({ cmd: 'blobhave', root: rootHex, length: BigInt(data.length), bitfield: Uint8Array.of((1 << pieces) - 1) });
    if (m.cmd === 'getpiece') { served++; send({ cmd: 'piece', root: m.root, index: m.index, data: randomBytes(Math.min(1048576, data.length - m.index * 1048576)) }); }
  });
  return { ...peer, served: () => served };
}

test('a peer feeding corrupt pieces is punished; the data still arrives from an honest peer', async () => {
  const D = await startNode({ withStore: true });
  nodes.push(D);
  const manifest = encodeManifest((await A.store!.getManifest(root))!);
  const evil = await evilStorePeer(D.p2p.port, manifest, root, 4);
  await until(() => D.p2p.pool.readyPeers().length === 1);
  const evilPort = D.p2p.pool.readyPeers()[0].port;
  const fetched = D.p2p.fetchBlob(root, { timeout: 20_000 });
  await until(() => evil.closed());
  assert.ok(evil.served() >= 1);
  // A local peer is discouraged by address and port rather than banned by IP (Core's rule).
  assert.ok(D.p2p.pool.banman.isDiscouraged('127.0.0.1', evilPort));
  assert.not.ok(await D.store!.has(root));
  // getmodeldownloads' view: the download is listed, not complete.
  const [dl] = D.p2p.blobs!.progress();
  assert.is(dl.root, root);
  assert.ok(dl.progress < 1 && dl.piecesHave < Math.max(1, dl.pieces));
  await connect(D, A);
  const m = await fetched;
  assert.equal(D.p2p.blobs!.progress(), []);
  assert.is(m.root, root);
  assert.equal(Buffer.from(await D.store!.readAll(root)), Buffer.from(data));
});

test('corrupted local pieces are detected and repaired from peers', async () => {
  // Overwrite part of piece 1 of C's copy on disk.
  const fd = openSync(blobPath(join(C.dir, 'models'), root), 'r+');
  writeSync(fd, Buffer.alloc(100, 0xee), 0, 100, 1048576 + 5000);
  closeSync(fd);
  const before = C.p2p.blobs!.piecesReceived;
  const { badPieces } = await C.p2p.blobs!.repair(root, { timeout: 20_000 });
  assert.equal(badPieces, [1]);
  assert.is(C.p2p.blobs!.piecesReceived, before + 1);
  assert.equal(Buffer.from(await C.store!.readAll(root)), Buffer.from(data));
});

test('fetchBlob of a blob nobody has times out without side effects', async () => {
  const missing = 'ab'.repeat(32);
  try {
    const pending = C.p2p.fetchBlob(missing, { timeout: 1500 });
    pending.catch(() => {});
    await until(() => C.p2p.blobs!.progress().length === 1);
    const [p] = C.p2p.blobs!.progress();
    assert.equal({ root: p.root, pieces: p.pieces, progress: p.progress, length: p.length }, { root: missing, pieces: 0, progress: 0, length: 0 });
    await pending;
    assert.unreachable('resolved');
  } catch (e) {
    assert.match((e as Error).message, /not received within/);
  }
  assert.is(C.p2p.blobs!.active().length, 0);
  assert.is(await C.store!.getManifest(missing), undefined);
});

test.run();
