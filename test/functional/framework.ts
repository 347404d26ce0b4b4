// ODA's functional test framework, in the spirit of Core's test/functional/test_framework:
// N real odad processes on 127.0.0.1 with pid-seeded, non-colliding ports, a TestNode per
// process whose RPC methods are plain calls (`await node.getblockcount()`), cookie polling
// that tolerates warmup (-28) and refused connections, and a data dir kept (and printed) when
// a test fails, removed when it passes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcError } from '../../rpc/errors.js';
import { rpcCall } from '../../rpc/client.js';

const ROOT = new URL('../..', import.meta.url).pathname;
export const ODAD = join(ROOT, 'bin', 'odad.js');

// Core's util.py: PORT_MIN + n + (MAX_NODES * PortSeed.n) % (PORT_RANGE - 1 - MAX_NODES).
export const PORT_MIN = 11000;
export const PORT_RANGE = 5000;
export const MAX_NODES = 12;

/** Multiplies every wait (ODA_TIMEOUT_FACTOR, as Core's --timeout-factor). */
export const TIMEOUT_FACTOR = Number(process.env.ODA_TIMEOUT_FACTOR ?? 1) || 1;
/** Core's rpc_timeout, generous: a slow call under load passes, a hung one fails naming its method instead of waiting for test/run's kill. */
export const RPC_TIMEOUT_MS = 180_000;

export function p2pPort(n: number, seed = process.pid): number {
  return PORT_MIN + n + ((MAX_NODES * seed) % (PORT_RANGE - 1 - MAX_NODES));
}

