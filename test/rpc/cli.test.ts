// oda-cli against an in-process RpcServer: the bin spawned as a child process (from another
// cwd), and runCli in-process for the option matrix. Checks output format, exit codes, cookie
// discovery, config file, -named, -stdin, -stdinrpcpass, -rpcwait, -rpcwallet, -getinfo.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './helpers.js';
import { runCli } from '../../cli/oda-cli.js';
import { convertPositionalArgs, convertNamedArgs, convertPositional } from '../../cli/client-params.js';
import { allMethods } from '../../rpc/methods/index.js';
import { amount } from '../../rpc/amount.js';
import { RpcError } from '../../rpc/errors.js';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'oda-cli-'));
const { server } = await startServer({ cookieFile: join(dir, 'regtest', '.cookie') });
server.registerMethods([
  { name: 'getnull', category: 'Hidden', params: [], help: 'null', handler: () => null },
  { name: 'getnetworkinfo', category: 'Network', params: [], help: 'n', handler: () => ({ version: 10000, subversion: '/ODA:0.1.0/', connections: 3, connections_in: 1, connections_out: 2, timeoffset: 0, relayfee: amount(1000n), warnings: '' }) },
  { name: 'getblockchaininfo', category: 'Blockchain', params: [], help: 'b', handler: () => ({ chain: 'regtest', blocks: 101, headers: 101, verificationprogress: 1, difficulty: 4.656542373906925e-10 }) },
  { name: 'getwalletinfo', category: 'Wallet', params: [], help: 'w', handler: () => ({ walletname: '', keypoolsize: 1000, paytxfee: amount(0n) }) },
  { name: 'getbalances', category: 'Wallet', params: [], help: 'w', handler: () => ({ mine: { trusted: amount(5000000000n), untrusted_pending: amount(0n), immature: amount(0n) } }) },
  { name: 'getnewaddress', category: 'Wallet', params: [], help: 'a', handler: () => 'odart1qexample' },
  { name: 'generatetoaddress', category: 'Mining', params: [{ name: 'nblocks', type: 'number' }, { name: 'address', type: 'string' }, { name: 'maxtries', type: 'number', optional: true }],
    help: 'g', handler: ([n, a, m]) => Array.from({ length: n as number }, (_, i) => `${a}:${i}:${m ?? 1000000}`) },
  { name: 'nowallet', category: 'Hidden', params: [], help: 'w', handler: () => { throw new RpcError(-19, 'Wallet file not specified (must request wallet RPC through /wallet/<filename> uri-path).'); } },
]);
const base = [`-datadir=${dir}`, `-rpcport=${server.port}`];

function cli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'oda-cli.js'), ...args], { cwd: tmpdir(), env: { ...process.env, HOME: dir } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

async function inproc(args: string[], stdin = '') {
  let stdout = '', stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { HOME: dir }, readStdin: async () => stdin });
  return { code, stdout, stderr };
}

test('bin: string result raw, exit 0; JSON pretty with 8-decimal amounts', async () => {
  const r = await cli([...base, 'getblockhash', '0']);
  assert.equal(r, { code: 0, stdout: `${'00'.repeat(32)}\n`, stderr: '' });
  const b = await cli([...base, 'getbalance']);
  assert.is(b.code, 0);
  assert.is(b.stdout, `{\n  "balance": 50.00000000,\n  "wallet": null,\n  "uri": "/",\n  "user": "__cookie__"\n}\n`);
});

test('bin: RPC error to stderr in Core format, exit abs(code)', async () => {
  const r = await cli([...base, 'getblockhash', '5']);
  assert.equal(r, { code: 8, stdout: '', stderr: 'error code: -8\nerror message:\nBlock height out of range\n' });
  const nf = await inproc([...base, 'nosuchmethod']);
  assert.is(nf.code, 32601); // the OS keeps the low 8 bits: exit status 89, as bitcoin-cli
  assert.is(nf.stderr, 'error code: -32601\nerror message:\nMethod not found\n');
});

