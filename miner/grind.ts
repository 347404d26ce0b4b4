// Proof-of-work search over the header: the nonce is bumped in place and the double SHA-256
// compared with the target, most significant byte first. When all 2^32 nonces fail the time
// is bumped by one second (still well inside the 2-hour future limit).
//
// From ODA-BIP-0006's activation every attempt first asks the template's StorageMiner for the
// storage digest of its 80-byte header (k leaf reads), writes it and the skip count into the
// 113-byte header, and compares the hash with the target lowered by the skip penalty; the
// winner's proof section goes into the coinbase witness (sealBlock), which no merkle root
// covers, so the header stays valid.
import { createHash } from 'node:crypto';
import type { Block } from '../chain/block.js';
import type { StorageMiner } from '../chain/extension.js';
import { HEADER_SIZE, STORAGE_POW, compactToTarget, penalizedTarget } from '../chain/header.js';

/** The target for compact bits, as 32 big-endian bytes (lowered by `penaltyBits`, ODA-BIP-0006). */
export function targetBytes(bits: number, penaltyBits = 0): Buffer {
  const target = penalizedTarget(compactToTarget(bits).target, penaltyBits);
  return Buffer.from(target.toString(16).padStart(64, '0').slice(-64), 'hex');
}

/**
 * ODA-BIP-0006 with nothing to sample (a chain without the storage extension, or no eligible
 * data, §3): the digest is the seed, SHA256d of the 80 bytes, and the proof section is
 * version 1 with no slots.
 */
export const NO_STORAGE: StorageMiner = {
  attempt: (h80) => ({ digest: hash256(Buffer.from(h80.buffer, h80.byteOffset, h80.length)), skips: 0 }),
  proof: async () => Uint8Array.of(1, 0),
};

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
export function grind(block: Block, maxTries: number, storage?: StorageMiner): Block | undefined {
  if (block.storage && !storage) throw new Error('grind: a block with the storage header needs the template\'s StorageMiner');
  const header = Buffer.from(block.toBuffer(true));
  // Targets by skip count: a skipped live slot halves the target skipPenaltyBits times.
  const targets = Array.from({ length: STORAGE_POW.k + 1 }, (_, s) => targetBytes(block.bits, s * STORAGE_POW.skipPenaltyBits));
  const h80 = header.subarray(0, HEADER_SIZE);
  let nonce = block.nonce >>> 0;
  let time = block.timestamp;
  for (let tries = 0; tries < maxTries; tries++) {
    header.writeUInt32LE(nonce, 76);
    let skips = 0;
    if (block.storage) {
      const a = storage!.attempt(h80);
      header.set(a.digest, HEADER_SIZE);
      header[HEADER_SIZE + 32] = skips = a.skips;
    }
    if (meetsTarget(hash256(header), targets[skips])) {
      block.nonce = nonce;
      block.timestamp = time;
      if (block.storage) block.storage = { digest: Uint8Array.from(header.subarray(HEADER_SIZE, HEADER_SIZE + 32)), skips };
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

/**
 * Puts the winning attempt's proof section into the coinbase witness (ODA-BIP-0006 §4):
 * [reserved value, proof]. A no-op for a block without the storage header.
 */
export async function sealBlock(block: Block, storage?: StorageMiner): Promise<Block> {
  if (!block.storage) return block;
  if (!storage) throw new Error('sealBlock: a block with the storage header needs the template\'s StorageMiner');
  const proof = await storage.proof(block.toBuffer(true).subarray(0, HEADER_SIZE));
  const cb = block.transactions![0];
  cb.setWitness(0, [cb.ins[0].witness[0], proof]);
  return block;
}
