// The storage index cache (oda/storage-index-cache.ts) against the state it stands in for: a
// seeded random block tree (blobs registered and re-registered, proof outcomes that prove and
// skip slots, skip counters saturating), with forks (two children of one parent), reorgs back
// to an older branch and disconnect/reconnect of the tip. After every step the index derived
// with applyIndexWrites from the cached one must deep-equal loadIndex of the state: the
// consensus property (a cached index is indistinguishable from reading the state).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyIndexWrites, decodeIndexUndo, indexBlock, loadIndex, storageKeys, encodeMeta, MemoryIndex, type ProofOutcome } from '../../oda/storage-index.js';
import { IndexCache } from '../../oda/storage-index-cache.js';
import type { KvChange } from '../../chain/extension.js';
import type { BlobRef } from '../../oda/payload.js';
import { rng } from '../../util/rng.js';
import { kv } from './kv-map.js';


interface Node { hash: string; parent?: Node; height: number; blobs: BlobRef[]; outcome?: ProofOutcome; writes: readonly KvChange[]; undo: Uint8Array }

const fingerprint = (i: MemoryIndex) => i.entries.map((e) => `${e.ordinal}:${e.root}:${e.length}:${e.start}:${e.height}:${e.skips}`).join(',');

async function run(seed: number, steps: number, capacity: number) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const s = kv();
  const cache = new IndexCache(capacity);
  const seenRoots: BlobRef[] = [];
  const genesis: Node = { hash: 'g', height: 0, blobs: [], writes: [], undo: new Uint8Array(0) };
  let path: Node[] = [genesis];
  let other: Node[] | undefined; // a branch left by a fork, to reorganize back to
  let serial = 0;
  const stats = { connects: 0, disconnects: 0, forks: 0, reorgs: 0, hits: 0, misses: 0, saturated: 0 };
  const prints = new Map<MemoryIndex, string>();
  const put = (hash: string, i: MemoryIndex) => { cache.put(hash, i); prints.set(i, fingerprint(i)); };

  /** What the extension does: the parent's index from the cache (state on a miss). */
  const parentIndex = async (p: Node) => {
    const hit = cache.get(p.hash);
    if (hit) { stats.hits++; return hit; }
    stats.misses++;
    const loaded = await loadIndex(s);
    put(p.hash, loaded);
    return loaded;
  };
  const tip = () => path[path.length - 1]!;

  const connect = async (n: Node, again: boolean) => {
    const parent = await parentIndex(n.parent!);
    const v = await indexBlock(s, n.height, n.blobs, n.outcome);
    if (again) assert.equal(v.writes, n.writes, 'a reconnected block writes the same');
    else { n.writes = v.writes; n.undo = v.undo; }
    const derived = v.writes.length ? applyIndexWrites(parent, v.writes) : parent;
    s.apply(v.writes);
    assert.equal(derived, await loadIndex(s), `connect ${n.hash} at ${n.height}`);
    put(n.hash, derived);
    path.push(n);
    stats.connects++;
  };
  const disconnect = async () => {
    const n = path.pop()!;
    const undo = decodeIndexUndo(n.undo);
    const cached = cache.get(n.hash);
    s.apply(undo);
    const state = await loadIndex(s);
    if (cached) assert.equal(applyIndexWrites(cached, undo), state, `undo ${n.hash}`);
    const p = cache.get(n.parent!.hash);
    if (p) assert.equal(p, state, `parent of ${n.hash} still cached as the state`);
    stats.disconnects++;
    return n;
  };
  const newBlock = async (): Promise<Node> => {
    const parent = tip();
    const count = (await loadIndex(s)).count;
    const blobs: BlobRef[] = [];
    for (let i = int(4); i > 0; i--) {
      if (seenRoots.length && r() < 0.3) blobs.push(seenRoots[int(seenRoots.length)]!);
      else {
        const b = { root: Buffer.from(Array.from({ length: 32 }, () => int(256))).toString('hex'), length: 1 + int(1 << 22) };
        seenRoots.push(b);
        blobs.push(b);
      }
    }
    let outcome: ProofOutcome | undefined;
    if (count && r() < 0.8) {
      const pick = (n: number) => Array.from({ length: n }, () => int(count));
      const skipped = pick(int(5));
      // Now and then one slot skipped past the counter's ceiling (255).
      if (r() < 0.05) { skipped.push(...Array(260).fill(int(count))); stats.saturated++; }
      outcome = { proven: pick(int(4)), skipped };
    }
    return { hash: `b${++serial}`, parent, height: parent.height + 1, blobs, outcome, writes: [], undo: new Uint8Array(0) };
  };

  for (let step = 0; step < steps; step++) {
    const x = r();
    if (x < 0.6 || path.length < 4) {
      await connect(await newBlock(), false);
    } else if (x < 0.75) {
      // Fork: a sibling of a block on the path (two children of one parent).
      const depth = 1 + int(3);
      const left: Node[] = [];
      for (let i = 0; i < depth; i++) left.unshift(await disconnect());
      other = left;
      await connect(await newBlock(), false);
      stats.forks++;
    } else if (x < 0.9 && other) {
      // Reorganize back to the branch the last fork left.
      const fork = other[0]!.parent!;
      const left: Node[] = [];
      while (tip() !== fork) left.unshift(await disconnect());
      for (const n of other) await connect(n, true);
      other = left;
      stats.reorgs++;
    } else {
      // invalidateblock + reconsiderblock of the tip.
      await connect(await disconnect(), true);
    }
  }
  // Nothing cached was changed after it was cached (a sibling may still read it).
  for (const [i, p] of prints) assert.is(fingerprint(i), p, 'cached index unchanged');
  return stats;
}

