// Connection layer on loopback: handshake, ping/pong, byte counters, self-connection,
// address gossip, limits, and raw "evil peer" sockets that must be disconnected or scored
// while an honest peer keeps being served.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { regtest } from '../../chain/params.js';
import { nullLogger } from '../../util/logger.js';
import { Pool } from '../../p2p/pool.js';
import type { Peer } from '../../p2p/peer.js';
import { encodeFrame, MAX_FRAME } from '../../p2p/wire/frame.js';
import { PROTOCOL_VERSION, Services, type Message } from '../../p2p/wire/messages.js';

const pools: Pool[] = [];
function makePool(extra: Partial<ConstructorParameters<typeof Pool>[0]> = {}): Pool {
  const p = new Pool({
    magic: regtest.magic, defaultPort: regtest.port, services: Services.NODE_NETWORK | Services.NODE_WITNESS, maxCostUnits: 0n,
    userAgent: '/oda-test:0.1.0/', listen: true, bind: '127.0.0.1', port: 0, connect: [], addnode: [], maxConnections: 10,
    logger: nullLogger, startHeight: () => 0, maintainInterval: 3600, ...extra,
  });
  pools.push(p);
  return p;
}
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('timed out waiting'); await new Promise((r) => setTimeout(r, 10)); }
};
const ready = (p: Pool) => p.readyPeers().length;

/** A raw ws client that speaks (or abuses) the wire protocol. */
async function rawPeer(port: number): Promise<{ ws: WebSocket; got: string[]; closed: () => boolean; send: (m: Message) => void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  const got: string[] = [];
  let isClosed = false;
  ws.on('message', (d: Buffer) => got.push(Buffer.from(d.subarray(4, 16)).toString('ascii').replace(/\0+$/, '')));
  ws.on('close', () => { isClosed = true; });
  ws.on('error', () => {});
  await new Promise((r) => ws.once('open', r));
  return { ws, got, closed: () => isClosed, send: (m) => ws.send(encodeFrame(regtest.magic, m)) };
}
const version = (nonce = 7n): Message => ({
  cmd: 'version', version: PROTOCOL_VERSION, services: 1n, timestamp: 0n, addrRecv: { time: 0, services: 0n, host: '127.0.0.1', port: 0 },
  addrFrom: { time: 0, services: 0n, host: '0.0.0.0', port: 0 }, nonce, userAgent: '/raw/', startHeight: 0, relay: true, maxCostUnits: 0n,
});
async function handshaken(port: number) {
  const r = await rawPeer(port);
  r.send(version());
  r.send({ cmd: 'verack' });
  await until(() => r.got.includes('verack'));
  return r;
}

test.after(async () => { for (const p of pools) await p.stop(); });

test('outbound handshake, ping/pong, per-message byte counters, addr self-advertisement', async () => {
  const a = makePool({ acceptLocalAddrs: true }), b = makePool({ acceptLocalAddrs: true });
  await a.start(); await b.start();
  a.connect(`127.0.0.1:${b.port}`, 'manual');
  await until(() => ready(a) === 1 && ready(b) === 1);
  const pa = a.readyPeers()[0], pb = b.readyPeers()[0];
  await until(() => pa.pingTime !== undefined && pb.pingTime !== undefined);
  assert.is(pa.inbound, false); assert.is(pb.inbound, true);
  assert.is(pb.version!.userAgent, '/oda-test:0.1.0/');
  assert.ok(pa.bytesRecvPerMsg.pong >= 28 && pa.bytesRecvPerMsg.version > 20 && pa.bytesRecvPerMsg.verack === 20);
  assert.ok(a.totalBytesSent > 0 && a.totalBytesRecv > 0);
  // b learns a's listening address from a's self-advertisement (local addresses allowed here).
  await until(() => b.addrman.get('127.0.0.1', a.port) !== undefined);
});

test('gossiped non-routable addresses are ignored by default; routable ones kept and relayed', async () => {
  const node = makePool(), other = makePool();
  await node.start(); await other.start();
  other.connect(`127.0.0.1:${node.port}`, 'manual');
  await until(() => ready(node) === 1 && ready(other) === 1);
  const r = await handshaken(node.port);
  const now = Math.floor(Date.now() / 1000);
  r.send({ cmd: 'addr', addrs: [
    { time: now, services: 1n, host: '127.0.0.1', port: 1111 }, { time: now, services: 1n, host: '192.168.1.5', port: 1 },
    { time: now, services: 1n, host: '8.8.4.4', port: 8744 },
  ] });
  await until(() => node.addrman.get('8.8.4.4', 8744) !== undefined);
  assert.is(node.addrman.get('127.0.0.1', 1111), undefined);
  assert.is(node.addrman.get('192.168.1.5', 1), undefined);
  // A fresh small batch is relayed on to another peer (only the routable entry survives).
  await until(() => other.addrman.get('8.8.4.4', 8744) !== undefined);
  // A manually dialled peer is not put in the address table (Core), so nothing else is there.
  assert.is(other.addrman.size, 1);
  r.ws.terminate();
});

