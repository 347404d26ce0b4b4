// Child process for the crash test: opens the chain in argv[2] and, until it is killed,
// mines blocks with spends, builds heavier competing branches (reorgs) and runs
// invalidateblock/reconsiderblock, all driven by a PRNG seeded from argv[3].
// Prints "ready" once open and "op <n>" after each operation.
import { Chain, type BlockEntry } from '../../../chain/chain.js';
import { regtest } from '../../../chain/params.js';
import { buildBlock, spendTx } from './builder.js';
import type { Transaction } from '../../../chain/block.js';

const [dir, seedArg] = process.argv.slice(2);
let seed = Number(seedArg) >>> 0 || 1;
const rand = (n: number) => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed % n;
};

const chain = await Chain.open({ params: regtest, dir, fsync: false });
process.stdout.write('ready\n');

// Deterministic crash points (argv[4]): die right after the first disconnect batch of a
// reorg, or right after the first connect batch that follows a disconnect (mid-reorg).
const crashAt = process.argv[4];
let sawDisconnect = false;
chain.on('disconnect', () => {
  sawDisconnect = true;
  if (crashAt === 'disconnect') process.kill(process.pid, 'SIGKILL');
});
chain.on('connect', () => {
  if (crashAt === 'connect-after-disconnect' && sawDisconnect) process.kill(process.pid, 'SIGKILL');
});

/** A spend of some unspent output of a block at least 100 deep, split in two. */
async function someSpend(tip: BlockEntry): Promise<Transaction | undefined> {
  for (let tries = 0; tries < 5; tries++) {
    const h = 1 + rand(Math.max(1, tip.height - 100));
    const block = await chain.getBlock(chain.getEntryByHeight(h)!.hash);
    for (const tx of block!.transactions!) {
      for (let vout = 0; vout < tx.outs.length; vout++) {
        const coin = await chain.getCoin(tx.getId(), vout);
        if (!coin || coin.value < 20_000n || coin.script[0] !== 0x00) continue;
        const half = (coin.value - 10_000n) / 2n;
        return spendTx([{ txid: tx.getId(), vout }], [{ value: half }, { value: coin.value - 10_000n - half }]);
      }
    }
  }
  return undefined;
}

let ops = 0;
let tag = 1000 + rand(1_000_000);
for (;;) {
  const r = rand(10);
  if (r < 6) {
    const tx = await someSpend(chain.tip);
    await chain.processBlock(buildBlock(chain, { txs: tx ? [tx] : [], fees: tx ? 10_000n : 0n, extraNonce: tag++ }));
  } else if (r < 9) {
    // A heavier branch from 1..3 blocks back: reorg of depth k.
    const k = 1 + rand(3);
    let prev = chain.getEntryByHeight(chain.height - k)!;
    for (let i = 0; i <= k; i++) {
      const tx = i === 0 ? await someSpend(prev) : undefined;
      const b = buildBlock(chain, { prev, txs: tx ? [tx] : [], fees: tx ? 10_000n : 0n, extraNonce: tag++, time: prev.time + 1 + rand(5) });
      prev = await chain.processBlock(b);
    }
  } else {
    const target = chain.getEntryByHeight(chain.height - rand(2))!;
    await chain.invalidateBlock(target.hash);
    await chain.reconsiderBlock(target.hash);
  }
  process.stdout.write(`op ${++ops} height ${chain.height}\n`);
}
