// Self-test of the functional framework against real odad processes: ports, cookie wait,
// RPC proxy and wallet paths, errors, sync helpers, debug log, SIGTERM, data dir kept on
// failure and removed on success, startup failure. 3 node starts + 1 failing start (~15-25 s
// on a loaded 2-core machine). Restart and SIGKILL are in rpc_interface.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runFunctionalTest, assertRpcError, waitUntil, syncBlocks, syncMempools, p2pPort, rpcPort, skipTest, TestNode } from './framework.js';
import { RpcError } from '../../rpc/errors.js';

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

test('two nodes: RPC proxy, errors, sync helpers, debug log, SIGTERM; dir removed on success', async () => {
  let dir = '';
  const r = await runFunctionalTest({ numNodes: 2, extraArgs: [['-debug=rpc'], []] }, async (nodes, env) => {
    dir = env.tmpdir;
    const [a, b] = nodes;
    assert.is.not(a.rpcPort, b.rpcPort);
    assert.ok(a.args().includes('-debug=rpc'));
    assert.is(await a.getblockcount(), 0);
    assert.is(await a.rpc('getblockhash', 0), await b.getbestblockhash());
    await assertRpcError(-32601, 'Method not found', a.nosuchmethod());
    await assertRpcError(-3, 'JSON value of type string is not of expected type number', a.getblockhash('0'));
    await assertRpcError(-8, 'Unknown named parameter nope', b.rpcNamed('getblockhash', { nope: 1 }));
    assert.equal(await a.wallet('').getbalances().then((x: any) => Object.keys(x.mine).sort()), ['immature', 'trusted', 'untrusted_pending']);
    // Same genesis, empty mempools: in sync. After a block on one side only, not.
    await syncBlocks(nodes, 5000);
    await syncMempools(nodes, 5000);
    await a.generatetoaddress(1, await a.getnewaddress());
    try { await syncBlocks(nodes, 300); assert.unreachable(); } catch (e) { assert.match((e as Error).message, 'Block sync timed out'); }
    await b.assertDebugLog(['Shutdown: In progress...', 'Shutdown: done'], async () => { assert.is(await b.terminate(), 0); });
    assert.is(b.running, false);
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
    await runFunctionalTest({ numNodes: 1 }, async (nodes, env) => {
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
    await runFunctionalTest({ numNodes: 1, extraArgs: [['-nosuchflag']] }, async (_n, env) => { dir = env.tmpdir; });
    assert.unreachable('startup failure not reported');
  } catch (e) {
    assert.match((e as Error).message, /node0 exited with code 1 during startup:\nError: Invalid parameter -nosuchflag/);
  } finally {
    console.error = origError;
  }
});

test('skipTest: reported as skipped, nothing left behind', async () => {
  const origLog = console.log;
  console.log = () => {};
  try {
    const r = await runFunctionalTest({ numNodes: 1, startNodes: false }, async () => skipTest('needs onnx'));
    assert.is(r, 'skipped');
  } finally {
    console.log = origLog;
  }
});

test.run();
