// odad's argument and config-file parsing: Core's ArgsManager rules with ODA's defaults.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, helpMessage, toNodeOptions, ConfigError, NODE_OPTIONS, splitHostPort } from '../../node/config.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-config-'));
const env = { HOME: join(dir, 'home') };
mkdirSync(env.HOME);
const dd = `-datadir=${dir}`;

function conf(text: string, name = 'oda.conf'): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

function configError(fn: () => unknown): string {
  try { fn(); } catch (e) { if (e instanceof ConfigError) return e.message; throw e; }
  throw new Error('no ConfigError');
}

test.before.each(() => rmSync(join(dir, 'oda.conf'), { force: true }));

test('defaults: regtest, ~/.oda, ODA ports, cookie under the network dir', () => {
  const c = parseConfig([], env);
  assert.is(c.chain, 'regtest');
  assert.is(c.datadir, join(env.HOME, '.oda'));
  assert.is(c.networkDir, join(env.HOME, '.oda', 'regtest'));
  assert.is(c.rpc.port, 28443);
  assert.is(c.p2p.port, 28444);
  assert.is(c.rpc.host, '127.0.0.1');
  assert.is(c.rpc.cookieFile, join(env.HOME, '.oda', 'regtest', '.cookie'));
  assert.is(c.rpc.user, undefined);
  assert.is(c.p2p.listen, true);
  assert.is(c.fallbackFee, 20000n);
  assert.is(c.maxMempool, 300_000_000);
  assert.is(c.txindex, true);
  assert.is(c.mine, false);
  assert.is(c.printToConsole, true);
  assert.equal(c.debug, []);
});

test('single and double dash, =value, bare bool, -nofoo, Core InterpretBool', () => {
  const c = parseConfig([dd, '--regtest', '-port=1234', '--rpcport=1235', '-mine', '-nolisten', '-printtoconsole=0', '-debug=rpc', '--debug=net', '-mineinterval=3'], env);
  assert.is(c.networkDir, join(dir, 'regtest'));
  assert.is(c.p2p.port, 1234);
  assert.is(c.rpc.port, 1235);
  assert.is(c.mine, true);
  assert.is(c.p2p.listen, false);
  assert.is(c.printToConsole, false);
  assert.equal(c.debug, ['rpc', 'net']);
  assert.is(c.mineInterval, 3);
  // Core: "-foo=true" is atoi("true") = 0, i.e. false; -nofoo=0 is a double negative (true).
  const d = parseConfig([dd, '-mine=true', '-nolisten=0'], env);
  assert.is(d.mine, false);
  assert.is(d.p2p.listen, true);
  assert.ok(d.warnings.some((w) => w.includes('double-negative')));
  assert.is(parseConfig([dd, '-port=1', '-port=2'], env).p2p.port, 2, 'last command-line value wins');
});

test('-storemodels: all for a miner, pinned otherwise, or as given', () => {
  assert.is(parseConfig([dd], env).storeModels, 'pinned');
  assert.is(parseConfig([dd, '-mine'], env).storeModels, 'all');
  assert.is(parseConfig([dd, '-mine', '-storemodels=none'], env).storeModels, 'none');
  assert.is(parseConfig([dd, '-storemodels=all'], env).storeModels, 'all');
  assert.is(configError(() => parseConfig([dd, '-storemodels=some'], env)), "Invalid value for -storemodels: 'some' (expected all, pinned or none)");
});

test('-maxvalidationcost: a capability class in compute units; unset is a full node; junk refused', () => {
  assert.is(parseConfig([dd], env).maxValidationCost, undefined);
  const c = parseConfig([dd, '-maxvalidationcost=1000000'], env);
  assert.is(c.maxValidationCost, 1_000_000n);
  assert.is(toNodeOptions(c).maxValidationCost, 1_000_000n);
  for (const bad of ['-maxvalidationcost=abc', '-maxvalidationcost=-5', '-maxvalidationcost=1e9']) {
    assert.throws(() => parseConfig([dd, bad], env), (e: Error) => e instanceof ConfigError && /maxvalidationcost/.test(e.message), bad);
  }
});

