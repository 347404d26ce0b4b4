import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import {
  BLOCK_SIZE, PIECE_SIZE, MerkleBuilder, blockProof, fromHex, piecesRoot, proofDepth, toHex, verifyBlockProof, pieceHash, rootFromPieceLayer,
} from '../../model-store/merkle.js';
import { decodeManifest, encodeManifest, manifestFromJson, manifestToJson, ManifestError, type Manifest } from '../../model-store/manifest.js';
import { bep52CreatorRoot, naivePieceLayer, naiveProof, naiveRoot, testData } from './helpers.js';

const vectors = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0001/merkle.json', import.meta.url), 'utf8'));
const manifestVectors = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0001/manifest.json', import.meta.url), 'utf8'));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

for (const v of vectors.vectors) {
  test(`BEP 52 vector: ${v.name} (${v.length} bytes)`, () => {
    const data = testData(v.length);
    assert.is(sha(data), v.data_sha256, 'data generator');
    assert.is(toHex(piecesRoot(data)), v.root);
    // Streaming in awkward chunk sizes gives the same digest.
    for (const step of [1000, BLOCK_SIZE + 3, PIECE_SIZE - 1]) {
      if (step === 1000 && v.length > 2 * PIECE_SIZE) continue;
      const mb = new MerkleBuilder();
      for (let o = 0; o < v.length; o += step) mb.update(data.subarray(o, o + step));
      const d = mb.digest();
      assert.is(toHex(d.root), v.root);
      assert.equal(d.pieceLayer.map(toHex), v.piece_layer);
      assert.is(d.length, v.length);
      assert.is(toHex(rootFromPieceLayer(d.pieceLayer, v.length)), v.root);
    }
    for (const p of v.proofs) {
      const block = data.subarray(p.block_index * BLOCK_SIZE, (p.block_index + 1) * BLOCK_SIZE);
      assert.is(sha(block), p.block_sha256);
      const proof = blockProof(data, p.block_index);
      assert.equal(proof.map(toHex), p.proof);
      assert.is(proof.length, proofDepth(v.length));
      assert.ok(verifyBlockProof(fromHex(v.root), v.length, p.block_index, block, p.proof.map(fromHex)));
    }
  });
}

test("vectors agree with BEP 52's torrent-creator procedure (non-empty sizes)", () => {
  for (const v of vectors.vectors) {
    const ref = bep52CreatorRoot(testData(v.length));
    if (v.length === 0) { assert.is(ref, undefined); continue; }
    assert.is(ref!.root.toString('hex'), v.root, v.name);
    if (v.length > PIECE_SIZE) assert.equal(ref!.pieceLayer.map((b) => b.toString('hex')), v.piece_layer, v.name);
  }
});

test('piece layer entries are per-piece subtree roots (single piece: the root)', () => {
  const data = testData(3 * PIECE_SIZE + 12345);
  const d = new MerkleBuilder().update(data).digest();
  for (let i = 0; i < d.pieceLayer.length; i++) {
    assert.equal(pieceHash(data.subarray(i * PIECE_SIZE, (i + 1) * PIECE_SIZE), false), d.pieceLayer[i]);
  }
  const small = testData(5000);
  assert.equal(pieceHash(small, true), piecesRoot(small));
});

test('cross-check against the recursive reference at many sizes', () => {
  const sizes = [2, 100, 16383, 32768, 32769, 65536 + 1, 1048576 - 16384, 1048576 + 16384, 2 * 1048576 - 1, 2 * 1048576 + 1, 4 * 1048576 + 16385];
  for (const n of sizes) {
    const data = testData(n);
    const d = new MerkleBuilder().update(data).digest();
    assert.is(toHex(d.root), naiveRoot(data).toString('hex'), `root at ${n}`);
    assert.equal(d.pieceLayer.map(toHex), naivePieceLayer(data).map((b) => b.toString('hex')), `piece layer at ${n}`);
    const last = Math.ceil(n / BLOCK_SIZE) - 1;
    for (const i of [0, last, Math.floor(last / 3)]) assert.equal(blockProof(data, i).map(toHex), naiveProof(data, i).map((b) => b.toString('hex')));
  }
});

