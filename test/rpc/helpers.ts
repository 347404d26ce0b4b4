// Shared by the RPC tests: an in-process RpcServer on port 0 with a small method table, and
// a raw HTTP client that shows status, headers and body exactly as sent.
import { request } from 'node:http';
import { RpcServer, type RpcAuth } from '../../rpc/server.js';
import { RpcError } from '../../rpc/errors.js';
import { VerifyError } from '../../chain/errors.js';
import { amount } from '../../rpc/amount.js';
import type { RpcMethod } from '../../rpc/types.js';

export interface TestCtx { counter: number; walletName?: string }

export function testMethods(): RpcMethod<TestCtx>[] {
  return [
    { name: 'getblockhash', category: 'Blockchain', params: [{ name: 'height', type: 'number', description: 'The height index' }], help: 'Returns hash of block in best-block-chain at height provided.',
      handler: ([h]) => { if ((h as number) > 0) throw new RpcError(-8, 'Block height out of range'); return '00'.repeat(32); } },
    { name: 'echo', category: 'Util', params: [{ name: 'a', type: 'any', optional: true }, { name: 'b', type: 'any', optional: true }, { name: 'c', type: 'string', optional: true }], help: 'Echoes its arguments.',
      handler: (args) => args.map((a) => (a === undefined ? 'undefined' : a)) },
    { name: 'increment', category: 'Util', params: [{ name: 'by', type: 'number', optional: true }], help: 'Adds to a counter (a state change).',
      handler: ([by], ctx) => { ctx.counter += (by as number | undefined) ?? 1; return ctx.counter; } },
    { name: 'getbalance', category: 'Wallet', wallet: true, params: [], help: 'Returns the balance.',
      handler: (_a, ctx, req) => ({ balance: amount(5000000000n), wallet: ctx.walletName ?? null, uri: req?.uri, user: req?.authUser }) },
    { name: 'sendrawtransaction', category: 'Rawtransactions', params: [{ name: 'hexstring', type: 'hex' }, { name: 'maxfeerate', type: 'amount', optional: true }], help: 'Submits a raw transaction.',
      handler: () => { throw new VerifyError('tx', 'min relay fee not met', 0, '100 < 141'); } },
    { name: 'boom', category: 'Hidden', params: [], help: 'Throws a plain Error.', handler: () => { throw new TypeError('x is undefined'); } },
    { name: 'boomstring', category: 'Hidden', params: [], help: 'Throws a string.', handler: async () => { throw 'raw string'; } },
    { name: 'circular', category: 'Hidden', params: [], help: 'Returns an unserialisable value.', handler: () => { const o: any = {}; o.o = o; return o; } },
    { name: 'needsobj', category: 'Util', params: [{ name: 'options', type: 'object' }, { name: 'flag', type: 'boolean', optional: true }, { name: 'list', type: 'array', optional: true }], help: 'Takes an object.', handler: ([o]) => o },
  ];
}

export async function startServer(auth: RpcAuth, extra: { maxBodyBytes?: number; workQueue?: number } = {}) {
  const ctx: TestCtx = { counter: 0 };
  const server = new RpcServer<TestCtx>({ methods: testMethods(), context: ctx, host: '127.0.0.1', port: 0, auth, ...extra });
  await server.start();
  return { server, ctx };
}

export interface RawReply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

export function raw(port: number, opts: { body?: string | Buffer; auth?: string | null; path?: string; method?: string; headers?: Record<string, string> }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(opts.headers ?? {}) };
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const req = request({ host: '127.0.0.1', port, path: opts.path ?? '/', method: opts.method ?? 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
