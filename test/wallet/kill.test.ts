// A node killed (SIGKILL) while mining and paying itself: on restart the wallet catches up
// from its last applied block, and its state equals a full rescan from genesis.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestNode } from './util/node.js';

const child = new URL('./util/kill-child.ts', import.meta.url).pathname;

function runUntil(dir: string, height: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = [...out.matchAll(/height (\d+)/g)].pop();
      if (m && Number(m[1]) >= height) p.kill('SIGKILL');
    });
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited with ${code}: ${out}`))));
  });
}

test('SIGKILL mid-way: catch-up on restart equals a full rescan', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-wallet-kill-'));
  await runUntil(dir, 106);
  const node = await TestNode.start(dir);
  try {
    const w = node.w;
    assert.ok(node.chain.height >= 106);
    assert.is(w.tipHash, node.chain.tip.hash, 'caught up to the chain tip');
    const snapshot = () => ({ balances: w.getBalances(), unspent: w.listUnspent({ minConf: 0 }).map((c) => `${c.txid}:${c.vout}:${c.value}:${c.confirmations}`), txs: w.txCount });
    const caughtUp = snapshot();
    assert.ok(caughtUp.balances.trusted > 0n);
    const r = await w.rescan(0);
    assert.equal(r, { start: 0, stop: node.chain.height });
    assert.equal(snapshot(), caughtUp);
  } catch (e) {
    await node.stop(false);
    console.error(`kept ${dir}`);
    throw e;
  }
  await node.stop();
});

test.run();
