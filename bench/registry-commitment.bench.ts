// ODA-BIP-0007 figures: proof size and verification time, and the registry-tree update of a
// block (model record + new version) as a ratio to connecting a block on a real chain in the
// same run. The tree holds MODELS models with VERSIONS versions each, in memory (the node
// reads its nodes from LevelDB: a few more reads per level, same count).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { legacySerialize } from '../chain/block.js';
import { Chain } from '../chain/chain.js';
import { createCoinbase, merkleRoot } from '../chain/coinbase.js';
import { checkProofOfWork, encodeHeader, headerHash } from '../chain/header.js';
import { regtest } from '../chain/params.js';
import { grind } from '../miner/grind.js';
import { createBlockTemplate } from '../miner/template.js';
import { encodeRegistryCommitmentScript } from '../oda/registry-commitment.js';
import { coinbaseBranch, decodeModelProof, encodeModelProof, verifyModelProof, type ModelProof } from '../oda/registry-proof.js';
import { proveKey, sha256, updateTree, type NodeStore } from '../oda/registry-tree.js';
import { median, ratio } from './util.js';
import { buildAddModelPayload } from '../oda/build.js';
import { encodeModel } from '../oda/registry.js';

const MODELS = Number(process.env.MODELS ?? 1000);
const VERSIONS = 5;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

class MemStore implements NodeStore {
  readonly m = new Map<string, Uint8Array>();
  async get(pos: Uint8Array) { return this.m.get(hex(pos)); }
  put(pos: Uint8Array, v: Uint8Array | undefined) { if (v) this.m.set(hex(pos), v); else this.m.delete(hex(pos)); }
}

const idOf = (i: number) => hex(sha256(Uint8Array.of(i >> 8, i & 0xff)));
const mkey = (i: number) => Uint8Array.from([0x6d, ...Buffer.from(idOf(i), 'hex')]);
const vkey = (i: number, v: number) => Uint8Array.from([0x76, ...Buffer.from(idOf(i), 'hex'), 0, 0, v >> 8, v & 0xff]);
const { payload, modelId } = buildAddModelPayload({
  architecture: { root: 'a1'.repeat(32), length: 1000 }, dataset: { root: 'd5'.repeat(32), length: 2000 }, weights: { root: 'b0'.repeat(32), length: 3000 },
  objective: 'accuracy', royalty: 1000n, payoutScript: '0014' + '22'.repeat(20), name: 'bench', description: '', license: 'MIT', versionLabel: 'v0',
});
const modelValue = encodeModel({ modelId, add: payload, txid: '01'.repeat(32), height: 1, currentVersion: 4, currentScore: 900n, currentWeights: { root: 'b1'.repeat(32), length: 3000 }, trainerScript: '0014' + '33'.repeat(20) });

const store = new MemStore();
let t = process.hrtime.bigint();
const leaves = [];
for (let i = 0; i < MODELS; i++) {
  leaves.push({ keyHash: sha256(i === 0 ? Uint8Array.from([0x6d, ...Buffer.from(modelId, 'hex')]) : mkey(i)), valueHash: sha256(modelValue) });
  for (let v = 0; v < VERSIONS; v++) leaves.push({ keyHash: sha256(vkey(i, v)), valueHash: sha256(Uint8Array.of(i & 0xff, v)) });
}
let root = await updateTree(store, leaves);
const bootstrapMs = Number(process.hrtime.bigint() - t) / 1e6;

// Proof of model 0 (its record decodes) against a synthetic header committing to the root.
const coinbase = createCoinbase({ height: 300, outputScript: Uint8Array.of(0x51), value: 5_000_000_000n });
coinbase.addOutput(encodeRegistryCommitmentScript(root), 0n);
const txids = [coinbase.getHash(), ...Array.from({ length: 499 }, (_, i) => sha256(Uint8Array.of(i >> 8, i & 0xff)))];
const header = encodeHeader({ version: 0x20000000, prevHash: new Uint8Array(32), merkleRoot: merkleRoot(txids).root, time: 1767300000, bits: 0x207fffff, nonce: 0 });
const mk = Uint8Array.from([0x6d, ...Buffer.from(modelId, 'hex')]);
const proof: ModelProof = { coinbase: new Uint8Array(legacySerialize(coinbase)), branch: coinbaseBranch(txids), records: [{ key: mk, value: modelValue, path: await proveKey(store, sha256(mk)) }] };
const proofBytes = encodeModelProof(proof);
const verifyTimes: number[] = [];
const powTimes: number[] = [];
for (let i = 0; i < 200; i++) {
  let s = process.hrtime.bigint();
  verifyModelProof(header, decodeModelProof(proofBytes), { modelId });
  verifyTimes.push(Number(process.hrtime.bigint() - s));
  s = process.hrtime.bigint();
  checkProofOfWork(headerHash(header), 0x207fffff, regtest);
  powTimes.push(Number(process.hrtime.bigint() - s));
}

// Per-block update (one model moves to a new version: 2 leaves) vs connecting a block.
const dir = mkdtempSync(join(tmpdir(), 'oda-bench-regc-'));
const chain = await Chain.open({ params: regtest, dir, fsync: false });
let n = 0;
const upd = async () => {
  n++;
  const i = n % MODELS;
  root = await updateTree(store, [
    { keyHash: sha256(mkey(i)), valueHash: sha256(Uint8Array.of(n & 0xff, n >> 8)) },
    { keyHash: sha256(vkey(i, VERSIONS + n)), valueHash: sha256(Uint8Array.of(n & 0xff)) },
  ]);
};
const connect = async () => {
  const tpl = await createBlockTemplate({ chain, outputScript: Uint8Array.of(0x51) });
  await chain.processBlock(grind(tpl.block, 1_000_000)!);
};
const r = await ratio(upd, connect, 60);
await chain.close();
rmSync(dir, { recursive: true, force: true });

const out = {
  leaves: leaves.length,
  proof_bytes: proofBytes.length + header.length,
  proof_siblings: proof.records[0].path.siblings.length,
  verify_us: median(verifyTimes) / 1e3,
  verify_vs_header_pow: median(verifyTimes) / median(powTimes),
  bootstrap_ms: bootstrapMs,
  update_ms: r.cand,
  connect_empty_block_ms: r.base,
  update_vs_connect: r.ratio,
};
console.log(`${out.leaves} leaves: proof ${out.proof_bytes} B (${out.proof_siblings} siblings), verify ${out.verify_us.toFixed(1)} us (${out.verify_vs_header_pow.toFixed(1)}x a header PoW check); bootstrap ${bootstrapMs.toFixed(0)} ms; per-block update ${r.cand.toFixed(3)} ms = ${r.ratio.toFixed(3)}x connecting an empty block (${r.base.toFixed(2)} ms)`);
console.log(JSON.stringify(out));
