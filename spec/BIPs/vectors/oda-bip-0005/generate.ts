// Regenerates the ODA-BIP-0005 vectors from the reference functions:
//   difficulty.json (CU, burn, reward → discount → bits; header bits range checks),
//   base-fee.json (base-fee sequences and burns), commitment.json (coinbase commitment),
//   chain.json (a run of blocks: base fee, burn, discount, bits and work together).
// Run: node --import tsx spec/BIPs/vectors/oda-bip-0005/generate.ts
// Checked by test/chain/bip0005-vectors.test.ts.
import { writeFileSync } from 'node:fs';
import { blockDiscountPpm, costAwareBits, headerBitsInRange, blockWork, costAwarePowLimit } from '../../../../chain/difficulty.js';
import { nextBaseFee, requiredBurn, targetBlockCu } from '../../../../chain/cu-fee.js';
import { encodeCuCommitmentScript, findCuCommitment } from '../../../../chain/cu-commitment.js';
import { COST_AWARE } from '../../../../chain/cost-aware.js';
import { compactToTarget, getBlockProof } from '../../../../chain/header.js';

const dir = new URL('.', import.meta.url).pathname;
const hex8 = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const MAX = 15_000_000_000n;
const COIN = 100_000_000n;
const write = (name: string, body: unknown) => writeFileSync(dir + name, JSON.stringify(body, null, 2) + '\n');

const constants = Object.fromEntries(Object.entries(COST_AWARE).map(([k, v]) => [k, v.toString()]));

// discount + bits
const bitsCases: [number, bigint, bigint, bigint, string][] = [
  [0x207fffff, 0n, 0n, 50n * COIN, 'empty block: base bits'],
  [0x207fffff, MAX, 3n * COIN, 53n * COIN, 'regtest, full block, burn above the α term: capped at α'],
  [0x207fffff, MAX / 2n, 10n * COIN, 60n * COIN, 'half block: α/2'],
  [0x1e0fffff, MAX, 15_000_000n, 5_015_000_000n, 'main powLimit, full block at the floor base fee: burn-limited'],
  [0x1e0fffff, 1_000_000n, 1_000n, 50n * COIN, 'one small inference: rounds down to 0'],
  [0x1d00ffff, MAX, 4n * COIN, 54n * COIN, 'Bitcoin genesis bits, capped'],
  [0x1b0404cb, 7_500_000_000n, 50_000_000n, 2_550_000_000n, 'Bitcoin block 32256 bits, burn-limited'],
  [0x1703a30c, MAX, COIN, 4n * COIN, 'small mantissa exponent 0x17, capped'],
  [0x1e0fffff, MAX, 3n * COIN, 0n, 'zero reward: no discount'],
];
const discount = bitsCases.map(([baseBits, cu, burn, reward, note]) => {
  const ppm = blockDiscountPpm(cu, MAX, burn, reward);
  return { note, baseBits: hex8(baseBits), cu: cu.toString(), maxBlockCu: MAX.toString(), burn: burn.toString(), reward: reward.toString(), discountPpm: ppm.toString(), bits: hex8(costAwareBits(baseBits, ppm)), work: blockWork(baseBits).toString(), hashesWork: getBlockProof(costAwareBits(baseBits, ppm)).toString() };
});
const rangeCases: [number, number, string][] = [
  [0x1e0fffff, 0x1e0fffff, 'base bits'],
  [0x1e106665, 0x1e0fffff, 'the largest discount (2.5%)'],
  [0x1e106666, 0x1e0fffff, 'just above the largest discount'],
  [0x1e0ffffe, 0x1e0fffff, 'harder than base: not the rule'],
  [0x1e8fffff, 0x1e0fffff, 'negative'],
  [0x23ffffff, 0x1e0fffff, 'overflow'],
  [0x21008333, 0x207fffff, 'regtest: the largest discount, above powLimit (size 33)'],
  [0x21008334, 0x207fffff, 'regtest: just above the largest discount'],
];
const range = rangeCases.map(([bits, baseBits, note]) => ({ note, bits: hex8(bits), baseBits: hex8(baseBits), inRange: headerBitsInRange(bits, baseBits) }));
write('difficulty.json', {
  constants,
  powLimit: [0x207fffff, 0x1e0fffff].map((b) => ({ powLimitBits: hex8(b), costAwarePowLimit: '0x' + costAwarePowLimit(compactToTarget(b).target).toString(16) })),
  discount, range,
});

