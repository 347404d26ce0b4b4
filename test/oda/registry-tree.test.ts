// The ODA-BIP-0007 registry tree: any sequence of batched inserts, updates and deletes gives
// the same root and the same stored nodes as building the final set from scratch, and every
// key has a path proof (membership or absence) leading to that root.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rng } from '../../util/rng.js';
import { proofRoot, proveKey, sha256, treeRoot, updateTree, type LeafChange, type NodeStore } from '../../oda/registry-tree.js';

class MemStore implements NodeStore {
  readonly m = new Map<string, Uint8Array>();
  async get(pos: Uint8Array) { return this.m.get(Buffer.from(pos).toString('hex')); }
  put(pos: Uint8Array, v: Uint8Array | undefined) {
    const k = Buffer.from(pos).toString('hex');
    if (v) this.m.set(k, v); else this.m.delete(k);
  }
  dump() { return [...this.m.entries()].map(([k, v]) => `${k}=${Buffer.from(v).toString('hex')}`).sort(); }
}

const key = (i: number) => sha256(Uint8Array.of(i >> 8, i & 0xff));
const val = (i: number, gen: number) => sha256(Uint8Array.of(i & 0xff, gen));

test('batched updates equal a build from scratch; proofs verify', async () => {
  const r = rng(7);
  const live = new Map<number, number>();
  const store = new MemStore();
  for (let round = 0; round < 40; round++) {
    const changes = new Map<number, LeafChange>();
    const n = 1 + Math.floor(r() * 12);
    for (let j = 0; j < n; j++) {
      const i = Math.floor(r() * 80);
      if (live.has(i) && r() < 0.3) { live.delete(i); changes.set(i, { keyHash: key(i), valueHash: undefined }); }
      else { live.set(i, round); changes.set(i, { keyHash: key(i), valueHash: val(i, round) }); }
    }
    const root = await updateTree(store, [...changes.values()]);
    const fresh = new MemStore();
    const root2 = await updateTree(fresh, [...live].map(([i, g]) => ({ keyHash: key(i), valueHash: val(i, g) })));
    assert.equal(Buffer.from(root).toString('hex'), Buffer.from(root2).toString('hex'), `round ${round}`);
    assert.equal(store.dump(), fresh.dump(), `stored nodes, round ${round}`);
    assert.equal(await treeRoot(store), root);
    for (let i = 0; i < 80; i += 7) {
      const p = await proveKey(store, key(i));
      assert.equal(proofRoot(key(i), p), root);
      if (live.has(i)) assert.equal(p.terminal?.valueHash, val(i, live.get(i)!));
      else assert.ok(!p.terminal || Buffer.compare(p.terminal.keyHash, key(i)) !== 0);
    }
  }
  // Everything deleted: the empty tree, nothing stored.
  await updateTree(store, [...live.keys()].map((i) => ({ keyHash: key(i), valueHash: undefined })));
  assert.equal(store.dump(), []);
  assert.equal(await treeRoot(store), new Uint8Array(32));
});

test.run();