test('differential: cached + applyIndexWrites equals loadIndex over a random block tree', async () => {
  const a = await run(1, 400, 16);
  assert.ok(a.forks > 10 && a.reorgs > 5 && a.saturated > 3 && a.hits > a.misses, JSON.stringify(a));
  // A small cache: reorganizations deeper than it miss and read the state instead.
  const b = await run(2, 300, 2);
  assert.ok(b.misses > 10, JSON.stringify(b));
});

test('cached indexes are frozen; the cache keeps the newest blocks only', async () => {
  const c = new IndexCache(2);
  const i = new MemoryIndex();
  i.add({ root: '11'.repeat(32), length: 5 }, 1);
  c.put('a', i);
  assert.throws(() => i.add({ root: '22'.repeat(32), length: 5 }, 2));
  assert.throws(() => { (i.entries[0] as { skips: number }).skips = 3; });
  c.put('b', new MemoryIndex());
  c.put('c', new MemoryIndex());
  assert.is(c.size, 2);
  assert.is(c.get('a'), undefined);
  assert.ok(c.get('b') && c.get('c'));
});

test('applyIndexWrites refuses writes that break the index', async () => {
  const s = kv();
  const v = await indexBlock(s, 1, [{ root: '11'.repeat(32), length: 10 }, { root: '22'.repeat(32), length: 20 }]);
  const empty = new MemoryIndex();
  const two = applyIndexWrites(empty, v.writes);
  assert.is(two.count, 2);
  assert.is(two.total, 30n);
  assert.is(empty.count, 0, 'the input is not touched');
  const reason = (w: KvChange[]) => { try { applyIndexWrites(empty, w); return 'ok'; } catch (e) { return (e as Error).message; } };
  const byKey = (k: Uint8Array) => v.writes.filter((w) => Buffer.compare(w.key, k) !== 0);
  assert.match(reason(byKey(storageKeys.meta())), /meta disagrees/);
  assert.match(reason(byKey(storageKeys.entry(0))), /entry 0 missing/);
  assert.match(reason(byKey(storageKeys.entry(1)).map((w) => (Buffer.compare(w.key, storageKeys.meta()) === 0 ? { key: w.key, value: encodeMeta({ count: 1, total: 10n }) } : w))), /root .* disagrees/);
  assert.match(reason([{ key: Uint8Array.of(1, 2, 3), value: undefined }]), /outside the namespace/);
  assert.match(reason([{ key: storageKeys.entry(0), value: undefined }]), /not among the newest/);
});

test.run();
