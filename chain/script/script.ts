// Raw script parsing with Core's GetScriptOp semantics (a truncated push stops the walk) and
// the script shape predicates Core uses for P2SH, witness programs and push-only checks.
import { OP } from './opcodes.js';

export interface ScriptOp {
  opcode: number;
  /** Pushed bytes for push opcodes (OP_0..OP_PUSHDATA4), else undefined. */
  data?: Uint8Array;
  /** Offset just past this operation. */
  end: number;
}

/** Reads the operation at `pc`; returns undefined where Core's GetOp fails (truncated push). */
export function readOp(script: Uint8Array, pc: number): ScriptOp | undefined {
  if (pc >= script.length) return undefined;
  const opcode = script[pc++];
  if (opcode > OP.OP_PUSHDATA4) return { opcode, end: pc };
  let size: number;
  if (opcode < OP.OP_PUSHDATA1) size = opcode;
  else if (opcode === OP.OP_PUSHDATA1) {
    if (script.length - pc < 1) return undefined;
    size = script[pc];
    pc += 1;
  } else if (opcode === OP.OP_PUSHDATA2) {
    if (script.length - pc < 2) return undefined;
    size = script[pc] | (script[pc + 1] << 8);
    pc += 2;
  } else {
    if (script.length - pc < 4) return undefined;
    size = (script[pc] | (script[pc + 1] << 8) | (script[pc + 2] << 16) | (script[pc + 3] << 24)) >>> 0;
    pc += 4;
  }
  if (script.length - pc < size) return undefined;
  return { opcode, data: script.subarray(pc, pc + size), end: pc + size };
}

/** Where Core's GetOp leaves the iterator when it fails at `pc` (past the opcode and length bytes). */
export function failedOpEnd(script: Uint8Array, pc: number): number {
  if (pc >= script.length) return pc;
  const opcode = script[pc++];
  const lenBytes = opcode === OP.OP_PUSHDATA1 ? 1 : opcode === OP.OP_PUSHDATA2 ? 2 : opcode === OP.OP_PUSHDATA4 ? 4 : 0;
  if (script.length - pc < lenBytes) return pc;
  return pc + lenBytes;
}

export function isPushOnly(script: Uint8Array): boolean {
  let pc = 0;
  while (pc < script.length) {
    const op = readOp(script, pc);
    if (!op || op.opcode > OP.OP_16) return false;
    pc = op.end;
  }
  return true;
}

export function isPayToScriptHash(script: Uint8Array): boolean {
  return script.length === 23 && script[0] === OP.OP_HASH160 && script[1] === 0x14 && script[22] === OP.OP_EQUAL;
}

export interface WitnessProgram { version: number; program: Uint8Array }

export function witnessProgram(script: Uint8Array): WitnessProgram | undefined {
  if (script.length < 4 || script.length > 42) return undefined;
  const v = script[0];
  if (v !== OP.OP_0 && (v < OP.OP_1 || v > OP.OP_16)) return undefined;
  if (script[1] + 2 !== script.length) return undefined;
  return { version: v === OP.OP_0 ? 0 : v - (OP.OP_1 - 1), program: script.subarray(2) };
}

/** BIP433 pay-to-anchor (OP_1 <0x4e73>): exempt from the upgradable-witness-program policy. */
export function isPayToAnchor(version: number, program: Uint8Array): boolean {
  return version === 1 && program.length === 2 && program[0] === 0x4e && program[1] === 0x73;
}

/** `CScript() << data`: the push Core emits for a byte vector (never OP_1..OP_16). */
export function pushData(data: Uint8Array): Uint8Array {
  const n = data.length;
  let head: number[];
  if (n < OP.OP_PUSHDATA1) head = [n];
  else if (n <= 0xff) head = [OP.OP_PUSHDATA1, n];
  else if (n <= 0xffff) head = [OP.OP_PUSHDATA2, n & 0xff, n >>> 8];
  else head = [OP.OP_PUSHDATA4, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

function startsWith(script: Uint8Array, at: number, needle: Uint8Array): boolean {
  if (script.length - at < needle.length) return false;
  for (let i = 0; i < needle.length; i++) if (script[at + i] !== needle[i]) return false;
  return true;
}

/**
 * Core's FindAndDelete: removes every occurrence of `needle` that starts on an opcode
 * boundary (including runs of consecutive matches). Returns the new script and the count.
 */
export function findAndDelete(script: Uint8Array, needle: Uint8Array): { script: Uint8Array; found: number } {
  if (needle.length === 0) return { script, found: 0 };
  let found = 0;
  const parts: Uint8Array[] = [];
  let pc = 0;
  let pc2 = 0;
  for (;;) {
    parts.push(script.subarray(pc2, pc));
    while (startsWith(script, pc, needle)) {
      pc += needle.length;
      found++;
    }
    pc2 = pc;
    const op = readOp(script, pc);
    if (!op) break;
    pc = op.end;
  }
  if (found === 0) return { script, found };
  parts.push(script.subarray(pc2));
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { script: out, found };
}

/** Core's CScript::GetSigOpCount(fAccurate). */
export function countSigOps(script: Uint8Array, accurate: boolean): number {
  let n = 0;
  let last = OP.OP_INVALIDOPCODE as number;
  let pc = 0;
  while (pc < script.length) {
    const op = readOp(script, pc);
    if (!op) break;
    const c = op.opcode;
    if (c === OP.OP_CHECKSIG || c === OP.OP_CHECKSIGVERIFY) n++;
    else if (c === OP.OP_CHECKMULTISIG || c === OP.OP_CHECKMULTISIGVERIFY) {
      n += accurate && last >= OP.OP_1 && last <= OP.OP_16 ? last - (OP.OP_1 - 1) : 20;
    }
    last = c;
    pc = op.end;
  }
  return n;
}

/** The last push of a scriptSig (Core's P2SH redeem-script extraction); undefined if not push-only. */
export function lastPush(scriptSig: Uint8Array): Uint8Array | undefined {
  let data: Uint8Array = new Uint8Array(0);
  let pc = 0;
  while (pc < scriptSig.length) {
    const op = readOp(scriptSig, pc);
    if (!op || op.opcode > OP.OP_16) return undefined;
    data = op.data ?? new Uint8Array(0);
    pc = op.end;
  }
  return data;
}
