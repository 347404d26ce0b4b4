// Regenerates spec/BIPs/vectors/oda-bip-0001/*.json from the independent reference in
// helpers.ts (not from model-store/). Run: node --import tsx test/model-store/gen-vectors.ts
// The tests check model-store/ against the committed files.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { testData, naiveRoot, naivePieceLayer, naiveProof } from './helpers.js';
import { encodeManifest, type Manifest } from '../../model-store/manifest.js';
import { encryptStreamWithParams } from '../../model-store/encryption.js';

const dir = new URL('../../spec/BIPs/vectors/oda-bip-0001/', import.meta.url).pathname;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const MiB = 1048576;
const KiB16 = 16384;

const generator = 'data = the first `length` bytes of SHA256("ODA-BIP-0001" || u32le(0)) || SHA256("ODA-BIP-0001" || u32le(1)) || ... ("ODA-BIP-0001" is 12 ASCII bytes)';

const sizes: Array<[string, number]> = [
  ['empty', 0], ['one byte', 1], ['16 KiB - 1', KiB16 - 1], ['exactly 16 KiB', KiB16], ['16 KiB + 1', KiB16 + 1],
  ['3 blocks (padded to 4 leaves)', 3 * KiB16 - 7], ['1 MiB - 1', MiB - 1], ['exactly 1 MiB', MiB], ['1 MiB + 1', MiB + 1],
  ['2 MiB', 2 * MiB], ['3 pieces, short last (pieces padded to 4)', 3 * MiB + 12345], ['5 pieces (pieces padded to 8)', 5 * MiB],
];

const merkle = sizes.map(([name, length]) => {
  const d = testData(length);
  const blocks = Math.max(1, Math.ceil(length / KiB16));
  const idx = [...new Set([0, Math.floor(blocks / 2), blocks - 1])];
  return {
    name, length,
    data_sha256: sha(d),
    root: hex(naiveRoot(d)),
    piece_layer: naivePieceLayer(d).map(hex),
    proofs: idx.map((i) => ({ block_index: i, block_sha256: sha(d.subarray(i * KiB16, (i + 1) * KiB16)), proof: naiveProof(d, i).map(hex) })),
  };
});
writeFileSync(dir + 'merkle.json', JSON.stringify({
  description: 'BEP 52 pieces root, ODA piece layer (1 MiB pieces) and 16 KiB block inclusion proofs (siblings leaf to root). Computed by an independent recursive implementation (test/model-store/helpers.ts).',
  data: generator,
  vectors: merkle,
}, null, 1) + '\n');

// Manifests: encodings of some of the above.
const manifests = ([['raw', 0, undefined], ['safetensors-weights', 1, undefined], ['onnx', 3 * MiB + 12345, 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy']] as const).map(([mediaType, length, cid]) => {
  const d = testData(length);
  const m: Manifest = { root: hex(naiveRoot(d)), length, pieceSize: MiB, mediaType, pieceLayer: naivePieceLayer(d) };
  if (cid) m.cid = cid;
  return { media_type: mediaType, length, root: m.root, piece_layer: m.pieceLayer.map(hex), cid: cid ?? null, encoding: hex(encodeManifest(m)) };
});
writeFileSync(dir + 'manifest.json', JSON.stringify({ description: 'Canonical manifest encodings (data as in merkle.json). The cid is arbitrary metadata, not derived from the data.', data: generator, vectors: manifests }, null, 1) + '\n');

// Encryption: fixed key, salt and nonce prefix (never do this in real use).
async function ct(plain: Uint8Array, key: Uint8Array, salt: Uint8Array, prefix: Uint8Array): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  async function* one() { yield plain; }
  for await (const p of encryptStreamWithParams(one(), key, salt, prefix)) parts.push(p);
  return Buffer.concat(parts);
}
const key = Buffer.from(createHash('sha256').update('ODA-BIP-0001 key').digest());
const salt = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const prefix = Buffer.from('a0a1a2a3a4a5a6', 'hex');
const enc = [];
for (const [name, length] of [['empty', 0], ['100 bytes', 100], ['exactly one segment', 1048480], ['two segments', 1048480 + 1000]] as Array<[string, number]>) {
  const plain = testData(length);
  const c = await ct(plain, key, salt, prefix);
  enc.push({ name, plaintext_length: length, plaintext_sha256: sha(plain), ciphertext_length: c.length, ciphertext_sha256: sha(c), ciphertext_root: hex(naiveRoot(c)), ciphertext_head: hex(c.subarray(0, 128)), ciphertext_tail: hex(c.subarray(Math.max(0, c.length - 48))) });
}
writeFileSync(dir + 'encryption.json', JSON.stringify({
  description: 'AES-256-GCM segment encryption with fixed salt and nonce prefix. key = SHA256("ODA-BIP-0001 key") (16 ASCII bytes).',
  data: generator, key: hex(key), salt: hex(salt), nonce_prefix: hex(prefix), vectors: enc,
}, null, 1) + '\n');
console.log('wrote merkle.json, manifest.json, encryption.json');
