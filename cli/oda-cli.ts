// oda-cli: bitcoin-cli for ODA (src/bitcoin-cli.cpp). Same options, config file and cookie
// discovery as odad, Core's argument conversion, -named, -stdin, -stdinrpcpass, -rpcwait,
// -getinfo, -rpcwallet; Core's output (strings raw, JSON pretty with 2 spaces, amounts with
// their 8 decimals) and exit codes (0; abs(RPC error code) on an RPC error; 1 otherwise).
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { networks } from '../chain/params.js';
import { ArgsManager, ConfigError, type OptionSpec } from '../util/args.js';
import { loadArgs, networkDirFor, splitHostPort, CONFIG_FILENAME, DEFAULT_DATADIR_NAME } from '../util/datadir.js';
import { convertNamedArgs, convertPositionalArgs } from './client-params.js';
import { parseJsonRaw, writeJson, RawNumber } from '../rpc/json.js';
import { RPC } from '../rpc/errors.js';

export const CLI_OPTIONS: OptionSpec[] = [
  { name: 'help', type: 'bool', help: 'Print this help message and exit', commandLineOnly: true },
  { name: 'h', type: 'bool', help: '', commandLineOnly: true, hidden: true },
  { name: '?', type: 'bool', help: '', commandLineOnly: true, hidden: true },
  { name: 'version', type: 'bool', help: 'Print version and exit', commandLineOnly: true },
  { name: 'conf', type: 'string', arg: '<file>', help: `Specify configuration file. Relative paths will be prefixed by datadir location. (default: ${CONFIG_FILENAME})`, commandLineOnly: true },
  { name: 'datadir', type: 'string', arg: '<dir>', help: `Specify data directory (default: ~/${DEFAULT_DATADIR_NAME})`, commandLineOnly: true },
  { name: 'regtest', type: 'bool', help: 'Use ODA\'s regression test chain (the default)' },
  { name: 'chain', type: 'string', arg: '<chain>', help: 'Use the chain <chain> (default: regtest). Allowed values: main, regtest' },
  { name: 'named', type: 'bool', help: 'Pass named instead of positional arguments (default: false)' },
  { name: 'stdin', type: 'bool', help: 'Read extra arguments from standard input, one per line until EOF/Ctrl-D (recommended for sensitive information such as passphrases). When combined with -stdinrpcpass, the first line from standard input is used for the RPC password.' },
  { name: 'stdinrpcpass', type: 'bool', help: 'Read RPC password from standard input as a single line. When combined with -stdin, the first line from standard input is used for the RPC password.' },
  { name: 'rpcwait', type: 'bool', help: 'Wait for RPC server to start' },
  { name: 'rpcwaittimeout', type: 'int', arg: '<n>', help: 'Timeout in seconds to wait for the RPC server to start, or 0 for no timeout. (default: 0)' },
  { name: 'getinfo', type: 'bool', help: 'Get general information from the remote server.' },
  { name: 'generate', type: 'bool', help: 'Generate blocks, equivalent to RPC getnewaddress followed by RPC generatetoaddress. Optional positional integer arguments are number of blocks to generate (default: 1) and maximum iterations to try (default: 1000000), equivalent to RPC generatetoaddress nblocks and maxtries arguments. Example: oda-cli -generate 4 1000' },
  { name: 'rpcconnect', type: 'string', arg: '<ip>', help: 'Send commands to node running on <ip> (default: 127.0.0.1)' },
  { name: 'rpcport', type: 'int', arg: '<port>', help: `Connect to JSON-RPC on <port> (default: ${networks.regtest.rpcPort}, main: ${networks.main.rpcPort})`, networkOnly: true },
  { name: 'rpcuser', type: 'string', arg: '<user>', help: 'Username for JSON-RPC connections' },
  { name: 'rpcpassword', type: 'string', arg: '<pw>', help: 'Password for JSON-RPC connections' },
  { name: 'rpccookiefile', type: 'string', arg: '<loc>', help: 'Location of the auth cookie. Relative paths will be prefixed by a net-specific datadir location. (default: data dir)' },
  { name: 'rpcclienttimeout', type: 'int', arg: '<n>', help: 'Timeout in seconds during HTTP requests, or 0 for no timeout. (default: 900)' },
  { name: 'rpcwallet', type: 'string', arg: '<walletname>', help: 'Send RPC for non-default wallet on RPC server (needs to exactly match corresponding -wallet option passed to odad).' },
];

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Whole standard input, read only when -stdin/-stdinrpcpass ask for it. */
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
}

/** Core's CConnectionFailed: retried by -rpcwait. */
class ConnectionFailed extends Error {}

interface Target { host: string; port: number; userColonPass: string | undefined; cookieFile: string; confFile: string; path: string; timeoutMs: number }

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch { return '0.0.0'; }
}

