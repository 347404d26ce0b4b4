// ODA-BIP-0006 on a real Chain: the storage index extension checks every block's proof from
// activation, the real miner (template → grind → sealBlock) produces them, a validator without
// any model data agrees on every verdict, bad proofs are rejected with their reason without
// marking the header invalid, a miner without data pays the skip penalty, and a blob lost
// everywhere goes dormant instead of halting the chain.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Block, decodeBlock, type Transaction } from '../../chain/block.js';
import { Chain } from '../../chain/chain.js';
import { BlockStatus } from '../../chain/entry.js';
import { VerifyError } from '../../chain/errors.js';
import type { StorageMiner } from '../../chain/extension.js';
import { HEADER_SIZE, MAX_HEADER_SIZE, compactToTarget, hashToBigInt, headerHash } from '../../chain/header.js';
import { regtest, withTestActivationHeights } from '../../chain/params.js';
import { sha256, blockProof } from '../../model-store/merkle.js';
import { BlobStore } from '../../model-store/store.js';
import { grind, sealBlock } from '../../miner/grind.js';
import { createBlockTemplate } from '../../miner/template.js';
import { buildAddModelPayload } from '../../oda/build.js';
import { createStorageIndexExtension, loadIndex, STORAGE_EXTENSION } from '../../oda/storage-index.js';
import { createStorageMiner, decodeStorageProof, encodeStorageProof, STORAGE, type SlotProof } from '../../oda/storage-proof.js';
import { memoryLeafSource } from '../../oda/storage-source.js';
import { P2WSH_TRUE, spendTx } from '../chain/util/builder.js';

const ACTIVATION = 120;
const params = withTestActivationHeights(regtest, [`storageproofs@${ACTIVATION}`]);

function stream(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let o = 0, i = 0; o < length; o += 32, i++) out.set(sha256(Uint8Array.of(seed, i >> 8, i & 0xff)).subarray(0, Math.min(32, length - o)), o);
  return out;
}

const blobs = [stream(1, 40 * 1024), stream(2, 100 * 1024 + 7), stream(3, 20 * 1024)];
const stranger = stream(9, 100 * 1024 + 7);
const dir = mkdtempSync(join(tmpdir(), 'oda-storage-chain-'));
let store: BlobStore;
let miner: Chain; // holds every blob
let validator: Chain; // holds nothing, checks proofs against the index only
const exts = new Map<Chain, ReturnType<typeof createStorageIndexExtension>>();
/** A chain with its own storage index extension (kept to look into its per-block cache). */
async function openChain(sub: string, store?: BlobStore): Promise<Chain> {
  const ext = createStorageIndexExtension({ store });
  const c = await Chain.open({ params, dir: join(dir, sub), fsync: false, extensions: [ext] });
  exts.set(c, ext);
  return c;
}

/** The index cached for the tip (when there is one) is the index the state holds. */
async function cacheAgrees(c: Chain): Promise<boolean> {
  const cached = exts.get(c)!.cache.get(c.tip.hash);
  if (cached) assert.equal(cached, await loadIndex(c.extensionState(STORAGE_EXTENSION)), 'cached index of the tip');
  return cached !== undefined;
}
const roots: string[] = [];

/** A template on `chain`'s tip at a fixed time, ground with `storage` (default: the chain's own), sealed. */
async function mineBlock(chain: Chain, storage?: StorageMiner, txs: Transaction[] = []): Promise<Block> {
  const t = await createBlockTemplate({
    chain, outputScript: P2WSH_TRUE, time: chain.tip.time + 1,
    txs: txs.map((tx) => ({ tx, txid: tx.getId(), wtxid: '', fee: 0n, sigOpCost: 0, weight: tx.weight() })),
  });
  const m = storage ?? t.storage;
  const b = grind(t.block, 10_000_000, m);
  assert.ok(b, 'ground');
  return sealBlock(b!, m);
}

/** Both chains judge `b`: the same verdict (accepted, or the same reason) or the test fails. */
async function judge(b: Block): Promise<string> {
  const verdict = async (c: Chain) => {
    try {
      await c.processBlock(decodeBlock(b.toBuffer()));
      return 'ok';
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      assert.is(e.score, 100, `${e.reason} scores the peer`);
      return e.reason;
    }
  };
  const a = await verdict(miner);
  const v = await verdict(validator);
  assert.is(v, a, 'holder and data-less validator agree');
  await cacheAgrees(miner);
  await cacheAgrees(validator);
  return a;
}