test('bin: no cookie → Core\'s credentials message; unknown option', async () => {
  const other = join(dir, 'empty');
  mkdirSync(other, { recursive: true });
  const r = await cli([`-datadir=${other}`, `-rpcport=${server.port}`, 'getblockcount']);
  assert.is(r.code, 1);
  assert.is(r.stderr, `error: Could not locate RPC credentials. No authentication cookie could be found, and RPC password is not set.  See -rpcpassword and -stdinrpcpass.  Configuration file: (${join(other, 'oda.conf')})\n`);
  const u = await inproc(['-nosuchoption', 'getblockcount']);
  assert.equal(u, { code: 1, stdout: '', stderr: 'Error parsing command line arguments: Invalid parameter -nosuchoption\n' });
});

test('-rpcwait with timeout on a closed port', async () => {
  const r = await inproc([`-datadir=${dir}`, '-rpcport=1', '-rpcwait', '-rpcwaittimeout=1', 'getblockcount']);
  assert.is(r.code, 1);
  // The wait is visible on stderr (stdout stays the result alone), then Core's timeout error.
  assert.ok(r.stderr.startsWith('Waiting for the RPC server at 127.0.0.1:1 (Could not connect to the server 127.0.0.1:1), up to 1 s…\n'), r.stderr);
  assert.ok(r.stderr.includes('error: timeout on transient error: Could not connect to the server 127.0.0.1:1\n'), r.stderr);
  assert.is(r.stdout, '');
  const nowait = await inproc([`-datadir=${dir}`, '-rpcport=1', 'getblockcount']);
  assert.ok(nowait.stderr.startsWith('error: Could not connect to the server 127.0.0.1:1\n\nMake sure the odad server is running'), nowait.stderr);
});

test('-rpcwait waits through warmup (-28)', async () => {
  server.setWarmup('Loading block index…');
  setTimeout(() => server.setWarmup(null), 1200);
  const r = await inproc([...base, '-rpcwait', 'getblockhash', '0']);
  assert.is(r.stdout, `${'00'.repeat(32)}\n`);
  assert.match(r.stderr, /^Waiting for the RPC server at 127\.0\.0\.1:\d+ \(server in warmup\)…\n/);
  server.setWarmup('Verifying blocks…');
  const w = await inproc([...base, 'getblockhash', '0']);
  server.setWarmup(null);
  assert.equal(w, { code: 28, stdout: '', stderr: 'error code: -28\nerror message:\nVerifying blocks…\n' });
});

test('argument conversion, -named, -stdin, null result, -rpcwallet', async () => {
  assert.is((await inproc([...base, 'echo', '1', '[2]', 'x'])).stdout, '[\n  1,\n  [\n    2\n  ],\n  "x"\n]\n');
  assert.is((await inproc([...base, '-named', 'echo', 'c=x', 'a={"k":1}'])).stdout, '[\n  {\n    "k": 1\n  },\n  "undefined",\n  "x"\n]\n');
  assert.is((await inproc([...base, '-stdin', 'echo'], '7\nhello world\n')).stdout, '[\n  7,\n  "hello world",\n  "undefined"\n]\n');
  assert.equal(await inproc([...base, 'getnull']), { code: 0, stdout: '', stderr: '' });
  const w = await inproc([...base, '-rpcwallet=my wallet', 'getbalance']);
  assert.match(w.stdout, '"wallet": "my wallet"');
  assert.match(w.stdout, '"uri": "/wallet/my%20wallet"');
  const ns = await inproc([...base, 'nowallet']);
  assert.match(ns.stderr, 'Or for the CLI, specify the "-rpcwallet=<walletname>" option');
  assert.equal(await inproc([...base]), { code: 1, stdout: '', stderr: 'error: too few parameters (need at least command)\n' });
  assert.is((await inproc([...base, 'getblockhash', 'abc'])).stderr, 'error: Error parsing JSON: abc\n');
});

