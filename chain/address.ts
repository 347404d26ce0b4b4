// Addresses and output scripts for ODA networks: the one place that maps between them
// (Core's key_io.cpp DecodeDestination/EncodeDestination), classifies output scripts
// (Core's Solver names, printed as `scriptPubKey.type`) and prints scripts as Core's asm
// (ScriptToAsmStr). ODA's prefixes differ from Bitcoin's, so a Bitcoin address never
// decodes here and an ODA address never decodes in Bitcoin software.
import { address as baddress } from 'bitcoinjs-lib';
import type { Network } from 'bitcoinjs-lib';
import type { NetworkParams } from './params.js';
import { isValidSignatureEncoding } from './script/encoding.js';

/** The bitcoinjs-lib network object for ODA params (payments, Psbt, bip32, ecpair WIF). */
export function networkFor(params: NetworkParams): Network {
  return {
    messagePrefix: '\x18ODA Signed Message:\n',
    bech32: params.bech32,
    bip32: { public: params.bip32.public, private: params.bip32.private },
    pubKeyHash: params.pubKeyHash,
    scriptHash: params.scriptHash,
    wif: params.wif,
  };
}

/** A decoding failure; `message` is Core's error string from DecodeDestination. */
export class AddressError extends Error {
  constructor(message: string, public readonly errorLocations: number[] = []) {
    super(message);
    this.name = 'AddressError';
  }
}

export type Destination =
  | { type: 'pubkeyhash'; hash: Uint8Array }
  | { type: 'scripthash'; hash: Uint8Array }
  | { type: 'witness'; version: number; program: Uint8Array };

const OP_0 = 0x00;
const OP_PUSHDATA1 = 0x4c;
const OP_PUSHDATA2 = 0x4d;
const OP_PUSHDATA4 = 0x4e;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_RETURN = 0x6a;
const OP_DUP = 0x76;
const OP_EQUAL = 0x87;
const OP_EQUALVERIFY = 0x88;
const OP_HASH160 = 0xa9;
const OP_CHECKSIG = 0xac;
const OP_CHECKMULTISIG = 0xae;

/** Decodes an address for `params`; throws AddressError with Core's message. */
export function decodeAddress(address: string, params: NetworkParams): Destination {
  const hrp = params.bech32;
  // As Core: only strings starting with our HRP are treated as bech32, so a Bitcoin
  // "bcrt1…" address falls through to base58 and fails there.
  const isBech32 = address.slice(0, hrp.length + 1).toLowerCase() === hrp + '1';
  if (!isBech32) {
    let decoded: { version: number; hash: Uint8Array } | undefined;
    let lengthError = false;
    try {
      decoded = baddress.fromBase58Check(address);
    } catch (e) {
      lengthError = /too (short|long)/.test(String((e as Error).message));
    }
    if (decoded) {
      if (decoded.version === params.pubKeyHash) return { type: 'pubkeyhash', hash: decoded.hash };
      if (decoded.version === params.scriptHash) return { type: 'scripthash', hash: decoded.hash };
      throw new AddressError('Invalid or unsupported Base58-encoded address.');
    }
    if (lengthError) throw new AddressError('Invalid length for Base58 address (P2PKH or P2SH)');
    if (/^[1-9A-HJ-NP-Za-km-z]+$/.test(address)) throw new AddressError('Invalid checksum or length of Base58 address (P2PKH or P2SH)');
    throw new AddressError('Invalid or unsupported Segwit (Bech32) or Base58 encoding.');
  }
  let dec: { version: number; prefix: string; data: Uint8Array };
  try {
    dec = baddress.fromBech32(address);
  } catch (e) {
    const msg = String((e as Error).message);
    if (/wrong encoding/.test(msg)) {
      // fromBech32 reports a checksum/version mismatch this way; say which rule, as Core.
      throw new AddressError(address[address.lastIndexOf('1') + 1]?.toLowerCase() === 'q' ? 'Version 0 witness address must use Bech32 checksum' : 'Version 1+ witness address must use Bech32m checksum');
    }
    if (/Mixed-case/i.test(msg)) throw new AddressError('Invalid character or mixed case');
    if (/too long|Exceeds length/i.test(msg)) throw new AddressError('Bech32 string too long');
    throw new AddressError('Invalid Bech32 checksum');
  }
  const n = dec.data.length;
  const bytes = n === 1 ? 'byte' : 'bytes';
  if (dec.version === 0) {
    if (n === 20 || n === 32) return { type: 'witness', version: 0, program: dec.data };
    throw new AddressError(`Invalid Bech32 v0 address program size (${n} ${bytes}), per BIP141`);
  }
  if (dec.version > 16) throw new AddressError('Invalid Bech32 address witness version');
  if (n < 2 || n > 40) throw new AddressError(`Invalid Bech32 address program size (${n} ${bytes})`);
  return { type: 'witness', version: dec.version, program: dec.data };
}

