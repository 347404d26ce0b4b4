// P2P helpers for functional tests, after Core's test_framework (connect_nodes,
// disconnect_nodes, split_network/join_network): nodes in a line, connected through RPC only.
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { regtest } from '../../chain/params.js';
import { decodeFrame, encodeFrame } from '../../p2p/wire/frame.js';
import { PROTOCOL_VERSION, Services, type Message, type MessageOf } from '../../p2p/wire/messages.js';
import { waitUntil, type TestNode } from './framework.js';
import { digitsDatasetBlob, digitsSplit, loadDigits } from '../../tools/data/digits.js';

const addrOf = (n: TestNode) => `127.0.0.1:${n.p2pPort}`;

/**
 * Core's connect_nodes: `a` dials `b` with addnode onetry, then both sides list the other in
 * getpeerinfo and have received a pong (the handshake completed and the ping round-tripped).
 */
export async function connectNodes(a: TestNode, b: TestNode, timeoutMs = 30_000): Promise<void> {
  const uaA = (await a.getnetworkinfo()).subversion as string;
  await a.addnode(addrOf(b), 'onetry');
  await waitUntil(async () => {
    const pa = (await a.getpeerinfo()) as any[];
    const pb = (await b.getpeerinfo()) as any[];
    const out = pa.find((p) => p.addr === addrOf(b) && !p.inbound);
    const inb = pb.find((p) => p.inbound && p.subver === uaA && (p.bytesrecv_per_msg?.pong ?? 0) >= 28);
    return out && (out.bytesrecv_per_msg?.pong ?? 0) >= 28 && inb;
  }, timeoutMs, `connect node${a.index} -> node${b.index}`);
}

/** Core's disconnect_nodes: drops every connection between a and b, both directions. */
export async function disconnectNodes(a: TestNode, b: TestNode, timeoutMs = 30_000): Promise<void> {
  // Outbound entries name the other's listening address; closing them closes the inbound side too.
  const ids = async (x: TestNode, y: TestNode) => ((await x.getpeerinfo()) as any[]).filter((p) => p.addr === addrOf(y)).map((p) => p.id as number);
  for (const id of await ids(a, b)) await a.disconnectnode('', id).catch(() => undefined);
  for (const id of await ids(b, a)) await b.disconnectnode('', id).catch(() => undefined);
  await waitUntil(async () => !((await a.getpeerinfo()) as any[]).some((p) => p.addr === addrOf(b)) && !((await b.getpeerinfo()) as any[]).some((p) => p.addr === addrOf(a)), timeoutMs, `disconnect node${a.index} / node${b.index}`);
}

/** Connects nodes[i] → nodes[i+1] (Core's default line topology). */
export async function connectLine(nodes: TestNode[]): Promise<void> {
  for (let i = 0; i + 1 < nodes.length; i++) await connectNodes(nodes[i], nodes[i + 1]);
}

/** Drops every connection of `n` (both directions) and waits until it has no peers. */
export async function isolate(n: TestNode, timeoutMs = 30_000): Promise<void> {
  await n.setnetworkactive(false);
  await waitUntil(async () => (await n.getconnectioncount()) === 0, timeoutMs, `node${n.index} isolated`);
  await n.setnetworkactive(true);
}

/** Core's split_network for a line of 4: [0,1] and [2,3], by cutting 1—2. */
export async function splitNetwork(nodes: TestNode[], at: number): Promise<void> {
  await disconnectNodes(nodes[at], nodes[at + 1]);
}

export async function joinNetwork(nodes: TestNode[], at: number): Promise<void> {
  await connectNodes(nodes[at], nodes[at + 1]);
}

/**
 * Writes the digits evaluation split repeated `copies` times as a dataset blob, so a model's
 * dataset spans several 1 MiB pieces (the real split is one 24 KiB piece) and P2P tests
 * exercise multi-piece, pipelined fetches. Returns the file's length.
 */
export function writeTiledDigitsDataset(path: string, copies: number): number {
  const ev = digitsSplit(loadDigits(), 'eval');
  const pixels = new Uint8Array(ev.pixels.length * copies);
  const labels = new Int32Array(ev.rows * copies);
  for (let i = 0; i < copies; i++) { pixels.set(ev.pixels, i * ev.pixels.length); labels.set(ev.labels, i * ev.rows); }
  const blob = digitsDatasetBlob({ pixels, labels, rows: ev.rows * copies });
  writeFileSync(path, blob);
  return blob.length;
}

/** A version message a raw test peer sends (ODA-BIP-0004 §5). */
export function versionMessage(services: bigint, userAgent = '/evil:0.0.1/'): MessageOf<'version'> {
  return {
    cmd: 'version', version: PROTOCOL_VERSION, services, timestamp: BigInt(Math.floor(Date.now() / 1000)),
    addrRecv: { time: 0, services: 0n, host: '0.0.0.0', port: 0 }, addrFrom: { time: 0, services, host: '0.0.0.0', port: 0 },
    nonce: randomBytes(8).readBigUInt64LE(), userAgent, startHeight: 0, relay: false, maxCostUnits: 0n,
  };
}

/** Dials `n` as a wire-protocol peer and completes the handshake (answering pings); resolves when ready. */
export async function dialWirePeer(n: TestNode, userAgent: string): Promise<{ ws: WebSocket; send(m: Message | Uint8Array): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${n.p2pPort}/`, { perMessageDeflate: false });
  ws.on('error', () => undefined);
  const send = (m: Message | Uint8Array) => ws.send(m instanceof Uint8Array ? m : encodeFrame(regtest.magic, m), { binary: true });
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('close', () => reject(new Error('closed before open'))); });
  const ready = new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const m = decodeFrame(regtest.magic, data as Buffer);
      if (m.cmd === 'version') send({ cmd: 'verack' });
      else if (m.cmd === 'verack') resolve();
      else if (m.cmd === 'ping') send({ cmd: 'pong', nonce: m.nonce });
    });
    void closed.then(() => reject(new Error('closed during the handshake')));
  });
  send(versionMessage(Services.NODE_WITNESS, userAgent));
  await ready;
  return { ws, send };
}