test('lists collect; -connect implies -listen=0; negation clears', () => {
  const c = parseConfig([dd, '-addnode=127.0.0.1:1', '-addnode=127.0.0.1:2', '-connect=127.0.0.1:3'], env);
  assert.equal(c.p2p.addnode, ['127.0.0.1:1', '127.0.0.1:2']);
  assert.equal(c.p2p.connect, ['127.0.0.1:3']);
  assert.is(c.p2p.listen, false);
  assert.is(parseConfig([dd, '-connect=127.0.0.1:3', '-listen'], env).p2p.listen, true);
  conf('[regtest]\naddnode=10.0.0.1\n');
  assert.equal(parseConfig([dd, '-addnode=10.0.0.2'], env).p2p.addnode, ['10.0.0.2', '10.0.0.1']);
  assert.equal(parseConfig([dd, '-noaddnode'], env).p2p.addnode, []);
  assert.equal(parseConfig([dd, '-connect=0'], env).p2p.connect, []);
});

test('config file: sections, precedence, comments, network-only warning', () => {
  conf(['# comment', 'rpcuser=alice', 'rpcpassword=pw # trailing comment', 'port=1111', 'mine=1', 'debug=rpc',
    '[regtest]', 'rpcport=2222', 'mineinterval=5', '[main]', 'rpcport=3333', 'regtest.maxconnections=7'].join('\n'));
  const c = parseConfig([dd], env);
  assert.is(c.rpc.user, 'alice');
  assert.is(c.rpc.password, 'pw');
  assert.is(c.rpc.port, 2222);
  assert.is(c.p2p.port, 28444, 'top-section port ignored on regtest');
  assert.ok(c.warnings.includes('Config setting for -port only applied on regtest network when in [regtest] section.'), c.warnings.join());
  assert.is(c.mine, true);
  assert.is(c.mineInterval, 5);
  assert.is(c.p2p.maxConnections, 7);
  assert.equal(c.debug, ['rpc']);
  // Command line beats the file; "-regtest.rpcport" addresses the network section.
  assert.is(parseConfig([dd, '-rpcport=4444'], env).rpc.port, 4444);
  assert.is(parseConfig([dd, '-regtest.rpcport=4445'], env).rpc.port, 4445);
  // -chain=main reads [main] and the top section's port.
  const m = parseConfig([dd, '-chain=main'], env);
  assert.is(m.chain, 'main');
  assert.is(m.rpc.port, 3333);
  assert.is(m.p2p.port, 1111);
  assert.is(m.networkDir, dir);
  conf('rpcport=1\nrpcport=2\n[regtest]\nrpcport=5\nrpcport=6\n');
  assert.is(parseConfig([dd], env).rpc.port, 5, 'first config value wins');
});

test('-conf: relative to datadir, absolute, missing is an error; chain from config', () => {
  conf('chain=main\n', 'other.conf');
  assert.is(parseConfig([dd, '-conf=other.conf'], env).chain, 'main');
  assert.is(parseConfig([`-conf=${join(dir, 'other.conf')}`, dd], env).confFile, join(dir, 'other.conf'));
  assert.match(configError(() => parseConfig([dd, '-conf=nope.conf'], env)), `specified config file "${join(dir, 'nope.conf')}" could not be opened`);
  conf('regtest=1\n');
  assert.is(parseConfig([dd], env).chain, 'regtest');
});

test('errors: unknown option, bad values, bad chain, missing datadir, bad config lines', () => {
  assert.is(configError(() => parseConfig(['-foo'], env)), 'Invalid parameter -foo');
  assert.is(configError(() => parseConfig(['--nofoo=1'], env)), 'Invalid parameter -nofoo');
  assert.is(configError(() => parseConfig(['-bogus.port=1'], env)), 'Invalid parameter -bogus.port');
  assert.match(configError(() => parseConfig(['getinfo'], env)), "unexpected token 'getinfo'");
  assert.is(configError(() => parseConfig([dd, '-rpcport=abc'], env)), "Invalid port specified in -rpcport: 'abc'");
  assert.is(configError(() => parseConfig([dd, '-port=70000'], env)), "Invalid port specified in -port: '70000'");
  assert.match(configError(() => parseConfig([dd, '-maxconnections=x'], env)), 'Invalid value for -maxconnections');
  assert.is(configError(() => parseConfig([dd, '-fallbackfee=0.1.2'], env)), "Invalid amount for -fallbackfee=<amount>: '0.1.2'");
  assert.is(configError(() => parseConfig([dd, '-chain=testnet'], env)), 'Unknown chain testnet. Choose one of: main, regtest');
  assert.match(configError(() => parseConfig([dd, '-regtest', '-chain=main'], env)), 'Invalid combination');
  assert.is(configError(() => parseConfig([`-datadir=${join(dir, 'missing')}`], env)), `Specified data directory "${join(dir, 'missing')}" does not exist.`);
  assert.match(configError(() => parseConfig([dd, '-rpcpassword=x'], env)), '-rpcuser is empty');
  conf('bogus=1\n');
  assert.is(configError(() => parseConfig([dd], env)), 'Error reading configuration file: Invalid configuration value bogus');
  conf('nolisten\n');
  assert.match(configError(() => parseConfig([dd], env)), 'parse error on line 1: nolisten, if you intended to specify a negated option, use nolisten=1 instead');
  conf('-port=1\n');
  assert.match(configError(() => parseConfig([dd], env)), 'without leading -');
  conf('datadir=/x\n');
  assert.match(configError(() => parseConfig([dd], env)), 'Invalid configuration value datadir');
});

