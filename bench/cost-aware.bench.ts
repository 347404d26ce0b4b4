// ODA-BIP-0005 costs, each as a ratio to a baseline measured in the same run:
// (1) Chain.nextWorkRequired (reads base bits through a wrapper) against the rule called the
//     old way on the entries' own bits, over the same regtest chain past activation (the
//     min-difficulty walk makes each call read every ancestor back to genesis);
// (2) package selection for a template of N pool entries of which 30 % carry CU (two
//     budgets, burn, two greedy passes) against the same pool without CU (Core's greedy).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../chain/chain.js';
import { regtest } from '../chain/params.js';
import { nextWorkRequired as difficultyRule } from '../chain/difficulty.js';
import { requiredBurn } from '../chain/cu-fee.js';
import type { MempoolEntry } from '../mempool/mempool.js';
import { selectPackages, type BlockResource, type PackagePool } from '../miner/template.js';
import { generateBlocks } from '../miner/generate.js';
import { P2WSH_TRUE } from '../test/mempool/util.js';
import { rng } from '../util/rng.js';
import { ratio } from './util.js';

const BLOCKS = Number(process.env.COST_AWARE_BLOCKS ?? 400);
const POOL = Number(process.env.COST_AWARE_POOL ?? 6000);

// (1) nextWorkRequired.
const dir = await mkdtemp(join(tmpdir(), 'oda-bench-cad-'));
const chain = await Chain.open({ params: regtest, dir, fsync: false });
await generateBlocks({ chain, outputScript: P2WSH_TRUE, nblocks: BLOCKS });
const entries = Array.from({ length: BLOCKS }, (_, h) => chain.getEntryByHeight(h + 1)!);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const index = (chain as any).index;
let sink = 0;
const nwr = await ratio(
  async () => { for (const e of entries) sink += chain.nextWorkRequired(e, e.time + 1); },
  async () => { for (const e of entries) sink += difficultyRule(e, e.time + 1, regtest, index.ancestorCursor(e)); },
  15,
);
await chain.close();
await rm(dir, { recursive: true, force: true });

// (2) selection with and without CU.
const r = rng(3);
const items = Array.from({ length: POOL }, (_, i) => {
  const size = 150 + Math.floor(r() * 600);
  const cu = r() < 0.3 ? Math.floor(r() * 200_000_000) : 0;
  const fee = BigInt(size * (1 + Math.floor(r() * 50))) + requiredBurn(1_000n, BigInt(cu));
  return { txid: i.toString(16).padStart(64, '0'), size, cu, fee };
});
const pool = (): PackagePool => {
  const es = items.map((it) => ({
    txid: it.txid, tx: { locktime: 0, ins: [] }, ancestorSize: it.size, ancestorFees: it.fee, ancestorSigOps: 0, ancestorCount: 1,
    weight: 4 * it.size, sigOpCost: 0, fee: it.fee, vsize: it.size, modifiedFee: it.fee,
  }) as unknown as MempoolEntry);
  const byId = new Map(es.map((e) => [e.txid, e]));
  return { entries: () => es, get: (id) => byId.get(id), getAncestors: () => new Set(), getDescendants: () => new Set() };
};
const p = pool();
const cuOf = new Map(items.map((it) => [it.txid, it.cu]));
const cuResource: BlockResource = { name: 'oda-cu', limit: 15_000_000_000, cost: (e) => cuOf.get(e.txid)!, cu: true, burn: (cu) => requiredBurn(1_000n, BigInt(cu)) };
const zeroResource: BlockResource = { name: 'oda-cu', limit: 15_000_000_000, cost: () => 0, cu: true, burn: (cu) => requiredBurn(1_000n, BigInt(cu)) };
const opts = { height: 1, lockTimeCutoff: 0, maxWeight: 3_996_000, maxSigOps: 80_000, minFeeRate: 1000n };
const sel = await ratio(
  async () => { sink += selectPackages(p, { ...opts, resources: [cuResource] }).selected.length; },
  async () => { sink += selectPackages(p, { ...opts, resources: [zeroResource] }).selected.length; },
  9,
);

console.log(`nextWorkRequired over ${BLOCKS} regtest blocks: ${nwr.cand.toFixed(2)} ms with base bits vs ${nwr.base.toFixed(2)} ms on header bits (ratio ${nwr.ratio.toFixed(3)})`);
console.log(`template selection, ${POOL} entries, 30 % with CU: ${sel.cand.toFixed(1)} ms vs ${sel.base.toFixed(1)} ms without CU (ratio ${sel.ratio.toFixed(2)})`);
console.log(JSON.stringify({ nextWorkRequiredRatio: +nwr.ratio.toFixed(3), templateWithCuRatio: +sel.ratio.toFixed(2), sink: sink > 0 }));
