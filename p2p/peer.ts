// One P2P connection over a WebSocket, either side: the version/verack handshake with a
// timeout, ping/pong latency, per-command byte counters (Core's bytes{sent,recv}_per_msg),
// misbehaviour scoring, and flow control in both directions:
//  - receive: messages are handled one at a time per peer; when a peer's unprocessed
//    bytes exceed `maxRecvQueue` its socket is paused (Core's fPauseRecv), so a flooding
//    peer only slows itself down;
//  - send: bytes handed to ws but not yet written are tracked; serving code asks
//    `sendBlocked` before answering more data requests (Core's fPauseSend) and waits for
//    'drain'. A peer whose send backlog passes `maxSendQueue` is disconnected.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import { decodeFrame, encodeFrame, FrameError, HEADER_SIZE } from './wire/frame.js';
import { MIN_PEER_PROTO_VERSION, type Message, type MessageOf } from './wire/messages.js';
import type { Logger } from '../util/logger.js';

export interface PeerOptions {
  magic: number;
  /** Our version message for this peer (built when it is sent, so start height is current). */
  localVersion: (peer: Peer) => MessageOf<'version'>;
  /** Called with the peer's version; a returned string refuses the connection with that reason. */
  checkVersion?: (v: MessageOf<'version'>) => string | undefined;
  logger: Logger;
  handshakeTimeout?: number;
  pingInterval?: number;
  /** Disconnect when a ping goes unanswered this long (Core: 20 minutes). */
  pingTimeout?: number;
  maxRecvQueue?: number;
  maxSendQueue?: number;
}

export const BAN_THRESHOLD = 100;

/** Scores for faults seen at the framing layer (documented in BIP oda-0004 §Misbehaviour). */
const FRAME_SCORE: Record<string, number> = { header: 100, 'unknown-command': 10, oversize: 100, length: 100, payload: 100 };

let nextPeerId = 0;

export class Peer extends EventEmitter {
  readonly id = nextPeerId++;
  readonly connTime = Math.floor(Date.now() / 1000);
  version?: MessageOf<'version'>;
  /** Both verack and version seen: the peer may send anything. */
  ready = false;
  closed = false;
  disconnectReason = '';
  sentVersion = false;
  private gotVerack = false;
  banScore = 0;
  /** The peer asked for headers announcements (BIP130 sendheaders). */
  preferHeaders = false;
  feeFilter = 0n;
  bytesSent = 0;
  bytesRecv = 0;
  readonly bytesSentPerMsg: Record<string, number> = {};
  readonly bytesRecvPerMsg: Record<string, number> = {};
  lastSend = 0;
  lastRecv = 0;
  pingNonce = 0n;
  pingStart = 0;
  /** Seconds, as Core prints pingtime/minping. */
  pingTime?: number;
  minPing?: number;
  /** Best header height we know the peer has (synced_headers) and blocks it sent or announced. */
  syncedHeaders = -1;
  syncedBlocks = -1;
  private readonly recvQueue: Message[] = [];
  private recvQueueBytes = 0;
  private processing = false;
  private sendQueueBytes = 0;
  private paused = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private handler: (m: Message) => Promise<void> | void = () => {};
  private readonly opts: Required<Omit<PeerOptions, 'checkVersion'>> & Pick<PeerOptions, 'checkVersion'>;

