// Connection manager: the ws server (-listen, -bind, -port), outbound connections
// (-connect: only these; -addnode: kept connected; otherwise up to 8 from the address
// manager), -maxconnections, bans on accept, self-connection detection by version nonce,
// and address gossip (getaddr on outbound handshakes, addr relay of fresh small batches).
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { Peer } from './peer.js';
import { BanMan } from './banman.js';
import { AddrMan, addrKey, isRoutable } from './addrman.js';
import { MAX_FRAME } from './wire/frame.js';
import { MAX_ADDR, normalizeHost, PROTOCOL_VERSION, type Message, type MessageOf, type NetAddr } from './wire/messages.js';
import type { Logger } from '../util/logger.js';

export interface PoolOptions {
  magic: number;
  defaultPort: number;
  services: bigint;
  maxCostUnits: bigint;
  userAgent: string;
  listen: boolean;
  bind: string;
  port: number;
  connect: string[];
  addnode: string[];
  maxConnections: number;
  maxOutbound?: number;
  /** Directory for peers.json and banlist.json; in-memory when absent. */
  dataDir?: string;
  logger: Logger;
  startHeight: () => number;
  peerOptions?: { handshakeTimeout?: number; pingInterval?: number; maxRecvQueue?: number; maxSendQueue?: number };
  /** Seconds between connection maintenance rounds (reconnecting -addnode peers, filling outbound). */
  maintainInterval?: number;
  /**
   * Keep gossiped addresses that are not publicly routable (loopback, RFC1918…). Off by
   * default, as in Core: otherwise nodes on one machine would find and dial each other on
   * their own, and tests could not keep a chosen topology.
   */
  acceptLocalAddrs?: boolean;
}

export function parseHostPort(s: string, defaultPort: number): { host: string; port: number } {
  const m6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(s);
  if (m6) return { host: m6[1], port: m6[2] ? Number(m6[2]) : defaultPort };
  const m = /^([^:]+)(?::(\d+))?$/.exec(s);
  if (m) return { host: m[1] === 'localhost' ? '127.0.0.1' : m[1], port: m[2] ? Number(m[2]) : defaultPort };
  if (s.includes(':')) return { host: s, port: defaultPort }; // bare IPv6
  throw new Error(`invalid address ${s}`);
}

export class Pool extends EventEmitter {
  readonly peers = new Map<number, Peer>();
  readonly banman: BanMan;
  readonly addrman: AddrMan;
  readonly nonce = randomBytes(8).readBigUInt64LE();
  /** -addnode list plus addnode "add" (Core's vAddedNodes). */
  readonly addedNodes: string[] = [];
  private server?: WebSocketServer;
  private listenPort = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  networkActive = true;
  totalBytesRecv = 0;
  totalBytesSent = 0;

  constructor(readonly opts: PoolOptions) {
    super();
    this.banman = new BanMan(opts.dataDir ? join(opts.dataDir, 'banlist.json') : undefined);
    this.addrman = new AddrMan(opts.dataDir ? join(opts.dataDir, 'peers.json') : undefined);
    for (const a of opts.addnode) this.addedNodes.push(a);
  }

  get port(): number { return this.listenPort; }
  get listening(): boolean { return this.server !== undefined; }
  get maxOutbound(): number { return Math.min(this.opts.maxOutbound ?? 8, this.opts.maxConnections); }

