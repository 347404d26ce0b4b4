// ODA-BIP-0006 between two real odad processes activated by Core's -testactivationheight
// (regtest only, nothing else moves): the node holding the model data mines blocks that prove
// every sampled leaf; once the other node's model files are deleted its blocks skip their live
// slots and must meet the penalised target, and claiming otherwise is refused; mangled proofs
// (truncated, extra byte, wrong leaf, a leaf of an unregistered blob, another attempt's proof)
// are refused by both nodes with the same reason, the header is never marked invalid so the
// unmangled block still connects, and a wire peer relaying one is punished; when a blob is lost
// on every node the chain keeps going. ~2 odad nodes, ~150 blocks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { runFunctionalTest, syncBlocks, waitUntil, type TestNode } from './framework.js';
import { connectNodes, dialWirePeer } from './p2p-util.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';
import { regtest } from '../../chain/params.js';
import { blockHeader80, decodeBlock, type Block } from '../../chain/block.js';
import { compactToTarget, hashToBigInt, headerHash } from '../../chain/header.js';
import { blobPath } from '../../model-store/layout.js';
import { blockProof } from '../../model-store/merkle.js';
import { decodeStorageProof, digestOfLeaves, encodeStorageProof, STORAGE, storageSeed, type SlotProof } from '../../oda/storage-proof.js';

const ACTIVATION = 130;
const ARGS = [`-testactivationheight=storageproofs@${ACTIVATION}`];

const blockOf = async (n: TestNode, hash: string): Promise<Block> => decodeBlock(Buffer.from(await n.getblock(hash, 0) as string, 'hex'));
const hex = (b: Block) => Buffer.from(b.toBuffer()).toString('hex');

function withProof(b: Block, proof: Uint8Array): Block {
  const c = decodeBlock(b.toBuffer());
  const cb = c.transactions![0];
  cb.setWitness(0, [cb.ins[0].witness[0], proof]);
  return c;
}

/** Both nodes judge the same bytes through submitblock: the same answer or the test fails. */
async function submitBoth(nodes: TestNode[], b: Block): Promise<string | null> {
  const answers = await Promise.all(nodes.map((n) => n.submitblock(hex(b)) as Promise<string | null>));
  assert.is(answers[1], answers[0], 'both nodes give the same verdict');
  return answers[0];
}

/** Deletes the data files of `roots` from a stopped node's model store (its index still names them). */
function deleteModelFiles(n: TestNode, roots: string[]): void {
  for (const r of roots) rmSync(blobPath(join(n.networkDir, 'models'), r), { force: true });
}


