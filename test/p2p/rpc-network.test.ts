// Network RPC handlers against live in-process nodes, and with P2P disabled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { networkMethods } from '../../rpc/methods/network.js';
import { RpcError } from '../../rpc/errors.js';
import type { NodeContext } from '../../rpc/context.js';
import { cleanup, connect, startNode, until, type TestNode } from './harness.js';

const nodes: TestNode[] = [];
test.after(async () => { await cleanup(nodes); });
const call = (ctx: Partial<NodeContext>, name: string, ...args: unknown[]) => {
  const m = networkMethods.find((x) => x.name === name)!;
  return m.handler(args, ctx as NodeContext);
};
const rpcError = (fn: () => unknown, code: number, msg: string) => {
  try { fn(); } catch (e) { assert.instance(e, RpcError); assert.is((e as RpcError).code, code); assert.ok((e as RpcError).message.includes(msg), (e as RpcError).message); return; }
  assert.unreachable(`no error (${msg})`);
};

test('with P2P disabled: getnetworkinfo answers, peer methods fail with -31', () => {
  const info = call({}, 'getnetworkinfo') as any;
  assert.is(info.connections, 0);
  assert.is(info.networkactive, false);
  assert.is(info.relayfee.toString(), '0.00001000');
  rpcError(() => call({}, 'getconnectioncount'), -31, 'Peer-to-peer functionality missing or disabled');
  rpcError(() => call({}, 'getpeerinfo'), -31, 'disabled');
});

test('peers, addnode, disconnectnode, setban/listbanned/clearbanned, getnettotals', async () => {
  const a = await startNode(), b = await startNode();
  nodes.push(a, b);
  const ctx = { p2p: a.p2p, mempool: a.mempool } as Partial<NodeContext>;
  assert.is(call(ctx, 'getconnectioncount'), 0);
  await connect(a, b);
  assert.is(call(ctx, 'getconnectioncount'), 1);
  const info = call(ctx, 'getnetworkinfo') as any;
  assert.is(info.connections_out, 1);
  assert.equal(info.localservicesnames, ['NETWORK', 'WITNESS', 'ODA_VALIDATE']);
  assert.is(info.localaddresses[0].port, a.p2p.port);
  const peers = call(ctx, 'getpeerinfo') as any[];
  assert.is(peers.length, 1);
  assert.is(peers[0].connection_type, 'manual');
  assert.is(peers[0].subver, '/oda:0.1.0/');
  const addr = `127.0.0.1:${b.p2p.port}`;
  call(ctx, 'addnode', addr, 'add');
  rpcError(() => call(ctx, 'addnode', addr, 'add'), -23, 'Error: Node already added');
  assert.is((call(ctx, 'getaddednodeinfo') as any[])[0].addednode, addr);
  call(ctx, 'addnode', addr, 'remove');
  rpcError(() => call(ctx, 'addnode', addr, 'remove'), -24, 'It has not been added previously');
  rpcError(() => call(ctx, 'addnode', addr, 'bogus'), -1, 'addnode');
  rpcError(() => call(ctx, 'disconnectnode'), -32602, 'Only one of address and nodeid');
  rpcError(() => call(ctx, 'disconnectnode', '127.0.0.1:1'), -29, 'Node not found in connected nodes');
  call(ctx, 'disconnectnode', undefined, peers[0].id);
  await until(() => call(ctx, 'getconnectioncount') === 0);
  const totals = call(ctx, 'getnettotals') as any;
  assert.ok(totals.totalbytesrecv > 0 && totals.totalbytessent > 0 && totals.uploadtarget.timeframe === 86400);
  rpcError(() => call(ctx, 'setban', '1.2.3', 'add'), -30, 'Error: Invalid IP/Subnet');
  call(ctx, 'setban', '10.0.0.0/8', 'add', 3600);
  rpcError(() => call(ctx, 'setban', '10.0.0.0/8', 'add'), -23, 'Error: IP/Subnet already banned');
  const banned = call(ctx, 'listbanned') as any[];
  assert.is(banned[0].address, '10.0.0.0/8');
  assert.is(banned[0].ban_duration, 3600);
  call(ctx, 'setban', '10.0.0.0/8', 'remove');
  rpcError(() => call(ctx, 'setban', '10.0.0.0/8', 'remove'), -30, 'Unban failed');
  call(ctx, 'setban', '10.1.1.1', 'add');
  call(ctx, 'clearbanned');
  assert.equal(call(ctx, 'listbanned'), []);
  assert.is(call(ctx, 'setnetworkactive', false), false);
  assert.is((call(ctx, 'getnetworkinfo') as any).networkactive, false);
  call(ctx, 'setnetworkactive', true);
  // Manually dialled local peers are not in the table (Core); a gossiped routable one is.
  assert.equal(call(ctx, 'getnodeaddresses', 0), []);
  a.p2p.pool.addrman.add({ time: Math.floor(Date.now() / 1000), services: 9n, host: '8.8.8.8', port: 8744 }, 'test');
  assert.equal(call(ctx, 'getnodeaddresses', 0), [{ time: (call(ctx, 'getnodeaddresses', 0) as any[])[0].time, services: 9, address: '8.8.8.8', port: 8744, network: 'ipv4' }]);
});

test.run();
