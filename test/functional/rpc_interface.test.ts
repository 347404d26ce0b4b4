// Core's interface_rpc.py / interface_bitcoin_cli.py / feature_config_args.py against real
// odad processes: cookie lifecycle, envelopes over the wire, help/uptime/stop, oda-cli with
// -datadir only, restart keeping the chain, SIGKILL recovery, startup errors. 4 node starts (~20-30 s on a loaded 2-core machine).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunctionalTest, assertRpcError, ODAD } from './framework.js';

const CLI = new URL('../../bin/oda-cli.js', import.meta.url).pathname;

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('odad: cookie, RPC errors, oda-cli, restart keeps the chain, SIGKILL recovery, stop', async () => {
  await runFunctionalTest({ numNodes: 1 }, async ([node]) => {
    const cookieFile = join(node.networkDir, '.cookie');
    assert.match(readFileSync(cookieFile, 'utf8'), /^__cookie__:[0-9a-f]{64}$/);
    assert.is(statSync(cookieFile).mode & 0o777, 0o600);
    assert.is(await node.getblockcount(), 0);
    assert.ok(Number.isInteger(await node.uptime()));
    assert.match(await node.help(), '== Blockchain ==');
    await assertRpcError(-32601, 'Method not found', node.nosuchmethod());
    await assertRpcError(-3, 'JSON value of type string is not of expected type number', node.getblockhash('0'));
    await assertRpcError(-8, 'Unknown named parameter nope', node.rpcNamed('getblockhash', { nope: 1 }));

    // oda-cli finds the cookie from -datadir alone (port given, as the node's is not the default).
    const cli = (...a: string[]) => run(CLI, [`-datadir=${node.datadir}`, `-rpcport=${node.rpcPort}`, ...a]);
    const count = await cli('getblockcount');
    assert.equal(count, { code: 0, stdout: '0\n', stderr: '' });
    const bad = await cli('getblockhash', '5');
    assert.is(bad.code, 8);
    assert.is(bad.stderr, 'error code: -8\nerror message:\nBlock height out of range\n');

    const address = await node.getnewaddress();
    const hashes = await node.generatetoaddress(3, address);
    assert.is(hashes.length, 3);
    await node.restart();
    assert.is(await node.getblockcount(), 3);
    assert.is(await node.getbestblockhash(), hashes[2]);

    await node.kill();
    node.start();
    await node.waitForRpc();
    assert.is(await node.getbestblockhash(), hashes[2]);

    assert.is(await node.terminate(), 0);
    assert.not.ok(existsSync(cookieFile), 'cookie deleted on shutdown');
  });
});

test('odad: bad arguments fail at startup with Core\'s message and exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-args-'));
  const r = await run(ODAD, [`-datadir=${dir}`, '-nosuchflag']);
  assert.is(r.code, 1);
  assert.is(r.stderr, 'Error: Invalid parameter -nosuchflag\n');
  const h = await run(ODAD, ['-help']);
  assert.is(h.code, 0);
  assert.match(h.stdout, 'regtest-first');
  rmSync(dir, { recursive: true, force: true });
});

test.run();
