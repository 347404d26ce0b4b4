// Stall detection and peer rotation: a peer that announces a chain but never delivers the
// blocks is dropped, and the blocks come from another peer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { Block } from 'bitcoinjs-lib';
import { regtest } from '../../chain/params.js';
import { decodeFrame, encodeFrame } from '../../p2p/wire/frame.js';
import { PROTOCOL_VERSION, type Message } from '../../p2p/wire/messages.js';
import { cleanup, connect, startNode, syncBlocks, until, type TestNode } from './harness.js';

const nodes: TestNode[] = [];
test.after(async () => { await cleanup(nodes); });

test('a peer that withholds announced blocks is rotated out; another serves them', async () => {
  const S = await startNode();
  const F = await startNode({ sync: { stallTimeout: 600 } });
  nodes.push(S, F);
  await S.mine(40);
  const headers = Array.from({ length: 40 }, (_, i) => Block.fromBuffer(Buffer.from(S.chain.getEntryByHeight(i + 1)!.header)));
  // The withholding peer: answers getheaders with S's headers, ignores getdata.
  const ws = new WebSocket(`ws://127.0.0.1:${F.p2p.port}/`, { perMessageDeflate: false });
  let closed = false, getdata = 0;
  const send = (m: Message) => { if (ws.readyState === ws.OPEN) ws.send(encodeFrame(regtest.magic, m)); };
  ws.on('close', () => { closed = true; });
  ws.on('error', () => {});
  ws.on('message', (d: Buffer) => {
    let m: Message;
    try { m = decodeFrame(regtest.magic, d); } catch { return; }
    if (m.cmd === 'getheaders') send({ cmd: 'headers', headers });
    if (m.cmd === 'getdata') getdata += m.items.length;
    if (m.cmd === 'ping') send({ cmd: 'pong', nonce: m.nonce });
  });
  await new Promise((r) => ws.once('open', r));
  send({ cmd: 'version', version: PROTOCOL_VERSION, services: 9n, timestamp: 0n, addrRecv: { time: 0, services: 0n, host: '127.0.0.1', port: 0 },
    addrFrom: { time: 0, services: 0n, host: '0.0.0.0', port: 0 }, nonce: 4242n, userAgent: '/withholder/', startHeight: 40, relay: true, maxCostUnits: 0n });
  send({ cmd: 'verack' });
  await until(() => getdata > 0, 10_000, 'requests to the withholding peer');
  assert.is(F.chain.height, 0);
  assert.is(F.p2p.bestHeaderHeight(), 40, 'headers accepted from the withholding peer');
  await connect(F, S);
  await syncBlocks([S, F]);
  await until(() => closed, 10_000, 'withholding peer disconnected');
  assert.is(F.chain.height, 40);
});

test.run();
