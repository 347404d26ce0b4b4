// Every row of Core's JSON-RPC envelope/status table, batches, named params, type and count
// errors, handler exceptions, paths, methods and body limits, against an in-process server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, raw } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-rpc-'));
const cookieFile = join(dir, 'regtest', '.cookie');
const { server, ctx } = await startServer({ cookieFile });
const cookie = readFileSync(cookieFile, 'utf8');
const port = server.port;
const post = (body: unknown, path = '/') => raw(port, { body: typeof body === 'string' ? body : JSON.stringify(body), auth: cookie, path });
const json = (r: { body: string }) => JSON.parse(r.body);

test('1.x success: 200, result + error:null + id, application/json, trailing newline', async () => {
  const r = await post({ jsonrpc: '1.0', id: 'curltest', method: 'getblockhash', params: [0] });
  assert.is(r.status, 200);
  assert.is(r.headers['content-type'], 'application/json');
  assert.is(r.body, `{"result":"${'00'.repeat(32)}","error":null,"id":"curltest"}\n`);
  const noVersion = await post({ id: 1, method: 'getblockhash', params: [0] });
  assert.equal(Object.keys(json(noVersion)), ['result', 'error', 'id']);
});

test('1.x errors: 500 for RPC errors, 404 method not found, 400 invalid request; result:null kept', async () => {
  const e = await post({ id: 1, method: 'getblockhash', params: [5] });
  assert.is(e.status, 500);
  assert.equal(json(e), { result: null, error: { code: -8, message: 'Block height out of range' }, id: 1 });
  const nf = await post({ id: 2, method: 'nosuchmethod' });
  assert.is(nf.status, 404);
  assert.equal(json(nf), { result: null, error: { code: -32601, message: 'Method not found' }, id: 2 });
  const inv = await post({ id: 3, params: [] });
  assert.is(inv.status, 400);
  assert.equal(json(inv), { result: null, error: { code: -32600, message: 'Missing method' }, id: 3 });
  for (const [body, message] of [
    [{ id: 4, method: 7 }, 'Method must be a string'],
    [{ id: 4, method: 'echo', params: 'x' }, 'Params must be an array or object'],
    [{ id: 4, method: 'echo', jsonrpc: 2 }, 'jsonrpc field must be a string'],
    [{ id: 4, method: 'echo', jsonrpc: '3.0' }, 'JSON-RPC version not supported'],
  ] as const) {
    const r = await post(body);
    assert.is(r.status, 400, message);
    assert.equal(json(r).error, { code: -32600, message });
  }
});

test('1.x without id: reply has no id member', async () => {
  const r = await post({ method: 'getblockhash', params: [0] });
  assert.equal(Object.keys(json(r)), ['result', 'error']);
});

test('2.0: always 200, only one of result/error, jsonrpc member', async () => {
  const ok = await post({ jsonrpc: '2.0', id: 7, method: 'getblockhash', params: [0] });
  assert.is(ok.status, 200);
  assert.equal(json(ok), { jsonrpc: '2.0', result: '00'.repeat(32), id: 7 });
  const err = await post({ jsonrpc: '2.0', id: 8, method: 'getblockhash', params: [1] });
  assert.is(err.status, 200);
  assert.equal(json(err), { jsonrpc: '2.0', error: { code: -8, message: 'Block height out of range' }, id: 8 });
  const nf = await post({ jsonrpc: '2.0', id: null, method: 'nope' });
  assert.is(nf.status, 200);
  assert.equal(json(nf), { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: null });
  // Core throws from JSONRPCRequest::parse before the 2.0 error catching: HTTP 400.
  const inv = await post({ jsonrpc: '2.0', id: 9 });
  assert.is(inv.status, 400);
  assert.equal(json(inv), { jsonrpc: '2.0', error: { code: -32600, message: 'Missing method' }, id: 9 });
});

test('2.0 notification: executed, 204 with no body', async () => {
  const before = ctx.counter;
  const r = await post({ jsonrpc: '2.0', method: 'increment', params: [5] });
  assert.is(r.status, 204);
  assert.is(r.body, '');
  assert.is(ctx.counter, before + 5);
});