/** A no-data (or partial-data) miner's work for the next block of `chain`. */
async function memoryMiner(chain: Chain, held: Uint8Array[]): Promise<StorageMiner> {
  const index = await loadIndex(chain.extensionState(STORAGE_EXTENSION));
  const map = new Map<string, Uint8Array>();
  for (const b of held) map.set(roots[blobs.indexOf(b)], b);
  return createStorageMiner(index, chain.tip.height + 1, memoryLeafSource(map));
}

function withProof(b: Block, proof: Uint8Array): Block {
  const c = decodeBlock(b.toBuffer());
  const cb = c.transactions![0];
  cb.setWitness(0, [cb.ins[0].witness[0], proof]);
  return c;
}

test('setup: both chains, blobs registered by an add-model, mined to activation', async () => {
  store = await BlobStore.open(join(dir, 'models'));
  for (const b of blobs) roots.push((await store.importBytes(b, { mediaType: 'raw', durable: false })).root);
  miner = await openChain('a', store);
  validator = await openChain('v');
  const mined: Block[] = [];
  for (let i = 0; i < 101; i++) {
    const b = await mineBlock(miner);
    mined.push(b);
    assert.is(await judge(b), 'ok');
  }
  const ref = (i: number) => ({ root: roots[i], length: blobs[i].length });
  const { script } = buildAddModelPayload({
    architecture: ref(0), dataset: ref(1), weights: ref(2), objective: 'accuracy', royalty: 0n, payoutScript: '0014' + '11'.repeat(20), name: 'm',
  });
  const tx = spendTx([{ txid: mined[0].transactions![0].getId(), vout: 0 }], [{ script, value: 0n }, { value: 49n * 100_000_000n }]);
  assert.is(await judge(await mineBlock(miner, undefined, [tx])), 'ok');
  const index = await loadIndex(validator.extensionState(STORAGE_EXTENSION));
  assert.equal(index.entries.map((e) => e.root), roots);
  while (miner.height < ACTIVATION - 1) assert.is(await judge(await mineBlock(miner)), 'ok');
  assert.is(miner.tip.header.length, HEADER_SIZE, 'before activation: 80-byte headers');
});

test('from activation: 113-byte headers with proven slots, checked by a node without data', async () => {
  for (let i = 0; i < 4; i++) {
    const b = await mineBlock(miner);
    assert.ok(b.storage);
    assert.is(b.storage!.skips, 0, 'the holder proves every slot');
    const slots = decodeStorageProof(b.transactions![0].ins[0].witness[1]);
    assert.is(slots.length, STORAGE.k);
    assert.ok(slots.every((s) => s.kind === 'leaf'));
    assert.is(await judge(b), 'ok');
  }
  assert.is(miner.tip.header.length, MAX_HEADER_SIZE);
  assert.is(validator.tip.hash, miner.tip.hash);
  // From activation every checked block's index is derived from its parent's cached one.
  assert.ok(await cacheAgrees(miner) && await cacheAgrees(validator), 'the tips are cached');
  // The block index keeps the whole header: a restart loads it back.
  const tip = validator.tip.hash;
  await validator.close();
  validator = await openChain('v');
  assert.is(validator.tip.hash, tip);
  assert.ok(validator.tip.storage);
});

test('bad proofs: rejected with their reason, the header stays valid, the unmangled block is accepted', async () => {
  const good = await mineBlock(miner);
  const proof = good.transactions![0].ins[0].witness[1];
  const slots = decodeStorageProof(proof);
  const leaf0 = slots[0] as Extract<SlotProof, { kind: 'leaf' }>;
  const flipped = Uint8Array.from(leaf0.leaf); flipped[0] ^= 1;
  const index = await loadIndex(miner.extensionState(STORAGE_EXTENSION));
  const other = await createBlockTemplate({ chain: miner, outputScript: P2WSH_TRUE, time: miner.tip.time + 2 });
  const otherMiner = createStorageMiner(index, miner.tip.height + 1, memoryLeafSource(new Map(roots.map((r, i) => [r, blobs[i]]))));
  const cases: Array<[string, Uint8Array, string]> = [
    ['truncated', proof.subarray(0, proof.length - 1), 'bad-storage-proof-encoding'],
    ['extra byte', Uint8Array.from([...proof, 0]), 'bad-storage-proof-encoding'],
    ['missing slot', encodeStorageProof(slots.slice(1)), 'bad-storage-proof-count'],
    ['wrong leaf bytes', encodeStorageProof([{ ...leaf0, leaf: flipped }, ...slots.slice(1)]), 'bad-storage-proof'],
    ['a leaf of an unregistered blob', encodeStorageProof([{ kind: 'leaf', leaf: stranger.subarray(0, leaf0.leaf.length), path: blockProof(stranger, 0).slice(0, leaf0.path.length) }, ...slots.slice(1)]), 'bad-storage-proof'],
    ['proof of another attempt (seed mismatch)', await otherMiner.proof(other.block.toBuffer(true).subarray(0, HEADER_SIZE)), 'bad-storage-proof'],
    ['slots skipped that the header says were proven', encodeStorageProof(slots.map(() => ({ kind: 'skip' as const }))), 'bad-storage-digest'],
  ];
  for (const [what, bytes, reason] of cases) {
    assert.is(await judge(withProof(good, bytes)), reason, what);
    const e = miner.getEntry(good.getId())!;
    assert.ok(e, `${what}: header kept`);
    assert.is(e.status & (BlockStatus.FAILED | BlockStatus.HAVE_DATA), 0, `${what}: not failed, body forgotten`);
  }
  assert.is(await judge(good), 'ok', 'the unmangled copy is accepted');
  assert.is(miner.tip.hash, good.getId());
});

