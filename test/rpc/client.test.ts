// rpc/client.ts, the programmatic caller the functional tests use: a reply resolves, an RPC
// error rejects with its code, and with timeoutMs a server that never answers fails the call
// with the method's name (the functional framework's rpc_timeout) instead of hanging it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { rpcCall } from '../../rpc/client.js';
import { RpcError } from '../../rpc/errors.js';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

test('result, RPC error, and a timeout that names the method', async () => {
  const { server, port } = await listen((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const { method, id } = JSON.parse(body);
      if (method === 'hang') return; // never answers
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(method === 'ok' ? { result: 42, error: null, id } : { result: null, error: { code: -8, message: 'bad' }, id }));
    });
  });
  try {
    assert.is(await rpcCall({ port, auth: 'u:p', timeoutMs: 60_000 }, 'ok'), 42);
    const e = await rpcCall({ port, auth: 'u:p' }, 'fail').catch((x) => x);
    assert.instance(e, RpcError);
    assert.is((e as RpcError).code, -8);
    const t = await rpcCall({ port, auth: 'u:p', timeoutMs: 200 }, 'hang').catch((x: Error) => x);
    assert.instance(t, Error);
    assert.match((t as Error).message, 'hang: no reply within 200 ms');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test.run();
