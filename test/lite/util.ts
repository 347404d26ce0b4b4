// Regtest headers for lite-node tests: ground on the CPU (regtest's target passes about every
// second hash), each branch told apart by its merkle root seed.
import { createHash } from 'node:crypto';
import { regtest } from '../../chain/params.js';
import { checkProofOfWork, encodeHeader, headerHash, hexToHash, withStorageBit, type StorageHeader } from '../../chain/header.js';
import type { BlockEntry } from '../../chain/entry.js';

export const params = regtest;

export interface MineOptions {
  seed?: string;
  bits?: number;
  time?: number;
  badPow?: boolean;
  /** ODA-BIP-0006 extension: the header is 113 bytes, its version carries the storage bits. */
  storage?: StorageHeader;
  /** Overrides the PoW wish: keep grinding until `want(hash)` holds. */
  want?: (hash: Uint8Array) => boolean;
}

export function mineHeader(prev: { hash: string; time: number }, opts: MineOptions = {}): Uint8Array {
  const merkleRoot = new Uint8Array(createHash('sha256').update(`${prev.hash}:${opts.seed ?? ''}`).digest());
  const bits = opts.bits ?? params.powLimitBits;
  const version = opts.storage ? withStorageBit(0x20000000) : 0x20000000;
  const want = opts.want ?? ((hash: Uint8Array) => checkProofOfWork(hash, bits, params, BigInt(2) ** BigInt(256)) !== !!opts.badPow);
  for (let nonce = 0; ; nonce++) {
    const raw = encodeHeader({ version, prevHash: hexToHash(prev.hash), merkleRoot, time: opts.time ?? prev.time + 600, bits, nonce, storage: opts.storage });
    if (want(headerHash(raw))) return raw;
  }
}

/** `n` headers on top of `from` (each the parent of the next); `storage` gives each the ODA-BIP-0006 extension. */
export function mineChain(from: { hash: string; time: number }, n: number, seed = '', storage?: StorageHeader): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = from;
  for (let i = 0; i < n; i++) {
    const raw = mineHeader(prev, { seed, storage });
    out.push(raw);
    const hash = Buffer.from(headerHash(raw)).reverse().toString('hex');
    prev = { hash, time: prev.time + 600 };
  }
  return out;
}

export const tipOf = (e: BlockEntry) => ({ hash: e.hash, time: e.time });
/** Far enough after the test headers' times that none is "too new". */
export const NOW = () => params.genesis.time + 10 * 365 * 86400;
