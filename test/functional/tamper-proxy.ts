// A man in the middle for lite-node tests: a WebSocket server that relays every frame between
// its client and one real odad, except that it corrupts the first `modproof` (a flipped byte
// in the proof), the first `piece` (a flipped data byte) or the first `cfilter` (a flipped
// last filter byte) the node sends. To the lite node
// it is a full node that lies once, with the real node's handshake and data.
// Mode 'cfilter-consistent' is the liar a single-peer scan cannot catch: it serves a given
// fake filter for one block every time it is asked, and rewrites every `cfheaders` answer so
// the filter header chain commits to that fake filter (ODA-BIP-0004 §11 cross-checking).
import { createHash } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import { regtest } from '../../chain/params.js';
import { hashToHex, hexToHash } from '../../chain/block.js';
import { filterHash } from '../../chain/blockfilter.js';
import { decodeFrame, encodeFrame, MAX_FRAME } from '../../p2p/wire/frame.js';

export type TamperMode = 'modproof' | 'piece' | 'cfilter' | 'cfilter-consistent';

/** The block whose filter a 'cfilter-consistent' proxy replaces, and the filter it serves instead. */
export interface FakeFilter { height: number; blockHash: string; filter: Uint8Array }

const dsha256 = (a: Uint8Array, b: Uint8Array) => new Uint8Array(createHash('sha256').update(createHash('sha256').update(a).update(b).digest()).digest());

export interface TamperProxy { port: number; tampered: number; close(): Promise<void> }

function commandOf(frame: Buffer): string {
  return frame.subarray(4, 16).toString('latin1').replace(/\0+$/, '');
}

export async function startTamperProxy(target: string, mode: TamperMode, fake?: FakeFilter): Promise<TamperProxy> {
  if ((mode === 'cfilter-consistent') !== (fake !== undefined)) throw new Error('a fake filter goes with mode cfilter-consistent, and only with it');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: MAX_FRAME, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const proxy: TamperProxy = {
    port: (wss.address() as { port: number }).port,
    tampered: 0,
    close: () => new Promise<void>((r) => { for (const c of wss.clients) c.terminate(); wss.close(() => r()); }),
  };
  wss.on('connection', (client) => {
    const upstream = new WebSocket(`ws://${target}/`, { maxPayload: MAX_FRAME, perMessageDeflate: false });
    const early: Buffer[] = [];
    // cfilter-consistent: the start height of each getcfheaders (by stop hash) and the lying
    // filter header chain built so far, so a later batch starts where the lie left off.
    const starts = new Map<string, number>();
    const lieHeaders = new Map<number, Uint8Array>();
    client.on('message', (d: Buffer) => {
      if (fake && commandOf(d) === 'getcfheaders') {
        const m = decodeFrame(regtest.magic, d);
        if (m.cmd === 'getcfheaders') starts.set(m.stopHash, m.startHeight);
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(d, { binary: true }); else early.push(d);
    });
    upstream.on('open', () => { for (const d of early.splice(0)) upstream.send(d, { binary: true }); });
    upstream.on('message', (d: Buffer) => {
      let out: Uint8Array = d;
      const cmd = commandOf(d);
      if (fake && (cmd === 'cfilter' || cmd === 'cfheaders')) {
        const m = decodeFrame(regtest.magic, d);
        if (m.cmd === 'cfilter' && m.blockHash === fake.blockHash) {
          out = encodeFrame(regtest.magic, { ...m, filter: fake.filter });
          proxy.tampered++;
        } else if (m.cmd === 'cfheaders' && starts.has(m.stopHash)) {
          const start = starts.get(m.stopHash)!;
          let prev = start === 0 ? new Uint8Array(32) : lieHeaders.get(start - 1) ?? hexToHash(m.prevFilterHeader);
          const prevFilterHeader = hashToHex(prev);
          const filterHashes = m.filterHashes.map((h, i) => {
            const hash = start + i === fake.height ? filterHash(fake.filter) : hexToHash(h);
            prev = dsha256(hash, prev);
            lieHeaders.set(start + i, prev);
            return hashToHex(hash);
          });
          out = encodeFrame(regtest.magic, { ...m, prevFilterHeader, filterHashes });
          if (start <= fake.height && fake.height < start + m.filterHashes.length) proxy.tampered++;
        }
      } else if (proxy.tampered === 0 && cmd === mode) {
        const m = decodeFrame(regtest.magic, d);
        if (m.cmd === 'modproof') {
          const proof = Uint8Array.from(m.proof);
          proof[proof.length - 1] ^= 0x01; // the last record's committed value hash
          out = encodeFrame(regtest.magic, { ...m, proof });
        } else if (m.cmd === 'cfilter') {
          const filter = Uint8Array.from(m.filter);
          filter[filter.length - 1] ^= 0x01;
          out = encodeFrame(regtest.magic, { ...m, filter });
        } else if (m.cmd === 'piece') {
          const data = Uint8Array.from(m.data);
          data[0] ^= 0x01;
          out = encodeFrame(regtest.magic, { ...m, data });
        }
        proxy.tampered++;
      }
      if (client.readyState === WebSocket.OPEN) client.send(out, { binary: true });
    });
    const end = () => { client.close(); upstream.close(); };
    client.on('close', end); upstream.on('close', end);
    client.on('error', end); upstream.on('error', end);
  });
  return proxy;
}
