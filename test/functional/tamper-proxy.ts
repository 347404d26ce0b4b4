// A man in the middle for lite-node tests: a WebSocket server that relays every frame between
// its client and one real odad, except that it corrupts the first `modproof` (a flipped byte
// in the proof), the first `piece` (a flipped data byte) or the first `cfilter` (a flipped
// last filter byte) the node sends. To the lite node
// it is a full node that lies once, with the real node's handshake and data.
import { WebSocketServer, WebSocket } from 'ws';
import { regtest } from '../../chain/params.js';
import { decodeFrame, encodeFrame, MAX_FRAME } from '../../p2p/wire/frame.js';

export type TamperMode = 'modproof' | 'piece' | 'cfilter';

export interface TamperProxy { port: number; tampered: number; close(): Promise<void> }

function commandOf(frame: Buffer): string {
  return frame.subarray(4, 16).toString('latin1').replace(/\0+$/, '');
}

export async function startTamperProxy(target: string, mode: TamperMode): Promise<TamperProxy> {
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
    client.on('message', (d: Buffer) => { if (upstream.readyState === WebSocket.OPEN) upstream.send(d, { binary: true }); else early.push(d); });
    upstream.on('open', () => { for (const d of early.splice(0)) upstream.send(d, { binary: true }); });
    upstream.on('message', (d: Buffer) => {
      let out: Uint8Array = d;
      if (proxy.tampered === 0 && commandOf(d) === mode) {
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