test('storage proofs: holder vs deleted data, mangled proofs, a punished relayer, a blob lost everywhere', async () => {
  await runFunctionalTest({ numNodes: 2, extraArgs: [ARGS, ARGS] }, async ([holder, deleter], env) => {
    const nodes = [holder, deleter];
    const dir = join(env.tmpdir, 'files');
    mkdirSync(dir);
    const files = await prepareDigitsModel(dir);
    await connectNodes(holder, deleter);
    const addr = await holder.getnewaddress();
    await holder.generatetoaddress(101, addr);
    await holder.addmodel(files.architecture, files.baseWeights, files.dataset, 'accuracy', { name: 'stored' });
    await holder.generatetoaddress(ACTIVATION - 1 - 101, addr);
    await syncBlocks(nodes);
    const before = await blockOf(holder, await holder.getbestblockhash());
    assert.is(before.storage, undefined, 'no header extension before activation');
    assert.is((await holder.getblockheader(await holder.getbestblockhash())).storage, undefined);
    const tpl = await holder.getblocktemplate({ rules: ['segwit'] }) as { storage: { k: number; entries: Array<{ root: string }> } };
    assert.is(tpl.storage.k, STORAGE.k);
    const roots = tpl.storage.entries.map((e) => e.root);
    assert.is(roots.length, 3, 'architecture, dataset and weights are eligible');

    // The holder proves every sampled leaf: no skip, plain target; the other node agrees.
    for (const h of await holder.generatetoaddress(3, addr)) {
      const b = await blockOf(holder, h);
      assert.is(b.storage?.skips, 0);
      assert.equal((await holder.getblockheader(h)).storage, { digest: Buffer.from(b.storage!.digest).toString('hex'), skips: 0 });
      assert.is((await holder.getblockheader(h, false) as string).length, 113 * 2, 'the 113-byte header');
      assert.ok(decodeStorageProof(b.transactions![0].ins[0].witness[1]).every((s) => s.kind === 'leaf'));
    }
    await syncBlocks(nodes);

    // Mangled proofs: the same reason from both nodes, the header stays valid.
    const good = decodeBlock(Buffer.from((await holder.generateblock(addr, [], false) as { hex: string }).hex, 'hex'));
    const proof = good.transactions![0].ins[0].witness[1];
    // Another attempt whose proof differs: with this test's few leaves two attempts can draw
    // the very same leaves, and then the "other" proof is simply the right one.
    let other = good;
    for (let i = 0; i < 50 && Buffer.compare(other.transactions![0].ins[0].witness[1], proof) === 0; i++) {
      other = decodeBlock(Buffer.from((await holder.generateblock(await holder.getnewaddress(), [], false) as { hex: string }).hex, 'hex'));
    }
    assert.ok(Buffer.compare(other.transactions![0].ins[0].witness[1], proof) !== 0, 'an attempt with another proof');
    const slots = decodeStorageProof(proof);
    const leaf0 = slots[0] as Extract<SlotProof, { kind: 'leaf' }>;
    const flipped = Uint8Array.from(leaf0.leaf); flipped[leaf0.leaf.length - 1] ^= 0x80;
    const stranger = randomBytes(64 * 1024);
    const cases: Array<[string, Uint8Array, string]> = [
      ['truncated', proof.subarray(0, proof.length - 1), 'bad-storage-proof-encoding'],
      ['extra byte', Uint8Array.from([...proof, 0]), 'bad-storage-proof-encoding'],
      ['wrong leaf', encodeStorageProof([{ ...leaf0, leaf: flipped }, ...slots.slice(1)]), 'bad-storage-proof'],
      ['leaf of an unregistered blob', encodeStorageProof([{ kind: 'leaf', leaf: stranger.subarray(0, leaf0.leaf.length), path: blockProof(stranger, 0).concat(leaf0.path).slice(0, leaf0.path.length) }, ...slots.slice(1)]), 'bad-storage-proof'],
      ['another attempt\'s proof (seed mismatch)', other.transactions![0].ins[0].witness[1], 'bad-storage-proof'],
    ];
    for (const [what, bytes, reason] of cases) {
      const answer = await submitBoth(nodes, withProof(good, bytes));
      // Another attempt's proof fails on its first leaf of another block (or, if its seed drew
      // the very same leaves, on the digest the header commits to).
      if (what.startsWith('another')) assert.ok(answer === reason || answer === 'bad-storage-digest', `${what}: ${answer}`);
      else assert.is(answer, reason, what);
    }
    const tips = (await holder.getchaintips()) as Array<{ status: string }>;
    assert.ok(!tips.some((t) => t.status === 'invalid'), 'no header marked invalid');
    // A wire peer relaying a mangled block is punished (score 100: disconnected).
    const ua = '/mangler:0.0.1/';
    const relayer = await dialWirePeer(holder, ua);
    relayer.send({ cmd: 'block', block: withProof(good, proof.subarray(0, proof.length - 1)) });
    await waitUntil(() => relayer.ws.readyState === WebSocket.CLOSED, 30_000, 'the node hangs up on the relayer');
    assert.match(readFileSync(join(holder.networkDir, 'debug.log'), 'utf8'), /invalid block: bad-storage-proof-encoding/);
    assert.is(await submitBoth(nodes, good), null, 'the unmangled block connects on both');

    // The other node loses its model files: its blocks skip live slots and pay the penalty.
    await deleter.stop();
    deleteModelFiles(deleter, roots);
    deleter.start();
    await deleter.waitForRpc();
    await connectNodes(holder, deleter);
    const sb = decodeBlock(Buffer.from((await deleter.generateblock(await deleter.getnewaddress(), [], false) as { hex: string }).hex, 'hex'));
    assert.is(sb.storage!.skips, STORAGE.k, 'every (live) slot skipped');
    const target = compactToTarget(sb.bits).target;
    assert.ok(hashToBigInt(headerHash(sb.toBuffer(true))) <= target >> BigInt(STORAGE.skipPenaltyBits * sb.storage!.skips), 'met the penalised target');
    // Claiming the skipped slots as proven (a nonce meeting only the plain target, its digest
    // that of k skips under its own seed, so only the skip count lies): refused by both.
    const liar = decodeBlock(sb.toBuffer());
    const allSkipped = () => digestOfLeaves(storageSeed(blockHeader80(liar)), new Array(STORAGE.k).fill(undefined));
    liar.storage = { digest: allSkipped(), skips: 0 };
    while (hashToBigInt(headerHash(liar.toBuffer(true))) > target) {
      liar.nonce++;
      liar.storage = { digest: allSkipped(), skips: 0 };
    }
    assert.is(await submitBoth(nodes, liar), 'bad-storage-skips');
    assert.is(await submitBoth(nodes, sb), null, 'the honest penalised block is valid on both');

    // One blob lost on every node: the chain goes on; the blob is skipped, then dormant.
    await holder.stop();
    deleteModelFiles(holder, [roots[1]]);
    holder.start();
    await holder.waitForRpc();
    await connectNodes(holder, deleter);
    let penalised = 0;
    for (const h of await holder.generatetoaddress(15, addr)) if ((await blockOf(holder, h)).storage!.skips > 0) penalised++;
    assert.ok(penalised <= 1, `the holder paid the penalty on ${penalised} blocks for one lost blob`);
    await syncBlocks(nodes);
    assert.is(await deleter.getbestblockhash(), await holder.getbestblockhash());
  });
});

test.run();
