// Regtest headers for lite-node tests: ground on the CPU (regtest's target passes about every
// second hash), each branch told apart by its merkle root seed.
import { createHash } from 'node:crypto';
import { regtest } from '../../chain/params.js';
import { checkProofOfWork, encodeHeader, headerHash, hexToHash } from '../../chain/header.js';
import type { BlockEntry } from '../../chain/entry.js';

export const params = regtest;

export function mineHeader(prev: { hash: string; time: number }, opts: { seed?: string; bits?: number; time?: number; badPow?: boolean } = {}): Uint8Array {
  const merkleRoot = new Uint8Array(createHash('sha256').update(`${prev.hash}:${opts.seed ?? ''}`).digest());
  for (let nonce = 0; ; nonce++) {
    const raw = encodeHeader({ version: 0x20000000, prevHash: hexToHash(prev.hash), merkleRoot, time: opts.time ?? prev.time + 600, bits: opts.bits ?? params.powLimitBits, nonce });
    if (checkProofOfWork(headerHash(raw), opts.bits ?? params.powLimitBits, params, BigInt(2) ** BigInt(256)) !== !!opts.badPow) return raw;
  }
}

/** `n` headers on top of `from` (each the parent of the next). */
export function mineChain(from: { hash: string; time: number }, n: number, seed = ''): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = from;
  for (let i = 0; i < n; i++) {
    const raw = mineHeader(prev, { seed });
    out.push(raw);
    const hash = Buffer.from(headerHash(raw)).reverse().toString('hex');
    prev = { hash, time: prev.time + 600 };
  }
  return out;
}

export const tipOf = (e: BlockEntry) => ({ hash: e.hash, time: e.time });
/** Far enough after the test headers' times that none is "too new". */
export const NOW = () => params.genesis.time + 10 * 365 * 86400;