test('batch: array out, notifications omitted, errors inline with HTTP 200', async () => {
  const r = await post([
    { jsonrpc: '2.0', id: 1, method: 'getblockhash', params: [0] },
    { id: 2, method: 'getblockhash', params: [3] },
    { jsonrpc: '2.0', method: 'increment' },
    { id: 3, method: 'nosuch' },
    5,
  ]);
  assert.is(r.status, 200);
  assert.equal(json(r), [
    { jsonrpc: '2.0', result: '00'.repeat(32), id: 1 },
    { result: null, error: { code: -8, message: 'Block height out of range' }, id: 2 },
    { result: null, error: { code: -32601, message: 'Method not found' }, id: 3 },
    { result: null, error: { code: -32600, message: 'Invalid Request object' } },
  ]);
  const allNotif = await post([{ jsonrpc: '2.0', method: 'increment' }]);
  assert.is(allNotif.status, 204);
  const empty = await post([]);
  assert.is(empty.status, 200);
  assert.is(empty.body, '[]\n');
});

test('parse errors: -32700 with HTTP 500, no id', async () => {
  for (const [body, message] of [['{"method":', 'Parse error'], ['', 'Parse error'], ['5', 'Top-level object parse error'], ['"x"', 'Top-level object parse error']]) {
    const r = await post(body);
    assert.is(r.status, 500, body);
    assert.equal(json(r), { result: null, error: { code: -32700, message } });
  }
});

test('named params: mapped by name, holes null, args key, unknown → -8', async () => {
  const echo = async (params: unknown) => json(await post({ id: 1, method: 'echo', params }));
  assert.equal((await echo({ b: 2 })).result, ['undefined', 2, 'undefined']);
  assert.equal((await echo({ c: 'z', a: 1 })).result, [1, 'undefined', 'z']);
  assert.equal((await echo({ args: [1, 2], c: 'x' })).result, [1, 2, 'x']);
  assert.equal((await echo({ zz: 1 })).error, { code: -8, message: 'Unknown named parameter zz' });
  assert.equal((await echo({ args: [1, 2], b: 3 })).error, { code: -8, message: 'Parameter b specified twice both as positional and named argument' });
  assert.equal((await echo([null, 5])).result, ['undefined', 5, 'undefined']);
  assert.equal(json(await post({ id: 1, method: 'getblockhash', params: { height: 0 } })).result, '00'.repeat(32));
});

test('type errors: -3 with Core\'s "Wrong type passed" message', async () => {
  const r = json(await post({ id: 1, method: 'getblockhash', params: ['1'] }));
  assert.is(r.error.code, -3);
  assert.is(r.error.message, 'Wrong type passed:\n{\n    "Position 1 (height)": "JSON value of type string is not of expected type number"\n}');
  const r2 = json(await post({ id: 1, method: 'needsobj', params: [[], 1, {}] }));
  assert.is(r2.error.message, 'Wrong type passed:\n{\n    "Position 1 (options)": "JSON value of type array is not of expected type object",\n    "Position 2 (flag)": "JSON value of type number is not of expected type bool",\n    "Position 3 (list)": "JSON value of type object is not of expected type array"\n}');
  const r3 = json(await post({ id: 1, method: 'getblockhash', params: [null] }));
  assert.match(r3.error.message, 'JSON value of type null is not of expected type number');
});

test('wrong argument count: -1 with the method help', async () => {
  for (const params of [[], [1, 2]]) {
    const r = json(await post({ id: 1, method: 'getblockhash', params }));
    assert.is(r.error.code, -1);
    assert.ok(r.error.message.startsWith('getblockhash height\n\nReturns hash of block'), r.error.message);
    assert.match(r.error.message, '1. height    (numeric, required) The height index');
  }
});

test('handler exceptions: VerifyError → -26, Error → -1, non-Error → -1, unserialisable result → -1; server lives', async () => {
  assert.equal(json(await post({ id: 1, method: 'sendrawtransaction', params: ['00'] })).error, { code: -26, message: 'min relay fee not met, 100 < 141' });
  assert.equal(json(await post({ id: 1, method: 'boom' })).error, { code: -1, message: 'x is undefined' });
  assert.equal(json(await post({ id: 1, method: 'boomstring' })).error, { code: -1, message: 'raw string' });
  const c = await post({ id: 1, method: 'circular' });
  assert.is(c.status, 500);
  assert.is(json(c).error.code, -1);
  assert.is((await post({ id: 1, method: 'getblockhash', params: [0] })).status, 200);
});

