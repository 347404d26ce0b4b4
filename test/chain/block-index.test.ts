// BlockIndex without a database (as a header-only node would use it) and the scratch
// OverlayState of a reorganization.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BlockIndex } from '../../chain/block-index.js';
import { BlockStatus, entryFromHeader, type BlockEntry } from '../../chain/entry.js';
import { OverlayState, type ExtensionState } from '../../chain/extension.js';
import { encodeHeader, hexToHash } from '../../chain/header.js';

const BITS = 0x207fffff;

function child(prev: BlockEntry | undefined, tag: number, status: number = BlockStatus.HAVE_DATA | BlockStatus.VALID): BlockEntry {
  const header = encodeHeader({
    version: 4, prevHash: prev ? hexToHash(prev.hash) : new Uint8Array(32), merkleRoot: new Uint8Array(32).fill(tag),
    time: 1_000 + (prev ? prev.height + 1 : 0) * 10, bits: BITS, nonce: tag,
  });
  return entryFromHeader(header, prev ? prev.height + 1 : 0, prev?.chainwork ?? 0n, status);
}

/** Main chain 0..20, a fork of 3 headers from height 15 (the last one without a body). */
function build(): { index: BlockIndex; main: BlockEntry[]; side: BlockEntry[] } {
  const index = new BlockIndex();
  const main: BlockEntry[] = [];
  for (let h = 0; h <= 20; h++) main.push(child(main[h - 1], 1));
  const side = [child(main[15], 2, BlockStatus.HAVE_DATA)];
  side.push(child(side[0], 2, BlockStatus.HAVE_DATA), child(side[0], 3, 0));
  side[2] = child(side[1], 3, 0);
  for (const e of [...main, ...side]) index.add(e);
  index.setTip(main[20]);
  index.assignLoadedSequence();
  return { index, main, side };
}

test('BlockIndex: ancestors, fork, locator, MTP and tips without any database', () => {
  const { index, main, side } = build();
  assert.is(index.tip, main[20]);
  assert.is(index.getAncestor(side[2], 10), main[10], 'jumps to the main chain');
  assert.is(index.getAncestor(side[2], 16), side[0]);
  assert.is(index.findFork(main[20], side[2]), main[15]);
  assert.equal(index.getLocator(main[20]).map((h) => index.get(h)!.height), [20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 7, 3, 0]);
  assert.is(index.medianTimePast(main[20]), main[15].time);
  const cursor = index.ancestorCursor(side[2]);
  assert.equal([17, 16, 15, 3].map((h) => cursor(h)), [side[1], side[0], main[15], main[3]]);
  assert.equal(index.getChainTips().map((t) => [t.height, t.status, t.branchlen]), [[20, 'active', 0], [18, 'headers-only', 3]]);
  assert.equal(index.descendants(side[0]), [side[1], side[2]]);
  assert.is(index.bestHeader, main[20], 'equal work: the first to arrive');
});

test('BlockIndex: connect/disconnect the tip, candidates, parked blocks', () => {
  const { index, main, side } = build();
  assert.is(index.disconnectTip(main[20]), main[19]);
  assert.is(index.tip, main[19]);
  assert.not.ok(index.isMainChain(main[20]));
  index.connectTip(main[20]);
  assert.is(index.tip, main[20]);
  index.rebuildCandidates();
  assert.is(index.findBestCandidate(), undefined, 'nothing heavier than the tip');
  // Four more blocks on the fork: height 21, more work than the tip.
  const fork: BlockEntry[] = [];
  for (let i = 0; i < 4; i++) fork.push(child(fork[i - 1] ?? side[1], 4, BlockStatus.HAVE_DATA));
  for (const e of fork) {
    index.add(e);
    index.assignSequence(e);
  }
  const [more, evenMore] = [fork[0], fork[3]];
  index.addCandidates(more);
  assert.is(index.findBestCandidate(), evenMore, 'descendants with bodies join');
  assert.is(index.findBestCandidate((h) => h === more.hash), undefined, 'a parked block blocks its descendants');
  assert.is(index.bestHeader, evenMore);
});

function memState(entries: Array<[number, number]>): ExtensionState {
  const m = new Map(entries.map(([k, v]) => [k, Uint8Array.of(v)]));
  return {
    name: 't',
    get: async (k) => m.get(k[0]),
    getMany: async (ks) => ks.map((k) => m.get(k[0])),
    async *iterator(r) {
      for (const k of [...m.keys()].sort((a, b) => a - b)) if (k >= r.gte[0] && k < r.lt[0]) yield [Uint8Array.of(k), m.get(k)!];
    },
  };
}

test('OverlayState: writes and deletes layered over the base, which is never touched', async () => {
  const base = memState([[1, 10], [2, 20], [4, 40]]);
  const o = new OverlayState(base);
  o.apply([{ key: Uint8Array.of(2), value: undefined }, { key: Uint8Array.of(3), value: Uint8Array.of(30) }]);
  o.apply([{ key: Uint8Array.of(1), value: Uint8Array.of(11) }]);
  assert.equal(await o.get(Uint8Array.of(1)), Uint8Array.of(11));
  assert.is(await o.get(Uint8Array.of(2)), undefined);
  assert.equal(await o.getMany([Uint8Array.of(4), Uint8Array.of(3), Uint8Array.of(2)]), [Uint8Array.of(40), Uint8Array.of(30), undefined]);
  const seen: number[][] = [];
  for await (const [k, v] of o.iterator({ gte: Uint8Array.of(1), lt: Uint8Array.of(4) })) seen.push([k[0], v[0]]);
  assert.equal(seen, [[1, 11], [3, 30]]);
  assert.equal(await base.get(Uint8Array.of(2)), Uint8Array.of(20));
});

test.run();