test('rpcbind/bind with ports, fallbackfee, -nofallbackfee, maxmempool, getters', () => {
  const c = parseConfig([dd, '-rpcbind=127.0.0.2:9000', '-bind=[::1]:9001', '-fallbackfee=0.001', '-maxmempool=5', '-disablewallet', '-noserver'], env);
  assert.is(c.rpc.host, '127.0.0.2');
  assert.is(c.rpc.port, 9000);
  assert.is(c.p2p.bind, '::1');
  assert.is(c.p2p.port, 9001);
  assert.is(c.fallbackFee, 100000n);
  assert.is(c.maxMempool, 5_000_000);
  assert.is(c.wallet, false);
  assert.is(c.rpc.enabled, false);
  assert.is(c.getInt('maxmempool'), 5);
  assert.is(c.get('fallbackfee'), '0.001');
  assert.is(c.getBool('disablewallet'), true);
  assert.equal(c.getList('addnode'), []);
  assert.is(parseConfig([dd, '-nofallbackfee'], env).fallbackFee, 0n);
  assert.equal(splitHostPort('example.org', 'x'), { host: 'example.org' });
  assert.throws(() => c.get('nosuchoption'));
  assert.is(toNodeOptions(c).rpc, false);
  const o = toNodeOptions(parseConfig([dd, '-mine', '-mineaddress=Tabc'], env));
  assert.equal(o.mine, { address: 'Tabc', interval: 10 });
});

test('-help lists every option and says ODA is regtest-first', () => {
  const c = parseConfig(['-?', '-datadir=/does/not/exist'], env);
  assert.is(c.help, true);
  const h = helpMessage('0.1.0');
  assert.match(h, 'regtest-first');
  for (const o of NODE_OPTIONS.filter((x) => !x.hidden)) assert.match(h, `  -${o.name}`, o.name);
  assert.match(h, '-rpcport=<port>');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test('-testactivationheight (Core\'s name@height): regtest only, a copy of the params, Core\'s messages', async () => {
  const { regtest, NEVER_ACTIVE } = await import('../../chain/params.js');
  const c = parseConfig([dd, '-testactivationheight=storageproofs@130', '-testactivationheight=csv@5'], env);
  assert.is(c.params.activation.storageProofs, 130);
  assert.is(c.params.csvHeight, 5);
  assert.is(regtest.activation.storageProofs, NEVER_ACTIVE, 'the shared regtest params are untouched');
  assert.is(c.params.activation.costAwareDifficulty, regtest.activation.costAwareDifficulty);
  assert.is(configError(() => parseConfig([dd, '-testactivationheight=storageproofs'], env)), 'Invalid format (storageproofs) for -testactivationheight=name@height.');
  assert.is(configError(() => parseConfig([dd, '-testactivationheight=nosuch@5'], env)), 'Invalid name (nosuch@5) for -testactivationheight=name@height.');
  assert.is(configError(() => parseConfig([dd, '-testactivationheight=storageproofs@-1'], env)), 'Invalid height value (storageproofs@-1) for -testactivationheight=name@height.');
  assert.is(configError(() => parseConfig([dd, '-chain=main', '-testactivationheight=storageproofs@5'], env)), '-testactivationheight is only allowed on regtest');
});

test.run();
