// generatetoaddress 1000 through the miner API (createBlockTemplate + grind + processBlock,
// as the RPC does) into a real Chain in a temp dir, against the baseline of connecting the
// very same 1000 blocks into a fresh chain with processBlock alone, measured in the same
// run. The ratio is the miner's overhead (template, coinbase, witness commitment, nonce
// grinding) on top of block validation and storage. fsync is off: validation, not disk latency.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Block } from 'bitcoinjs-lib';
import { Chain } from '../chain/chain.js';
import { regtest } from '../chain/params.js';
import { Mempool } from '../mempool/mempool.js';
import { generateBlocks } from '../miner/generate.js';
import { P2WSH_TRUE } from '../test/mempool/util.js';

const N = Number(process.env.GENERATE_N ?? 1000);

const dirA = await mkdtemp(join(tmpdir(), 'oda-bench-gen-a-'));
const dirB = await mkdtemp(join(tmpdir(), 'oda-bench-gen-b-'));
const chainA = await Chain.open({ params: regtest, dir: dirA, fsync: false });
const mempool = new Mempool({ chain: chainA, params: regtest });
chainA.on('connect', (_e, block) => mempool.handleConnect(block));

const blocks: Block[] = [];
let t0 = process.hrtime.bigint();
const hashes = await generateBlocks({ chain: chainA, mempool, outputScript: P2WSH_TRUE, nblocks: N, onBlock: (b) => blocks.push(b) });
const generateSec = Number(process.hrtime.bigint() - t0) / 1e9;
if (hashes.length !== N || chainA.height !== N) throw new Error(`generated ${hashes.length} blocks, height ${chainA.height}`);

const chainB = await Chain.open({ params: regtest, dir: dirB, fsync: false });
t0 = process.hrtime.bigint();
for (const b of blocks) await chainB.processBlock(b);
const connectSec = Number(process.hrtime.bigint() - t0) / 1e9;
if (chainB.tip.hash !== chainA.tip.hash) throw new Error('replay ended on a different tip');

await chainA.close();
await chainB.close();
await rm(dirA, { recursive: true, force: true });
await rm(dirB, { recursive: true, force: true });

const result = {
  bench: 'generate',
  blocks: N,
  generatetoaddress_s: +generateSec.toFixed(3),
  blocks_per_s: +(N / generateSec).toFixed(1),
  baseline_processblock_s: +connectSec.toFixed(3),
  ratio_generate_vs_processblock: +(generateSec / connectSec).toFixed(2),
};
console.log(`generatetoaddress ${N}: ${generateSec.toFixed(2)} s (${result.blocks_per_s} blocks/s)`);
console.log(`baseline, processBlock of the same ${N} blocks: ${connectSec.toFixed(2)} s`);
console.log(`miner overhead ratio: ${result.ratio_generate_vs_processblock}x`);
console.log(JSON.stringify(result));
