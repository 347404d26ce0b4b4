// `odad -explorer`: a read-only HTTP server on its own port (loopback by default) serving the
// explorer's static web app and its JSON API (explorer/api.ts). GET and HEAD only; it holds no
// RPC credentials and calls the RPC handlers in-process, so none can ever reach a page.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import type { NodeContext } from '../rpc/context.js';
import type { RpcMethod } from '../rpc/types.js';
import type { Logger } from '../util/logger.js';
import { writeJson } from '../rpc/json.js';
import { ExplorerApi, NotFound } from './api.js';

/** Longest request target served; anything longer is answered 414 before any lookup. */
export const MAX_URL = 2048;

const STATIC_DIR = new URL('./static/', import.meta.url);
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml', png: 'image/png',
};
/** Page routes of the single-page app: each serves index.html, whose script renders the page. */
const PAGES = new Set(['', 'block', 'tx', 'model', 'address', 'search']);

const SECURITY_HEADERS = {
  // Scripts, styles and data only from this origin: the app works offline and cannot be framed.
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export interface ExplorerOptions {
  context: NodeContext;
  host: string;
  port: number;
  logger: Logger;
  /** Method tables to call (default: the node's, rpc/methods/index.ts). */
  methods?: RpcMethod<NodeContext>[];
}

export interface Explorer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Static files, read once: the set served is fixed, so no request path ever reaches the disk. */
function loadStatic(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(STATIC_DIR)) {
    if (/^[a-z0-9-]+\.[a-z]+$/.test(name) && TYPES[name.split('.').pop()!]) files.set(name, readFileSync(new URL(name, STATIC_DIR)));
  }
  return files;
}

export async function startExplorer(opts: ExplorerOptions): Promise<Explorer> {
  const api = new ExplorerApi(opts.context, opts.methods);
  const files = loadStatic();
  const index = files.get('index.html');
  if (!index) throw new Error('explorer/static/index.html is missing');
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, status: number, type: string, body: Buffer | string, head: boolean, extra: Record<string, string> = {}) => {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(buf.length), ...extra });
    res.end(head ? undefined : buf);
  };
  const json = (res: ServerResponse, status: number, value: unknown, head: boolean) => send(res, status, 'application/json', writeJson(value), head);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed: the explorer is read-only (GET only)\n', false, { Allow: 'GET, HEAD' });
      return;
    }
    const target = req.url ?? '/';
    if (target.length > MAX_URL) {
      send(res, 414, 'text/plain; charset=utf-8', `Request too long (at most ${MAX_URL} characters)\n`, head);
      return;
    }
    let url: URL;
    let parts: string[];
    try {
      url = new URL(target, 'http://explorer.invalid');
      parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    } catch {
      send(res, 400, 'text/plain; charset=utf-8', 'Malformed request path\n', head);
      return;
    }
    if (parts[0] === 'api') {
      try {
        json(res, 200, await api.route(parts.slice(1), url.searchParams), head);
      } catch (e) {
        if (e instanceof NotFound) json(res, 404, { error: e.message }, head);
        else {
          // The page gets a plain message; the details (never shown to the browser) go to the log.
          opts.logger.warn(`explorer: ${url.pathname}: ${(e as Error)?.stack ?? e}`);
          json(res, 500, { error: 'The node could not answer this request (see debug.log)' }, head);
        }
      }
      return;
    }
    if (parts[0] === 'static' && parts.length === 2 && files.has(parts[1])) {
      send(res, 200, TYPES[parts[1].split('.').pop()!], files.get(parts[1])!, head);
      return;
    }
    if (parts[0] === 'favicon.ico') {
      send(res, 200, TYPES.svg, files.get('favicon.svg') ?? '', head);
      return;
    }
    // Unknown paths get the app too, with 404: its script shows the not-found page.
    send(res, PAGES.has(parts[0]) && parts.length <= 2 ? 200 : 404, TYPES.html, index, head);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      opts.logger.warn(`explorer: ${(e as Error)?.message ?? e}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error\n', false);
      else res.destroy();
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}/`;
  opts.logger.info(`Explorer listening on ${url}`);
  return {
    port,
    url,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}
