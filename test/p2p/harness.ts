// In-process ODA nodes for P2P tests: a real Chain, Mempool and P2PNode per node, each in
// its own temp dir, listening on a loopback port chosen by the OS. Wiring as node/node.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Chain } from '../../chain/chain.js';
import { regtest } from '../../chain/params.js';
import { Mempool } from '../../mempool/mempool.js';
import { generateBlocks } from '../../miner/generate.js';
import { nullLogger, type Logger } from '../../util/logger.js';
import { P2PNode, type P2PNodeOptions } from '../../p2p/node.js';
import { BlobStore } from '../../model-store/store.js';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '../../p2p/wire/frame.js';
import { PROTOCOL_VERSION, type Message } from '../../p2p/wire/messages.js';

/** Anyone-can-spend P2WSH outputs, one witness script per node (<n> OP_DROP OP_TRUE) so two
 *  nodes mining on the same parent in the same second do not produce identical blocks. */
export function anyoneScript(n: number): { witnessScript: Uint8Array; scriptPubKey: Uint8Array } {
  const witnessScript = Uint8Array.of(0x01, 0x20 + (n % 0x60), 0x75, 0x51); // 1-byte push ≥ 0x20: minimal
  return { witnessScript, scriptPubKey: Uint8Array.from([0x00, 0x20, ...createHash('sha256').update(witnessScript).digest()]) };
}
let nodeCount = 0;

export interface TestNode {
  dir: string; chain: Chain; mempool: Mempool; p2p: P2PNode; store?: BlobStore; witnessScript: Uint8Array; scriptPubKey: Uint8Array;
  mine(n: number): Promise<string[]>; close(): Promise<void>;
}

export async function startNode(extra: Partial<P2PNodeOptions> & { withStore?: boolean } = {}, dir?: string, logger: Logger = nullLogger): Promise<TestNode> {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'oda-p2p-'));
  const store = extra.withStore ? await BlobStore.open(join(d, 'models')) : undefined;
  const chain = await Chain.open({ params: regtest, dir: d, fsync: false });
  const mempool = new Mempool({ chain, params: regtest });
  chain.on('connect', (_e: unknown, block: any) => mempool.handleConnect(block));
  chain.on('disconnect', (_e: unknown, block: any) => { void mempool.handleDisconnect(block); });
  const p2p = new P2PNode({ params: regtest, chain, mempool, logger, dataDir: d, listen: true, bind: '127.0.0.1', port: 0, maxConnections: 20, maintainInterval: 3600, store, ...extra });
  await p2p.start();
  let closed = false;
  const { witnessScript, scriptPubKey } = anyoneScript(++nodeCount);
  return {
    dir: d, chain, mempool, p2p, store, witnessScript, scriptPubKey,
    mine: (n) => generateBlocks({ chain, mempool, outputScript: scriptPubKey, nblocks: n }),
    async close() {
      if (closed) return;
      closed = true;
      await p2p.stop();
      await chain.close();
      await store?.close();
    },
  };
}

export async function cleanup(nodes: TestNode[]): Promise<void> {
  for (const n of nodes) await n.close();
  for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
}

export async function until(cond: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Connects a → b and waits until both see a handshaken peer. */
export async function connect(a: TestNode, b: TestNode): Promise<void> {
  const before = b.p2p.pool.readyPeers().length;
  a.p2p.pool.connect(`127.0.0.1:${b.p2p.port}`, 'manual');
  await until(() => a.p2p.pool.readyPeers().some((p) => p.port === b.p2p.port) && b.p2p.pool.readyPeers().length > before, 10_000, 'handshake');
}

export async function syncBlocks(nodes: TestNode[], ms = 30_000): Promise<void> {
  await until(() => nodes.every((n) => n.chain.tip.hash === nodes[0].chain.tip.hash), ms, `tips ${nodes.map((n) => n.chain.height).join('/')}`);
}

export async function syncMempools(nodes: TestNode[], ms = 20_000): Promise<void> {
  const ids = (n: TestNode) => n.mempool.entries().map((e) => e.txid).sort().join(',');
  await until(() => nodes.every((n) => ids(n) === ids(nodes[0])), ms, 'mempools');
}

/**
 * A scripted raw peer: connects to `port`, completes the handshake as `userAgent` with
 * `services`, answers pings, and hands every other decoded message to `onMessage` with a
 * `send` for replies. For peers that misbehave on purpose (withholding, corrupt data).
 */
export async function scriptedPeer(
  port: number,
  opts: { services: bigint; userAgent: string; nonce: bigint; startHeight?: number },
  onMessage: (m: Message, send: (m: Message) => void) => void,
): Promise<{ ws: WebSocket; closed: () => boolean }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  let closed = false;
  const send = (m: Message) => { if (ws.readyState === ws.OPEN) ws.send(encodeFrame(regtest.magic, m)); };
  ws.on('close', () => { closed = true; });
  ws.on('error', () => {});
  ws.on('message', (d: Buffer) => {
    let m: Message;
    try { m = decodeFrame(regtest.magic, d); } catch { return; }
    if (m.cmd === 'ping') send({ cmd: 'pong', nonce: m.nonce });
    else onMessage(m, send);
  });
  await new Promise((r) => ws.once('open', r));
  send({ cmd: 'version', version: PROTOCOL_VERSION, services: opts.services, timestamp: 0n, addrRecv: { time: 0, services: 0n, host: '127.0.0.1', port: 0 },
    addrFrom: { time: 0, services: 0n, host: '0.0.0.0', port: 0 }, nonce: opts.nonce, userAgent: opts.userAgent, startHeight: opts.startHeight ?? 0, relay: true, maxCostUnits: 0n });
  send({ cmd: 'verack' });
  return { ws, closed: () => closed };
}
