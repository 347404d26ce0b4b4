// JSON-RPC over HTTP exactly as Bitcoin Core's httprpc.cpp / httpserver.cpp: POST only,
// HTTP Basic auth (cookie or -rpcuser/-rpcpassword), 1.0/1.1 and 2.0 envelopes with Core's
// status codes, batches, notifications, a work queue and a body size limit. A handler can
// never crash the server: every throw becomes an error reply.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isVerifyError } from '../chain/errors.js';
import { RPC, RpcError } from './errors.js';
import { checkArgs, isNotification, parseRequest, type PartialRequest } from './dispatch.js';
import { helpMethod, uptimeMethod } from './help.js';
import { writeJson } from './json.js';
import type { RpcMethod, RpcRequestInfo } from './types.js';

/** Core's MAX_SIZE, the libevent body limit of the RPC server (32 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 0x02000000;
/** Core's DEFAULT_HTTP_WORKQUEUE. */
export const DEFAULT_WORK_QUEUE = 64;
export const COOKIE_USER = '__cookie__';
const WWW_AUTH = 'Basic realm="jsonrpc"';

export interface RpcLogger {
  info?(msg: string): void;
  warn?(msg: string): void;
  debug?(category: string, msg: string): void;
}

export type RpcAuth = { user: string; password: string } | { cookieFile: string };

export interface RpcServerOptions<C> {
  methods: RpcMethod<C>[];
  context: C;
  host: string;
  port: number;
  auth: RpcAuth;
  logger?: RpcLogger;
  maxBodyBytes?: number;
  /** Requests executing or waiting at once; beyond it: 503 "Work queue depth exceeded". */
  workQueue?: number;
  /** Unix seconds for `uptime` (default: construction time). */
  startTime?: number;
}

interface Reply { status: number; body?: string }

/** Reply object as Core's JSONRPCReplyObj: 1.x always has result and error, 2.0 only one. */
function replyObj(result: unknown, error: { code: number; message: string } | null, r: PartialRequest): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (r.version === '2.0') o.jsonrpc = '2.0';
  if (error === null) {
    o.result = result === undefined ? null : result;
    if (r.version === '1.1') o.error = null;
  } else {
    if (r.version === '1.1') o.result = null;
    o.error = error;
  }
  if (r.hasId) o.id = r.id;
  return o;
}