test('conversion table: Core methods typed by position/name, hashes stay strings, unknown methods JSON-if-parses', () => {
  assert.equal(convertPositionalArgs('getblock', ['1234', '2']), ['1234', 2]);
  assert.equal(convertPositionalArgs('generatetoaddress', ['101', 'odart1q', '5']), [101, 'odart1q', 5]);
  assert.equal(convertPositionalArgs('sendtoaddress', ['addr', '0.1', 'c']), ['addr', 0.1, 'c']);
  assert.equal(convertPositionalArgs('getmempoolentry', ['123']), ['123']);
  // Blob roots stay strings even when they are all digits; getblobinfo's verbose flag is JSON.
  assert.equal(convertPositionalArgs('getblobinfo', ['12', 'true']), ['12', true]);
  assert.equal(convertPositionalArgs('verifyblob', ['12']), ['12']);
  assert.equal(convertPositionalArgs('oda_custom', ['1', 'x', '{"a":true}']), [1, 'x', { a: true }]);
  assert.equal(convertNamedArgs('getblock', ['blockhash=00', 'verbosity=0']), { blockhash: '00', verbosity: 0 });
  assert.equal(convertNamedArgs('getblock', ['00', 'verbosity=2']), { verbosity: 2, args: ['00'] });
});

test('conversion table covers every server method: string params stay strings, typed ones are JSON', () => {
  const wrong: string[] = [];
  for (const m of allMethods()) {
    m.params.forEach((p, i) => {
      const types = Array.isArray(p.type) ? p.type : [p.type];
      if (types.includes('string') && types.length > 1) return; // a tag or a flag: either reading is right
      const got = convertPositional(m.name, i, '123');
      const want = types.includes('string') ? '123' : 123;
      if (got !== want) wrong.push(`${m.name} #${i} ${p.name} (${types.join('|')}): ${JSON.stringify(got)}`);
    });
  }
  assert.equal(wrong, []);
});

test('config file supplies rpcport and rpcuser/rpcpassword ([regtest] section)', async () => {
  const other = mkdtempSync(join(tmpdir(), 'oda-cli-conf-'));
  const { server: s2 } = await startServer({ user: 'alice', password: 'pw' });
  writeFileSync(join(other, 'oda.conf'), `rpcuser=alice\nrpcpassword=pw\nmine=1\n[regtest]\nrpcport=${s2.port}\n`);
  assert.is((await inproc([`-datadir=${other}`, 'getblockhash', '0'])).code, 0);
  const bad = await inproc([`-datadir=${other}`, '-rpcpassword=nope', 'getblockhash', '0']);
  assert.equal(bad, { code: 1, stdout: '', stderr: 'error: Authorization failed: Incorrect rpcuser or rpcpassword\n' });
  writeFileSync(join(other, 'oda.conf'), `rpcuser=alice\n[regtest]\nrpcport=${s2.port}\n`);
  assert.is((await inproc([`-datadir=${other}`, '-stdinrpcpass', 'getblockhash', '0'], 'pw\n')).code, 0);
  await s2.stop();
  rmSync(other, { recursive: true, force: true });
});

test('-generate: getnewaddress then generatetoaddress, Core argument rules', async () => {
  const r = await inproc([...base, '-generate', '2', '5']);
  assert.is(r.stdout, '{\n  "address": "odart1qexample",\n  "blocks": [\n    "odart1qexample:0:5",\n    "odart1qexample:1:5"\n  ]\n}\n');
  assert.match((await inproc([...base, '-generate'])).stdout, '"odart1qexample:0:1000000"');
  assert.is((await inproc([...base, '-generate', '0'])).stderr, 'error: the first argument (number of blocks to generate, default: 1) must be an integer value greater than zero\n');
  assert.is((await inproc([...base, '-generate', '1', '2', '3'])).stderr, 'error: too many arguments (maximum 2 for nblocks and maxtries)\n');
});

test('-getinfo prints Core\'s human-readable summary', async () => {
  const r = await inproc([...base, '-getinfo']);
  assert.is(r.code, 0);
  assert.is(r.stdout, [
    'Chain: regtest', 'Blocks: 101', 'Headers: 101', 'Verification progress: 100.0000%', 'Difficulty: 4.656542373906925e-10', '',
    'Network: in 1, out 2, total 3', 'Version: 10000', 'Time offset (s): 0', 'Proxies: n/a', 'Min tx relay fee rate (BTC/kvB): 0.00001000', '',
    'Wallet: ""', 'Keypool size: 1000', 'Transaction fee rate (-paytxfee) (BTC/kvB): 0.00000000', '',
    'Balance: 50.00000000', '', 'Warnings: (none)', ''].join('\n'));
});

test.after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
