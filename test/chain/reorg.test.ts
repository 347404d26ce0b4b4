import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Block } from '../../chain/block.js';
import { Chain, type BlockContext, type BlockEntry, type ChainExtension, type ExtensionState, type ExtensionVerdict } from '../../chain/chain.js';
import { regtest, COIN } from '../../chain/params.js';
import { VerifyError } from '../../chain/errors.js';
import { BlockStatus } from '../../chain/entry.js';
import { layout } from '../../chain/layout.js';
import { buildBlock, mine, spendTx } from './util/builder.js';
import { withChain } from './util/tmp.js';

/** Builds `n` blocks on `prev` without submitting them (a competing miner's branch). */
async function branch(chain: Chain, prev: BlockEntry, n: number, tag: number): Promise<Block[]> {
  const out: Block[] = [];
  let p = { ...prev };
  for (let i = 0; i < n; i++) {
    const b = buildBlock(chain, { prev: p, extraNonce: tag, time: p.time + 2 });
    out.push(b);
    p = { ...p, hash: b.getId(), height: p.height + 1, time: b.timestamp };
  }
  return out;
}

/** UTXO-set hash of a fresh chain fed exactly `blocks` (the clean replay). */
async function replayHash(blocks: Block[]): Promise<string> {
  let hash = '';
  await withChain(async (fresh) => {
    for (const b of blocks) await fresh.processBlock(b);
    hash = (await fresh.getTxOutSetInfo()).hash_serialized_3;
  });
  return hash;
}

function record(chain: Chain): string[] {
  const log: string[] = [];
  chain.on('connect', (e: BlockEntry) => log.push(`connect ${e.height}`));
  chain.on('disconnect', (e: BlockEntry) => log.push(`disconnect ${e.height}`));
  chain.on('reorganize', (o: BlockEntry, n: BlockEntry, f: BlockEntry) => log.push(`reorganize ${o.height}->${n.height} fork ${f.height}`));
  return log;
}

test('reorg to the longer branch: events, disconnected txs, UTXO equals clean replay', async () => {
  await withChain(async (chain) => {
    const base = await mine(chain, 101);
    const cb1 = base[0].transactions![0].getId();
    const fork = chain.tip;
    const spend = spendTx([{ txid: cb1, vout: 0 }], [{ value: 10n * COIN }]);
    const a = [buildBlock(chain, { txs: [spend], fees: 40n * COIN, extraNonce: 1 })];
    await chain.processBlock(a[0]);
    a.push(...(await mine(chain, 2, { extraNonce: 1 })));
    assert.is(chain.height, 104);
    const b = await branch(chain, fork, 4, 2);
    const log = record(chain);
    const disconnectedTxs: string[] = [];
    chain.on('disconnect', (_e: BlockEntry, blk: Block) => blk.transactions!.slice(1).forEach((t) => disconnectedTxs.push(t.getId())));
    for (const blk of b.slice(0, 3)) await chain.processBlock(blk);
    assert.is(chain.tip.hash, a[2].getId(), 'equal work: first seen stays');
    assert.equal(log, []);
    assert.is(chain.getChainTips().find((t) => t.hash === b[2].getId())?.status, 'valid-headers', 'stored, never connected');
    await chain.processBlock(b[3]);
    assert.is(chain.tip.hash, b[3].getId());
    assert.equal(log, ['disconnect 104', 'disconnect 103', 'disconnect 102', 'connect 102', 'connect 103', 'connect 104', 'connect 105', 'reorganize 104->105 fork 101']);
    assert.equal(disconnectedTxs, [spend.getId()], 'the spend goes back to the mempool via the event');
    assert.ok(await chain.getCoin(cb1, 0), 'coin spent on the old branch is unspent again');
    assert.is(await chain.getTxLocation(spend.getId()), undefined, 'tx index follows the reorg');
    const tips = chain.getChainTips();
    assert.equal(tips.find((t) => t.hash === a[2].getId()), { height: 104, hash: a[2].getId(), branchlen: 3, status: 'valid-fork' });
    assert.equal(tips[0], { height: 105, hash: b[3].getId(), branchlen: 0, status: 'active' });
    assert.is((await chain.getTxOutSetInfo()).hash_serialized_3, await replayHash([...base, ...b]));
    // And back: A grows longer.
    const a2 = await branch(chain, chain.getEntry(a[2].getId())!, 2, 3);
    for (const blk of a2) await chain.processBlock(blk);
    assert.is(chain.tip.hash, a2[1].getId());
    assert.is(await chain.getCoin(cb1, 0), undefined);
    assert.is((await chain.getTxOutSetInfo()).hash_serialized_3, await replayHash([...base, ...a, ...a2]));
  });
});

