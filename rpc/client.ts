// A minimal programmatic JSON-RPC client for odad (tests, demos, tools). oda-cli has its own
// caller because it mirrors bitcoin-cli's output and messages; this one returns values.
import { request } from 'node:http';
import { RpcError } from './errors.js';

export interface RpcTarget {
  host?: string;
  port: number;
  /** "user:password", e.g. the .cookie file's contents. */
  auth: string;
  /** "/" or "/wallet/<name>". */
  path?: string;
  /** Give up after this many ms without a reply (Core's test framework: rpc_timeout); none by default. */
  timeoutMs?: number;
}

let nextId = 0;

/**
 * One JSON-RPC 1.1 call. Resolves with `result`; an RPC error rejects with RpcError(code,
 * message); transport failures reject with the socket error (code ECONNREFUSED etc.).
 */
export function rpcCall<T = any>(t: RpcTarget, method: string, params: unknown[] | Record<string, unknown> = []): Promise<T> {
  const body = JSON.stringify({ version: '1.1', method, params, id: ++nextId });
  return new Promise((resolve, reject) => {
    const req = request({
      host: t.host ?? '127.0.0.1', port: t.port, path: t.path ?? '/', method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(t.auth).toString('base64')}` },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => {
        if (res.statusCode === 401) { reject(new Error('HTTP 401')); return; }
        let reply: { result?: T; error?: { code: number; message: string } | null };
        try { reply = JSON.parse(data); } catch { reject(new Error(`HTTP ${res.statusCode}: unparseable reply ${JSON.stringify(data.slice(0, 200))}`)); return; }
        if (reply.error) reject(new RpcError(reply.error.code, reply.error.message));
        else resolve(reply.result as T);
      });
    });
    req.on('error', reject);
    if (t.timeoutMs) req.setTimeout(t.timeoutMs, () => req.destroy(new Error(`${method}: no reply within ${t.timeoutMs} ms`)));
    req.end(body);
  });
}
