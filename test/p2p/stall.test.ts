// Stall detection and peer rotation: a peer that announces a chain but never delivers the
// blocks is dropped, and the blocks come from another peer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Block } from '../../chain/block.js';

import { cleanup, connect, scriptedPeer, startNode, syncBlocks, until, type TestNode } from './harness.js';

const nodes: TestNode[] = [];
test.after(async () => { await cleanup(nodes); });

test('a peer that withholds announced blocks is rotated out; another serves them', async () => {
  const S = await startNode();
  const F = await startNode({ sync: { stallTimeout: 600 } });
  nodes.push(S, F);
  await S.mine(40);
  const headers = Array.from({ length: 40 }, (_, i) => Block.fromBuffer(Buffer.from(S.chain.getEntryByHeight(i + 1)!.header)));
  // The withholding peer: answers getheaders with S's headers, ignores getdata.
  let getdata = 0;
  const { closed } = await scriptedPeer(F.p2p.port, { services: 9n, userAgent: '/withholder/', nonce: 4242n, startHeight: 40 }, (m, send) => {
    if (m.cmd === 'getheaders') send({ cmd: 'headers', headers });
    if (m.cmd === 'getdata') getdata += m.items.length;
  });
  await until(() => getdata > 0, 10_000, 'requests to the withholding peer');
  assert.is(F.chain.height, 0);
  assert.is(F.p2p.bestHeaderHeight(), 40, 'headers accepted from the withholding peer');
  await connect(F, S);
  await syncBlocks([S, F]);
  await until(() => closed(), 10_000, 'withholding peer disconnected');
  assert.is(F.chain.height, 40);
});

test.run();