test('invalid block deep in a heavier branch: nothing mutated, branch marked invalid', async () => {
  await withChain(async (chain) => {
    await mine(chain, 3);
    const fork = chain.getEntryByHeight(1)!;
    const before = await chain.getTxOutSetInfo();
    const log = record(chain);
    // Branch from height 1: its second block spends a coin that does not exist.
    const c1 = buildBlock(chain, { prev: fork, extraNonce: 9, time: fork.time + 3 });
    await chain.processBlock(c1);
    const c1e = chain.getEntry(c1.getId())!;
    const bad = spendTx([{ txid: 'cd'.repeat(32), vout: 1 }], [{ value: COIN }]);
    const c2 = buildBlock(chain, { prev: c1e, txs: [bad], extraNonce: 9 });
    await chain.processBlock(c2); // equal work (3 vs 3): stored, not connected, not yet judged
    const c2e = chain.getEntry(c2.getId())!;
    const c3 = buildBlock(chain, { prev: c2e, extraNonce: 9 });
    const c3e = await chain.processBlock(c3); // heavier: phase 1 finds c2 invalid
    assert.is(chain.height, 3);
    assert.equal(log, [], 'no block was disconnected for an invalid branch');
    assert.ok(c2e.status & BlockStatus.FAILED);
    assert.ok(c3e.status & BlockStatus.FAILED_CHILD);
    assert.is((await chain.getTxOutSetInfo()).hash_serialized_3, before.hash_serialized_3);
    assert.equal(chain.getChainTips().find((t) => t.hash === c3.getId())?.status, 'invalid');
    // A child of an invalid block is refused at once.
    const c4 = buildBlock(chain, { prev: c3e, extraNonce: 9 });
    try { await chain.processBlock(c4); assert.unreachable(); } catch (e) { assert.is((e as VerifyError).reason, 'bad-prevblk'); }
    // The invalid block itself, submitted when it would become the tip, reports its reason.
    await withChain(async (other) => {
      await other.processBlock((await chain.getBlock(chain.getEntryByHeight(1)!.hash))!);
      await other.processBlock(c1);
      try { await other.processBlock(c2); assert.unreachable(); } catch (e) { assert.is((e as VerifyError).reason, 'bad-txns-inputs-missingorspent'); }
    });
  });
});

test('invalidateblock / reconsiderblock, persisted across restart', async () => {
  await withChain(async (chain, dir) => {
    const main = await mine(chain, 5);
    const side = await branch(chain, chain.getEntryByHeight(2)!, 2, 4); // heights 3,4: less work
    for (const b of side) await chain.processBlock(b);
    assert.is(chain.height, 5);
    await chain.invalidateBlock(main[2].getId()); // height 3
    assert.is(chain.tip.hash, side[1].getId(), 'moves to the best remaining valid chain');
    assert.ok(chain.getEntry(main[4].getId())!.status & BlockStatus.FAILED_CHILD);
    assert.is(await chain.getCoin(main[4].transactions![0].getId(), 0), undefined);
    await chain.close();
    const again = await Chain.open({ params: regtest, dir, fsync: false });
    assert.is(again.tip.hash, side[1].getId(), 'failure flags survive a restart');
    await again.reconsiderBlock(main[2].getId());
    assert.is(again.tip.hash, main[4].getId());
    assert.is(again.getChainTips().find((t) => t.hash === side[1].getId())?.status, 'valid-fork');
    await assertThrows(() => again.invalidateBlock('00'.repeat(32)), 'Block not found');
    await again.close();
  });
});

test('headers-first: header-only entries, body arriving later connects descendants', async () => {
  await withChain(async (chain) => {
    await mine(chain, 1);
    const b2 = buildBlock(chain);
    const e2 = await chain.processHeader(b2.toBuffer(true));
    assert.is(e2.status, 0);
    const b3 = buildBlock(chain, { prev: e2 });
    await chain.processBlock(b3); // parent body unknown: stored, waits
    assert.is(chain.height, 1);
    assert.is(chain.getChainTips()[0].status, 'headers-only');
    await chain.processBlock(b2);
    assert.is(chain.height, 3);
    assert.is(chain.tip.hash, b3.getId());
  });
});