function usage(): string {
  const args = new ArgsManager(CLI_OPTIONS);
  return [
    `ODA RPC client version v${version()}`,
    '',
    'The oda-cli utility provides a command line interface to interact with an ODA node (odad).',
    'Like odad it uses the regtest chain by default and finds the RPC cookie in <datadir>/regtest/.cookie.',
    '',
    'Usage:  oda-cli [options] <command> [params]',
    'or:     oda-cli [options] -named <command> [name=value]...',
    'or:     oda-cli [options] help',
    'or:     oda-cli [options] help <command>',
    '',
    'Arguments are JSON where the command expects a number, boolean, array or object (Core\'s',
    'conversion table), strings otherwise.',
    '',
    'Options:',
    '',
    args.helpText(),
  ].join('\n');
}

/** One JSON-RPC 1.1 POST (what bitcoin-cli sends). Resolves with status and body. */
function post(t: Target, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Host: t.host };
    if (t.userColonPass !== undefined) headers.Authorization = `Basic ${Buffer.from(t.userColonPass).toString('base64')}`;
    const req = request({ host: t.host, port: t.port, path: t.path, method: 'POST', headers, agent: false, timeout: t.timeoutMs || undefined }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      res.on('error', () => reject(connectionFailed(t)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => reject(connectionFailed(t)));
    req.end(body);
  });
}

function connectionFailed(t: Target): ConnectionFailed {
  return new ConnectionFailed(`Could not connect to the server ${t.host}:${t.port}\n\nMake sure the odad server is running and that you are connecting to the correct RPC port.\nUse "oda-cli -help" for more info.`);
}

/** Core's CallRPC: credentials (cookie re-read each try), HTTP status handling, reply parsing. */
async function callRpc(t: Target, explicitPass: string | undefined, user: string, body: string): Promise<unknown> {
  let failedToGetCookie = false;
  if (explicitPass === undefined) {
    try { t.userColonPass = readFileSync(t.cookieFile, 'utf8').split(/\r?\n/)[0]; } catch { failedToGetCookie = true; t.userColonPass = undefined; }
  } else {
    t.userColonPass = `${user}:${explicitPass}`;
  }
  const res = await post(t, body);
  if (res.status === 401) {
    if (failedToGetCookie) {
      throw new Error(`Could not locate RPC credentials. No authentication cookie could be found, and RPC password is not set.  See -rpcpassword and -stdinrpcpass.  Configuration file: (${t.confFile})`);
    }
    throw new Error('Authorization failed: Incorrect rpcuser or rpcpassword');
  }
  if (res.status === 503) throw new Error(`Server response: ${res.body}`);
  if (res.status >= 400 && res.status !== 400 && res.status !== 404 && res.status !== 500) throw new Error(`server returned HTTP error ${res.status}`);
  if (!res.body) throw new Error('no response from server');
  try { return parseJsonRaw(res.body); } catch { throw new Error("couldn't parse reply from server"); }
}

function errorCode(reply: unknown): number | undefined {
  const err = (reply as { error?: { code?: unknown } } | null)?.error;
  const code = err?.code;
  return code instanceof RawNumber ? Number(code.text) : undefined;
}

/** How often -rpcwait repeats its "still waiting" line on stderr. */
const WAIT_NOTE_EVERY_MS = 10_000;

/**
 * Core's ConnectAndCallRPC: with -rpcwait, retry refused connections and -28 every second.
 * Unlike bitcoin-cli the wait is visible: a line on stderr when it starts (with the reason)
 * and every WAIT_NOTE_EVERY_MS after, so stdout stays the call's result alone.
 */
