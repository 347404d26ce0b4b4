// Authentication (cookie and user/password, 401 rules), cookie file lifecycle, body size
// limit and work queue, as Core's httprpc.cpp / httpserver.cpp.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, raw } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-rpcauth-'));
const body = JSON.stringify({ id: 1, method: 'getblockhash', params: [0] });

test('cookie: __cookie__:<64 hex>, mode 0600, authenticates, deleted on stop', async () => {
  const cookieFile = join(dir, 'regtest', '.cookie');
  const { server } = await startServer({ cookieFile });
  const cookie = readFileSync(cookieFile, 'utf8');
  assert.match(cookie, /^__cookie__:[0-9a-f]{64}$/);
  if (process.platform !== 'win32') assert.is(statSync(cookieFile).mode & 0o777, 0o600);
  assert.not.ok(existsSync(`${cookieFile}.tmp`));
  assert.is((await raw(server.port, { body, auth: cookie })).status, 200);
  await server.stop();
  assert.not.ok(existsSync(cookieFile));
  // A second start writes a fresh cookie.
  const again = await startServer({ cookieFile });
  assert.is.not(readFileSync(cookieFile, 'utf8'), cookie);
  await again.server.stop();
});

test('401: no header, bad password, bad scheme; empty body and WWW-Authenticate', async () => {
  const { server, ctx } = await startServer({ user: 'alice', password: 's3cret:with:colons' });
  const cases: (string | null)[] = [null, 'alice:wrong', 'bob:s3cret:with:colons', ''];
  for (const auth of cases) {
    const r = await raw(server.port, { body: JSON.stringify({ id: 1, method: 'increment' }), auth });
    assert.is(r.status, 401, String(auth));
    assert.is(r.body, '');
    assert.is(r.headers['www-authenticate'], 'Basic realm="jsonrpc"');
  }
  const bearer = await raw(server.port, { body, headers: { Authorization: 'Bearer abc' } });
  assert.is(bearer.status, 401);
  assert.is(ctx.counter, 0);
  const ok = await raw(server.port, { body, auth: 'alice:s3cret:with:colons' });
  assert.is(ok.status, 200);
  const who = JSON.parse((await raw(server.port, { body: JSON.stringify({ id: 1, method: 'getbalance' }), auth: 'alice:s3cret:with:colons' })).body);
  assert.is(who.result.user, 'alice');
  await server.stop();
});

test('oversize body: 413, handler not run', async () => {
  const { server, ctx } = await startServer({ user: 'u', password: 'p' }, { maxBodyBytes: 1024 });
  const big = JSON.stringify({ id: 1, method: 'increment', params: [1], pad: 'x'.repeat(2000) });
  const r = await raw(server.port, { body: big, auth: 'u:p' });
  assert.is(r.status, 413);
  // Chunked upload without Content-Length is cut off while streaming.
  const chunked = await raw(server.port, { body: big, auth: 'u:p', headers: { 'Transfer-Encoding': 'chunked' } }).catch((e) => ({ status: -1, e }));
  assert.ok(chunked.status === 413 || chunked.status === -1);
  assert.is(ctx.counter, 0);
  assert.is((await raw(server.port, { body, auth: 'u:p' })).status, 200);
  await server.stop();
});

test('work queue full: 503 "Work queue depth exceeded"', async () => {
  const { server } = await startServer({ user: 'u', password: 'p' }, { workQueue: 1 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  server.registerMethods([{ name: 'block', category: 'Hidden', params: [], help: 'Waits.', handler: async () => { await gate; return 1; } }]);
  const first = raw(server.port, { body: JSON.stringify({ id: 1, method: 'block' }), auth: 'u:p' });
  await new Promise((r) => setTimeout(r, 100));
  const second = await raw(server.port, { body, auth: 'u:p' });
  assert.is(second.status, 503);
  assert.is(second.body, 'Work queue depth exceeded');
  release();
  assert.is((await first).status, 200);
  assert.is((await raw(server.port, { body, auth: 'u:p' })).status, 200);
  await server.stop();
});

test('stop with a request in flight lets it finish; port in use fails start without a cookie', async () => {
  const cookieFile = join(dir, 'b', '.cookie');
  const { server } = await startServer({ cookieFile });
  const cookie = readFileSync(cookieFile, 'utf8');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  server.registerMethods([{ name: 'block', category: 'Hidden', params: [], help: 'Waits.', handler: async () => { await gate; return 'done'; } }]);
  const pending = raw(server.port, { body: JSON.stringify({ id: 1, method: 'block' }), auth: cookie });
  await new Promise((r) => setTimeout(r, 100));
  const stopping = server.stop();
  release();
  assert.is(JSON.parse((await pending).body).result, 'done');
  await stopping;

  const { server: a } = await startServer({ user: 'u', password: 'p' });
  const { RpcServer } = await import('../../rpc/server.js');
  const clash = new RpcServer({ methods: [], context: {}, host: '127.0.0.1', port: a.port, auth: { cookieFile: join(dir, 'c', '.cookie') } });
  await clash.start().then(() => assert.unreachable('started on a used port'), (e) => assert.is(e.code, 'EADDRINUSE'));
  assert.not.ok(existsSync(join(dir, 'c', '.cookie')));
  await a.stop();
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
