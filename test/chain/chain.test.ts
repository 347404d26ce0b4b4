import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Block, Transaction } from '../../chain/block.js';
import { Chain } from '../../chain/chain.js';
import { regtest, COIN } from '../../chain/params.js';
import { VerifyError } from '../../chain/errors.js';
import { createCoinbase, merkleRoot } from '../../chain/coinbase.js';
import { BlockStatus } from '../../chain/entry.js';
import { checkProofOfWork } from '../../chain/header.js';
import { buildBlock, grind, mine, spendTx, P2WSH_TRUE } from './util/builder.js';
import { withChain } from './util/tmp.js';

async function rejects(p: Promise<unknown>, reason: string): Promise<VerifyError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, VerifyError, String(e));
    assert.is((e as VerifyError).reason, reason, (e as Error).message);
    return e as VerifyError;
  }
  assert.unreachable(`expected ${reason}`);
  throw new Error('unreachable');
}

test('fresh chain: genesis tip, persisted, reopened', async () => {
  await withChain(async (chain, dir) => {
    assert.is(chain.height, 0);
    assert.is(chain.tip.hash, regtest.genesis.hash);
    assert.is(chain.tip.status, BlockStatus.HAVE_DATA | BlockStatus.VALID);
    assert.equal(chain.getChainTips(), [{ height: 0, hash: regtest.genesis.hash, branchlen: 0, status: 'active' }]);
    const info = await chain.getTxOutSetInfo();
    assert.is(info.txouts, 0, 'genesis output is OP_RETURN and never enters the UTXO set');
    await mine(chain, 3);
    const tip = chain.tip.hash;
    await chain.close();
    const again = await Chain.open({ params: regtest, dir, fsync: false });
    assert.is(again.height, 3);
    assert.is(again.tip.hash, tip);
    assert.is(again.tip.chainwork, 8n, 'regtest block proof is 2, four blocks');
    await again.close();
  });
});

test('connect: coins, tx index, spending after maturity, fees to coinbase, duplicate', async () => {
  await withChain(async (chain) => {
    const blocks = await mine(chain, 101);
    const cb1 = blocks[0].transactions![0].getId();
    const coin = await chain.getCoin(cb1, 0);
    assert.ok(coin && coin.coinbase && coin.height === 1 && coin.value === 50n * COIN);
    assert.equal(await chain.getTxLocation(cb1), { blockHash: blocks[0].getId(), index: 0 });
    const tx = spendTx([{ txid: cb1, vout: 0 }], [{ value: 20n * COIN }, { value: 29n * COIN }]);
    const b = buildBlock(chain, { txs: [tx], fees: COIN });
    await chain.processBlock(b);
    assert.is(await chain.getCoin(cb1, 0), undefined);
    assert.is((await chain.getCoin(tx.getId(), 1))!.value, 29n * COIN);
    assert.equal(await chain.getTxLocation(tx.getId()), { blockHash: b.getId(), index: 1 });
    assert.is((await chain.getCoin(b.transactions![0].getId(), 0))!.value, 51n * COIN);
    await rejects(chain.processBlock(b), 'duplicate');
    const info = await chain.getTxOutSetInfo();
    assert.is(info.height, 102);
    assert.is(info.txouts, 102 - 1 + 2);
    assert.is(info.total_amount, 102n * 50n * COIN);
  });
});

test('premature coinbase spend, missing input, double spend in block, bad-cb-amount', async () => {
  await withChain(async (chain) => {
    const blocks = await mine(chain, 99);
    const cb1 = blocks[0].transactions![0].getId();
    // Block 101 may spend coinbase 1 (depth 100); block 100 may not.
    const early = buildBlock(chain, { txs: [spendTx([{ txid: cb1, vout: 0 }], [{ value: COIN }])], fees: 49n * COIN });
    await rejects(chain.processBlock(early), 'bad-txns-premature-spend-of-coinbase');
    await mine(chain, 1);
    const missing = buildBlock(chain, { txs: [spendTx([{ txid: 'ab'.repeat(32), vout: 0 }], [{ value: COIN }])] });
    await rejects(chain.processBlock(missing), 'bad-txns-inputs-missingorspent');
    const a = spendTx([{ txid: cb1, vout: 0 }], [{ value: COIN }]);
    const b2 = spendTx([{ txid: cb1, vout: 0 }], [{ value: 2n * COIN }]);
    await rejects(chain.processBlock(buildBlock(chain, { txs: [a, b2] })), 'bad-txns-inputs-missingorspent');
    await rejects(chain.processBlock(buildBlock(chain, { value: 50n * COIN + 1n })), 'bad-cb-amount');
    const inBelowOut = spendTx([{ txid: cb1, vout: 0 }], [{ value: 51n * COIN }]);
    await rejects(chain.processBlock(buildBlock(chain, { txs: [inBelowOut] })), 'bad-txns-in-belowout');
    assert.is(chain.height, 100, 'nothing connected');
    assert.ok(await chain.getCoin(cb1, 0), 'coin untouched');
    // A failing script: witness pushes OP_FALSE for P2WSH(OP_TRUE) → witness program mismatch.
    const badScript = spendTx([{ txid: cb1, vout: 0 }], [{ value: COIN }]);
    badScript.setWitness(0, [Uint8Array.of(0x00)]);
    const e = await rejects(chain.processBlock(buildBlock(chain, { txs: [badScript] })), 'mandatory-script-verify-flag-failed (Witness program hash mismatch)');
    assert.is(e.score, 100);
  });
});

