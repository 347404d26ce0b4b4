// generatetoaddress 1000 through the miner API (createBlockTemplate + grind + processBlock,
// as the RPC does) into a real Chain in a temp dir, against the baseline of connecting the
// very same blocks into a second fresh chain with processBlock alone. The two are
// interleaved block by block, so that load from other processes on a shared machine hits
// both alike. The ratio is the cost of mining a block relative to only validating and
// storing it; the miner's own work (template, coinbase, witness commitment, nonce search)
// is the part above 1. fsync is off: validation, not disk latency.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Block } from '../chain/block.js';
import { Chain } from '../chain/chain.js';
import { regtest } from '../chain/params.js';
import { Mempool } from '../mempool/mempool.js';
import { generateBlocks } from '../miner/generate.js';
import { P2WSH_TRUE } from '../test/mempool/util.js';

const N = Number(process.env.GENERATE_N ?? 1000);

async function openChain(prefix: string): Promise<{ chain: Chain; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { chain: await Chain.open({ params: regtest, dir, fsync: false }), dir };
}

// Warm-up on a throwaway chain so neither measured side pays for JIT compilation.
{
  const w = await openChain('oda-bench-gen-w-');
  await generateBlocks({ chain: w.chain, outputScript: P2WSH_TRUE, nblocks: 200 });
  await w.chain.close();
  await rm(w.dir, { recursive: true, force: true });
}

// The headline figure: one generateBlocks call for all N blocks, as `generatetoaddress N`.
let oneCallSec: number;
{
  const c = await openChain('oda-bench-gen-c-');
  const pool = new Mempool({ chain: c.chain, params: regtest });
  c.chain.on('connect', (_e, block) => pool.handleConnect(block));
  const t0 = process.hrtime.bigint();
  const hashes = await generateBlocks({ chain: c.chain, mempool: pool, outputScript: P2WSH_TRUE, nblocks: N });
  oneCallSec = Number(process.hrtime.bigint() - t0) / 1e9;
  if (hashes.length !== N) throw new Error(`generated ${hashes.length}`);
  await c.chain.close();
  await rm(c.dir, { recursive: true, force: true });
}

// The ratio: block by block, mining on chain A interleaved with replaying into chain B.
const a = await openChain('oda-bench-gen-a-');
const b = await openChain('oda-bench-gen-b-');
const mempool = new Mempool({ chain: a.chain, params: regtest });
a.chain.on('connect', (_e, block) => mempool.handleConnect(block));

let generateNs = 0n;
let connectNs = 0n;
for (let i = 0; i < N; i++) {
  let mined: Block | undefined;
  const t0 = process.hrtime.bigint();
  const [hash] = await generateBlocks({ chain: a.chain, mempool, outputScript: P2WSH_TRUE, nblocks: 1, onBlock: (blk) => (mined = blk) });
  const t1 = process.hrtime.bigint();
  await b.chain.processBlock(mined!);
  const t2 = process.hrtime.bigint();
  generateNs += t1 - t0;
  connectNs += t2 - t1;
  if (!hash) throw new Error('maxtries exhausted');
}
if (a.chain.height !== N || b.chain.tip.hash !== a.chain.tip.hash) throw new Error('chains diverged');

for (const c of [a, b]) {
  await c.chain.close();
  await rm(c.dir, { recursive: true, force: true });
}

const generateSec = Number(generateNs) / 1e9;
const connectSec = Number(connectNs) / 1e9;
const result = {
  bench: 'generate',
  blocks: N,
  generatetoaddress_s: +oneCallSec.toFixed(3),
  blocks_per_s: +(N / oneCallSec).toFixed(1),
  interleaved_generate_s: +generateSec.toFixed(3),
  interleaved_processblock_s: +connectSec.toFixed(3),
  ratio_generate_vs_processblock: +(generateSec / connectSec).toFixed(2),
};
console.log(`generatetoaddress ${N} (one call): ${oneCallSec.toFixed(2)} s (${result.blocks_per_s} blocks/s)`);
console.log(`interleaved: mining ${generateSec.toFixed(2)} s vs processBlock of the same blocks ${connectSec.toFixed(2)} s`);
console.log(`ratio mining / validation-only: ${result.ratio_generate_vs_processblock}x`);
console.log(JSON.stringify(result));
