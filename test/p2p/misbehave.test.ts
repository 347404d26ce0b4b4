// Raw "evil peers" against a node with a real chain: headers with bad proof of work, headers
// that do not connect, blocks that fail validation, unsolicited garbage. The evil peer is
// disconnected (or scored), the node keeps serving an honest peer, and nothing stored is lost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { Block } from '../../chain/block.js';
import { regtest } from '../../chain/params.js';
import { createBlockTemplate } from '../../miner/template.js';
import { grind } from '../../miner/grind.js';
import { encodeFrame, decodeFrame } from '../../p2p/wire/frame.js';
import { PROTOCOL_VERSION, type Message } from '../../p2p/wire/messages.js';
import { cleanup, connect, startNode, syncBlocks, until, type TestNode } from './harness.js';

const nodes: TestNode[] = [];
test.after(async () => { await cleanup(nodes); });

interface Raw { ws: WebSocket; got: Message[]; closed: () => boolean; send: (m: Message) => void }
async function evilPeer(port: number): Promise<Raw> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  const got: Message[] = [];
  let closed = false;
  ws.on('message', (d: Buffer) => { try { got.push(decodeFrame(regtest.magic, d)); } catch { /* ignore */ } });
  ws.on('close', () => { closed = true; });
  ws.on('error', () => {});
  await new Promise((r) => ws.once('open', r));
  const send = (m: Message) => ws.send(encodeFrame(regtest.magic, m));
  send({ cmd: 'version', version: PROTOCOL_VERSION, services: 9n, timestamp: 0n, addrRecv: { time: 0, services: 0n, host: '127.0.0.1', port: 0 },
    addrFrom: { time: 0, services: 0n, host: '0.0.0.0', port: 0 }, nonce: 99n, userAgent: '/evil/', startHeight: 0, relay: true, maxCostUnits: 0n });
  send({ cmd: 'verack' });
  await until(() => got.some((m) => m.cmd === 'verack'));
  return { ws, got, closed: () => closed, send };
}

let N: TestNode, H: TestNode;

test('setup: node N with 30 blocks, honest peer H synced', async () => {
  N = await startNode(); H = await startNode();
  nodes.push(N, H);
  await N.mine(30);
  await connect(H, N);
  await syncBlocks([N, H]);
});

test('header with bad proof of work: evil peer disconnected', async () => {
  const e = await evilPeer(N.p2p.port);
  const tip = N.chain.tip;
  const hdr = new Block();
  hdr.version = 0x20000000; hdr.prevHash = Buffer.from(tip.hash, 'hex').reverse(); hdr.merkleRoot = Buffer.alloc(32, 7);
  hdr.timestamp = tip.time + 1; hdr.bits = 0x1d00ffff; hdr.nonce = 1;
  e.send({ cmd: 'headers', headers: [hdr] });
  await until(() => e.closed());
  assert.is(N.chain.getEntry(hdr.getId()), undefined);
});

test('headers that do not connect: answered with getheaders, scored only after repeats', async () => {
  const e = await evilPeer(N.p2p.port);
  const hdr = new Block();
  hdr.version = 0x20000000; hdr.prevHash = Buffer.alloc(32, 0xab); hdr.merkleRoot = Buffer.alloc(32, 7);
  hdr.timestamp = N.chain.tip.time + 1; hdr.bits = regtest.powLimitBits; hdr.nonce = 0;
  grind(hdr, 1000); // valid proof of work: only the missing parent is wrong
  await until(() => e.got.some((m) => m.cmd === 'getheaders')); // the one sent on connect
  const before = e.got.filter((m) => m.cmd === 'getheaders').length;
  e.send({ cmd: 'headers', headers: [hdr] });
  await until(() => e.got.filter((m) => m.cmd === 'getheaders').length > before);
  assert.is(e.closed(), false);
  // Repeating it 50 times costs 20 per 10: 100 → disconnected.
  for (let i = 0; i < 50; i++) e.send({ cmd: 'headers', headers: [hdr] });
  await until(() => e.closed());
});

test('a block that fails validation: sender disconnected, chain unchanged, honest peer still synced', async () => {
  const e = await evilPeer(N.p2p.port);
  const tipBefore = N.chain.tip.hash;
  const t = await createBlockTemplate({ chain: N.chain, outputScript: N.scriptPubKey });
  const block = t.block;
  block.transactions![0].outs[0].value += 1n; // coinbase pays too much
  block.merkleRoot = Block.calculateMerkleRoot(block.transactions!);
  const bad = grind(block, 1_000_000)!;
  e.send({ cmd: 'block', block: bad });
  await until(() => e.closed());
  assert.is(N.chain.tip.hash, tipBefore);
  // The honest peer still gets new blocks.
  await N.mine(2);
  await syncBlocks([N, H]);
  assert.is(H.chain.height, 32);
});

test('getdata for unknown blocks is answered with notfound; unsolicited tx garbage scored', async () => {
  const e = await evilPeer(N.p2p.port);
  e.send({ cmd: 'getdata', items: [{ type: 2, hash: 'ff'.repeat(32) }] });
  await until(() => e.got.some((m) => m.cmd === 'notfound'));
  // 200 getdata messages in a burst: all answered in order, node still serves H.
  for (let i = 0; i < 200; i++) e.send({ cmd: 'getdata', items: [{ type: 2, hash: N.chain.tip.hash }] });
  await until(() => e.got.filter((m) => m.cmd === 'block').length === 200);
  await N.mine(1);
  await syncBlocks([N, H]);
  e.ws.terminate();
});

test.run();
