// Regenerates header.json: the ODA-BIP-0006 header and block codec (chain/header.ts,
// chain/block.ts, chain/entry.ts) and the penalised PoW check. Checked by
// test/chain/storage-header.test.ts.  Run: node --import tsx spec/BIPs/vectors/oda-bip-0006/generate-header.ts
import { writeFileSync } from 'node:fs';
import { Block, Transaction } from '../../../../chain/block.js';
import { encodeEntry, entryFromHeader } from '../../../../chain/entry.js';
import { VerifyError } from '../../../../chain/errors.js';
import { checkPenalizedPow, compactToTarget, encodeHeader, headerHash, hashToHex, withStorageBit, type BlockHeader } from '../../../../chain/header.js';
import { sha256 } from '../../../../model-store/merkle.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const h32 = (tag: number) => sha256(Uint8Array.of(tag));
const base = { prevHash: h32(1), merkleRoot: h32(2), time: 1767225700, bits: 0x207fffff, nonce: 7 };

const headers: Array<{ description: string; h: BlockHeader }> = [
  { description: 'classic 80-byte header (BIP9 top bits 001)', h: { ...base, version: 0x20000000 } },
  { description: 'all-ones version: top bits 111, still an 80-byte header', h: { ...base, version: -1 } },
  { description: 'extended: top bits 011, no skip', h: { ...base, version: withStorageBit(0x20000000), storage: { digest: h32(3), skips: 0 } } },
  { description: 'extended with signalling bit 1 and 3 skips', h: { ...base, version: withStorageBit(0x20000002), storage: { digest: h32(4), skips: 3 } } },
];

const headerVectors = headers.map(({ description, h }) => {
  const raw = encodeHeader(h);
  const e = entryFromHeader(raw, 130, 0n, 3);
  e.chainwork = 0x1234n;
  return {
    description,
    version: h.version >>> 0, digest: h.storage ? hex(h.storage.digest) : null, skips: h.storage?.skips ?? null,
    hex: hex(raw), hash: hashToHex(headerHash(raw)),
    /** The ODA-BIP-0006 seed: SHA256d of the first 80 bytes (internal order). */
    seed: hex(headerHash(raw.subarray(0, 80))),
    entry: hex(encodeEntry(e)),
  };
});

// A whole block with the extended header: coinbase witness [reserved value, proof section].
const cb = new Transaction();
cb.version = 2;
cb.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, Uint8Array.of(0x01, 0x82));
cb.addOutput(Uint8Array.of(0x51), 50n * 100_000_000n);
cb.setWitness(0, [new Uint8Array(32), Uint8Array.of(1, 0)]);
const block = new Block();
block.version = withStorageBit(0x20000000);
block.prevHash = h32(1);
block.merkleRoot = Block.calculateMerkleRoot([cb]);
block.timestamp = base.time;
block.bits = base.bits;
block.nonce = 1;
block.storage = { digest: h32(5), skips: 1 };
block.transactions = [cb];
const blockVector = { description: 'block with the 113-byte header and an empty proof section', hex: hex(block.toBuffer()), hash: block.getId(), header: hex(block.toBuffer(true)), weight: block.weight() };

const target = compactToTarget(0x207fffff).target;
const pow = [
  { hash: target, skips: 0 }, { hash: target, skips: 1 }, { hash: target >> 2n, skips: 1 }, { hash: (target >> 8n) + 1n, skips: 4 },
  { hash: target >> 8n, skips: 4 }, { hash: 0n, skips: 5 },
].map(({ hash, skips }) => {
  let result = 'ok';
  try {
    checkPenalizedPow(hash, target, skips);
  } catch (e) {
    result = (e as VerifyError).reason;
  }
  return { bits: '207fffff', hash: hash.toString(16).padStart(64, '0'), skips, result };
});

const invalid = [
  { description: 'top bits 011 but only 80 bytes', hex: headerVectors[2].hex.slice(0, 160) },
  { description: 'top bits 011, extension cut at 112 bytes', hex: headerVectors[2].hex.slice(0, 224) },
];

writeFileSync(new URL('header.json', import.meta.url), JSON.stringify({ headers: headerVectors, block: blockVector, pow, invalid }, null, 1) + '\n');
console.log(`wrote ${headerVectors.length} headers, 1 block, ${pow.length} PoW cases, ${invalid.length} invalid headers`);