test('connecting to ourselves is detected by the version nonce', async () => {
  const a = makePool();
  await a.start();
  a.connect(`127.0.0.1:${a.port}`, 'manual');
  await until(() => a.peers.size === 0 || ready(a) > 0, 3000).catch(() => {});
  await new Promise((r) => setTimeout(r, 200));
  assert.is(ready(a), 0);
});

test('evil peers: garbage, wrong magic, oversize, early messages, bad payloads are cut off; honest peer still served', async () => {
  const node = makePool(), honest = makePool();
  await node.start(); await honest.start();
  honest.connect(`127.0.0.1:${node.port}`, 'manual');
  await until(() => ready(honest) === 1);
  const cases: [string, (r: Awaited<ReturnType<typeof rawPeer>>) => void, boolean][] = [
    ['garbage bytes', (r) => r.ws.send(Buffer.from('deadbeef00112233445566778899', 'hex')), true],
    ['text frame', (r) => r.ws.send('hello'), true],
    ['wrong magic', (r) => r.ws.send(encodeFrame(0xfabfb5da, version())), true],
    ['ping before version', (r) => r.send({ cmd: 'ping', nonce: 1n }), true],
    ['frame larger than any message', (r) => r.ws.send(Buffer.alloc(MAX_FRAME + 1)), true],
  ];
  for (const [name, act] of cases) {
    const r = await rawPeer(node.port);
    act(r);
    await until(() => r.closed(), 5000).catch(() => assert.unreachable(`${name}: not disconnected`));
  }
  // After the handshake: truncated frame, oversized ping, malformed inv.
  const evil: [string, (r: Awaited<ReturnType<typeof rawPeer>>) => void][] = [
    ['truncated', (r) => r.ws.send(encodeFrame(regtest.magic, { cmd: 'ping', nonce: 5n }).subarray(0, 25))],
    ['oversized ping', (r) => { const f = Buffer.alloc(29); Buffer.from(encodeFrame(regtest.magic, { cmd: 'ping', nonce: 1n })).copy(f); f.writeUInt32LE(9, 16); r.ws.send(f); }],
    ['malformed inv', (r) => { const f = Buffer.from(encodeFrame(regtest.magic, { cmd: 'inv', items: [] })); f[20] = 5; r.ws.send(f); }],
  ];
  for (const [name, act] of evil) {
    const r = await handshaken(node.port);
    act(r);
    await until(() => r.closed(), 5000).catch(() => assert.unreachable(`${name}: not disconnected`));
  }
  // Unknown commands score 10 each: the tenth disconnects.
  const u = await handshaken(node.port);
  const unknown = Buffer.from(encodeFrame(regtest.magic, { cmd: 'verack' })); unknown.write('reject\0', 4, 'ascii');
  for (let i = 0; i < 9; i++) u.ws.send(unknown);
  await new Promise((r) => setTimeout(r, 100));
  assert.is(u.closed(), false, 'nine unknown messages are tolerated');
  u.ws.send(unknown);
  await until(() => u.closed());
  // The honest peer is still connected and answered.
  const hp = honest.readyPeers()[0];
  hp.pingNonce = 0n; hp.pingTime = undefined;
  hp.ping();
  await until(() => hp.pingTime !== undefined);
  assert.is(ready(honest), 1);
  // Local misbehaving peers are disconnected, not banned (Core's rule for local addresses).
  assert.is(node.banman.list().length, 0);
});

test('flood of pings from one raw peer: node keeps serving another peer', async () => {
  const node = makePool(), honest = makePool();
  await node.start(); await honest.start();
  honest.connect(`127.0.0.1:${node.port}`, 'manual');
  await until(() => ready(honest) === 1);
  const f = await handshaken(node.port);
  const ping = encodeFrame(regtest.magic, { cmd: 'ping', nonce: 9n });
  for (let i = 0; i < 20000; i++) f.ws.send(ping);
  const hp = honest.readyPeers()[0];
  hp.pingNonce = 0n; hp.pingTime = undefined;
  hp.ping();
  await until(() => hp.pingTime !== undefined, 10000);
  f.ws.terminate();
});

test('maxconnections: inbound beyond the limit are refused; setban disconnects and refuses', async () => {
  const node = makePool({ maxConnections: 2, maxOutbound: 1 });
  await node.start();
  const r1 = await handshaken(node.port);
  const r2 = await rawPeer(node.port);
  await until(() => r2.closed());
  assert.is(r1.closed(), false);
  node.ban('127.0.0.1', 60);
  await until(() => r1.closed());
  assert.is(node.banman.rpcList()[0].address, '127.0.0.1/32');
  const r3 = await rawPeer(node.port).catch(() => undefined);
  if (r3) await until(() => r3.closed());
});

test.run();