test('hostile input: deep nesting, __proto__ keys, prototype method names, aborted client', async () => {
  const deep = '['.repeat(200000) + ']'.repeat(200000);
  const d = await post(deep);
  assert.ok(d.status === 500 || d.status === 200, String(d.status));
  const proto = json(await post('{"id":1,"method":"echo","params":{"__proto__":1}}'));
  assert.equal(proto.error, { code: -8, message: 'Unknown named parameter __proto__' });
  for (const m of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.equal(json(await post({ id: 1, method: m })).error, { code: -32601, message: 'Method not found' }, m);
  }
  const { request } = await import('node:http');
  await new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'Content-Length': '1000', Authorization: `Basic ${Buffer.from(cookie).toString('base64')}` } });
    req.on('error', () => resolve());
    req.write('{"id":1,');
    setTimeout(() => { req.destroy(); resolve(); }, 50);
  });
  assert.is((await post({ id: 1, method: 'getblockhash', params: [0] })).status, 200);
});

test('rejected requests change nothing', async () => {
  const before = ctx.counter;
  await post({ id: 1, method: 'increment', params: ['5'] });
  await post({ id: 1, method: 'increment', params: [1, 2] });
  await post({ id: 1, method: 'increment', params: { by: 1, bogus: 2 } });
  await post('{"id":1,"method":"increment"');
  assert.is(ctx.counter, before);
});

test('amounts serialise with 8 decimals; /wallet/<name> reaches the handler', async () => {
  const r = await post({ id: 1, method: 'getbalance' }, '/wallet/al%20ice');
  assert.match(r.body, '"balance":50.00000000');
  assert.equal(json(r).result, { balance: 50, wallet: 'al ice', uri: '/wallet/al%20ice', user: '__cookie__' });
  assert.is(json(await post({ id: 1, method: 'getbalance' })).result.wallet, null);
});

test('HTTP level: GET → 405, unknown path → 404, query string ignored', async () => {
  const g = await raw(port, { method: 'GET', auth: cookie });
  assert.is(g.status, 405);
  assert.is(g.body, 'JSONRPC server handles only POST requests');
  const p = await raw(port, { path: '/rest/chaininfo.json', auth: cookie, body: '{}' });
  assert.is(p.status, 404);
  assert.is(p.body, '');
});

test('help lists by category, help <cmd>, unknown command, uptime', async () => {
  const h = json(await post({ id: 1, method: 'help' })).result as string;
  assert.ok(h.startsWith('== Blockchain ==\ngetblockhash height\n\n== Control ==\nhelp ( "command" )\nuptime\n\n== Rawtransactions ==\nsendrawtransaction "hexstring" ( maxfeerate )\n'), h);
  assert.not.match(h, 'boom');
  assert.match(h, '== Util ==\necho ( a b "c" )\nincrement ( by )\nneedsobj {...} ( flag [...] )\n\n== Wallet ==\ngetbalance');
  assert.ok(!h.endsWith('\n'));
  const one = json(await post({ id: 1, method: 'help', params: ['getblockhash'] })).result;
  assert.is(one, 'getblockhash height\n\nReturns hash of block in best-block-chain at height provided.\n\nArguments:\n1. height    (numeric, required) The height index');
  assert.is(json(await post({ id: 1, method: 'help', params: ['foo'] })).result, 'help: unknown command: foo');
  const up = json(await post({ id: 1, method: 'uptime' })).result;
  assert.ok(Number.isInteger(up) && up >= 0);
});

test('warmup: every call -28 until cleared', async () => {
  server.setWarmup('Loading block index…');
  const r = await post({ id: 1, method: 'getblockhash', params: [0] });
  assert.is(r.status, 500);
  assert.equal(json(r).error, { code: -28, message: 'Loading block index…' });
  server.setWarmup(null);
  assert.is((await post({ id: 1, method: 'getblockhash', params: [0] })).status, 200);
});

test.after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
