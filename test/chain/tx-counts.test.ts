// nTx per block (Core's CBlockIndex::nTx) under its own key (layout n), written with the
// entry's HAVE_DATA; nChainTx along a chain; data dirs from before the key are backfilled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Chain } from '../../chain/chain.js';
import { regtest, COIN } from '../../chain/params.js';
import { layout } from '../../chain/layout.js';
import { buildBlock, mine, spendTx } from './util/builder.js';
import { withChain } from './util/tmp.js';
import { headerToJSON } from '../../rpc/methods/blockchain.js';
import type { NodeContext } from '../../rpc/context.js';

async function countKeys(dir: string): Promise<number> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'chainstate'), { keyEncoding: 'view', valueEncoding: 'view' });
  let n = 0;
  for await (const _ of db.keys(layout.range('n'))) n++;
  await db.close();
  return n;
}

test('nTx and nChainTx: counted when the body is stored, none for a header-only entry, kept across a restart', async () => {
  await withChain(async (chain, dir) => {
    assert.is(chain.getTxCount(regtest.genesis.hash), 1);
    const blocks = await mine(chain, 102);
    const spends = [1, 2, 3].map((i) => spendTx([{ txid: blocks[i - 1].transactions![0].getId(), vout: 0 }], [{ value: 49n * COIN }]));
    const block = buildBlock(chain, { txs: spends, fees: 3n * COIN });
    // Header first (headers-first sync): known, but no body and so no count yet.
    const header = await chain.processHeader(block.toBuffer(true));
    assert.is(chain.getTxCount(header.hash), undefined);
    assert.is(chain.chainTxCount(header), undefined);
    await chain.processBlock(block);
    assert.is(chain.tip.hash, block.getId());
    assert.is(chain.getTxCount(chain.tip.hash), 4);
    assert.is(chain.chainTxCount(chain.tip), 1 + 102 + 4);
    assert.is(chain.chainTxCount(chain.getEntryByHeight(50)!), 51);
    // getblockheader's nTx (was always 0).
    const ctx = { chain } as unknown as NodeContext;
    assert.is(headerToJSON(ctx, chain.tip).nTx, 4);
    assert.is(headerToJSON(ctx, chain.getEntryByHeight(7)!).nTx, 1);
    await chain.close();
    assert.is(await countKeys(dir), 104);
    const again = await Chain.open({ params: regtest, dir, fsync: false });
    assert.is(again.getTxCount(block.getId()), 4);
    assert.is(again.chainTxCount(again.tip), 107);
    await again.close();
  });
});

test('a data dir from before the tx-count key: counts are backfilled from the stored bodies once', async () => {
  await withChain(async (chain, dir) => {
    await mine(chain, 5);
    const tip = chain.tip.hash;
    await chain.close();
    const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'chainstate'), { keyEncoding: 'view', valueEncoding: 'view' });
    await db.clear(layout.range('n'));
    await db.close();
    assert.is(await countKeys(dir), 0);
    const again = await Chain.open({ params: regtest, dir, fsync: false });
    assert.is(again.tip.hash, tip);
    assert.is(again.chainTxCount(again.tip), 6);
    await again.close();
    assert.is(await countKeys(dir), 6, 'written back, so the next start reads them');
  });
});

test.run();
