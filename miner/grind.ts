// Proof-of-work search over the 80-byte header: the nonce is bumped in place and the
// double SHA-256 compared with the target, most significant byte first. When all 2^32
// nonces fail the time is bumped by one second (still well inside the 2-hour future limit).
import { createHash } from 'node:crypto';
import type { Block } from '../chain/block.js';
import { compactToTarget } from '../chain/header.js';

/** The target for compact bits, as 32 big-endian bytes. */
export function targetBytes(bits: number): Buffer {
  const { target } = compactToTarget(bits);
  return Buffer.from(target.toString(16).padStart(64, '0').slice(-64), 'hex');
}

/** hash (internal byte order, little-endian number) <= target (big-endian bytes). */
function meetsTarget(hash: Buffer, target: Buffer): boolean {
  for (let i = 0; i < 32; i++) {
    const h = hash[31 - i];
    const t = target[i];
    if (h !== t) return h < t;
  }
  return true;
}

function hash256(data: Buffer): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

/**
 * Tries up to `maxTries` headers starting from the block's current nonce. On success sets
 * block.nonce (and block.timestamp if it had to move) and returns the block; otherwise
 * leaves the block at the next untried nonce and returns undefined, so a caller can resume.
 */
export function grind(block: Block, maxTries: number): Block | undefined {
  const header = Buffer.from(block.toBuffer(true));
  const target = targetBytes(block.bits);
  let nonce = block.nonce >>> 0;
  let time = block.timestamp;
  for (let tries = 0; tries < maxTries; tries++) {
    header.writeUInt32LE(nonce, 76);
    if (meetsTarget(hash256(header), target)) {
      block.nonce = nonce;
      block.timestamp = time;
      return block;
    }
    if (nonce === 0xffffffff) {
      nonce = 0;
      time += 1;
      header.writeUInt32LE(time, 68);
    } else {
      nonce++;
    }
  }
  block.nonce = nonce;
  block.timestamp = time;
  return undefined;
}
