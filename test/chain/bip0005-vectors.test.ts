// ODA-BIP-0005 vectors (cost-aware difficulty, CU fee market, coinbase commitment) and the
// rule's stated properties: no profitable self-stuffing, no chainwork inflation, existing
// difficulty behaviour untouched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { blockDiscountPpm, costAwareBits, headerBitsInRange, blockWork, costAwarePowLimit, discountedTarget, nextWorkRequired } from '../../chain/difficulty.js';
import { nextBaseFee, requiredBurn, targetBlockCu, priorityFee } from '../../chain/cu-fee.js';
import { encodeCuCommitmentScript, findCuCommitment } from '../../chain/cu-commitment.js';
import { COST_AWARE } from '../../chain/cost-aware.js';
import { compactToTarget, getBlockProof } from '../../chain/header.js';
import { main } from '../../chain/params.js';

const dir = new URL('../../spec/BIPs/vectors/oda-bip-0005/', import.meta.url);
const load = (f: string) => JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

test('constants in the vectors are the module constants', () => {
  const { constants } = load('difficulty.json');
  for (const [k, v] of Object.entries(COST_AWARE)) assert.is(constants[k], v.toString(), k);
});

test('discount and bits vectors', () => {
  const { discount, range, powLimit } = load('difficulty.json');
  assert.ok(discount.length >= 8);
  for (const v of discount) {
    const ppm = blockDiscountPpm(BigInt(v.cu), BigInt(v.maxBlockCu), BigInt(v.burn), BigInt(v.reward));
    assert.is(ppm.toString(), v.discountPpm, v.note);
    const bits = costAwareBits(Number(v.baseBits), ppm);
    assert.is(bits, Number(v.bits), v.note);
    assert.is(blockWork(Number(v.baseBits)).toString(), v.work, v.note);
    assert.is(getBlockProof(bits).toString(), v.hashesWork, v.note);
    assert.ok(headerBitsInRange(bits, Number(v.baseBits)), `${v.note}: required bits pass the header check`);
  }
  for (const v of range) assert.is(headerBitsInRange(Number(v.bits), Number(v.baseBits)), v.inRange, v.note);
  for (const v of powLimit) assert.is('0x' + costAwarePowLimit(compactToTarget(Number(v.powLimitBits)).target).toString(16), v.costAwarePowLimit);
});

test('base-fee sequences', () => {
  const { sequences } = load('base-fee.json');
  for (const s of sequences) {
    const target = targetBlockCu(BigInt(s.maxBlockCu));
    assert.is(target.toString(), s.targetCu);
    let fee = BigInt(s.startBaseFee);
    s.cu.forEach((cu: string, i: number) => {
      assert.is(fee.toString(), s.baseFee[i], `${s.note} #${i}`);
      assert.is(requiredBurn(fee, BigInt(cu)).toString(), s.requiredBurn[i]);
      const next = nextBaseFee(fee, BigInt(cu), target);
      // Bounded change: at most 1/8 up (or +1) and 1/8 down, never under the floor.
      assert.ok(next <= fee + fee / 8n + 1n && (next >= fee - fee / 8n || next === COST_AWARE.minBaseFee) && next >= COST_AWARE.minBaseFee);
      fee = next;
    });
    assert.is(fee.toString(), s.next);
  }
});

test('commitment vectors', () => {
  const { commitments, lookups } = load('commitment.json');
  for (const c of commitments) assert.is(Buffer.from(encodeCuCommitmentScript({ cu: BigInt(c.cu), baseFee: BigInt(c.baseFee) })).toString('hex'), c.script);
  for (const l of lookups) {
    const r = findCuCommitment(l.outputs.map(([s, v]: [string, string]) => ({ script: hex(s), value: BigInt(v) })));
    if (l.result.ok) {
      assert.ok(r.ok, l.note);
      if (r.ok) assert.equal({ ok: true, index: r.index, cu: r.commitment.cu.toString(), baseFee: r.commitment.baseFee.toString(), burn: r.burn.toString() }, l.result);
    } else assert.equal(r.ok ? 'ok' : r.reason, l.result.reason, l.note);
  }
});