/** Any throw → Core's error object: RpcError as is, VerifyError → -26 reason, else -1 message. */
export function toRpcError(e: unknown): { code: number; message: string } {
  if (e instanceof RpcError) return { code: e.code, message: e.message };
  if (isVerifyError(e)) return { code: RPC.VERIFY_REJECTED, message: e.details ? `${e.reason}, ${e.details}` : e.reason };
  if (e instanceof Error) return { code: RPC.MISC_ERROR, message: e.message };
  return { code: RPC.MISC_ERROR, message: String(e) };
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export class RpcServer<C> {
  private readonly opts: RpcServerOptions<C>;
  private readonly methods = new Map<string, RpcMethod<C>>();
  private http?: Server;
  private readonly sockets = new Set<Socket>();
  private userColonPass = '';
  private cookieWritten = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private warmup: string | null = null;

  constructor(opts: RpcServerOptions<C>) {
    this.opts = opts;
    const startTime = opts.startTime ?? Math.floor(Date.now() / 1000);
    for (const m of [helpMethod<C>(() => [...this.methods.values()]), uptimeMethod<C>(startTime), ...opts.methods]) {
      this.methods.set(m.name, m); // a table's own help/uptime replaces the generic one
    }
  }

  /** The bound port (the real one when started on port 0). */
  get port(): number {
    const a = this.http?.address() as AddressInfo | null | undefined;
    return a ? a.port : this.opts.port;
  }

  /** While set, every call fails with -28 and this message (Core's SetRPCWarmupStatus). */
  setWarmup(status: string | null): void {
    this.warmup = status;
  }

  registerMethods(methods: RpcMethod<C>[]): void {
    for (const m of methods) this.methods.set(m.name, m);
  }

  async start(): Promise<void> {
    const { auth } = this.opts;
    if ('cookieFile' in auth) {
      const cookie = `${COOKIE_USER}:${randomBytes(32).toString('hex')}`;
      // Written to a temp file and renamed, as Core, so a client never reads half a cookie.
      mkdirSync(dirname(auth.cookieFile), { recursive: true });
      const tmp = `${auth.cookieFile}.tmp`;
      writeFileSync(tmp, cookie, { mode: 0o600 });
      renameSync(tmp, auth.cookieFile);
      this.cookieWritten = true;
      this.userColonPass = cookie;
    } else {
      this.userColonPass = `${auth.user}:${auth.password}`;
    }
    const http = createServer((req, res) => { this.onRequest(req, res); });
    http.on('connection', (s: Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    http.on('clientError', (_e, socket: Socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'); });
    this.http = http;
    try {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(this.opts.port, this.opts.host, () => { http.off('error', reject); resolve(); });
      });
    } catch (e) {
      this.removeCookie();
      this.http = undefined;
      throw e;
    }
  }

  /** Stops listening, lets running requests finish (up to 5 s), closes sockets, deletes the cookie. */
  async stop(): Promise<void> {
    const http = this.http;
    if (!http) return;
    this.http = undefined;
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        this.idle.push(() => { clearTimeout(t); resolve(); });
      });
    }
    for (const s of this.sockets) s.destroy();
    await closed;
    this.removeCookie();
  }

  private removeCookie(): void {
    const { auth } = this.opts;
    if (this.cookieWritten && 'cookieFile' in auth) {
      rmSync(auth.cookieFile, { force: true });
      this.cookieWritten = false;
    }
  }

  private log(category: string, msg: string): void {
    this.opts.logger?.debug?.(category, msg);
  }

  /** Core's RPCAuthorized: "Basic base64(user:pass)", compared in constant time. */
  private authorized(header: string): string | undefined {
    if (!header.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    if (!timingSafeEqual(sha256(decoded), sha256(this.userColonPass))) return undefined;
    return decoded.slice(0, decoded.indexOf(':'));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const send = (r: Reply, headers: Record<string, string> = {}) => {
      if (res.headersSent) return;
      if (r.body !== undefined && r.status !== 204) headers['Content-Type'] ??= 'application/json';
      res.writeHead(r.status, headers);
      res.end(r.status === 204 ? undefined : r.body);
    };
    const path = (req.url ?? '/').split('?')[0];
    let walletName: string | undefined;
    if (path.startsWith('/wallet/')) {
      try { walletName = decodeURIComponent(path.slice('/wallet/'.length)); } catch { send({ status: 404 }); return; }
    } else if (path !== '/') {
      send({ status: 404 });
      return;
    }
    if (req.method !== 'POST') {
      send({ status: 405, body: 'JSONRPC server handles only POST requests' }, { 'Content-Type': 'text/html' });
      return;
    }
    const maxBody = this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) {
      this.rejectOversize(res);
      return;
    }
    if (this.inFlight >= (this.opts.workQueue ?? DEFAULT_WORK_QUEUE)) {
      this.opts.logger?.warn?.('Request rejected because http work queue depth exceeded, it can be increased with the -rpcworkqueue= setting');
      send({ status: 503, body: 'Work queue depth exceeded' }, { 'Content-Type': 'text/html' });
      return;
    }
    this.inFlight++;
    res.on('close', () => {
      this.inFlight--;
      if (this.inFlight === 0) for (const f of this.idle.splice(0)) f();
    });

    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > maxBody) {
        aborted = true;
        this.rejectOversize(res);
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => { aborted = true; });
    req.on('end', () => {
      if (aborted) return;
      const header = req.headers.authorization;
      if (header === undefined) {
        send({ status: 401 }, { 'WWW-Authenticate': WWW_AUTH });
        return;
      }
      const user = this.authorized(header);
      if (user === undefined) {
        this.opts.logger?.warn?.(`ThreadRPCServer incorrect password attempt from ${req.socket.remoteAddress}:${req.socket.remotePort}`);
        // Core sleeps 250 ms to deter brute force; here without blocking other requests.
        setTimeout(() => send({ status: 401 }, { 'WWW-Authenticate': WWW_AUTH }), 250);
        return;
      }
      const info: RpcRequestInfo = { uri: path, walletName, authUser: user };
      this.handleBody(Buffer.concat(chunks).toString('utf8'), info)
        .then((r) => send(r), (e) => send({ status: 500, body: writeJson(replyObj(null, toRpcError(e), { version: '1.1', hasId: false, id: null })) + '\n' }));
    });
  }

  private rejectOversize(res: ServerResponse): void {
    if (!res.headersSent) {
      res.writeHead(413, { 'Content-Type': 'text/html', Connection: 'close' });
      res.end('Request Entity Too Large');
    }
    res.once('finish', () => res.socket?.destroy());
  }

  /** Core's HTTPReq_JSONRPC after authentication. */
  async handleBody(body: string, info: RpcRequestInfo): Promise<Reply> {
    const partial: PartialRequest = { version: '1.1', hasId: false, id: null };
    const errorReply = (e: unknown): Reply => {
      const err = toRpcError(e);
      const status = err.code === RPC.INVALID_REQUEST ? 400 : err.code === RPC.METHOD_NOT_FOUND ? 404 : 500;
      return { status, body: writeJson(replyObj(null, err, partial)) + '\n' };
    };
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return errorReply(new RpcError(RPC.PARSE_ERROR, 'Parse error'));
    }
    try {
      if (Array.isArray(value)) {
        // Batches never produce HTTP errors; notifications get no entry.
        const replies: unknown[] = [];
        for (const item of value) {
          const p: PartialRequest = { version: '1.1', hasId: false, id: null };
          let reply: unknown;
          try {
            const r = parseRequest(item, p);
            reply = await this.execOne(r, info, true);
          } catch (e) {
            reply = replyObj(null, toRpcError(e), p);
          }
          if (!isNotification(p)) replies.push(reply);
        }
        if (replies.length === 0 && value.length > 0) return { status: 204 };
        return { status: 200, body: writeJson(replies) + '\n' };
      }
      if (typeof value === 'object' && value !== null) {
        const r = parseRequest(value, partial);
        // 1.x: errors become HTTP errors; 2.0: HTTP 200 with an error member.
        const reply = await this.execOne(r, info, r.version === '2.0');
        if (isNotification(partial)) return { status: 204 };
        return { status: 200, body: writeJson(reply) + '\n' };
      }
      throw new RpcError(RPC.PARSE_ERROR, 'Top-level object parse error');
    } catch (e) {
      return errorReply(e);
    }
  }

  private async execOne(r: ReturnType<typeof parseRequest>, info: RpcRequestInfo, catchErrors: boolean): Promise<unknown> {
    try {
      const result = await this.execute(r.method, r.params, info);
      // Serialise here so a result that cannot be written is this call's error, not the server's.
      writeJson(result);
      return replyObj(result, null, r);
    } catch (e) {
      if (!catchErrors) throw e;
      return replyObj(null, toRpcError(e), r);
    }
  }

  /** CRPCTable::execute: warmup check, method lookup, argument checks, the handler. */
  async execute(method: string, params: unknown[] | Record<string, unknown>, info: RpcRequestInfo): Promise<unknown> {
    if (this.warmup !== null) throw new RpcError(RPC.IN_WARMUP, this.warmup);
    const m = this.methods.get(method);
    if (!m) throw new RpcError(RPC.METHOD_NOT_FOUND, 'Method not found');
    this.log('rpc', `ThreadRPCServer method=${method} user=${info.authUser}`);
    const args = checkArgs(m, params);
    const ctx = info.walletName === undefined
      ? this.opts.context
      : Object.create(this.opts.context as object, { walletName: { value: info.walletName, enumerable: true } }) as C;
    return await m.handler(args, ctx, info);
  }
}