test('block locator follows Core (10 dense, then doubling, ending at genesis)', async () => {
  await withChain(async (chain) => {
    await mine(chain, 30);
    const heights = chain.getLocator().map((h) => chain.getEntry(h)!.height);
    assert.equal(heights, [30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 17, 13, 5, 0]);
    // processHeader rejects a header whose parent is unknown and returns known ones as is.
    try { await chain.processHeader(new Uint8Array(80)); assert.unreachable(); } catch (e) { assert.ok(['high-hash', 'prev-blk-not-found'].includes((e as VerifyError).reason)); }
    assert.is(await chain.processHeader(chain.tip.header), chain.tip);
  });
});

/** A consensus extension counting blocks in its own key space; rejects coinbases tagged 666. */
function counter(): ChainExtension & { seen: Uint8Array[] } {
  const key = layout.x('count', new Uint8Array(0));
  const ext = {
    name: 'count',
    seen: [] as Uint8Array[],
    async checkBlock(ctx: BlockContext, state: ExtensionState): Promise<ExtensionVerdict> {
      if (ctx.block.transactions![0].ins[0].script.includes(0x9a)) throw new VerifyError('block', 'bad-count-tag', 100);
      assert.is(ctx.txids.length, ctx.block.transactions!.length, 'txids handed in by the chain');
      const cur = (await state.get(key)) ?? Uint8Array.of(0);
      return { writes: [{ key, value: Uint8Array.of(cur[0] + 1) }], undo: Uint8Array.from(cur) };
    },
    disconnectBlock(_ctx: BlockContext, undo: Uint8Array) {
      ext.seen.push(Uint8Array.from(undo));
      return [{ key, value: undo }];
    },
  };
  return ext;
}

test('ChainExtension: state in the block batch, undo across reorg, rejection found before any disconnect', async () => {
  const ext = counter();
  await withChain(async (chain) => {
    const key = layout.x('count', new Uint8Array(0));
    const state = chain.extensionState('count');
    const count = async () => Uint8Array.from((await state.get(key))!);
    await mine(chain, 3);
    assert.equal(await count(), Uint8Array.of(3));
    const fork = chain.getEntryByHeight(1)!;
    const b = await branch(chain, fork, 3, 5);
    for (const blk of b) await chain.processBlock(blk);
    assert.is(chain.tip.hash, b[2].getId());
    assert.equal(await count(), Uint8Array.of(4), '1 + 3 on the new branch: each block saw the one before in the scratch state');
    assert.equal(ext.seen, [Uint8Array.of(2), Uint8Array.of(1)], 'undo bytes handed back in reverse');
    // A heavier branch whose 2nd block the extension rejects (extraNonce 154 pushes 0x9a).
    const tip = chain.tip;
    const log = record(chain);
    const c1 = buildBlock(chain, { prev: fork, extraNonce: 6, time: fork.time + 7 });
    const c1e = await chain.processBlock(c1);
    const c2 = buildBlock(chain, { prev: c1e, extraNonce: 154 });
    const c2e = await chain.processBlock(c2);
    const c3 = buildBlock(chain, { prev: c2e, extraNonce: 6 });
    const c3e = await chain.processBlock(c3);
    const c4 = buildBlock(chain, { prev: c3e, extraNonce: 6 });
    await chain.processBlock(c4);
    assert.is(chain.tip.hash, tip.hash, 'still on the previous best chain');
    assert.equal(log, [], 'the old branch was never disconnected');
    assert.ok(c2e.status & BlockStatus.FAILED);
    assert.equal(await count(), Uint8Array.of(4));
    // Reads and writes stay inside the namespace.
    await assertThrows(() => state.get(layout.x('other', new Uint8Array(0))), 'extension count read outside its namespace');
  }, { extensions: [ext] });
});

async function assertThrows(fn: () => Promise<unknown>, msg: string): Promise<void> {
  try { await fn(); } catch (e) { assert.is((e as Error).message, msg); return; }
  assert.unreachable(msg);
}

test.run();
