// Self-test of the functional framework against a stand-in odad (test/functional/fake-odad.ts):
// ports, cookie wait through warmup, RPC proxy, errors, stop/kill/restart/SIGTERM, sync
// helpers, data dir kept on failure and removed on success. Spawns ~6 processes (~5-10 s).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runFunctionalTest, assertRpcError, waitUntil, syncBlocks, syncMempools, p2pPort, rpcPort, skipTest, TestNode } from './framework.js';
import { RpcError } from '../../rpc/errors.js';

const FAKE = new URL('./fake-odad.ts', import.meta.url).pathname;

test('ports follow Core\'s formula and never collide between nodes', () => {
  assert.is(p2pPort(0, 1), 11012);
  assert.is(rpcPort(0, 1), 16012);
  assert.is(p2pPort(3, 1000), 11000 + 3 + (12 * 1000) % 4987);
  const ports = new Set<number>();
  for (let i = 0; i < 12; i++) { ports.add(p2pPort(i)); ports.add(rpcPort(i)); }
  assert.is(ports.size, 24);
});

test('assertRpcError and waitUntil fail when they should', async () => {
  await assertRpcError(-5, 'not found', Promise.reject(new RpcError(-5, 'Block not found')));
  await assertRpcError(-5, undefined, () => Promise.reject(new RpcError(-5, 'x')));
  for (const [p, msg] of [
    [Promise.reject(new RpcError(-8, 'Block not found')), 'expected RPC error code -5, got -8'],
    [Promise.reject(new RpcError(-5, 'other')), 'containing "not found"'],
    [Promise.resolve(1), 'but the call succeeded with 1'],
    [Promise.reject(new Error('plain')), 'expected RPC error -5, got Error: plain'],
  ] as const) {
    try { await assertRpcError(-5, 'not found', p); assert.unreachable(); } catch (e) { assert.match((e as Error).message, msg); }
  }
  try { await waitUntil(() => false, 100, 'never'); assert.unreachable(); } catch (e) { assert.match((e as Error).message, 'waitUntil timed out after 100 ms: never'); }
});

test('two nodes: RPC through the proxy, restart keeps state, kill, SIGTERM, sync helpers, dir removed', async () => {
  let dir = '';
  const r = await runFunctionalTest({ numNodes: 2, binary: FAKE, extraArgs: [['-debug=rpc'], []] }, async (nodes, env) => {
    dir = env.tmpdir;
    const [a, b] = nodes;
    assert.is.not(a.rpcPort, b.rpcPort);
    assert.is(await a.getblockcount(), 0);
    assert.ok(a.args().includes('-debug=rpc'));
    await assertRpcError(-32601, 'Method not found', a.nosuchmethod());
    await assertRpcError(-3, 'JSON value of type string is not of expected type number', a.mine('1'));
    await a.assertDebugLog(['UpdateTip: height=3'], () => a.mine(3));
    await b.mine(3);
    await syncBlocks(nodes, 5000);
    await syncMempools(nodes, 5000);
    await a.restart();
    assert.is(await a.getblockcount(), 3);
    await b.kill();
    assert.is(b.running, false);
    b.start();
    await b.waitForRpc();
    assert.is(await b.rpcNamed('mine', { n: 1 }), (4).toString(16).padStart(64, '0'));
    await assertRpcError(-3, undefined, b.rpcNamed('mine', { n: 'x' }));
    try { await syncBlocks(nodes, 300); assert.unreachable(); } catch (e) { assert.match((e as Error).message, 'Block sync timed out'); }
    assert.is(await b.terminate(), 0);
    assert.not.ok(existsSync(join(b.networkDir, '.cookie')), 'cookie removed on SIGTERM shutdown');
  });
  assert.is(r, 'passed');
  assert.not.ok(existsSync(dir), 'data dir removed on success');
});

test('failure: nodes killed, data dir kept and printed, error rethrown; startup failure reported', async () => {
  let dir = '';
  let node: TestNode | undefined;
  const logged: string[] = [];
  const origError = console.error;
  console.error = (...a: unknown[]) => { logged.push(a.join(' ')); };
  try {
    await runFunctionalTest({ numNodes: 1, binary: FAKE }, async (nodes, env) => {
      dir = env.tmpdir;
      node = nodes[0];
      throw new Error('deliberate failure');
    });
    assert.unreachable('did not rethrow');
  } catch (e) {
    assert.is((e as Error).message, 'deliberate failure');
  } finally {
    console.error = origError;
  }
  assert.ok(existsSync(join(dir, 'node0', 'regtest', 'debug.log')), 'data dir kept');
  assert.ok(logged.some((l) => l.includes(`data dir kept: ${dir}`)), logged.join('\n'));
  assert.is(node!.running, false);
  rmSync(dir, { recursive: true, force: true });

  console.error = () => {};
  try {
    await runFunctionalTest({ numNodes: 1, binary: FAKE, extraArgs: [['-debug=fail-at-startup']] }, async (_n, env) => { dir = env.tmpdir; });
    assert.unreachable('startup failure not reported');
  } catch (e) {
    assert.match((e as Error).message, /node0 exited with code 3 during startup:\nError: fake startup failure/);
  } finally {
    console.error = origError;
  }
});

test('skipTest: reported as skipped, nothing left behind', async () => {
  const origLog = console.log;
  console.log = () => {};
  try {
    const r = await runFunctionalTest({ numNodes: 1, binary: FAKE, startNodes: false }, async () => skipTest('needs onnx'));
    assert.is(r, 'skipped');
  } finally {
    console.log = origLog;
  }
});

test.run();