test('verifyBlockProof rejects anything that is not the committed block', () => {
  const data = testData(3 * PIECE_SIZE + 12345);
  const root = piecesRoot(data);
  const i = 70;
  const block = data.slice(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE);
  const proof = blockProof(data, i);
  assert.ok(verifyBlockProof(root, data.length, i, block, proof));
  const flipped = block.slice(); flipped[5] ^= 1;
  assert.not.ok(verifyBlockProof(root, data.length, i, flipped, proof), 'flipped byte');
  assert.not.ok(verifyBlockProof(root, data.length, i + 1, block, proof), 'wrong index');
  // A middle block does not reveal the blob length (the tree does, under SHA-256 preimage
  // resistance), but a length with another tree depth must fail.
  assert.not.ok(verifyBlockProof(root, 5 * PIECE_SIZE, i, block, proof), 'length with a deeper tree');
  assert.not.ok(verifyBlockProof(root, 2 * PIECE_SIZE, i, block, proof), 'length with a shallower tree');
  assert.not.ok(verifyBlockProof(root, data.length, i, block, proof.slice(1)), 'short proof');
  assert.not.ok(verifyBlockProof(root, data.length, i, block, [...proof, new Uint8Array(32)]), 'long proof');
  const badSib = proof.map((p) => p.slice()); badSib[3][0] ^= 1;
  assert.not.ok(verifyBlockProof(root, data.length, i, block, badSib), 'tampered sibling');
  assert.not.ok(verifyBlockProof(root, data.length, i, block.subarray(1), proof), 'short block');
  assert.not.ok(verifyBlockProof(root, data.length, 10_000, block, proof), 'index past the end');
  // The short last block must be exactly its length, not zero-padded.
  const lastIdx = Math.ceil(data.length / BLOCK_SIZE) - 1;
  const lastBlock = data.slice(lastIdx * BLOCK_SIZE);
  const lastProof = blockProof(data, lastIdx);
  assert.ok(verifyBlockProof(root, data.length, lastIdx, lastBlock, lastProof));
  const padded = new Uint8Array(BLOCK_SIZE); padded.set(lastBlock);
  assert.not.ok(verifyBlockProof(root, data.length, lastIdx, padded, lastProof), 'zero-padded last block');
});

for (const v of manifestVectors.vectors) {
  test(`manifest vector: ${v.media_type}, ${v.length} bytes`, () => {
    const m = decodeManifest(fromHex(v.encoding));
    assert.is(m.root, v.root);
    assert.is(m.length, v.length);
    assert.is(m.mediaType, v.media_type);
    assert.equal(m.pieceLayer.map(toHex), v.piece_layer);
    assert.is(m.cid ?? null, v.cid);
    assert.is(toHex(encodeManifest(m)), v.encoding);
    assert.equal(manifestFromJson(JSON.parse(JSON.stringify(manifestToJson(m)))), m);
  });
}

test('manifests that do not match their commitment are refused with a reason', () => {
  const data = testData(3 * PIECE_SIZE);
  const d = new MerkleBuilder().update(data).digest();
  const good: Manifest = { root: toHex(d.root), length: d.length, pieceSize: PIECE_SIZE, mediaType: 'raw', pieceLayer: d.pieceLayer };
  const enc = encodeManifest(good);
  const bad = (m: Partial<Manifest>, re: RegExp) => assert.throws(() => encodeManifest({ ...good, ...m }), (e: unknown) => e instanceof ManifestError && re.test((e as Error).message));
  bad({ length: d.length + 1 }, /piece layer has 3 hashes, a 3145729-byte blob has 4 pieces/);
  bad({ length: d.length + PIECE_SIZE }, /piece layer has 3 hashes/);
  bad({ pieceLayer: [d.pieceLayer[1], d.pieceLayer[0], d.pieceLayer[2]] }, /does not hash to the root/);
  bad({ pieceLayer: [d.pieceLayer[0], d.pieceLayer[1], d.pieceLayer[1]] }, /does not hash to the root/);
  bad({ pieceSize: 262144 }, /piece size/);
  bad({ root: good.root.toUpperCase() }, /64 lowercase hex/);
  bad({ mediaType: 'video' as never }, /unknown media type/);
  const corrupt = enc.slice(); corrupt[50] ^= 1;
  assert.throws(() => decodeManifest(corrupt), /does not hash to the root/);
  assert.throws(() => decodeManifest(enc.subarray(0, enc.length - 1)), /truncated|trailing/);
  assert.throws(() => decodeManifest(Uint8Array.of(...enc, 0)), /trailing/);
  const v2 = enc.slice(); v2[0] = 2;
  assert.throws(() => decodeManifest(v2), /unknown version 2/);
});

test.run();
