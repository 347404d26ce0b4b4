// Regenerates registry.json: ODA-BIP-0007 tree roots and paths, the commitment script, and a
// model proof against a header (valid, then tampered ways a verifier must refuse).
// Run: node --import tsx spec/BIPs/vectors/oda-bip-0007/generate.ts
// Checked by test/oda/bip0007-vectors.test.ts, which also checks that registry.json is what
// vectors() returns.
import { writeFileSync } from 'node:fs';
import { legacySerialize } from '../../../../chain/block.js';
import { createCoinbase, merkleRoot } from '../../../../chain/coinbase.js';
import { encodeHeader } from '../../../../chain/header.js';
import { buildAddModelPayload } from '../../../../oda/build.js';
import { encodeRegistryCommitmentScript } from '../../../../oda/registry-commitment.js';
import { coinbaseBranch, encodeModelProof, modelRecordKey, versionRecordKey, type ModelProof } from '../../../../oda/registry-proof.js';
import { encodeModel, encodeVersion, type ModelRecord } from '../../../../oda/registry.js';
import { proveKey, sha256, updateTree, type NodeStore } from '../../../../oda/registry-tree.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

class MemStore implements NodeStore {
  readonly m = new Map<string, Uint8Array>();
  async get(pos: Uint8Array) { return this.m.get(hex(pos)); }
  put(pos: Uint8Array, v: Uint8Array | undefined) { if (v) this.m.set(hex(pos), v); else this.m.delete(hex(pos)); }
}

/** The vectors registry.json holds (deterministic: fixed keys, values and header). */
export async function vectors() {
  // 1. Trees: leaves given as record key and value bytes (hex); root and one path per key.
  const treeCases = [
    { name: 'empty', leaves: [] as Array<[string, string]> },
    { name: 'one leaf', leaves: [['6d' + '11'.repeat(32), '0102']] },
    { name: 'two leaves', leaves: [['6d' + '11'.repeat(32), '0102'], ['76' + '11'.repeat(32) + '00000000', '03']] },
    { name: 'eight leaves', leaves: Array.from({ length: 8 }, (_, i) => ['76' + '22'.repeat(32) + i.toString(16).padStart(8, '0'), 'aa'.repeat(i + 1)] as [string, string]) },
  ];
  const trees = [];
  for (const c of treeCases) {
    const store = new MemStore();
    const root = await updateTree(store, c.leaves.map(([k, v]) => ({ keyHash: sha256(Buffer.from(k, 'hex')), valueHash: sha256(Buffer.from(v, 'hex')) })));
    const paths = [];
    for (const k of [...c.leaves.map(([key]) => key), '6d' + '99'.repeat(32)]) {
      const p = await proveKey(store, sha256(Buffer.from(k, 'hex')));
      paths.push({ key: k, siblings: p.siblings.map(hex), terminal: p.terminal && { keyHash: hex(p.terminal.keyHash), valueHash: hex(p.terminal.valueHash) } });
    }
    trees.push({ name: c.name, leaves: c.leaves.map(([key, value]) => ({ key, value })), root: hex(root), paths });
  }

  // 2. A registry with one model at version 1, committed by a block; the proof of model + version 1.
  const PAYOUT = '0014' + '22'.repeat(20);
  const { payload, modelId } = buildAddModelPayload({
    architecture: { root: 'a1'.repeat(32), length: 1000 }, dataset: { root: 'd5'.repeat(32), length: 2000 }, weights: { root: 'b0'.repeat(32), length: 3000 },
    objective: 'accuracy', royalty: 1000n, payoutScript: PAYOUT, name: 'vector-model', description: '', license: 'MIT', versionLabel: 'v0',
  });
  const model: ModelRecord = {
    modelId, add: payload, txid: '01'.repeat(32), height: 201, currentVersion: 1, currentScore: 937n,
    currentWeights: { root: 'b1'.repeat(32), length: 3000 }, trainerScript: '0014' + '33'.repeat(20),
  };
  const records = [
    [modelRecordKey(modelId), encodeModel(model)],
    [versionRecordKey(modelId, 0), encodeVersion({ version: 0, weights: { root: 'b0'.repeat(32), length: 3000 }, score: 900n, trainerScript: PAYOUT, txid: '01'.repeat(32), height: 201, label: 'v0' })],
    [versionRecordKey(modelId, 1), encodeVersion({ version: 1, weights: model.currentWeights, score: 937n, trainerScript: model.trainerScript, txid: '02'.repeat(32), height: 205, label: 'v1' })],
    [modelRecordKey('77'.repeat(32)), Uint8Array.of(1, 2, 3)],
  ] as Array<[Uint8Array, Uint8Array]>;
  const store = new MemStore();
  const root = await updateTree(store, records.map(([k, v]) => ({ keyHash: sha256(k), valueHash: sha256(v) })));
  const coinbase = createCoinbase({ height: 210, outputScript: Uint8Array.of(0x51), value: 5_000_000_000n });
  coinbase.addOutput(encodeRegistryCommitmentScript(root), 0n);
  const txids = [coinbase.getHash(), sha256(Uint8Array.of(1)), sha256(Uint8Array.of(2))];
  const header = encodeHeader({ version: 0x20000000, prevHash: new Uint8Array(32).fill(9), merkleRoot: merkleRoot(txids).root, time: 1767300000, bits: 0x207fffff, nonce: 0 });
  const proof: ModelProof = {
    coinbase: new Uint8Array(legacySerialize(coinbase)),
    branch: coinbaseBranch(txids),
    records: await Promise.all(records.slice(0, 3).filter((_, i) => i !== 1).map(async ([k, v]) => ({ key: k, value: v, path: await proveKey(store, sha256(k)) }))),
  };
  const good = encodeModelProof(proof);
  const tampered = (f: (p: ModelProof) => void) => {
    const p: ModelProof = structuredClone(proof);
    f(p);
    return hex(encodeModelProof(p));
  };
  const modelProof = {
    header: hex(header),
    model_id: modelId,
    version: 1,
    proof: hex(good),
    expect: { root: hex(root), current_version: 1, score: '937', weights: model.currentWeights.root, trainer: model.trainerScript, proven_version_weights: model.currentWeights.root },
    refused: [
      { comment: 'a byte of the model record changed', proof: tampered((p) => { p.records[0].value![20] ^= 1; }), error: 'differs from the committed' },
      { comment: 'a sibling hash changed', proof: tampered((p) => { p.records[0].path.siblings[0] = sha256(Uint8Array.of(7)); }), error: 'does not lead to the committed root' },
      { comment: 'the coinbase changed', proof: tampered((p) => { p.coinbase[p.coinbase.length - 5] ^= 1; }), error: 'merkle branch' },
    ],
  };

  return {
    comment: 'ODA-BIP-0007 vectors: registry tree roots and paths (keys and values hex; key = registry key without the chain namespace), commitment script, and a model proof',
    trees,
    commitment: { root: hex(root), script: hex(encodeRegistryCommitmentScript(root)) },
    model_proof: modelProof,
  };
}

if (process.argv[1]?.endsWith('generate.ts')) {
  const v = await vectors();
  writeFileSync(new URL('./registry.json', import.meta.url), JSON.stringify(v, null, 2) + '\n');
  console.log(`${v.trees.length} trees, model proof of ${v.model_proof.proof.length / 2} bytes written`);
}
