// Parameter parsers with Core's exact error messages (ParseHashV, ParseHexV, ...).
import { Block, Transaction, decodeBlock as decodeBlockBytes } from '../chain/block.js';
import { RPC, RpcError } from './errors.js';

const HEX_RE = /^([0-9a-fA-F]{2})*$/;

/** Core's ParseHashV: 64 hex chars, -8 otherwise. */
export function parseHash(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(value)} is not of expected type string`);
  if (value.length !== 64) throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be of length 64 (not ${value.length}, for '${value}')`);
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be hexadecimal string (not '${value}')`);
  return value.toLowerCase();
}

/** Core's ParseHexV. */
export function parseHex(value: unknown, name: string): Buffer {
  if (typeof value !== 'string') throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(value)} is not of expected type string`);
  if (!HEX_RE.test(value)) throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be hexadecimal string (not '${value}')`);
  return Buffer.from(value, 'hex');
}

export function jsonType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** Decodes a raw transaction as Core's DecodeHexTx (-22 "TX decode failed"); trailing bytes are an error. */
export function decodeTx(value: unknown): Transaction {
  if (typeof value !== 'string') throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(value)} is not of expected type string`);
  if (!HEX_RE.test(value) || value.length === 0) throw new RpcError(RPC.DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');
  try {
    const tx = Transaction.fromHex(value);
    if (tx.toHex() !== value.toLowerCase() && tx.ins.length > 0) {
      // bitcoinjs is lenient about some encodings; Core only accepts what re-serialises.
      throw new Error('non-canonical');
    }
    return tx;
  } catch {
    throw new RpcError(RPC.DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');
  }
}

export function decodeBlock(value: unknown): Block {
  if (typeof value !== 'string') throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(value)} is not of expected type string`);
  if (!HEX_RE.test(value) || value.length === 0) throw new RpcError(RPC.DESERIALIZATION_ERROR, 'Block decode failed');
  try {
    const block = decodeBlockBytes(Buffer.from(value, 'hex'));
    if (!block.transactions || block.transactions.length === 0) throw new Error('no txs');
    return block;
  } catch {
    throw new RpcError(RPC.DESERIALIZATION_ERROR, 'Block decode failed');
  }
}

export function parseIntParam(value: unknown, name: string, min?: number, max?: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(value)} is not of expected type number`);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) throw new RpcError(RPC.INVALID_PARAMETER, `${name} out of range`);
  return value;
}
