// BIP 157 serving (ODA-BIP-0004 section 11) against a real chain: getcfilters answers one
// cfilter per block, getcfheaders a cfheaders whose hashes chain to the filter headers; bad
// requests (other filter type, unknown stop, too long a range, start above stop) score 100.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../chain/chain.js';
import { regtest } from '../../chain/params.js';
import { BlockFilterIndex } from '../../chain/filter-index.js';
import { filterHeader } from '../../chain/blockfilter.js';
import { hexToHash, hashToHex } from '../../chain/block.js';
import { CompactFilterServer } from '../../p2p/cfilters.js';
import type { Peer } from '../../p2p/peer.js';
import type { Message } from '../../p2p/wire/messages.js';
import { mine, spendTx } from '../chain/util/builder.js';

function fakePeer() {
  const sent: Message[] = [];
  const scores: string[] = [];
  const p = { closed: false, send: (m: Message) => sent.push(m), misbehave: (_s: number, r: string) => scores.push(r) };
  return { p: p as unknown as Peer, sent, scores };
}

test('getcfilters / getcfheaders from a real chain; invalid requests are misbehaviour', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-cfilters-'));
  const chain = await Chain.open({ params: regtest, dir, fsync: false });
  try {
    const index = new BlockFilterIndex(chain);
    const blocks = await mine(chain, 102);
    await mine(chain, 1, { txs: [spendTx([{ txid: blocks[0].transactions![0].getId(), vout: 0 }], [{ value: 49n * 100_000_000n }])] });
    const server = new CompactFilterServer(chain, index);
    const tip = chain.tip;

    const a = fakePeer();
    await server.onMessage(a.p, { cmd: 'getcfilters', filterType: 0, startHeight: tip.height - 2, stopHash: tip.hash });
    assert.equal(a.sent.map((m) => (m as { blockHash: string }).blockHash), [tip.height - 2, tip.height - 1, tip.height].map((h) => chain.getEntryByHeight(h)!.hash));
    const last = a.sent[2] as Extract<Message, { cmd: 'cfilter' }>;
    assert.equal(last.filter, await index.filter(tip));

    const b = fakePeer();
    await server.onMessage(b.p, { cmd: 'getcfheaders', filterType: 0, startHeight: 1, stopHash: tip.hash });
    const h = b.sent[0] as Extract<Message, { cmd: 'cfheaders' }>;
    assert.is(h.filterHashes.length, tip.height);
    assert.is(h.prevFilterHeader, hashToHex((await index.header(chain.getEntryByHeight(0)!))!));
    // Chaining the announced hashes from prevFilterHeader gives our header at the stop.
    let prev = hexToHash(h.prevFilterHeader);
    for (const fh of h.filterHashes) {
      const { createHash } = await import('node:crypto');
      const d = (x: Uint8Array) => createHash('sha256').update(createHash('sha256').update(x).digest()).digest();
      prev = new Uint8Array(d(Buffer.concat([hexToHash(fh), prev])));
    }
    assert.equal(prev, await index.header(tip));
    assert.equal(prev, filterHeader((await index.filter(tip))!, (await index.header(chain.getEntryByHeight(tip.height - 1)!))!));

    const c = fakePeer();
    await server.onMessage(c.p, { cmd: 'getcfilters', filterType: 1, startHeight: 0, stopHash: tip.hash });
    await server.onMessage(c.p, { cmd: 'getcfilters', filterType: 0, startHeight: 0, stopHash: 'ab'.repeat(32) });
    await server.onMessage(c.p, { cmd: 'getcfheaders', filterType: 0, startHeight: tip.height + 1, stopHash: tip.hash });
    const long = await mine(chain, 1000);
    await server.onMessage(c.p, { cmd: 'getcfilters', filterType: 0, startHeight: 0, stopHash: long[long.length - 1].getId() });
    assert.is(c.sent.length, 0);
    assert.is(c.scores.length, 4, c.scores.join('; '));
  } finally {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('getcfcheckpt answers the filter header of every 1,000th block up to the stop; bad requests score 100', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-cfcheckpt-'));
  const chain = await Chain.open({ params: regtest, dir, fsync: false });
  try {
    const index = new BlockFilterIndex(chain);
    await mine(chain, 2_050);
    const server = new CompactFilterServer(chain, index);
    const header = async (h: number) => hashToHex((await index.header(chain.getEntryByHeight(h)!))!);

    const a = fakePeer();
    await server.onMessage(a.p, { cmd: 'getcfcheckpt', filterType: 0, stopHash: chain.tip.hash });
    await server.onMessage(a.p, { cmd: 'getcfcheckpt', filterType: 0, stopHash: chain.getEntryByHeight(1_999)!.hash });
    await server.onMessage(a.p, { cmd: 'getcfcheckpt', filterType: 0, stopHash: chain.getEntryByHeight(2_000)!.hash });
    await server.onMessage(a.p, { cmd: 'getcfcheckpt', filterType: 0, stopHash: chain.getEntryByHeight(999)!.hash });
    assert.is(a.scores.length, 0, a.scores.join('; '));
    const answers = a.sent as Extract<Message, { cmd: 'cfcheckpt' }>[];
    assert.equal(answers.map((m) => m.cmd), ['cfcheckpt', 'cfcheckpt', 'cfcheckpt', 'cfcheckpt']);
    assert.equal(answers[0], { cmd: 'cfcheckpt', filterType: 0, stopHash: chain.tip.hash, filterHeaders: [await header(1_000), await header(2_000)] });
    assert.equal(answers[1].filterHeaders, [await header(1_000)]);
    assert.equal(answers[2].filterHeaders, [await header(1_000), await header(2_000)]);
    assert.equal(answers[3].filterHeaders, []);

    // A side-chain block: a sibling of the tip built on its parent.
    const [side] = await mine(chain, 1, { prev: chain.getEntryByHeight(chain.height - 1)!, extraNonce: 7 });
    assert.ok(chain.getEntry(side.getId()) && !chain.isMainChain(chain.getEntry(side.getId())!), 'a side-chain block');
    const c = fakePeer();
    await server.onMessage(c.p, { cmd: 'getcfcheckpt', filterType: 1, stopHash: chain.tip.hash });
    await server.onMessage(c.p, { cmd: 'getcfcheckpt', filterType: 0, stopHash: 'ab'.repeat(32) });
    await server.onMessage(c.p, { cmd: 'getcfcheckpt', filterType: 0, stopHash: side.getId() });
    assert.is(c.sent.length, 0);
    assert.is(c.scores.length, 3, c.scores.join('; '));
    assert.ok(c.scores.every((r) => r.startsWith('bad-cfilter-request')), c.scores.join('; '));
  } finally {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