export function destinationToScript(dest: Destination): Uint8Array {
  switch (dest.type) {
    case 'pubkeyhash':
      return Uint8Array.from([OP_DUP, OP_HASH160, 20, ...dest.hash, OP_EQUALVERIFY, OP_CHECKSIG]);
    case 'scripthash':
      return Uint8Array.from([OP_HASH160, 20, ...dest.hash, OP_EQUAL]);
    case 'witness':
      return Uint8Array.from([dest.version === 0 ? OP_0 : OP_1 + dest.version - 1, dest.program.length, ...dest.program]);
  }
}

/** Address → output script. Throws AddressError (RPC maps it to -5). */
export function addressToScript(address: string, params: NetworkParams): Uint8Array {
  return destinationToScript(decodeAddress(address, params));
}

export function isValidAddress(address: string, params: NetworkParams): boolean {
  try {
    decodeAddress(address, params);
    return true;
  } catch {
    return false;
  }
}

/** Witness version and program of a witness output script (BIP141 IsWitnessProgram). */
export function witnessProgram(script: Uint8Array): { version: number; program: Uint8Array } | undefined {
  if (script.length < 4 || script.length > 42) return undefined;
  const op = script[0];
  if (op !== OP_0 && (op < OP_1 || op > OP_16)) return undefined;
  if (script[1] + 2 !== script.length) return undefined;
  return { version: op === OP_0 ? 0 : op - OP_1 + 1, program: script.subarray(2) };
}

function isP2PKH(s: Uint8Array): boolean {
  return s.length === 25 && s[0] === OP_DUP && s[1] === OP_HASH160 && s[2] === 20 && s[23] === OP_EQUALVERIFY && s[24] === OP_CHECKSIG;
}

function isP2SH(s: Uint8Array): boolean {
  return s.length === 23 && s[0] === OP_HASH160 && s[1] === 20 && s[22] === OP_EQUAL;
}

/** Output script → address, or undefined when the script has none (Core's ExtractDestination). */
export function scriptToAddress(script: Uint8Array, params: NetworkParams): string | undefined {
  if (isP2PKH(script)) return baddress.toBase58Check(script.slice(3, 23), params.pubKeyHash);
  if (isP2SH(script)) return baddress.toBase58Check(script.slice(2, 22), params.scriptHash);
  const wp = witnessProgram(script);
  if (!wp) return undefined;
  if (wp.version === 0 && wp.program.length !== 20 && wp.program.length !== 32) return undefined;
  if (wp.program.length < 2 || wp.program.length > 40) return undefined;
  return baddress.toBech32(wp.program, wp.version, params.bech32);
}

// --- Script parsing (Core's GetScriptOp) ---

export interface ScriptOp { opcode: number; data?: Uint8Array }

/** Parses a script into ops; returns undefined past a malformed push (Core's "[error]"). */
export function parseScript(script: Uint8Array): { ops: ScriptOp[]; error: boolean } {
  const ops: ScriptOp[] = [];
  let i = 0;
  while (i < script.length) {
    const opcode = script[i++];
    if (opcode > OP_PUSHDATA4) {
      ops.push({ opcode });
      continue;
    }
    let size: number;
    if (opcode < OP_PUSHDATA1) size = opcode;
    else if (opcode === OP_PUSHDATA1) {
      if (i + 1 > script.length) return { ops, error: true };
      size = script[i];
      i += 1;
    } else if (opcode === OP_PUSHDATA2) {
      if (i + 2 > script.length) return { ops, error: true };
      size = script[i] | (script[i + 1] << 8);
      i += 2;
    } else {
      if (i + 4 > script.length) return { ops, error: true };
      size = (script[i] | (script[i + 1] << 8) | (script[i + 2] << 16)) + script[i + 3] * 0x1000000;
      i += 4;
    }
    if (i + size > script.length) return { ops, error: true };
    ops.push({ opcode, data: script.subarray(i, i + size) });
    i += size;
  }
  return { ops, error: false };
}

function isPushOnly(ops: ScriptOp[]): boolean {
  return ops.every((op) => op.opcode <= OP_16);
}

