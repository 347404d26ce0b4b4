// Template quality with two budgets (weight and ODA CU): selectPackages against the exact
// optimum (all 2^n subsets) on small random instances, and against the fee-rate-only greedy
// it replaces; packages that cannot pay their ODA-BIP-0005 burn are left out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectPackages, COINBASE_RESERVED_WEIGHT, type BlockResource, type PackagePool } from '../../miner/template.js';
import type { MempoolEntry } from '../../mempool/mempool.js';
import { requiredBurn } from '../../chain/cu-fee.js';
import { rng as makeRng } from '../../util/rng.js';

interface Item { txid: string; size: number; cu: number; fee: bigint }

function pool(items: Item[]): PackagePool {
  const entries = items.map((it) => ({
    txid: it.txid, tx: { locktime: 0, ins: [] }, ancestorSize: it.size, ancestorFees: it.fee, ancestorSigOps: 0, ancestorCount: 1,
    weight: 4 * it.size, sigOpCost: 0, fee: it.fee, vsize: it.size, modifiedFee: it.fee,
  }) as unknown as MempoolEntry);
  const byId = new Map(entries.map((e) => [e.txid, e]));
  return { entries: () => entries, get: (id) => byId.get(id), getAncestors: () => new Set(), getDescendants: () => new Set() };
}

const BASE_FEE = 1_000n;
const burn = (cu: number) => requiredBurn(BASE_FEE, BigInt(cu));
const value = (it: Item) => it.fee - burn(it.cu);

function instance(r: () => number, n: number, maxWeight: number, cuLimit: number): Item[] {
  return Array.from({ length: n }, (_, i) => {
    const size = 100 + Math.floor(r() * 400);
    const cu = r() < 0.3 ? 0 : Math.floor(r() * cuLimit * 0.45);
    // Fees loosely follow both resources, so neither order alone is right.
    const fee = BigInt(Math.floor(size * (1 + r() * 20) + (cu / cuLimit) * (maxWeight / 4) * r() * 20)) + burn(cu);
    return { txid: `t${String(i).padStart(3, '0')}`, size, cu, fee };
  });
}

function fits(items: Item[], maxWeight: number, cuLimit: number): boolean {
  let w = COINBASE_RESERVED_WEIGHT;
  let cu = 0;
  for (const it of items) {
    w += 4 * it.size;
    cu += it.cu;
  }
  return (items.length === 0 || w < maxWeight) && cu <= cuLimit;
}

function optimum(items: Item[], maxWeight: number, cuLimit: number): bigint {
  let best = 0n;
  for (let mask = 0; mask < 1 << items.length; mask++) {
    const pick = items.filter((_, i) => mask & (1 << i));
    if (!fits(pick, maxWeight, cuLimit)) continue;
    const v = pick.reduce((a, it) => a + value(it), 0n);
    if (v > best) best = v;
  }
  return best;
}

/** The order this replaced: fee rate over weight alone, skipping what does not fit. */
function feeRateGreedy(items: Item[], maxWeight: number, cuLimit: number): bigint {
  const sorted = [...items].sort((a, b) => Number(b.fee) / b.size - Number(a.fee) / a.size);
  const pick: Item[] = [];
  for (const it of sorted) if (value(it) >= 0n && fits([...pick, it], maxWeight, cuLimit)) pick.push(it);
  return pick.reduce((a, it) => a + value(it), 0n);
}

test('two-resource selection: near the exact optimum, better than fee rate alone', () => {
  const r = makeRng(7);
  const runs = 300;
  let sumNew = 0;
  let sumOld = 0;
  let worstNew = 1;
  for (let k = 0; k < runs; k++) {
    const maxWeight = COINBASE_RESERVED_WEIGHT + 4 * 1500;
    const cuLimit = 1_000_000_000;
    const items = instance(r, 12, maxWeight, cuLimit);
    const resource: BlockResource = { name: 'cu', limit: cuLimit, cost: (e) => items.find((i) => i.txid === e.txid)!.cu, cu: true, burn };
    const sel = selectPackages(pool(items), { height: 1, lockTimeCutoff: 0, maxWeight, maxSigOps: 80_000, minFeeRate: 0n, resources: [resource] });
    const picked = sel.selected.map((e) => items.find((i) => i.txid === e.txid)!);
    assert.ok(fits(picked, maxWeight, cuLimit), 'within both budgets');
    const got = picked.reduce((a, it) => a + value(it), 0n);
    const opt = optimum(items, maxWeight, cuLimit);
    assert.ok(got <= opt);
    const ratio = opt === 0n ? 1 : Number(got) / Number(opt);
    const old = opt === 0n ? 1 : Number(feeRateGreedy(items, maxWeight, cuLimit)) / Number(opt);
    sumNew += ratio;
    sumOld += old;
    worstNew = Math.min(worstNew, ratio);
  }
  const meanNew = sumNew / runs;
  const meanOld = sumOld / runs;
  console.log(`template value / exact optimum over ${runs} instances of 12 txs: selectPackages mean ${(meanNew * 100).toFixed(2)} % (worst ${(worstNew * 100).toFixed(1)} %), fee-rate greedy mean ${(meanOld * 100).toFixed(2)} %`);
  assert.ok(meanNew >= 0.95, `mean ${meanNew}`);
  assert.ok(meanNew > meanOld, 'the two-resource order beats fee rate alone');
});

test('a package whose fee does not cover its burn waits; with CU priced it yields to cheaper CU', () => {
  const items: Item[] = [
    { txid: 'a', size: 200, cu: 500_000_000, fee: burn(500_000_000) - 1n },
    { txid: 'b', size: 200, cu: 0, fee: 1_000n },
  ];
  const resource: BlockResource = { name: 'cu', limit: 1_000_000_000, cost: (e) => items.find((i) => i.txid === e.txid)!.cu, cu: true, burn };
  const sel = selectPackages(pool(items), { height: 1, lockTimeCutoff: 0, maxWeight: 4_000_000, maxSigOps: 80_000, minFeeRate: 0n, resources: [resource] });
  assert.equal(sel.selected.map((e) => e.txid), ['b']);
});

test.run();