test('header rules: high-hash, bad-diffbits, time-too-old, time-too-new, bad-version, prev-blk-not-found', async () => {
  await withChain(async (chain) => {
    await mine(chain, 11);
    const b = buildBlock(chain, { noGrind: true });
    while (checkProofOfWork(b.getHash(), b.bits, chain.params)) b.nonce++;
    await rejects(chain.processBlock(b), 'high-hash');
    await rejects(chain.processBlock(buildBlock(chain, { bits: 0x1f7fffff })), 'bad-diffbits');
    await rejects(chain.processBlock(buildBlock(chain, { time: chain.medianTimePast(chain.tip) })), 'time-too-old');
    const future = buildBlock(chain, { time: Math.floor(Date.now() / 1000) + 2 * 3600 + 60 });
    const e = await rejects(chain.processBlock(future), 'time-too-new');
    assert.is(e.score, 0);
    assert.is(chain.getEntry(future.getId()), undefined, 'not stored, may be valid later');
    await rejects(chain.processBlock(buildBlock(chain, { version: 3 })), 'bad-version(0x00000003)');
    const orphan = buildBlock(chain);
    orphan.prevHash = new Uint8Array(32).fill(7);
    grind(orphan, chain);
    await rejects(chain.processBlock(orphan), 'prev-blk-not-found');
    // setmocktime moves the future-time limit
    chain.setMockTime(future.timestamp - 2 * 3600);
    await chain.processBlock(future);
    assert.is(chain.tip.hash, future.getId());
  });
});

test('block structure: merkle root (malleated, not cached), cb-height, cb-missing, cb-multiple, witness rules', async () => {
  await withChain(async (chain) => {
    await mine(chain, 2);
    const bad = buildBlock(chain);
    bad.merkleRoot = new Uint8Array(32).fill(1);
    grind(bad, chain);
    const e = await rejects(chain.processBlock(bad), 'bad-txnmrklroot');
    assert.ok(e.malleated);
    assert.not.ok(isFailedEntry(chain, bad.getId()), 'a mutated body does not poison the header');

    // CVE-2012-2459: duplicate the last tx so the root is unchanged.
    const blocks = await mine(chain, 1);
    void blocks;
    const dup = buildBlock(chain, { noCommitment: true });
    const x = spendTx([{ txid: '03'.repeat(32), vout: 0 }], [{ value: 1n }]);
    const y = spendTx([{ txid: '04'.repeat(32), vout: 0 }], [{ value: 1n }]);
    dup.transactions!.push(x, y, y); // [cb, x, y, y] has the root of [cb, x, y]
    dup.merkleRoot = merkleRoot(dup.transactions!.map((t) => t.getHash())).root;
    grind(dup, chain);
    await rejects(chain.processBlock(dup), 'bad-txns-duplicate');

    const wrongHeight = buildBlock(chain, { prev: chain.tip });
    const cb = createCoinbase({ height: chain.height + 2, outputScript: P2WSH_TRUE, value: 50n * COIN });
    wrongHeight.transactions![0] = cb;
    wrongHeight.merkleRoot = merkleRoot(wrongHeight.transactions!.map((t) => t.getHash())).root;
    grind(wrongHeight, chain);
    await rejects(chain.processBlock(wrongHeight), 'bad-cb-height');
    assert.ok(isFailedEntry(chain, wrongHeight.getId()), 'consensus-invalid block is remembered as failed');
    await rejects(chain.processBlock(wrongHeight), 'duplicate-invalid');

    const noCb = buildBlock(chain, { noCommitment: true });
    const plain = new Transaction();
    plain.addInput(new Uint8Array(32).fill(5), 0);
    plain.addOutput(P2WSH_TRUE, 1n);
    noCb.transactions = [plain];
    noCb.merkleRoot = merkleRoot([plain.getHash()]).root;
    grind(noCb, chain);
    await rejects(chain.processBlock(noCb), 'bad-cb-missing');

    const twoCb = buildBlock(chain, { noCommitment: true });
    twoCb.transactions!.push(createCoinbase({ height: 77, outputScript: P2WSH_TRUE, value: 1n }));
    twoCb.merkleRoot = merkleRoot(twoCb.transactions!.map((t) => t.getHash())).root;
    grind(twoCb, chain);
    await rejects(chain.processBlock(twoCb), 'bad-cb-multiple');

    // Witness data without a commitment.
    const wit = buildBlock(chain, { noCommitment: true });
    wit.transactions![0].setWitness(0, [new Uint8Array(32)]);
    grind(wit, chain);
    await rejects(chain.processBlock(wit), 'unexpected-witness');
    // Commitment present but reserved value of the wrong size / commitment wrong.
    const nonce = buildBlock(chain, { noGrind: true });
    nonce.transactions![0].setWitness(0, [new Uint8Array(31)]);
    grind(nonce, chain);
    await rejects(chain.processBlock(nonce), 'bad-witness-nonce-size');
    const mismatch = buildBlock(chain, { noGrind: true });
    mismatch.transactions![0].setWitness(0, [new Uint8Array(32).fill(1)]);
    grind(mismatch, chain);
    await rejects(chain.processBlock(mismatch), 'bad-witness-merkle-match');
    assert.is(chain.height, 3);
  });
});

