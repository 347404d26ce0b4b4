// Initial block download over P2P: a fresh node syncs N blocks (default 5,000) from one peer on
// loopback (headers-first, windowed parallel fetch), in blocks/s, as a ratio to the same blocks
// handed straight to Chain.processBlock from memory in the same run (the validation-only
// baseline). All three chains live in this one process (fsync off).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Block } from '../chain/block.js';
import { Chain } from '../chain/chain.js';
import { regtest } from '../chain/params.js';
import { generateBlocks } from '../miner/generate.js';
import { nullLogger } from '../util/logger.js';
import { P2PNode } from '../p2p/node.js';

const N = Number(process.env.BLOCKS ?? 5000);
const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'oda-ibd-')); dirs.push(d); return d; };
const script = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7));

const t0 = performance.now();
const source = await Chain.open({ params: regtest, dir: tmp(), fsync: false });
await generateBlocks({ chain: source, outputScript: script, nblocks: N });
const mineSecs = (performance.now() - t0) / 1000;

// Baseline: the same blocks, validated and connected from memory.
const blocks: Block[] = [];
for (let h = 1; h <= N; h++) blocks.push((await source.getBlock(source.getEntryByHeight(h)!.hash))!);
const local = await Chain.open({ params: regtest, dir: tmp(), fsync: false });
const t1 = performance.now();
for (const b of blocks) await local.processBlock(b);
const localRate = N / ((performance.now() - t1) / 1000);
await local.close();

// P2P: a fresh node syncs from the source node.
const a = new P2PNode({ params: regtest, chain: source, logger: nullLogger, listen: true, bind: '127.0.0.1', port: 0, maintainInterval: 3600 });
await a.start();
const sink = await Chain.open({ params: regtest, dir: tmp(), fsync: false });
const b = new P2PNode({ params: regtest, chain: sink, logger: nullLogger, listen: false, port: 0, connect: [`127.0.0.1:${a.port}`], maintainInterval: 3600 });
const t2 = performance.now();
await b.start();
let headersAt = 0;
const LIMIT_S = Number(process.env.IBD_LIMIT_S ?? 300);
while (sink.height < N) {
  if (!headersAt && b.bestHeaderHeight() >= N) headersAt = performance.now();
  if ((performance.now() - t2) / 1000 > LIMIT_S) {
    // Chain.nextWorkRequired walks ancestors of headers-only entries one parent at a time for
    // every height the min-difficulty rule visits: cubic in the header count before the fix.
    console.log(`gave up after ${LIMIT_S} s: ${b.bestHeaderHeight()} headers, ${sink.height} blocks`);
    console.log(JSON.stringify({ bench: 'p2p-ibd', blocks: N, error: `not synced within ${LIMIT_S} s`, headers: b.bestHeaderHeight(), synced: sink.height }));
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 20));
}
const headerSecs = (headersAt - t2) / 1000;
const p2pSecs = (performance.now() - t2) / 1000;
const p2pRate = N / p2pSecs;
if (sink.tip.hash !== source.tip.hash) throw new Error('synced to a different tip');
await b.stop(); await a.stop();
await sink.close(); await source.close();
for (const d of dirs) rmSync(d, { recursive: true, force: true });

const ratio = p2pRate / localRate;
console.log(`mined ${N} blocks in ${mineSecs.toFixed(1)} s`);
console.log(`local processBlock from memory: ${localRate.toFixed(0)} blocks/s`);
console.log(`P2P initial block download:     ${p2pRate.toFixed(0)} blocks/s (${p2pSecs.toFixed(1)} s)`);
console.log(`  of which headers: ${headerSecs.toFixed(1)} s`);
console.log(`ratio: ${ratio.toFixed(3)}`);
console.log(JSON.stringify({ bench: 'p2p-ibd', blocks: N, localBlocksPerSec: +localRate.toFixed(1), p2pBlocksPerSec: +p2pRate.toFixed(1), ratio: +ratio.toFixed(3) }));
