// A node stopped in the middle of initial block download resumes from what it stored:
// headers (kept by the chain) and connected blocks survive the restart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, connect, startNode, syncBlocks, until, type TestNode } from './harness.js';

const nodes: TestNode[] = [];
test.after(async () => { await cleanup(nodes); });

test('restart mid-sync resumes', async () => {
  const A = await startNode();
  nodes.push(A);
  await A.mine(400);
  let D = await startNode({ sync: { maxInFlightPerPeer: 4 } });
  const dir = D.dir;
  await connect(D, A);
  await until(() => D.chain.height >= 100, 30_000, 'partial sync');
  const headersBefore = D.p2p.sync.bestHeaderHeight;
  await D.close();
  const heightAtStop = D.chain.height;
  assert.ok(heightAtStop < 400, `stopped at ${heightAtStop}`);
  D = await startNode({}, dir);
  nodes.push(D);
  assert.ok(D.chain.height >= heightAtStop - 0, 'connected blocks survived');
  assert.is(D.p2p.sync.bestHeaderHeight, headersBefore, 'headers survived');
  assert.ok(D.p2p.isInitialBlockDownload());
  await connect(D, A);
  await syncBlocks([A, D], 60_000);
  assert.is(D.chain.height, 400);
  assert.not.ok(D.p2p.isInitialBlockDownload());
});

test.run();
