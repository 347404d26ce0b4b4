// JSON form of messages for test vectors and debug logs: bigints as decimal strings,
// byte fields, blocks, headers and transactions as hex.
import { Block, Transaction, decodeBlock, decodeBlockHeader } from '../../chain/block.js';
import type { Message } from './messages.js';

type Json = Record<string, unknown>;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: unknown) => Uint8Array.from(Buffer.from(String(s), 'hex'));

export function messageToJson(m: Message): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'bigint') out[k] = v.toString();
    else if (v instanceof Uint8Array) out[k] = hex(v);
    else if (v instanceof Block) out[k] = v.toHex(m.cmd === 'headers');
    else if (v instanceof Transaction) out[k] = v.toHex();
    else if (Array.isArray(v)) out[k] = v.map((x) => (x instanceof Block ? x.toHex(true) : typeof x === 'object' ? jsonAddr(x) : x));
    else if (v && typeof v === 'object') out[k] = jsonAddr(v as Json);
    else out[k] = v;
  }
  return out;
}
function jsonAddr(a: Json): Json {
  const o: Json = {};
  for (const [k, v] of Object.entries(a)) o[k] = typeof v === 'bigint' ? v.toString() : v;
  return o;
}

const BIGINT_FIELDS = new Set(['services', 'timestamp', 'nonce', 'maxCostUnits', 'feeRate', 'length']);
export function messageFromJson(j: Json): Message {
  const m: Json = {};
  for (const [k, v] of Object.entries(j)) {
    if (BIGINT_FIELDS.has(k)) m[k] = BigInt(v as string);
    else if (k === 'addrRecv' || k === 'addrFrom') m[k] = { ...(v as Json), services: BigInt((v as Json).services as string) };
    else if (k === 'addrs') m[k] = (v as Json[]).map((a) => ({ ...a, services: BigInt(a.services as string) }));
    else if (k === 'headers') m[k] = (v as string[]).map((h) => decodeBlockHeader(Buffer.from(h, 'hex')));
    else if (k === 'block') m[k] = decodeBlock(Buffer.from(v as string, 'hex'));
    else if (k === 'tx') m[k] = Transaction.fromHex(v as string);
    else if (k === 'bitfield' || k === 'data' || k === 'manifest' || k === 'header' || k === 'proof' || k === 'filter') m[k] = unhex(v);
    else m[k] = v;
  }
  return m as unknown as Message;
}
