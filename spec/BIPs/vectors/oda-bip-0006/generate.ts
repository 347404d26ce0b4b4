// Regenerates the ODA-BIP-0006 vectors from the reference functions (oda/storage-proof.ts):
//   sampling.json  header → seed → sampled slots (offset, entry, leaf, void), over a fixed index
//   proofs.json    valid proof sections (SHA-256 of the encoding, digest, penalty, outcome) and
//                  invalid ones as mutations of a valid section, each with its reject reason
// Blob bytes: stream(name, length) = SHA256(utf8(name) ‖ u32le 0) ‖ SHA256(… ‖ u32le 1) ‖ …,
// truncated to length. Run: node --import tsx spec/BIPs/vectors/oda-bip-0006/generate.ts
// Checked by test/oda/storage-vectors.test.ts, which rebuilds every section the same way.
import { writeFileSync } from 'node:fs';
import { storageFixture, runProofCase, PROOF_CASES, SAMPLING_CASES } from './fixture.js';
import { sampleSlots, storageSeed, STORAGE } from '../../../../oda/storage-proof.js';

const dir = new URL('.', import.meta.url).pathname;
const write = (name: string, body: unknown) => writeFileSync(dir + name, JSON.stringify(body, null, 2) + '\n');
const fx = storageFixture();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const index = fx.index.entries.map((e) => ({ ...e, start: e.start.toString() }));
const constants = { ...STORAGE };

write('sampling.json', {
  constants,
  blobs: fx.blobs.map(({ name, length, root, dormant }) => ({ name, length, root, dormant })),
  index,
  cases: SAMPLING_CASES.map((c) => {
    const seed = storageSeed(c.header);
    return {
      description: c.description, header: hex(c.header), height: c.height, seed: hex(seed),
      slots: sampleSlots(seed, fx.index, c.height).map((s) => ({ offset: s.offset.toString(), ordinal: s.entry.ordinal, leaf: s.leaf, void: s.void })),
    };
  }),
});

const results = await Promise.all(PROOF_CASES.map((c) => runProofCase(fx, c)));
write('proofs.json', {
  constants,
  valid: results.filter((r) => r.reason === 'accepted'),
  invalid: results.filter((r) => r.reason !== 'accepted'),
});
console.log(`wrote ${SAMPLING_CASES.length} sampling cases, ${results.length} proof cases`);