export function rpcPort(n: number, seed = process.pid): number {
  return PORT_MIN + PORT_RANGE + n + ((MAX_NODES * seed) % (PORT_RANGE - 1 - MAX_NODES));
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A pid-derived seed whose 2·n ports are all free right now (Core's seed, shifted on a clash). */
export async function choosePortSeed(numNodes: number): Promise<number> {
  for (let seed = process.pid, tries = 0; tries < 50; seed++, tries++) {
    let ok = true;
    for (let i = 0; i < numNodes && ok; i++) ok = (await portFree(p2pPort(i, seed))) && (await portFree(rpcPort(i, seed)));
    if (ok) return seed;
  }
  throw new Error(`no free port range for ${numNodes} nodes`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Core's wait_until: polls `fn` until truthy; throws after `timeoutMs` × ODA_TIMEOUT_FACTOR. */
export async function waitUntil(fn: () => unknown | Promise<unknown>, timeoutMs = 60_000, what = 'predicate'): Promise<void> {
  const deadline = Date.now() + timeoutMs * TIMEOUT_FACTOR;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`waitUntil timed out after ${timeoutMs * TIMEOUT_FACTOR} ms: ${what}`);
    await sleep(50);
  }
}

/** Bounds a wait on an event: rejects after `timeoutMs` × ODA_TIMEOUT_FACTOR naming `what`, so a lost event fails the test instead of hanging it. */
export async function within<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs * TIMEOUT_FACTOR} ms: ${what}`)), timeoutMs * TIMEOUT_FACTOR); });
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Core's assert_raises_rpc_error: `p` (a promise or a function returning one) must reject with
 * an RPC error of `code` whose message contains `message` (omit to check only the code).
 */
export async function assertRpcError(code: number, message: string | undefined, p: Promise<unknown> | (() => Promise<unknown>)): Promise<RpcError> {
  let result: unknown;
  try {
    result = await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (!(e instanceof RpcError)) throw new Error(`expected RPC error ${code}, got ${(e as Error)?.stack ?? e}`);
    if (e.code !== code) throw new Error(`expected RPC error code ${code}, got ${e.code}: ${e.message}`);
    if (message !== undefined && !e.message.includes(message)) throw new Error(`expected RPC error message containing ${JSON.stringify(message)}, got ${JSON.stringify(e.message)}`);
    return e;
  }
  throw new Error(`expected RPC error ${code}, but the call succeeded with ${JSON.stringify(result)}`);
}

/** Transport errors that mean "not up yet" (Core's wait_for_rpc_connection). */
function transient(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || (e instanceof RpcError && e.code === -28);
}

export interface TestNodeOptions {
  index: number;
  /** This node's data dir (odad -datadir). */
  datadir: string;
  p2pPort: number;
  rpcPort: number;
  extraArgs?: string[];
  /** Script to run (default bin/odad.js); .ts files run through tsx. */
  binary?: string;
}

/**
 * One odad process. Any property that is not a member is an RPC method:
 * `await node.getblockhash(0)`; `node.rpc(method, ...params)` and `node.rpcNamed(method, {...})`
 * are the explicit forms.
 */
export class TestNode {
  // Every unknown property is an RPC call (see the Proxy in the constructor).
  [method: string]: any;
  readonly index: number;
  readonly datadir: string;
  readonly networkDir: string;
  readonly p2pPort: number;
  readonly rpcPort: number;
  readonly binary: string;
  extraArgs: string[];
  process?: ChildProcess;
  /** Exit code of the last process, once it has exited. */
  exitCode?: number | null;
  private exited?: Promise<void>;
  private cookie?: string;

  constructor(opts: TestNodeOptions) {
    this.index = opts.index;
    this.datadir = opts.datadir;
    this.networkDir = join(opts.datadir, 'regtest');
    this.p2pPort = opts.p2pPort;
    this.rpcPort = opts.rpcPort;
    this.extraArgs = opts.extraArgs ?? [];
    this.binary = opts.binary ?? ODAD;
    mkdirSync(this.datadir, { recursive: true });
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (typeof prop !== 'string' || prop in target || prop === 'then') return Reflect.get(target, prop, receiver);
        return (...params: unknown[]) => target.rpc(prop, ...params);
      },
    });
  }

  get running(): boolean {
    return this.process !== undefined && this.exitCode === undefined;
  }

  /** The command line Core's framework would use, ODA flavour: loopback only, no console log. */
  args(extra: string[] = this.extraArgs): string[] {
    return ['-regtest', `-datadir=${this.datadir}`, `-port=${this.p2pPort}`, `-rpcport=${this.rpcPort}`,
      '-bind=127.0.0.1', '-rpcbind=127.0.0.1', '-printtoconsole=0', ...extra];
  }

  /** Spawns odad; stdout/stderr go to <datadir>/stdout.txt, stderr.txt. Does not wait for RPC. */
  start(extraArgs?: string[]): void {
    if (this.running) throw new Error(`node${this.index} is already running`);
    if (extraArgs) this.extraArgs = extraArgs;
    const out = openSync(join(this.datadir, 'stdout.txt'), 'a');
    const err = openSync(join(this.datadir, 'stderr.txt'), 'a');
    // tsx resolved from this repo, as the child's cwd is its data dir.
    const execArgs = this.binary.endsWith('.ts') ? ['--import', import.meta.resolve('tsx'), this.binary] : [this.binary];
    const child = spawn(process.execPath, [...execArgs, ...this.args()], { cwd: this.datadir, stdio: ['ignore', out, err], env: { ...process.env, FORCE_COLOR: '0' } });
    closeSync(out);
    closeSync(err);
    this.process = child;
    this.exitCode = undefined;
    this.cookie = undefined;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => { this.exitCode = code ?? (signal ? -1 : null); resolve(); }));
  }

  /** Last lines of this node's stderr (for failure messages). */
  stderrTail(lines = 20): string {
    const f = join(this.datadir, 'stderr.txt');
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }

  /** Core's wait_for_rpc_connection: waits for the cookie, then a successful call. */
  async waitForRpc(timeoutMs = 60_000): Promise<void> {
    const cookieFile = join(this.networkDir, '.cookie');
    await waitUntil(async () => {
      if (this.exitCode !== undefined) {
        throw new Error(`node${this.index} exited with code ${this.exitCode} during startup:\n${this.stderrTail()}`);
      }
      if (!existsSync(cookieFile)) return false;
      try {
        this.cookie = readFileSync(cookieFile, 'utf8').trim();
        await this.rpc('getblockcount');
        return true;
      } catch (e) {
        if (transient(e) || (e as Error).message === 'HTTP 401') return false;
        throw e;
      }
    }, timeoutMs, `node${this.index} RPC`);
  }

  /** One JSON-RPC 1.1 call. RPC errors reject with RpcError(code, message). */
  rpc(method: string, ...params: unknown[]): Promise<any> {
    return this.call(method, params);
  }

  rpcNamed(method: string, params: Record<string, unknown>): Promise<any> {
    return this.call(method, params);
  }

  private call(method: string, params: unknown[] | Record<string, unknown>, path = '/'): Promise<any> {
    if (this.cookie === undefined) {
      const f = join(this.networkDir, '.cookie');
      if (existsSync(f)) this.cookie = readFileSync(f, 'utf8').trim();
    }
    return rpcCall({ port: this.rpcPort, auth: this.cookie ?? '', path, timeoutMs: RPC_TIMEOUT_MS * TIMEOUT_FACTOR }, method, params);
  }

  /** A view of this node whose calls go to /wallet/<name>. */
  wallet(name: string): { rpc(method: string, ...params: unknown[]): Promise<any>; [method: string]: any } {
    const path = `/wallet/${encodeURIComponent(name)}`;
    const rpc = (method: string, ...params: unknown[]) => this.call(method, params, path);
    return new Proxy({ rpc } as any, { get: (t, p) => (typeof p === 'string' && !(p in t) && p !== 'then' ? (...a: unknown[]) => rpc(p, ...a) : t[p as string]) });
  }

  async waitForExit(timeoutMs = 60_000): Promise<number | null | undefined> {
    if (!this.process || !this.exited) return this.exitCode;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs * TIMEOUT_FACTOR); });
    const r = await Promise.race([this.exited.then(() => 'exited' as const), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.process.kill('SIGKILL');
      await this.exited;
      throw new Error(`node${this.index} did not exit within ${timeoutMs * TIMEOUT_FACTOR} ms; killed`);
    }
    return this.exitCode;
  }

  /** Core's stop_node: the `stop` RPC, then wait for a clean exit (code 0). */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.rpc('stop');
    const code = await this.waitForExit();
    if (code !== 0) throw new Error(`node${this.index} exited with code ${code} after stop:\n${this.stderrTail()}`);
  }

  /** SIGKILL (crash tests); the next start must recover. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.process!.kill('SIGKILL');
    await this.waitForExit();
  }

  /** SIGTERM: must shut down cleanly as with `stop`. */
  async terminate(): Promise<number | null | undefined> {
    if (!this.running) return this.exitCode;
    this.process!.kill('SIGTERM');
    return this.waitForExit();
  }

  async restart(extraArgs?: string[]): Promise<void> {
    await this.stop();
    this.start(extraArgs);
    await this.waitForRpc();
  }

  /** Core's assert_debug_log: runs fn, then expects each string in the new part of debug.log. */
  async assertDebugLog(expected: string[], fn: () => Promise<unknown>, timeoutMs = 2000): Promise<void> {
    const log = join(this.networkDir, 'debug.log');
    const from = existsSync(log) ? statSync(log).size : 0;
    await fn();
    let text = '';
    const found = async () => {
      text = existsSync(log) ? readFileSync(log).subarray(from).toString('utf8') : '';
      return expected.every((s) => text.includes(s));
    };
    try {
      await waitUntil(found, timeoutMs, 'debug log lines');
    } catch {
      throw new Error(`expected ${JSON.stringify(expected.filter((s) => !text.includes(s)))} in debug.log; new lines:\n${text}`);
    }
  }
}

// Chain sync helpers that need only RPC. P2P helpers (connectNodes in a line with
// addnode onetry + getpeerinfo/pong checks, disconnectNodes, splitNetwork/joinNetwork) belong
// here too, next to these; the P2P engineer adds them with the P2P RPCs.

/** Core's sync_blocks: same best block hash on every node. */
export async function syncBlocks(nodes: TestNode[], timeoutMs = 60_000): Promise<void> {
  let hashes: string[] = [];
  try {
    await waitUntil(async () => {
      hashes = await Promise.all(nodes.map((n) => n.getbestblockhash()));
      return hashes.every((h) => h === hashes[0]);
    }, timeoutMs, 'syncBlocks');
  } catch (e) {
    throw new Error(`Block sync timed out: ${JSON.stringify(hashes)}`);
  }
}

/** Core's sync_mempools: equal getrawmempool sets on every node. */
export async function syncMempools(nodes: TestNode[], timeoutMs = 60_000): Promise<void> {
  let pools: string[][] = [];
  try {
    await waitUntil(async () => {
      pools = (await Promise.all(nodes.map((n) => n.getrawmempool() as Promise<string[]>))).map((p) => [...p].sort());
      return pools.every((p) => JSON.stringify(p) === JSON.stringify(pools[0]));
    }, timeoutMs, 'syncMempools');
  } catch {
    throw new Error(`Mempool sync timed out: ${JSON.stringify(pools)}`);
  }
}

export class SkipTest extends Error {}
/** Core's SkipTest (exit code 77): the test is not applicable here. */
export function skipTest(reason: string): never {
  throw new SkipTest(reason);
}

export interface FunctionalTestOptions {
  numNodes: number;
  /** Extra odad arguments per node. */
  extraArgs?: string[][];
  /** Start the nodes and wait for RPC before calling the test (default true). */
  startNodes?: boolean;
  /** Script run as odad (default bin/odad.js). */
  binary?: string;
  /** Keep the data dir even on success (debugging). */
  keepDir?: boolean;
}

export interface FunctionalTestEnv {
  tmpdir: string;
  /** Adds and returns one more node (not started) with the next port pair. */
  addNode(extraArgs?: string[]): TestNode;
}

/**
 * Core's BitcoinTestFramework.main: sets up N nodes under a fresh tmp dir, runs `fn`, stops
 * every node. On failure it kills the nodes, keeps the tmp dir, prints its path and each
 * node's stderr tail, and rethrows; on success it removes the dir. Returns "skipped" on SkipTest.
 */
export async function runFunctionalTest(opts: FunctionalTestOptions, fn: (nodes: TestNode[], env: FunctionalTestEnv) => Promise<void>): Promise<'passed' | 'skipped'> {
  const dir = mkdtempSync(join(tmpdir(), 'oda_func_'));
  const seed = await choosePortSeed(Math.min(MAX_NODES, opts.numNodes + 2));
  const nodes: TestNode[] = [];
  const addNode = (extraArgs?: string[]) => {
    const i = nodes.length;
    if (i >= MAX_NODES) throw new Error(`at most ${MAX_NODES} nodes`);
    const n = new TestNode({ index: i, datadir: join(dir, `node${i}`), p2pPort: p2pPort(i, seed), rpcPort: rpcPort(i, seed), extraArgs: extraArgs ?? opts.extraArgs?.[i], binary: opts.binary });
    nodes.push(n);
    return n;
  };
  for (let i = 0; i < opts.numNodes; i++) addNode();
  try {
    if (opts.startNodes !== false) {
      for (const n of nodes) n.start();
      await Promise.all(nodes.map((n) => n.waitForRpc()));
    }
    await fn(nodes, { tmpdir: dir, addNode });
    for (const n of nodes) await n.stop();
  } catch (e) {
    await Promise.all(nodes.map((n) => n.kill().catch(() => undefined)));
    if (e instanceof SkipTest) {
      console.log(`SKIPPED: ${e.message}`);
      rmSync(dir, { recursive: true, force: true });
      return 'skipped';
    }
    console.error(`Functional test failed; data dir kept: ${dir}`);
    for (const n of nodes) {
      const tail = n.stderrTail(10).trim();
      if (tail) console.error(`node${n.index} stderr:\n${tail}`);
    }
    throw e;
  }
  if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  return 'passed';
}
