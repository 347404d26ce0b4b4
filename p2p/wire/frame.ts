// One P2P message = one binary WebSocket message = 20-byte header + payload (BIP oda-0004):
//   magic   4 bytes  network magic, big-endian (regtest 0d a7 e5 7a)
//   command 12 bytes ASCII [a-z], NUL-padded, no bytes after the first NUL
//   length  4 bytes  payload length, little-endian; must equal the bytes that follow
// No checksum: ws runs over TCP, and a double SHA-256 over every 1 MiB piece would halve
// piece throughput for no gain (BIP324's v2 transport dropped it too).
import { decodePayload, encodePayload, isCommand, MAX_PAYLOAD, type Command, type Message } from './messages.js';
import { WireError } from './buffer.js';

export const HEADER_SIZE = 20;
export const COMMAND_SIZE = 12;
/** Largest frame of any command; the ws server refuses bigger messages before buffering them. */
export const MAX_FRAME = HEADER_SIZE + Math.max(...Object.values(MAX_PAYLOAD));

export interface FrameHeader { magic: number; command: string; length: number }

/** Why a frame was refused: decides the peer's fate (see peer.ts). */
export type FrameFault = 'magic' | 'header' | 'unknown-command' | 'oversize' | 'length' | 'payload';

export class FrameError extends WireError {
  constructor(public readonly fault: FrameFault, message: string, public readonly command?: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export function encodeFrame(magic: number, m: Message): Uint8Array {
  const payload = encodePayload(m);
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, magic >>> 0, false);
  for (let i = 0; i < m.cmd.length; i++) out[4 + i] = m.cmd.charCodeAt(i);
  dv.setUint32(16, payload.length, true);
  out.set(payload, HEADER_SIZE);
  return out;
}

export function parseHeader(frame: Uint8Array): FrameHeader {
  if (frame.length < HEADER_SIZE) throw new FrameError('header', `frame of ${frame.length} bytes is shorter than the header`);
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const magic = dv.getUint32(0, false);
  let command = '';
  let ended = false;
  for (let i = 0; i < COMMAND_SIZE; i++) {
    const c = frame[4 + i];
    if (c === 0) { ended = true; continue; }
    if (ended || c < 0x61 || c > 0x7a) throw new FrameError('header', 'malformed command field');
    command += String.fromCharCode(c);
  }
  if (command.length === 0) throw new FrameError('header', 'empty command');
  return { magic, command, length: dv.getUint32(16, true) };
}

/** Parses and strictly decodes one frame received on a network with `magic`. */
export function decodeFrame(magic: number, frame: Uint8Array): Message {
  const h = parseHeader(frame);
  if (h.magic !== (magic >>> 0)) throw new FrameError('magic', `wrong network magic ${h.magic.toString(16).padStart(8, '0')}`);
  if (!isCommand(h.command)) throw new FrameError('unknown-command', `unknown command '${h.command}'`, h.command);
  const cmd: Command = h.command;
  if (h.length > MAX_PAYLOAD[cmd]) throw new FrameError('oversize', `${cmd} payload of ${h.length} bytes exceeds ${MAX_PAYLOAD[cmd]}`, cmd);
  if (h.length !== frame.length - HEADER_SIZE) throw new FrameError('length', `${cmd} header says ${h.length} bytes, frame carries ${frame.length - HEADER_SIZE}`, cmd);
  try {
    return decodePayload(cmd, frame.subarray(HEADER_SIZE));
  } catch (e) {
    throw new FrameError('payload', `${cmd}: ${(e as Error).message}`, cmd);
  }
}
