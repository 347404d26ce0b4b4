// Core's test-vector script notation (core_read.cpp ParseScript): decimal numbers are pushed
// as script numbers, 0x.. is raw bytes inserted as is, 'text' is pushed as data, and opcode
// names are accepted with or without the OP_ prefix.
import { OPCODE_BY_NAME } from '../../chain/script/opcodes.js';
import { pushData } from '../../chain/script/script.js';
import { encodeScriptNum } from '../../chain/script/scriptnum.js';

const NAMES = new Map<string, number>();
for (const [name, op] of Object.entries(OPCODE_BY_NAME)) {
  NAMES.set(name, op);
  NAMES.set(name.slice(3), op);
}

function pushInt(n: bigint): number[] {
  if (n === -1n || (n >= 1n && n <= 16n)) return [Number(n) + 0x50];
  if (n === 0n) return [0];
  return [...pushData(encodeScriptNum(n))];
}

export function parseScript(text: string): Uint8Array {
  const out: number[] = [];
  for (const w of text.split(/[ \t\n]+/)) {
    if (w === '') continue;
    if (/^-?\d+$/.test(w)) {
      const n = BigInt(w);
      if (n > 0xffffffffn || n < -0xffffffffn) throw new Error(`number out of range: ${w}`);
      out.push(...pushInt(n));
    } else if (/^0x[0-9a-fA-F]+$/.test(w) && w.length % 2 === 0) {
      out.push(...Buffer.from(w.slice(2), 'hex'));
    } else if (w.length >= 2 && w.startsWith("'") && w.endsWith("'")) {
      out.push(...pushData(new TextEncoder().encode(w.slice(1, -1))));
    } else if (NAMES.has(w)) {
      out.push(NAMES.get(w)!);
    } else {
      throw new Error(`script parse error: '${w}'`);
    }
  }
  return Uint8Array.from(out);
}
