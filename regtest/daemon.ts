// A regtest odad child process for the demo: its own data dir, loopback-only ports chosen by
// the OS, cookie authentication, and plain JSON-RPC calls. Separate from the test framework
// (test/functional/framework.ts) because runtime code must not import tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rpcCall } from '../rpc/client.js';
import { RpcError } from '../rpc/errors.js';

const ODAD = fileURLToPath(new URL('../bin/odad.js', import.meta.url));

/** RPC errors reject with this (rpc/client.ts), carrying Core's code and message. */
export { RpcError as RpcCallError };

/** A port the OS reports free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Daemon {
  private child?: ChildProcess;
  private cookie?: string;
  private exited = false;
  readonly networkDir: string;

  private constructor(readonly datadir: string, readonly rpcPort: number, readonly p2pPort: number) {
    this.networkDir = join(datadir, 'regtest');
  }

  /** Starts odad -regtest in `datadir` (P2P not listening) and waits until RPC answers. */
  static async start(datadir: string, extraArgs: string[] = []): Promise<Daemon> {
    const d = new Daemon(datadir, await freePort(), await freePort());
    const log = openSync(join(datadir, 'odad.out'), 'a');
    d.child = spawn(process.execPath, [ODAD, '-regtest', `-datadir=${datadir}`, `-rpcport=${d.rpcPort}`, `-port=${d.p2pPort}`,
      '-rpcbind=127.0.0.1', '-bind=127.0.0.1', '-listen=0', '-printtoconsole=0', ...extraArgs], { stdio: ['ignore', log, log] });
    closeSync(log);
    d.child.once('exit', () => { d.exited = true; });
    await d.waitForRpc();
    return d;
  }

  private async waitForRpc(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const cookieFile = join(this.networkDir, '.cookie');
    for (;;) {
      if (this.exited) throw new Error(`odad exited during startup; see ${join(this.datadir, 'odad.out')}`);
      if (existsSync(cookieFile)) {
        this.cookie = readFileSync(cookieFile, 'utf8').trim();
        try {
          await this.call('getblockcount');
          return;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (!(e instanceof RpcError && e.code === -28) && code !== 'ECONNREFUSED' && code !== 'ECONNRESET') throw e;
        }
      }
      if (Date.now() > deadline) throw new Error('odad RPC did not come up');
      await sleep(100);
    }
  }

  /** One JSON-RPC call; RPC errors reject with RpcCallError(code, message). */
  call<T = any>(method: string, ...params: unknown[]): Promise<T> {
    return this.post('/', method, params);
  }

  /** A call to /wallet/<name>. */
  walletCall<T = any>(wallet: string, method: string, ...params: unknown[]): Promise<T> {
    return this.post(`/wallet/${encodeURIComponent(wallet)}`, method, params);
  }

  private post<T>(path: string, method: string, params: unknown[]): Promise<T> {
    return rpcCall<T>({ port: this.rpcPort, auth: this.cookie ?? '', path }, method, params);
  }

  /** `stop` RPC, then waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.exited || !this.child) return;
    const exit = new Promise<void>((r) => this.child!.once('exit', () => r()));
    await this.call('stop').catch(() => undefined);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 60_000);
    await exit;
    clearTimeout(timer);
  }
}
