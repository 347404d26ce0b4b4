// Model-data transfer between two nodes on loopback: a blob fetched piece by piece through the
// P2P blob exchange (manifest, pipelined getpiece, SHA-256 verification of every 16 KiB block,
// write to the receiving store), in MiB/s, as a ratio to raw ws throughput of the same bytes
// (1 MiB binary messages, 8 in flight, no verification, no disk) measured in the same run.
// Target: ratio ≥ 0.5. Both ends run in this one process (one core), for both measurements.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { regtest } from '../chain/params.js';
import { BlobStore } from '../model-store/store.js';
import { nullLogger } from '../util/logger.js';
import { BlobExchange } from '../p2p/blobs.js';
import { Pool } from '../p2p/pool.js';
import { Services } from '../p2p/wire/messages.js';

const MIB = 1 << 20;
const SIZE_MIB = Number(process.env.BLOB_MIB ?? 64);
const data = randomBytes(SIZE_MIB * MIB);

async function rawWs(): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 2 * MIB });
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  const done = new Promise<void>((resolve) => {
    server.on('connection', (ws) => {
      let got = 0;
      ws.on('message', (d: Buffer) => {
        got += d.length;
        ws.send(Buffer.alloc(1)); // ack: the sender keeps 8 in flight, as the piece exchange does
        if (got >= data.length) resolve();
      });
    });
  });
  const c = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise((r) => c.once('open', r));
  const t0 = performance.now();
  let next = 0;
  const sendOne = () => { if (next < SIZE_MIB) { c.send(data.subarray(next * MIB, (next + 1) * MIB)); next++; } };
  c.on('message', sendOne);
  for (let i = 0; i < 8; i++) sendOne();
  await done;
  const secs = (performance.now() - t0) / 1000;
  c.close();
  await new Promise((r) => server.close(r));
  return SIZE_MIB / secs;
}

async function p2pBlob(): Promise<{ mibps: number; pieces: number }> {
  const dirA = mkdtempSync(join(tmpdir(), 'oda-bench-a-')), dirB = mkdtempSync(join(tmpdir(), 'oda-bench-b-'));
  const storeA = await BlobStore.open(dirA), storeB = await BlobStore.open(dirB);
  const manifest = await storeA.importBytes(data, { mediaType: 'raw', durable: false });
  const mk = () => new Pool({
    magic: regtest.magic, defaultPort: regtest.port, services: Services.NODE_NETWORK | Services.NODE_MODEL_STORE, maxCostUnits: 0n, userAgent: '/bench/',
    listen: true, bind: '127.0.0.1', port: 0, connect: [], addnode: [], maxConnections: 8, logger: nullLogger, startHeight: () => 0, maintainInterval: 3600,
  });
  const a = mk(), b = mk();
  const xa = new BlobExchange(storeA, () => a.readyPeers(), nullLogger);
  const xb = new BlobExchange(storeB, () => b.readyPeers(), nullLogger);
  a.messageHandler = (p, m) => xa.onMessage(p, m);
  b.messageHandler = (p, m) => xb.onMessage(p, m);
  await a.start(); await b.start();
  b.connect(`127.0.0.1:${a.port}`, 'manual');
  while (b.readyPeers().length === 0 || a.readyPeers().length === 0) await new Promise((r) => setTimeout(r, 10));
  const t0 = performance.now();
  await xb.fetchBlob(manifest.root, { timeout: 600_000 });
  const secs = (performance.now() - t0) / 1000;
  const ok = Buffer.from(await storeB.readAll(manifest.root)).equals(data);
  if (!ok) throw new Error('received blob differs');
  xa.stop(); xb.stop();
  await a.stop(); await b.stop();
  await storeA.close(); await storeB.close();
  rmSync(dirA, { recursive: true, force: true }); rmSync(dirB, { recursive: true, force: true });
  return { mibps: SIZE_MIB / secs, pieces: xb.piecesReceived };
}

const raw = await rawWs();
const blob = await p2pBlob();
const ratio = blob.mibps / raw;
console.log(`raw ws (1 MiB messages, 8 in flight):   ${raw.toFixed(1)} MiB/s`);
console.log(`P2P blob fetch (${SIZE_MIB} MiB, ${blob.pieces} pieces, verified, stored): ${blob.mibps.toFixed(1)} MiB/s`);
console.log(`ratio: ${ratio.toFixed(3)} (target >= 0.5)`);
console.log(JSON.stringify({ bench: 'p2p-blob', sizeMiB: SIZE_MIB, rawWsMiBps: +raw.toFixed(1), blobMiBps: +blob.mibps.toFixed(1), ratio: +ratio.toFixed(3), target: 0.5 }));