function isValidPubKeySize(d: Uint8Array | undefined): boolean {
  if (!d || d.length === 0) return false;
  if (d.length === 33) return d[0] === 2 || d[0] === 3;
  if (d.length === 65) return d[0] === 4 || d[0] === 6 || d[0] === 7;
  return false;
}

function smallInt(opcode: number): number | undefined {
  return opcode >= OP_1 && opcode <= OP_16 ? opcode - OP_1 + 1 : undefined;
}

export type ScriptType =
  | 'nonstandard' | 'pubkey' | 'pubkeyhash' | 'scripthash' | 'multisig' | 'nulldata'
  | 'witness_v0_keyhash' | 'witness_v0_scripthash' | 'witness_v1_taproot' | 'anchor' | 'witness_unknown';

/** Core's Solver() classification, with GetTxnOutputType names. */
export function scriptType(script: Uint8Array): ScriptType {
  if (isP2SH(script)) return 'scripthash';
  const wp = witnessProgram(script);
  if (wp) {
    if (wp.version === 0 && wp.program.length === 20) return 'witness_v0_keyhash';
    if (wp.version === 0 && wp.program.length === 32) return 'witness_v0_scripthash';
    if (wp.version === 1 && wp.program.length === 32) return 'witness_v1_taproot';
    if (wp.version === 1 && wp.program.length === 2 && wp.program[0] === 0x4e && wp.program[1] === 0x73) return 'anchor';
    if (wp.version !== 0) return 'witness_unknown';
    return 'nonstandard';
  }
  if (script.length >= 1 && script[0] === OP_RETURN) {
    const rest = parseScript(script.subarray(1));
    if (!rest.error && isPushOnly(rest.ops)) return 'nulldata';
  }
  if (isP2PKH(script)) return 'pubkeyhash';
  const { ops, error } = parseScript(script);
  if (error) return 'nonstandard';
  if (ops.length === 2 && ops[1].opcode === OP_CHECKSIG && isValidPubKeySize(ops[0].data)) return 'pubkey';
  if (ops.length >= 4 && ops[ops.length - 1].opcode === OP_CHECKMULTISIG) {
    const m = smallInt(ops[0].opcode);
    const n = smallInt(ops[ops.length - 2].opcode);
    const keys = ops.slice(1, -2);
    if (m !== undefined && n !== undefined && m <= n && keys.length === n && keys.every((k) => isValidPubKeySize(k.data))) return 'multisig';
  }
  return 'nonstandard';
}

// --- asm (Core's ScriptToAsmStr) ---

