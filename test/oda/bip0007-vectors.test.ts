// ODA-BIP-0007 vectors (spec/BIPs/vectors/oda-bip-0007/registry.json): tree roots and paths,
// the commitment script, and the model proof (valid and refused variants); the committed file
// must be what its generator produces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { encodeRegistryCommitmentScript } from '../../oda/registry-commitment.js';
import { decodeModelProof, ModelProofError, verifyModelProof } from '../../oda/registry-proof.js';
import { proofRoot, proveKey, sha256, updateTree, type NodeStore } from '../../oda/registry-tree.js';
import { vectors } from '../../spec/BIPs/vectors/oda-bip-0007/generate.js';

const V = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0007/registry.json', import.meta.url), 'utf8'));
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

class MemStore implements NodeStore {
  readonly m = new Map<string, Uint8Array>();
  async get(pos: Uint8Array) { return this.m.get(hex(pos)); }
  put(pos: Uint8Array, v: Uint8Array | undefined) { if (v) this.m.set(hex(pos), v); else this.m.delete(hex(pos)); }
}

test('the committed vectors are what the generator produces', async () => {
  assert.equal(JSON.parse(JSON.stringify(await vectors())), V);
});

test('trees: roots and paths', async () => {
  for (const t of V.trees) {
    const store = new MemStore();
    const root = await updateTree(store, t.leaves.map((l: any) => ({ keyHash: sha256(unhex(l.key)), valueHash: sha256(unhex(l.value)) })));
    assert.is(hex(root), t.root, t.name);
    for (const p of t.paths) {
      const kh = sha256(unhex(p.key));
      const got = await proveKey(store, kh);
      assert.equal(got.siblings.map(hex), p.siblings, `${t.name} ${p.key}`);
      const terminal = got.terminal && { keyHash: hex(got.terminal.keyHash), valueHash: hex(got.terminal.valueHash) };
      assert.equal(terminal, p.terminal, `${t.name} ${p.key} terminal`);
      const proof = { siblings: p.siblings.map(unhex), terminal: p.terminal && { keyHash: unhex(p.terminal.keyHash), valueHash: unhex(p.terminal.valueHash) } };
      assert.is(hex(proofRoot(kh, proof)), t.root, `${t.name} ${p.key} path root`);
    }
  }
});

test('commitment script', () => {
  assert.is(hex(encodeRegistryCommitmentScript(unhex(V.commitment.root))), V.commitment.script);
});

test('model proof: verifies to the expected provenance; tampered variants refused', () => {
  const mp = V.model_proof;
  const r = verifyModelProof(unhex(mp.header), decodeModelProof(unhex(mp.proof)), { modelId: mp.model_id, version: mp.version });
  assert.is(r.root, mp.expect.root);
  assert.is(r.model.currentVersion, mp.expect.current_version);
  assert.is(r.model.currentScore.toString(), mp.expect.score);
  assert.is(r.model.currentWeights.root, mp.expect.weights);
  assert.is(r.model.trainerScript, mp.expect.trainer);
  assert.is(r.version!.weights.root, mp.expect.proven_version_weights);
  for (const bad of mp.refused) {
    try {
      verifyModelProof(unhex(mp.header), decodeModelProof(unhex(bad.proof)), { modelId: mp.model_id, version: mp.version });
      assert.unreachable(bad.comment);
    } catch (e) {
      assert.instance(e, ModelProofError, bad.comment);
      assert.ok((e as Error).message.includes(bad.error), `${bad.comment}: ${(e as Error).message}`);
    }
  }
});

test.run();
