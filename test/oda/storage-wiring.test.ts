// ODA-BIP-0006 wiring in a node (in-process FullNode with the ODA plugin, driven through its
// RPC handlers): the storage index is chain state kept from genesis (a registration appends
// architecture, dataset, weights; invalidateblock takes them out again, reconsiderblock puts
// them back), getstorageinfo and getmininginfo.storageheld report registered vs held bytes,
// and -storemodels=none removes what only the node's own pins held, never a user's pin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FullNode, type NodeOptions } from '../../node/node.js';
import { createOdaPlugin } from '../../oda/plugin.js';
import type { StoreModelsMode } from '../../oda/storage-policy.js';
import { regtest } from '../../chain/params.js';
import { allMethods } from '../../rpc/methods/index.js';
import type { NodeContext } from '../../rpc/context.js';
import { writeModelFiles } from './util.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-storage-wiring-'));
const methods = new Map(allMethods().map((m) => [m.name, m]));

function options(): NodeOptions {
  return {
    params: regtest, networkDir: join(dir, 'node', 'regtest'), rpc: false, p2p: false, wallet: true,
    fallbackFee: 20_000n, maxMempool: 300_000_000, printToConsole: false, debug: [], config: {},
  };
}

async function startNode(storeModels: StoreModelsMode) {
  const node = new FullNode(options()).use(createOdaPlugin({ storeModels }));
  await node.start();
  const ctx: NodeContext = node.context();
  const call = async (name: string, ...args: unknown[]): Promise<any> => methods.get(name)!.handler(args, ctx);
  return { node, ctx, call };
}

test('the storage index follows the chain; getstorageinfo, storageheld and -storemodels=none', async () => {
  mkdirSync(join(dir, 'files'));
  const files = writeModelFiles(join(dir, 'files'));
  const size = (f: string) => statSync(f).size;
  const total = size(files.architecture) + size(files.dataset) + size(files.weights);

  let { node, ctx, call } = await startNode('pinned');
  try {
    const addr = await call('getnewaddress');
    await call('generatetoaddress', 101, addr);
    let info = await call('getstorageinfo');
    assert.equal(info, { storemodels: 'pinned', registered_bytes: 0, registered_blobs: 0, held_bytes: 0, held_blobs: 0, held_share: 1, models: [] });

    const added = await call('addmodel', files.architecture, files.weights, files.dataset, 'accuracy', { name: 'wiring' });
    const [blockHash] = await call('generatetoaddress', 1, addr);
    const height = await call('getblockcount');
    // Registration order (BIP §2): architecture, dataset, weights, with cumulative offsets.
    const index = await ctx.oda!.storageIndex();
    assert.equal(index.entries.map((e) => [e.root, e.length, e.start, e.height, e.skips]), [
      [added.architecture.root, size(files.architecture), 0n, height, 0],
      [added.dataset.root, size(files.dataset), BigInt(size(files.architecture)), height, 0],
      [added.weights.root, size(files.weights), BigInt(size(files.architecture) + size(files.dataset)), height, 0],
    ]);
    info = await call('getstorageinfo');
    assert.equal(info, {
      storemodels: 'pinned', registered_bytes: total, registered_blobs: 3, held_bytes: total, held_blobs: 3, held_share: 1,
      models: [{ model_id: added.model_id, name: 'wiring', registered_bytes: total, held_bytes: total, blobs: 3, held_blobs: 3, private: false }],
    });
    assert.is((await call('getmininginfo')).storageheld, 1);

    // The index is chain state: disconnecting the block takes its registrations out.
    await call('invalidateblock', blockHash);
    assert.is((await ctx.oda!.storageIndex()).count, 0);
    assert.is((await call('getstorageinfo')).registered_bytes, 0);
    await call('reconsiderblock', blockHash);
    assert.is((await ctx.oda!.storageIndex()).count, 3);

    // none: the blobs addmodel imported carry the user's pin, so they stay...
    await node.stop();
    ({ node, ctx, call } = await startNode('none'));
    await ctx.oda!.keeper.idle();
    info = await call('getstorageinfo');
    assert.is(info.storemodels, 'none');
    assert.is(info.held_share, 1, 'a user pin wins over -storemodels=none');
    // ...until the user lets go of one: the next pass (at the next tip) removes it.
    await ctx.store!.unpin(added.dataset.root, 'user');
    await call('generatetoaddress', 1, addr);
    await ctx.oda!.keeper.idle();
    info = await call('getstorageinfo');
    assert.is(info.held_bytes, total - size(files.dataset));
    assert.is(info.held_blobs, 2);
    assert.is((await call('getmininginfo')).storageheld, info.held_share);
    assert.is(await ctx.store!.getStatus(added.dataset.root), undefined);
    // The chain goes on without the data: a block with no ODA transaction needs none.
    await call('generatetoaddress', 2, addr);
    assert.is(await call('getblockcount'), height + 3);
  } finally {
    await node.stop();
  }
  rmSync(dir, { recursive: true, force: true });
});

test.run();
