// CScriptNum: little-endian sign-magnitude integers, at most 4 bytes as operands (5 for
// CLTV/CSV), results may overflow that range and are still pushed (Core's semantics).
import { ScriptError } from './errors.js';

export function decodeScriptNum(bytes: Uint8Array, requireMinimal: boolean, maxSize = 4): bigint {
  if (bytes.length > maxSize) throw new ScriptError('SCRIPT_ERR_SCRIPTNUM');
  if (requireMinimal && bytes.length > 0) {
    // The last byte may be 0x00/0x80 only when the byte before needs its high bit.
    if ((bytes[bytes.length - 1] & 0x7f) === 0) {
      if (bytes.length <= 1 || (bytes[bytes.length - 2] & 0x80) === 0) throw new ScriptError('SCRIPT_ERR_SCRIPTNUM');
    }
  }
  if (bytes.length === 0) return 0n;
  let result = 0n;
  for (let i = 0; i < bytes.length; i++) result |= BigInt(bytes[i]) << BigInt(8 * i);
  const last = bytes[bytes.length - 1];
  if (last & 0x80) {
    const mask = ~(0x80n << BigInt(8 * (bytes.length - 1)));
    return -(result & mask);
  }
  return result;
}

export function encodeScriptNum(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0);
  const negative = value < 0n;
  let abs = negative ? -value : value;
  const out: number[] = [];
  while (abs > 0n) {
    out.push(Number(abs & 0xffn));
    abs >>= 8n;
  }
  if (out[out.length - 1] & 0x80) out.push(negative ? 0x80 : 0x00);
  else if (negative) out[out.length - 1] |= 0x80;
  return Uint8Array.from(out);
}

/** CastToBool: any non-zero byte is true, except a lone sign bit ("negative zero"). */
export function castToBool(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) return !(i === bytes.length - 1 && bytes[i] === 0x80);
  }
  return false;
}