test('BIP68 and locktime finality in blocks', async () => {
  await withChain(async (chain) => {
    const blocks = await mine(chain, 101);
    const cb1 = blocks[0].transactions![0].getId();
    const cb2 = blocks[1].transactions![0].getId();
    // Relative height lock of 101: the coin from block 1 may be spent from block 102 on, here 102 is next.
    const locked = spendTx([{ txid: cb1, vout: 0, sequence: 102 }], [{ value: COIN }]);
    await rejects(chain.processBlock(buildBlock(chain, { txs: [locked], fees: 49n * COIN })), 'bad-txns-nonfinal');
    const ok = spendTx([{ txid: cb1, vout: 0, sequence: 101 }], [{ value: COIN }]);
    await chain.processBlock(buildBlock(chain, { txs: [ok], fees: 49n * COIN }));
    // Absolute locktime at the next height is not final (IsFinalTx needs locktime < height).
    const lt = spendTx([{ txid: cb2, vout: 0, sequence: 0xfffffffe }], [{ value: COIN }], { locktime: chain.height + 1 });
    await rejects(chain.processBlock(buildBlock(chain, { txs: [lt], fees: 49n * COIN })), 'bad-txns-nonfinal');
    const lt2 = spendTx([{ txid: cb2, vout: 0, sequence: 0xfffffffe }], [{ value: COIN }], { locktime: chain.height });
    await chain.processBlock(buildBlock(chain, { txs: [lt2], fees: 49n * COIN }));
    assert.is(chain.height, 103);
  });
});

test('limits: legacy sigops and block weight', async () => {
  await withChain(async (chain) => {
    await mine(chain, 1);
    const sigops = spendTx([{ txid: '05'.repeat(32), vout: 0 }], [{ value: 1n, script: new Uint8Array(20_001).fill(0xac) }]);
    await rejects(chain.processBlock(buildBlock(chain, { txs: [sigops] })), 'bad-blk-sigops');
    const ok = spendTx([{ txid: '05'.repeat(32), vout: 0 }], [{ value: 1n, script: new Uint8Array(20_000).fill(0xac) }]);
    await rejects(chain.processBlock(buildBlock(chain, { txs: [ok] })), 'bad-txns-inputs-missingorspent'); // passes the sigop limit
    const heavy = spendTx([{ txid: '06'.repeat(32), vout: 0 }], [{ value: 1n }]);
    heavy.setWitness(0, [new Uint8Array(4_000_000)]);
    await rejects(chain.processBlock(buildBlock(chain, { txs: [heavy] })), 'bad-blk-weight');
    assert.is(chain.height, 1);
  });
});

test('testBlockValidity, getBlockUndo, bestHeader, sizeOnDisk', async () => {
  await withChain(async (chain) => {
    const blocks = await mine(chain, 101);
    const cb1 = blocks[0].transactions![0].getId();
    const tx = spendTx([{ txid: cb1, vout: 0 }], [{ value: 49n * COIN }]);
    const good = buildBlock(chain, { txs: [tx], fees: COIN, noGrind: true });
    await chain.testBlockValidity(good); // PoW not required
    assert.is(chain.height, 101, 'nothing stored');
    assert.ok(await chain.getCoin(cb1, 0));
    await rejects(chain.testBlockValidity(buildBlock(chain, { txs: [tx], fees: 2n * COIN, noGrind: true })), 'bad-cb-amount');
    await rejects(chain.testBlockValidity(buildBlock(chain, { prev: chain.getEntryByHeight(100), noGrind: true })), 'inconclusive-not-best-prevblk');
    grind(good, chain);
    await chain.processBlock(good);
    const undo = await chain.getBlockUndo(good.getId());
    assert.is(undo!.length, 1);
    assert.is(undo![0][0].value, 50n * COIN);
    assert.ok(undo![0][0].coinbase);
    assert.ok((await chain.sizeOnDisk()) > 100 * 200);
    assert.is(chain.bestHeader, chain.tip);
    const next = buildBlock(chain);
    await chain.processHeader(next.toBuffer(true));
    assert.is(chain.bestHeader.hash, next.getId());
    assert.is(chain.height, 102);
  });
});

function isFailedEntry(chain: Chain, hash: string): boolean {
  const e = chain.getEntry(hash);
  return !!e && (e.status & (BlockStatus.FAILED | BlockStatus.FAILED_CHILD)) !== 0;
}

void Block;
test.run();