test('a miner without the data skips its slots and pays 2^(b·skips); lying about skips is rejected', async () => {
  const empty = await memoryMiner(miner, []);
  const b = await mineBlock(miner, empty);
  assert.ok(b.storage!.skips > 0, 'live slots skipped');
  const target = compactToTarget(b.bits).target;
  assert.ok(hashToBigInt(headerHash(b.toBuffer(true))) <= target >> BigInt(STORAGE.skipPenaltyBits * b.storage!.skips), 'hash meets the penalised target');
  // The same attempt claiming no skips: its hash changes, so grind one that meets the target.
  const liar: StorageMiner = { attempt: (h) => ({ ...empty.attempt(h), skips: 0 }), proof: (h) => empty.proof(h) };
  assert.is(await judge(await mineBlock(miner, liar)), 'bad-storage-skips');
  // A header whose hash meets the target but not the penalty: refused from the header alone.
  const t = await createBlockTemplate({ chain: miner, outputScript: P2WSH_TRUE, time: miner.tip.time + 1 });
  t.block.storage = { digest: new Uint8Array(32), skips: STORAGE.k };
  const tgt = compactToTarget(t.block.bits).target;
  for (;;) {
    const h = hashToBigInt(headerHash(t.block.toBuffer(true)));
    if (h <= tgt && h > tgt >> BigInt(STORAGE.k * STORAGE.skipPenaltyBits)) break;
    t.block.nonce++;
  }
  try {
    await miner.processHeader(t.block.toBuffer(true));
    assert.unreachable('header accepted');
  } catch (e) {
    assert.ok(e instanceof VerifyError && e.reason === 'high-hash-storage-penalty', String(e));
  }
  assert.is(await judge(b), 'ok', 'the honest no-data block is valid');
  const after = await loadIndex(validator.extensionState(STORAGE_EXTENSION));
  assert.ok(after.entries.some((e) => e.skips > 0), 'skipped blobs went dormant');
});

test('liveness: a blob lost everywhere is skipped once, then its slots are void', async () => {
  // Revive everything first (the holder proves every slot, void ones too).
  for (let i = 0; i < 3; i++) assert.is(await judge(await mineBlock(miner)), 'ok');
  let penalised = 0;
  for (let i = 0; i < 12; i++) {
    const b = await mineBlock(miner, await memoryMiner(miner, [blobs[0], blobs[2]]));
    if (b.storage!.skips > 0) penalised++;
    assert.is(await judge(b), 'ok');
  }
  const idx = await loadIndex(validator.extensionState(STORAGE_EXTENSION));
  assert.ok(idx.entries[1].skips >= 1, 'the lost blob is dormant');
  assert.ok(penalised <= 1, `penalty paid on ${penalised} blocks (at most once per lost blob)`);
  assert.is(validator.tip.hash, miner.tip.hash);
});

test('invalidate and reconsider across proven, penalised and void blocks: index restored, proofs checked again', async () => {
  const tip = miner.tip;
  const dump = async () => (await loadIndex(miner.extensionState(STORAGE_EXTENSION))).entries.map((e) => `${e.root}:${e.skips}`);
  const before = await dump();
  const back = miner.getEntryByHeight(tip.height - 8)!;
  await miner.invalidateBlock(back.hash);
  assert.is(miner.height, back.height - 1);
  await cacheAgrees(miner);
  await miner.reconsiderBlock(back.hash);
  assert.is(miner.tip.hash, tip.hash);
  assert.equal(await dump(), before);
  assert.ok(await cacheAgrees(miner), 'reconnected blocks are cached again');
});

test('teardown', async () => {
  await miner.close();
  await validator.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