async function connectAndCall(t: Target, wait: boolean, waitTimeout: number, pass: string | undefined, user: string, body: string, note: (line: string) => void = () => {}): Promise<unknown> {
  const started = Date.now();
  const deadline = started + waitTimeout * 1000;
  let lastNote = 0;
  let lastReason = '';
  for (;;) {
    try {
      const reply = await callRpc(t, pass, user, body);
      const first = Array.isArray(reply) ? reply[0] : reply;
      if (wait && errorCode(first) === RPC.IN_WARMUP) throw new ConnectionFailed('server in warmup');
      return reply;
    } catch (e) {
      if (!(e instanceof ConnectionFailed) || !wait) throw e;
      if (waitTimeout > 0 && Date.now() >= deadline) throw new Error(`timeout on transient error: ${e.message}`);
      const now = Date.now();
      const reason = e.message.split('\n')[0];
      if (lastNote === 0 || now - lastNote >= WAIT_NOTE_EVERY_MS || reason !== lastReason) {
        const waited = Math.round((now - started) / 1000);
        note(`Waiting for the RPC server at ${t.host}:${t.port} (${reason})${waited ? `, ${waited} s so far` : ''}${waitTimeout > 0 ? `, up to ${waitTimeout} s` : ''}…\n`);
        lastNote = now;
        lastReason = reason;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function str(v: unknown): string {
  if (v === undefined || v === null) return v === null ? 'null' : '';
  if (v instanceof RawNumber) return v.text;
  if (typeof v === 'string') return v;
  return writeJson(v);
}

/** Core's GetinfoRequestHandler: the aggregate of four calls, printed as ParseGetInfoResult. */
function getinfoText(batch: { result?: any; error?: any; id?: unknown }[]): { text: string; code: number } {
  const byId = (id: number) => batch.find((r) => r && str(r.id) === String(id)) ?? {};
  const network = byId(0), chain = byId(1), wallet = byId(2), balances = byId(3);
  for (const r of [network, chain]) if (r.error) return { text: errorText(r.error), code: Math.abs(Number(str(r.error.code))) || 1 };
  const n = network.result ?? {}, c = chain.result ?? {};
  const progress = Number(str(c.verificationprogress)) || 0;
  const bar = progress < 0.99 ? `${'▒'.repeat(Math.round(progress * 20)).padEnd(20, '░')} ` : '';
  const lines = [
    `Chain: ${str(c.chain)}`,
    `Blocks: ${str(c.blocks)}`,
    `Headers: ${str(c.headers)}`,
    `Verification progress: ${bar}${(progress * 100).toFixed(4)}%`,
    `Difficulty: ${str(c.difficulty)}`,
    '',
    `Network: in ${str(n.connections_in)}, out ${str(n.connections_out)}, total ${str(n.connections)}`,
    `Version: ${str(n.version)}`,
    `Time offset (s): ${str(n.timeoffset)}`,
    `Proxies: n/a`,
    `Min tx relay fee rate (BTC/kvB): ${str(n.relayfee)}`,
    '',
  ];
  if (wallet.result) {
    const name = str(wallet.result.walletname);
    lines.push(`Wallet: ${name === '' ? '""' : name}`, `Keypool size: ${str(wallet.result.keypoolsize)}`);
    if (wallet.result.unlocked_until !== undefined) lines.push(`Unlocked until: ${str(wallet.result.unlocked_until)}`);
    lines.push(`Transaction fee rate (-paytxfee) (BTC/kvB): ${str(wallet.result.paytxfee)}`, '');
  }
  if (balances.result?.mine) lines.push(`Balance: ${str(balances.result.mine.trusted)}`, '');
  const warnings = Array.isArray(n.warnings) ? n.warnings.map(str).join('\n') : str(n.warnings);
  lines.push(`Warnings: ${warnings === '' ? '(none)' : warnings}`);
  return { text: lines.join('\n'), code: 0 };
}

/** Core's ParseError text. */
function errorText(error: any): string {
  if (error && typeof error === 'object' && !Array.isArray(error) && !(error instanceof RawNumber)) {
    let s = error.code !== undefined ? `error code: ${str(error.code)}\n` : '';
    if (typeof error.message === 'string') s += `error message:\n${error.message}`;
    if (str(error.code) === String(RPC.WALLET_NOT_SPECIFIED)) {
      s += ' Or for the CLI, specify the "-rpcwallet=<walletname>" option before the command (run "oda-cli -h" for help or "oda-cli listwallets" to see which wallets are currently loaded).';
    }
    return s;
  }
  return `error: ${writeJson(error)}`;
}

/** Runs oda-cli with argv (without node and script); returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const args = new ArgsManager(CLI_OPTIONS);
    // bitcoin-cli: options end at the first non-option; unknown config keys are odad's, not errors.
    const { rest, datadir, confFile, chain } = loadArgs(args, argv, io.env, { stopAtNonOption: true, ignoreInvalidKeys: true });
    if (args.getBool('help', false) || args.getBool('h', false) || args.getBool('?', false)) {
      io.stdout(`${usage()}\n`);
      return 0;
    }
    if (args.getBool('version', false)) {
      io.stdout(`ODA RPC client version v${version()}\n`);
      return 0;
    }
    let params = rest;
    let password = args.get('rpcpassword') || undefined;
    if (args.getBool('stdinrpcpass', false) || args.getBool('stdin', false)) {
      const lines = (await io.readStdin()).split(/\r?\n/);
      if (lines.length && lines[lines.length - 1] === '') lines.pop();
      if (args.getBool('stdinrpcpass', false)) {
        if (!lines.length) throw new Error('-stdinrpcpass specified but failed to read from standard input');
        password = lines.shift();
      }
      if (args.getBool('stdin', false)) params = [...params, ...lines];
    }
    const getinfo = args.getBool('getinfo', false);
    const generate = args.getBool('generate', false);
    if (!getinfo && !generate && params.length < 1) throw new Error('too few parameters (need at least command)');

    const networkDir = networkDirFor(datadir, chain);
    const connect = args.get('rpcconnect') || '127.0.0.1';
    const hp = splitHostPort(connect, 'rpcconnect');
    const port = args.isSet('rpcport') ? args.getInt('rpcport', networks[chain].rpcPort) : hp.port ?? networks[chain].rpcPort;
    const cookie = args.get('rpccookiefile') || '.cookie';
    const wallet = args.get('rpcwallet');
    const target: Target = {
      host: hp.host,
      port,
      userColonPass: undefined,
      cookieFile: isAbsolute(cookie) ? cookie : join(networkDir, cookie),
      confFile,
      path: wallet !== undefined ? `/wallet/${encodeURIComponent(wallet)}` : '/',
      timeoutMs: args.getInt('rpcclienttimeout', 900) * 1000,
    };
    const wait = args.getBool('rpcwait', false);
    const waitTimeout = args.getInt('rpcwaittimeout', 0);
    const user = args.get('rpcuser') ?? '';

    if (getinfo) {
      if (params.length) throw new Error('-getinfo takes no arguments');
      const batch = ['getnetworkinfo', 'getblockchaininfo', 'getwalletinfo', 'getbalances'].map((method, id) => ({ method, params: [], id }));
      const reply = await connectAndCall(target, wait, waitTimeout, password, user, JSON.stringify(batch) + '\n', io.stderr);
      if (!Array.isArray(reply)) throw new Error('expected reply to have result, error and id properties');
      const { text, code } = getinfoText(reply);
      (code === 0 ? io.stdout : io.stderr)(`${text}\n`);
      return code;
    }

    if (generate) {
      // Core's -generate: getnewaddress, then generatetoaddress nblocks address maxtries.
      if (params.length > 2) throw new Error('too many arguments (maximum 2 for nblocks and maxtries)');
      if (params[0] === '0') throw new Error('the first argument (number of blocks to generate, default: 1) must be an integer value greater than zero');
      const addrReply = await connectAndCall(target, wait, waitTimeout, password, user, JSON.stringify({ method: 'getnewaddress', params: [], id: 1 }) + '\n', io.stderr) as { result?: unknown; error?: unknown };
      if (addrReply.error !== undefined && addrReply.error !== null) {
        io.stderr(`${errorText(addrReply.error)}\n`);
        return Math.abs(errorCode(addrReply) ?? 1);
      }
      const address = String(addrReply.result);
      const genArgs = convertPositionalArgs('generatetoaddress', [params[0] ?? '1', address, ...params.slice(1)]);
      const gen = await connectAndCall(target, wait, waitTimeout, password, user, JSON.stringify({ method: 'generatetoaddress', params: genArgs, id: 1 }) + '\n', io.stderr) as { result?: unknown; error?: unknown };
      if (gen.error !== undefined && gen.error !== null) {
        io.stderr(`${errorText(gen.error)}\n`);
        return Math.abs(errorCode(gen) ?? 1);
      }
      io.stdout(`${writeJson({ address, blocks: gen.result }, 2)}\n`);
      return 0;
    }

    const [method, ...rawArgs] = params;
    const rpcParams = args.getBool('named', false) ? convertNamedArgs(method, rawArgs) : convertPositionalArgs(method, rawArgs);
    const body = JSON.stringify({ method, params: rpcParams, id: 1 }) + '\n';
    const reply = await connectAndCall(target, wait, waitTimeout, password, user, body, io.stderr) as { result?: unknown; error?: unknown } | null;
    if (!reply || typeof reply !== 'object' || Array.isArray(reply) || !('result' in reply || 'error' in reply)) {
      throw new Error('expected reply to have result, error and id properties');
    }
    if (reply.error !== undefined && reply.error !== null) {
      io.stderr(`${errorText(reply.error)}\n`);
      const code = errorCode(reply);
      return code === undefined ? 1 : Math.abs(code);
    }
    const result = reply.result;
    if (result !== null && result !== undefined) io.stdout(`${typeof result === 'string' ? result : writeJson(result, 2)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      // bitcoin-cli prints these without the "error: " prefix.
      io.stderr(e.message.startsWith('Error reading configuration file') ? `${e.message}\n` : `Error parsing command line arguments: ${e.message}\n`);
      return 1;
    }
    io.stderr(`error: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Entry point used by bin/oda-cli.js. */
export async function cliMain(): Promise<void> {
  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
  const code = await runCli(process.argv.slice(2), io);
  // Let stdout drain before exiting (large results piped to another program).
  process.exitCode = code;
}