  constructor(readonly ws: WebSocket, readonly inbound: boolean, readonly host: string, readonly port: number, opts: PeerOptions) {
    super();
    this.opts = { handshakeTimeout: 10_000, pingInterval: 120_000, pingTimeout: 1_200_000, maxRecvQueue: 8 << 20, maxSendQueue: 64 << 20, ...opts };
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('close', () => this.finish('connection closed by peer'));
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.misbehave(BAN_THRESHOLD, 'oversized-frame');
      this.disconnect(`socket error: ${err.message}`);
    });
    this.timer(() => { if (!this.ready) this.disconnect('version handshake timeout'); }, this.opts.handshakeTimeout);
  }

  get addr(): string { return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`; }
  get services(): bigint { return this.version?.services ?? 0n; }
  /** More bytes are waiting to be written than one more large answer should add to. */
  get sendBlocked(): boolean { return this.sendQueueBytes > this.opts.maxSendQueue / 4; }
  get sendQueueSize(): number { return this.sendQueueBytes; }

  /** Installs the message handler and, for outbound peers, sends our version. */
  start(handler: (m: Message) => Promise<void> | void): void {
    this.handler = handler;
    if (!this.inbound) this.sendVersion();
  }

  private timer(fn: () => void, ms: number, repeat = false): void {
    const t = repeat ? setInterval(fn, ms) : setTimeout(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private sendVersion(): void {
    this.sentVersion = true;
    this.send(this.opts.localVersion(this));
  }

  send(m: Message): void {
    if (this.closed) return;
    const frame = encodeFrame(this.opts.magic, m);
    if (this.sendQueueBytes + frame.length > this.opts.maxSendQueue) {
      this.disconnect(`send queue over ${this.opts.maxSendQueue} bytes`);
      return;
    }
    this.sendQueueBytes += frame.length;
    this.bytesSent += frame.length;
    this.bytesSentPerMsg[m.cmd] = (this.bytesSentPerMsg[m.cmd] ?? 0) + frame.length;
    this.lastSend = Math.floor(Date.now() / 1000);
    this.ws.send(frame, { binary: true }, () => {
      this.sendQueueBytes -= frame.length;
      if (!this.sendBlocked) this.emit('drain');
    });
  }

  /** Adds to the misbehaviour score; at 100 the owner bans and disconnects (event 'misbehaving'). */
  misbehave(score: number, reason: string): void {
    if (this.closed || score <= 0) return;
    const before = this.banScore;
    this.banScore += score;
    this.opts.logger.info(`Misbehaving: peer=${this.id} (${before} -> ${this.banScore}) reason: ${reason}`);
    if (before < BAN_THRESHOLD && this.banScore >= BAN_THRESHOLD) {
      this.emit('misbehaving', reason);
      this.disconnect(`misbehaving: ${reason}`);
    }
  }

  disconnect(reason: string): void {
    if (this.closed) return;
    this.opts.logger.debug('net', `disconnecting peer=${this.id} ${this.addr}: ${reason}`);
    try { this.ws.close(); } catch { /* already closing */ }
    // A peer that ignores the close handshake is cut off anyway.
    setTimeout(() => this.ws.terminate(), 2000).unref();
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.disconnectReason = reason;
    for (const t of this.timers) clearTimeout(t);
    this.recvQueue.length = 0;
    this.emit('close', reason);
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    this.bytesRecv += data.length;
    this.lastRecv = Math.floor(Date.now() / 1000);
    if (!isBinary) { this.misbehave(BAN_THRESHOLD, 'text-frame'); return; }
    let m: Message;
    try {
      m = decodeFrame(this.opts.magic, data);
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      const cmd = e.command ?? '*other*';
      this.bytesRecvPerMsg[cmd] = (this.bytesRecvPerMsg[cmd] ?? 0) + data.length;
      if (e.fault === 'magic') { this.disconnect(e.message); return; }
      this.misbehave(FRAME_SCORE[e.fault], e.message);
      return;
    }
    this.bytesRecvPerMsg[m.cmd] = (this.bytesRecvPerMsg[m.cmd] ?? 0) + data.length;
    this.recvQueue.push(m);
    this.recvQueueBytes += data.length;
    (m as { size?: number }).size = data.length - HEADER_SIZE;
    if (this.recvQueueBytes > this.opts.maxRecvQueue && !this.paused) { this.paused = true; this.ws.pause(); }
    void this.drainRecv();
  }

  private async drainRecv(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    while (this.recvQueue.length > 0 && !this.closed) {
      const m = this.recvQueue.shift()!;
      this.recvQueueBytes -= ((m as { size?: number }).size ?? 0) + HEADER_SIZE;
      try {
        await this.dispatch(m);
      } catch (e) {
        this.opts.logger.error(`peer=${this.id} ${m.cmd} handler failed: ${(e as Error).stack ?? e}`);
      }
      if (this.paused && this.recvQueueBytes <= this.opts.maxRecvQueue / 2 && !this.closed) { this.paused = false; this.ws.resume(); }
    }
    this.processing = false;
  }

  private async dispatch(m: Message): Promise<void> {
    if (m.cmd === 'version') {
      if (this.version) { this.misbehave(1, 'redundant version message'); return; }
      if (m.version < MIN_PEER_PROTO_VERSION) { this.disconnect(`peer using obsolete version ${m.version}`); return; }
      const refusal = this.opts.checkVersion?.(m);
      if (refusal) { this.disconnect(refusal); return; }
      this.version = m;
      this.syncedHeaders = -1;
      if (!this.sentVersion) this.sendVersion();
      this.send({ cmd: 'verack' });
      this.checkReady();
      return;
    }
    if (!this.version) { this.misbehave(BAN_THRESHOLD, `${m.cmd} before version`); return; }
    if (m.cmd === 'verack') {
      if (this.gotVerack) { this.misbehave(1, 'redundant verack'); return; }
      this.gotVerack = true;
      this.checkReady();
      return;
    }
    if (!this.ready) { this.misbehave(BAN_THRESHOLD, `${m.cmd} before verack`); return; }
    switch (m.cmd) {
      case 'ping': this.send({ cmd: 'pong', nonce: m.nonce }); return;
      case 'pong':
        if (this.pingNonce !== 0n && m.nonce === this.pingNonce) {
          this.pingTime = (performance.now() - this.pingStart) / 1000;
          this.minPing = Math.min(this.minPing ?? Infinity, this.pingTime);
          this.pingNonce = 0n;
          this.emit('pong', this.pingTime);
        }
        return;
      case 'sendheaders': this.preferHeaders = true; return;
      case 'feefilter': this.feeFilter = m.feeRate; return;
    }
    await this.handler(m);
  }

  private checkReady(): void {
    if (this.ready || !this.version || !this.gotVerack) return;
    this.ready = true;
    this.syncedHeaders = -1;
    this.ping();
    this.timer(() => this.ping(), this.opts.pingInterval, true);
    this.emit('ready');
  }

  /** Sends a ping now unless one is outstanding; an unanswered ping past the timeout disconnects. */
  ping(): void {
    if (!this.ready || this.closed) return;
    if (this.pingNonce !== 0n) {
      if (performance.now() - this.pingStart > this.opts.pingTimeout) this.disconnect('ping timeout');
      return;
    }
    this.pingNonce = randomBytes(8).readBigUInt64LE() || 1n;
    this.pingStart = performance.now();
    this.send({ cmd: 'ping', nonce: this.pingNonce });
  }
}