const OPCODE_NAMES: Record<number, string> = {
  0x00: '0', 0x4c: 'OP_PUSHDATA1', 0x4d: 'OP_PUSHDATA2', 0x4e: 'OP_PUSHDATA4', 0x4f: '-1', 0x50: 'OP_RESERVED',
  0x61: 'OP_NOP', 0x62: 'OP_VER', 0x63: 'OP_IF', 0x64: 'OP_NOTIF', 0x65: 'OP_VERIF', 0x66: 'OP_VERNOTIF',
  0x67: 'OP_ELSE', 0x68: 'OP_ENDIF', 0x69: 'OP_VERIFY', 0x6a: 'OP_RETURN', 0x6b: 'OP_TOALTSTACK',
  0x6c: 'OP_FROMALTSTACK', 0x6d: 'OP_2DROP', 0x6e: 'OP_2DUP', 0x6f: 'OP_3DUP', 0x70: 'OP_2OVER', 0x71: 'OP_2ROT',
  0x72: 'OP_2SWAP', 0x73: 'OP_IFDUP', 0x74: 'OP_DEPTH', 0x75: 'OP_DROP', 0x76: 'OP_DUP', 0x77: 'OP_NIP',
  0x78: 'OP_OVER', 0x79: 'OP_PICK', 0x7a: 'OP_ROLL', 0x7b: 'OP_ROT', 0x7c: 'OP_SWAP', 0x7d: 'OP_TUCK',
  0x7e: 'OP_CAT', 0x7f: 'OP_SUBSTR', 0x80: 'OP_LEFT', 0x81: 'OP_RIGHT', 0x82: 'OP_SIZE', 0x83: 'OP_INVERT',
  0x84: 'OP_AND', 0x85: 'OP_OR', 0x86: 'OP_XOR', 0x87: 'OP_EQUAL', 0x88: 'OP_EQUALVERIFY', 0x89: 'OP_RESERVED1',
  0x8a: 'OP_RESERVED2', 0x8b: 'OP_1ADD', 0x8c: 'OP_1SUB', 0x8d: 'OP_2MUL', 0x8e: 'OP_2DIV', 0x8f: 'OP_NEGATE',
  0x90: 'OP_ABS', 0x91: 'OP_NOT', 0x92: 'OP_0NOTEQUAL', 0x93: 'OP_ADD', 0x94: 'OP_SUB', 0x95: 'OP_MUL',
  0x96: 'OP_DIV', 0x97: 'OP_MOD', 0x98: 'OP_LSHIFT', 0x99: 'OP_RSHIFT', 0x9a: 'OP_BOOLAND', 0x9b: 'OP_BOOLOR',
  0x9c: 'OP_NUMEQUAL', 0x9d: 'OP_NUMEQUALVERIFY', 0x9e: 'OP_NUMNOTEQUAL', 0x9f: 'OP_LESSTHAN',
  0xa0: 'OP_GREATERTHAN', 0xa1: 'OP_LESSTHANOREQUAL', 0xa2: 'OP_GREATERTHANOREQUAL', 0xa3: 'OP_MIN',
  0xa4: 'OP_MAX', 0xa5: 'OP_WITHIN', 0xa6: 'OP_RIPEMD160', 0xa7: 'OP_SHA1', 0xa8: 'OP_SHA256',
  0xa9: 'OP_HASH160', 0xaa: 'OP_HASH256', 0xab: 'OP_CODESEPARATOR', 0xac: 'OP_CHECKSIG',
  0xad: 'OP_CHECKSIGVERIFY', 0xae: 'OP_CHECKMULTISIG', 0xaf: 'OP_CHECKMULTISIGVERIFY', 0xb0: 'OP_NOP1',
  0xb1: 'OP_CHECKLOCKTIMEVERIFY', 0xb2: 'OP_CHECKSEQUENCEVERIFY', 0xb3: 'OP_NOP4', 0xb4: 'OP_NOP5',
  0xb5: 'OP_NOP6', 0xb6: 'OP_NOP7', 0xb7: 'OP_NOP8', 0xb8: 'OP_NOP9', 0xb9: 'OP_NOP10', 0xba: 'OP_CHECKSIGADD',
};

/** Core's GetOpName. */
export function opcodeName(opcode: number): string {
  if (opcode >= OP_1 && opcode <= OP_16) return String(opcode - OP_1 + 1);
  return OPCODE_NAMES[opcode] ?? 'OP_UNKNOWN';
}

const SIGHASH_NAMES: Record<number, string> = {
  0x01: 'ALL', 0x81: 'ALL|ANYONECANPAY', 0x02: 'NONE', 0x82: 'NONE|ANYONECANPAY', 0x03: 'SINGLE', 0x83: 'SINGLE|ANYONECANPAY',
};

// BIP66 strict DER lives with the interpreter; re-exported for asm sighash decoding users.
export { isValidSignatureEncoding };

/** CScriptNum decoding of a ≤4-byte push, without the minimal-encoding rule. */
function scriptNumValue(d: Uint8Array): number {
  if (d.length === 0) return 0;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += d[i] * 2 ** (8 * i);
  const last = d[d.length - 1];
  if (last & 0x80) return -(v - 0x80 * 2 ** (8 * (d.length - 1)));
  return v;
}

/**
 * Core's ScriptToAsmStr. `attemptSighashDecode` (scriptSig only) prints a trailing DER
 * signature's hash type as "[ALL]" etc. instead of the last hex byte.
 */
export function scriptToAsm(script: Uint8Array, attemptSighashDecode = false): string {
  const { ops, error } = parseScript(script);
  const unspendable = (script.length > 0 && script[0] === OP_RETURN) || script.length > 10_000;
  const parts: string[] = [];
  for (const op of ops) {
    if (op.data === undefined) {
      parts.push(opcodeName(op.opcode));
    } else if (op.data.length <= 4) {
      parts.push(String(scriptNumValue(op.data)));
    } else {
      let hex = Buffer.from(op.data).toString('hex');
      if (attemptSighashDecode && !unspendable && isValidSignatureEncoding(op.data)) {
        const name = SIGHASH_NAMES[op.data[op.data.length - 1]];
        if (name) hex = Buffer.from(op.data.subarray(0, -1)).toString('hex') + `[${name}]`;
      }
      parts.push(hex);
    }
  }
  if (error) parts.push('[error]');
  return parts.join(' ');
}