test('chain vector: fee, burn, discount and bits together', () => {
  const { blocks, maxBlockCu } = load('chain.json');
  const max = BigInt(maxBlockCu);
  let fee = COST_AWARE.minBaseFee;
  let prevCu = 0n;
  blocks.forEach((b: Record<string, string>, i: number) => {
    if (i > 0) fee = nextBaseFee(fee, prevCu, targetBlockCu(max));
    assert.is(fee.toString(), b.baseFee);
    assert.is(requiredBurn(fee, BigInt(b.cu)).toString(), b.requiredBurn);
    assert.ok(BigInt(b.burn) >= BigInt(b.requiredBurn));
    const ppm = blockDiscountPpm(BigInt(b.cu), max, BigInt(b.burn), BigInt(b.reward));
    assert.is(ppm.toString(), b.discountPpm);
    assert.is(costAwareBits(Number(b.baseBits), ppm), Number(b.bits));
    prevCu = BigInt(b.cu);
  });
});

// The BIP's inequality: the miner keeps subsidy + others' fees − burn (its own stuffing
// transactions pay the burn as fee to itself, so the fee comes back and the burn does not);
// with d ≤ burn/reward, (1 + d)(S + F − b) never exceeds S + F, whether the burn comes from
// the miner's own transactions (they count in the reward) or straight from the coinbase.
test('self-stuffing never pays: (1 + d)(S + F − b) ≤ S + F for every burn', () => {
  let seed = 7;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed);
  const max = 15_000_000_000n;
  for (let i = 0; i < 2000; i++) {
    const cu = BigInt(r()) % (max + 1n);
    const subsidy = BigInt(r() % 5_000_000_001);
    const fees = BigInt(r() % 100_000_000);
    const burn = BigInt(r()) % (subsidy + fees + 1n);
    for (const reward of [subsidy + fees + burn, subsidy + fees]) {
      const d = blockDiscountPpm(cu, max, burn, reward);
      assert.ok((COST_AWARE.ppm + d) * (subsidy + fees - burn) <= COST_AWARE.ppm * (subsidy + fees), `cu ${cu} burn ${burn} reward ${reward}`);
    }
  }
});

test('chainwork ignores CU, and credits at most 1 + cap times the hashes a block took', () => {
  for (const base of [0x207fffff, 0x1e0fffff, 0x1d00ffff, 0x1b0404cb, 0x1703a30c]) {
    for (let ppm = 0n; ppm <= COST_AWARE.capPpm; ppm += 2_500n) {
      const hashes = getBlockProof(costAwareBits(base, ppm));
      assert.ok(hashes <= blockWork(base), `base ${base.toString(16)} ppm ${ppm}`);
      // work(base) ≤ (1 + cap) · hashes, up to one unit of integer rounding.
      if (hashes > 100n) assert.ok(blockWork(base) * COST_AWARE.ppm <= (COST_AWARE.ppm + COST_AWARE.capPpm) * (hashes + 1n), `amplification ${base.toString(16)} ${ppm}`);
    }
  }
  assert.is(costAwareBits(0x1e0fffff, 0n), 0x1e0fffff);
  assert.throws(() => discountedTarget(1n << 200n, COST_AWARE.capPpm + 1n));
});

test('existing nextWorkRequired unchanged for base bits', () => {
  const prev = { height: 2015, time: 1767225600 + 2016 * 600, bits: 0x1e0fffff };
  assert.is(nextWorkRequired(prev, prev.time + 600, main, () => ({ height: 0, time: 1767225600, bits: 0x1e0fffff })), 0x1e0fffff);
});

test('priority fee is what is left after the burn', () => {
  assert.is(priorityFee(10_000n, 1_000_000n, 1_000n), 9_000n);
  assert.is(priorityFee(500n, 1_000_000n, 1_000n), 0n);
});

test.run();