  async start(): Promise<void> {
    if (this.opts.listen) {
      const server = new WebSocketServer({ host: this.opts.bind, port: this.opts.port, maxPayload: MAX_FRAME, perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => { server.once('listening', resolve); server.once('error', reject); });
      this.server = server;
      this.listenPort = (server.address() as AddressInfo).port;
      server.on('connection', (ws, req) => this.onInbound(ws, req.socket.remoteAddress ?? '', req.socket.remotePort ?? 0));
      this.opts.logger.info(`Bound to ${this.opts.bind}:${this.listenPort}`);
    }
    for (const c of this.opts.connect) this.connect(c, 'manual');
    for (const a of this.addedNodes) this.connect(a, 'manual');
    this.timer = setInterval(() => this.maintain(), (this.opts.maintainInterval ?? 5) * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const p of this.peers.values()) p.disconnect('shutdown');
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
    for (const c of this.server?.clients ?? []) c.terminate();
    this.server = undefined;
    try { this.addrman.save(); } catch (e) { this.opts.logger.error(`peers.json: ${(e as Error).message}`); }
  }

  private maintain(): void {
    if (this.stopped || !this.networkActive) return;
    const connected = new Set([...this.peers.values()].map((p) => this.peerKey(p)));
    for (const a of this.addedNodes) {
      const { host, port } = parseHostPort(a, this.opts.defaultPort);
      if (!connected.has(this.keyOf(host, port))) this.connect(a, 'manual');
    }
    if (this.opts.connect.length > 0) {
      for (const c of this.opts.connect) {
        const { host, port } = parseHostPort(c, this.opts.defaultPort);
        if (!connected.has(this.keyOf(host, port))) this.connect(c, 'manual');
      }
      return; // -connect disables automatic outbound connections, as in Core
    }
    const outbound = [...this.peers.values()].filter((p) => !p.inbound).length;
    if (outbound < this.maxOutbound && this.peers.size < this.opts.maxConnections) {
      const exclude = new Set(connected);
      if (this.listenPort) exclude.add(this.keyOf('127.0.0.1', this.listenPort));
      const cand = this.addrman.select(exclude);
      if (cand) this.connect(this.keyOf(cand.host, cand.port), 'outbound-full-relay');
    }
  }

  private keyOf(host: string, port: number): string {
    try { return addrKey(host, port); } catch { return `${host}:${port}`; }
  }
  /** For outbound peers the address we dialled; for inbound the remote socket address. */
  private peerKey(p: Peer): string { return this.keyOf(p.host, p.port); }

  private peerOptions(): ConstructorParameters<typeof Peer>[4] {
    return {
      magic: this.opts.magic,
      logger: this.opts.logger,
      ...this.opts.peerOptions,
      localVersion: (peer) => this.versionMessage(peer),
      checkVersion: (v) => (v.nonce === this.nonce ? 'connected to self' : undefined),
    };
  }

  versionMessage(peer?: Peer): MessageOf<'version'> {
    return {
      cmd: 'version', version: PROTOCOL_VERSION, services: this.opts.services, timestamp: BigInt(Math.floor(Date.now() / 1000)),
      addrRecv: { time: 0, services: 0n, host: peer?.host ?? '0.0.0.0', port: peer?.port ?? 0 },
      addrFrom: { time: 0, services: this.opts.services, host: '0.0.0.0', port: this.listenPort },
      nonce: this.nonce, userAgent: this.opts.userAgent, startHeight: this.opts.startHeight(), relay: true, maxCostUnits: this.opts.maxCostUnits,
    };
  }

  /** Opens an outbound connection; resolves with the peer once the socket is open (not yet handshaken). */
  connect(addr: string, connectionType: string): Peer | undefined {
    if (this.stopped || !this.networkActive) return undefined;
    let host: string, port: number;
    try { ({ host, port } = parseHostPort(addr, this.opts.defaultPort)); } catch (e) { this.opts.logger.info((e as Error).message); return undefined; }
    const key = this.keyOf(host, port);
    if ([...this.peers.values()].some((p) => this.peerKey(p) === key)) return undefined;
    if (this.banman.isBanned(host) || this.banman.isDiscouraged(host, port)) return undefined;
    if (this.peers.size >= this.opts.maxConnections) return undefined;
    const url = host.includes(':') ? `ws://[${host}]:${port}/` : `ws://${host}:${port}/`;
    const ws = new WebSocket(url, { maxPayload: MAX_FRAME, perMessageDeflate: false, handshakeTimeout: 10_000 });
    const peer = new Peer(ws, false, host, port, this.peerOptions());
    (peer as Peer & { connectionType?: string }).connectionType = connectionType;
    this.addrman.attempt(host, port);
    this.register(peer);
    ws.once('open', () => peer.start((m) => this.onMessage(peer, m)));
    return peer;
  }

  private onInbound(ws: WebSocket, remoteHost: string, remotePort: number): void {
    let host = remoteHost;
    try { host = normalizeHost(remoteHost); } catch { /* keep raw */ }
    if (this.stopped || !this.networkActive || this.banman.isBanned(host)) { ws.terminate(); return; }
    const inbound = [...this.peers.values()].filter((p) => p.inbound).length;
    if (this.peers.size >= this.opts.maxConnections || inbound >= this.opts.maxConnections - Math.min(this.maxOutbound, this.opts.maxConnections - 1)) {
      this.opts.logger.debug('net', `connection from ${host}:${remotePort} dropped (full)`);
      ws.terminate();
      return;
    }
    const peer = new Peer(ws, true, host, remotePort, this.peerOptions());
    (peer as Peer & { connectionType?: string }).connectionType = 'inbound';
    this.register(peer);
    peer.start((m) => this.onMessage(peer, m));
  }

  private register(peer: Peer): void {
    this.peers.set(peer.id, peer);
    let lastRecv = 0, lastSent = 0;
    const account = () => {
      this.totalBytesRecv += peer.bytesRecv - lastRecv; lastRecv = peer.bytesRecv;
      this.totalBytesSent += peer.bytesSent - lastSent; lastSent = peer.bytesSent;
    };
    peer.ws.on('message', account);
    const origSend = peer.send.bind(peer);
    peer.send = (m: Message) => { origSend(m); account(); };
    peer.on('ready', () => {
      account();
      this.opts.logger.info(`New ${peer.inbound ? 'inbound' : 'outbound'} peer connected: version: ${peer.version!.version}, blocks=${peer.version!.startHeight}, peer=${peer.id} ${peer.version!.userAgent}`);
      if (!peer.inbound) {
        // Manual (-connect, -addnode, onetry) peers stay out of the table, as in Core, so
        // disconnectnode is not undone by automatic connections.
        this.addrman.good(peer.host, peer.port);
        peer.send({ cmd: 'getaddr' });
      }
      // Self-advertisement: the peer saw us at addrRecv; it may reach us on our listen port.
      if (this.listenPort && peer.version!.addrRecv.host !== '0.0.0.0') {
        peer.send({ cmd: 'addr', addrs: [{ time: Math.floor(Date.now() / 1000), services: this.opts.services, host: peer.version!.addrRecv.host, port: this.listenPort }] });
      }
      this.emit('peer', peer);
    });
    peer.on('misbehaving', (reason: string) => {
      this.banman.punish(peer.host, peer.port);
      this.opts.logger.info(`Punished peer=${peer.id} ${peer.addr}: ${reason}`);
    });
    peer.on('close', (reason: string) => {
      account();
      this.peers.delete(peer.id);
      this.opts.logger.debug('net', `peer=${peer.id} disconnected: ${reason}`);
      this.emit('close', peer, reason);
    });
  }

  private async onMessage(peer: Peer, m: Message): Promise<void> {
    switch (m.cmd) {
      case 'getaddr':
        // Answer once per connection and only to inbound peers (Core: fingerprinting defence).
        if (!peer.inbound || (peer as Peer & { answeredGetaddr?: boolean }).answeredGetaddr) return;
        (peer as Peer & { answeredGetaddr?: boolean }).answeredGetaddr = true;
        peer.send({ cmd: 'addr', addrs: this.addrman.sample(MAX_ADDR) });
        return;
      case 'addr': return this.onAddr(peer, m.addrs);
    }
    await this.messageHandler(peer, m);
  }

  /**
   * The handler for every message the pool does not consume itself. It is awaited: a peer's
   * next message is not handled before the previous one finished (per-peer ordering, and the
   * receive-queue limit in peer.ts then throttles a peer that sends faster than we process).
   */
  messageHandler: (peer: Peer, m: Message) => Promise<void> | void = () => {};

  private onAddr(peer: Peer, addrs: NetAddr[]): void {
    const now = Math.floor(Date.now() / 1000);
    const fresh: NetAddr[] = [];
    for (const a of addrs) {
      if (a.port === 0 || (!this.opts.acceptLocalAddrs && !isRoutable(a.host))) continue;
      if (this.addrman.add(a, peer.addr) && addrs.length <= 10 && a.time > now - 600) fresh.push(a);
    }
    if (fresh.length === 0) return;
    // Relay fresh small announcements to two random other peers (Core's RelayAddress).
    const others = [...this.peers.values()].filter((p) => p !== peer && p.ready);
    for (let i = 0; i < 2 && others.length > 0; i++) {
      const [p] = others.splice(Math.floor(Math.random() * others.length), 1);
      p.send({ cmd: 'addr', addrs: fresh });
    }
  }

  readyPeers(): Peer[] { return [...this.peers.values()].filter((p) => p.ready && !p.closed); }

  /** addnode "add"/"remove"; returns false when already present / absent. */
  addNode(addr: string): boolean {
    if (this.addedNodes.includes(addr)) return false;
    this.addedNodes.push(addr);
    this.connect(addr, 'manual');
    return true;
  }
  removeNode(addr: string): boolean {
    const i = this.addedNodes.indexOf(addr);
    if (i < 0) return false;
    this.addedNodes.splice(i, 1);
    return true;
  }

  /** setban add: disconnects every peer in the subnet (Core does the same). */
  ban(subnet: string, bantime?: number, absolute?: boolean): boolean {
    const ok = this.banman.ban(subnet, bantime, absolute);
    for (const p of this.peers.values()) if (this.banman.isBanned(p.host)) p.disconnect('banned');
    return ok;
  }

  setNetworkActive(active: boolean): void {
    this.networkActive = active;
    if (!active) for (const p of this.peers.values()) p.disconnect('network disabled');
  }
}
