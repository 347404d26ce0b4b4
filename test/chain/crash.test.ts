// kill -9 during mining, reorgs and invalidate/reconsider, several times; after each kill
// the chain must reopen and its UTXO set must equal a clean replay of its main chain, and
// hold exactly the subsidies ever paid (no coin lost or duplicated). ~10-20 s: each round
// starts a tsx child process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Block } from '../../chain/block.js';
import { Chain } from '../../chain/chain.js';
import { regtest } from '../../chain/params.js';
import { getBlockSubsidy } from '../../chain/tx-checks.js';
import { layout } from '../../chain/layout.js';
import { mine } from './util/builder.js';
import { tempDir, withChain } from './util/tmp.js';

const worker = new URL('./util/crash-worker.ts', import.meta.url).pathname;
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 4);

function runAndKill(dir: string, seed: number, killAfterOps: number, crashAt = ''): Promise<{ ops: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, dir, String(seed), crashAt], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let ops = 0;
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      output += d;
      ops = (output.match(/^op /gm) ?? []).length;
      // Kill at a pseudo-random point in the middle of the next operation.
      if (!killed && ops >= killAfterOps) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), seed % 7);
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve({ ops, output });
      else reject(new Error(`worker exited by itself:\n${output}`));
    });
  });
}

async function mainChainBlocks(chain: Chain): Promise<Block[]> {
  const out: Block[] = [];
  for (let h = 1; h <= chain.height; h++) out.push((await chain.getBlock(chain.getEntryByHeight(h)!.hash))!);
  return out;
}

test('kill -9 at random points: UTXO set always equals a clean replay', async () => {
  const dir = tempDir('crash');
  const setup = await Chain.open({ params: regtest, dir, fsync: false });
  await mine(setup, 101);
  await setup.close();
  let totalOps = 0;
  // Two deterministic mid-reorg crash points, then kills at pseudo-random moments.
  const crashPoints = ['disconnect', 'connect-after-disconnect'];
  for (let round = 0; round < ROUNDS + crashPoints.length; round++) {
    const seed = 7919 * (round + 1) + process.pid;
    const { ops } = await runAndKill(dir, seed, round < crashPoints.length ? 1e9 : 3 + (seed % 6), crashPoints[round] ?? '');
    totalOps += ops;
    const chain = await Chain.open({ params: regtest, dir, fsync: false });
    const info = await chain.getTxOutSetInfo();
    let subsidies = 0n;
    for (let h = 1; h <= chain.height; h++) subsidies += getBlockSubsidy(h, regtest);
    assert.is(info.total_amount, subsidies, `round ${round}: every subsidy exactly once in the UTXO set`);
    const blocks = await mainChainBlocks(chain);
    // The tx index moved in the same batches: exactly the main chain's transactions.
    let indexed = 0;
    for await (const _k of chain.db.level.keys(layout.range('t'))) indexed++;
    assert.is(indexed, blocks.reduce((a, b) => a + b.transactions!.length, 0), `round ${round}: tx index size`);
    for (const b of blocks.slice(-5)) {
      for (const [i, tx] of b.transactions!.entries()) assert.equal(await chain.getTxLocation(tx.getId()), { blockHash: b.getId(), index: i });
    }
    await chain.close();
    await withChain(async (fresh) => {
      for (const b of blocks) await fresh.processBlock(b);
      const replay = await fresh.getTxOutSetInfo();
      assert.is(replay.bestblock, info.bestblock);
      assert.is(replay.txouts, info.txouts, `round ${round}`);
      assert.is(replay.hash_serialized_3, info.hash_serialized_3, `round ${round}: UTXO hash equals clean replay`);
    });
  }
  assert.ok(totalOps >= ROUNDS * 3, `workers made progress (${totalOps} ops)`);
  rmSync(dir, { recursive: true, force: true });
});

test.run();
