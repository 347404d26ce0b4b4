// ODA-BIP-0006 store policy: -storemodels parsing, held vs registered bytes, background fetch
// of missing registered blobs (a fake fetch imports them), pruning mode.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore } from '../../model-store/store.js';
import { MemoryIndex } from '../../oda/storage-index.js';
import { applyStorePolicy, heldShare, parseStoreModels, storageInfo } from '../../oda/storage-policy.js';
import { piecesRoot } from '../../model-store/merkle.js';
import type { RegistryReader } from '../../oda/registry.js';

const noModels = { listModels: async () => [], getHistory: async () => [] } as unknown as RegistryReader;

test('-storemodels: miners keep all by default, others keep what they pinned', () => {
  assert.is(parseStoreModels(undefined, true), 'all');
  assert.is(parseStoreModels(undefined, false), 'pinned');
  assert.is(parseStoreModels('none', true), 'none');
  assert.throws(() => parseStoreModels('some', false), /expected all, pinned or none/);
});

test('held share, background fetch of missing blobs, pruning', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'oda-storage-policy-'));
  const store = await BlobStore.open(join(dir, 'a'));
  const peer = await BlobStore.open(join(dir, 'b'));
  const a = new Uint8Array(30_000).fill(1), b = new Uint8Array(90_000).fill(2);
  await store.importBytes(a, { mediaType: 'raw', durable: false, pin: 'oda' });
  await peer.importBytes(b, { mediaType: 'raw', durable: false });
  const idx = new MemoryIndex();
  idx.add({ root: Buffer.from(piecesRoot(a)).toString('hex'), length: a.length }, 1);
  idx.add({ root: Buffer.from(piecesRoot(b)).toString('hex'), length: b.length }, 1);
  let info = await storageInfo('all', idx, store, noModels);
  assert.is(info.registeredBytes, 120_000);
  assert.is(info.heldShare, 0.25);
  // The fetch stands in for p2p fetchBlob: it copies the blob from the peer's store.
  const fetched = await applyStorePolicy('all', idx, store, async (root) => store.importBytes(await peer.readAll(root), { mediaType: 'raw', durable: false }));
  assert.equal(fetched, [idx.entries[1]!.root]);
  info = await storageInfo('all', idx, store, noModels);
  assert.is(info.heldShare, 1);
  assert.is(info.heldBlobs, 2);
  assert.equal(await applyStorePolicy('pinned', idx, store, undefined), []);
  // none: a blob only the node's own pins hold goes; a user's pin keeps the other one.
  await store.pin(idx.entries[1]!.root, 'user');
  const logs: string[] = [];
  assert.equal(await applyStorePolicy('none', idx, store, undefined, (m) => logs.push(m)), [idx.entries[0]!.root]);
  assert.is(await store.getStatus(idx.entries[0]!.root), undefined);
  assert.equal((await store.getStatus(idx.entries[1]!.root))!.pins, ['oda', 'user']);
  assert.match(logs.join('\n'), /removed 1 registered blob/);
  info = await storageInfo('none', idx, store, noModels);
  assert.is(info.heldShare, 0.75);
  assert.is(await heldShare(idx, store), 0.75);
  assert.is(await heldShare(new MemoryIndex(), store), 1, 'nothing registered: nothing missing');
  await store.close();
  await peer.close();
  await rm(dir, { recursive: true, force: true });
});

test.run();