// base fee sequences
function sequence(note: string, start: bigint, cus: bigint[], maxBlockCu = MAX) {
  const target = targetBlockCu(maxBlockCu);
  const fees: string[] = [];
  const burns: string[] = [];
  let fee = start;
  for (const cu of cus) {
    fees.push(fee.toString());
    burns.push(requiredBurn(fee, cu).toString());
    fee = nextBaseFee(fee, cu, target);
  }
  return { note, maxBlockCu: maxBlockCu.toString(), targetCu: target.toString(), startBaseFee: start.toString(), cu: cus.map(String), baseFee: fees, requiredBurn: burns, next: fee.toString() };
}
write('base-fee.json', {
  constants,
  sequences: [
    sequence('full blocks from the floor: +12.5% per block', 1_000n, Array(10).fill(MAX)),
    sequence('empty blocks from 100000: -12.5% per block down to the floor', 100_000n, Array(20).fill(0n)),
    sequence('at target: unchanged', 5_000n, Array(4).fill(MAX / 2n)),
    sequence('one CU above target at the floor: +1 minimum rise', 1_000n, [MAX / 2n + 1n, MAX / 2n + 1n]),
    sequence('mixed', 8_000n, [MAX, 0n, 3_000_000_000n, 12_345_678_901n, MAX / 2n, 1n]),
    sequence('small test network (maxBlockCu 10^6)', 1_000n, [1_000_000n, 1_000_000n, 500_001n, 0n], 1_000_000n),
  ],
});

// coinbase commitment
const commits = [
  { cu: 0n, baseFee: 1_000n },
  { cu: MAX, baseFee: 2_565n },
  { cu: 123_456_789n, baseFee: 1_000n },
].map((c) => ({ cu: c.cu.toString(), baseFee: c.baseFee.toString(), script: Buffer.from(encodeCuCommitmentScript(c)).toString('hex') }));
const s = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const good = commits[2]!.script;
const p2wpkh = '0014' + '11'.repeat(20);
const lookups = [
  { note: 'payout then commitment', outputs: [[p2wpkh, '4999000000'], [good, '1235']] },
  { note: 'no commitment', outputs: [[p2wpkh, '5000000000']] },
  { note: 'two commitments', outputs: [[good, '1235'], [good, '1235']] },
  { note: 'truncated commitment', outputs: [[good.slice(0, 40), '0']] },
  { note: 'other OP_RETURN ignored', outputs: [['6a24aa21a9ed' + '00'.repeat(32), '0'], [good, '0']] },
].map((l) => {
  const r = findCuCommitment(l.outputs.map(([script, value]) => ({ script: s(script!), value: BigInt(value!) })));
  return { ...l, result: r.ok ? { ok: true, index: r.index, cu: r.commitment.cu.toString(), baseFee: r.commitment.baseFee.toString(), burn: r.burn.toString() } : { ok: false, reason: r.reason } };
});
write('commitment.json', { commitments: commits, lookups });

// a run of blocks on ODA main's powLimit, subsidy 50 coins, 0.01 coin of ordinary fees
const blocks: unknown[] = [];
let fee = COST_AWARE.minBaseFee;
let prevCu = targetBlockCu(MAX);
const userPay = [0n, 0n, 20_000n, 20_000n, 20_000n, 50_000n, 0n, 0n];
const cus = [0n, MAX, MAX, MAX, MAX / 2n, MAX, 2_000_000_000n, 0n];
for (let i = 0; i < cus.length; i++) {
  fee = i === 0 ? COST_AWARE.minBaseFee : nextBaseFee(fee, prevCu, targetBlockCu(MAX));
  const cu = cus[i]!;
  const burnReq = requiredBurn(fee, cu);
  const burn = burnReq > (userPay[i]! * cu) / COST_AWARE.cuPerFeeUnit ? burnReq : (userPay[i]! * cu) / COST_AWARE.cuPerFeeUnit;
  const reward = 50n * COIN + 1_000_000n + burn;
  const ppm = blockDiscountPpm(cu, MAX, burn, reward);
  const bits = costAwareBits(0x1e0fffff, ppm);
  blocks.push({ height: i + 1, cu: cu.toString(), baseFee: fee.toString(), requiredBurn: burnReq.toString(), burn: burn.toString(), reward: reward.toString(), discountPpm: ppm.toString(), baseBits: '0x1e0fffff', bits: hex8(bits), work: blockWork(0x1e0fffff).toString() });
  prevCu = cu;
}
write('chain.json', { note: 'activation at height 1; block 1 base fee = minBaseFee; burn = max(required, what users paid at their fee rate)', maxBlockCu: MAX.toString(), blocks });
console.log('wrote', dir);
