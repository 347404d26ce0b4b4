// ODA transactions end to end over RPC against two real odad processes (no P2P between them):
// node0 registers the digits classifier, runs inference, updates the weights by commit and
// reveal; every bad input gets its own reject reason and changes nothing; node1, fed node0's
// blocks by submitblock, refuses a block whose inference output is wrong (BIP22 reason) and
// accepts the honest twin; invalidateblock across the update restores the previous version.
// 2 nodes (one restart), ~112 blocks, a few 360-row scoring runs (~30-60 s on a loaded 2-core machine).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transaction } from '../../chain/block.js';
import { runFunctionalTest, assertRpcError, skipTest, waitUntil, type TestNode } from './framework.js';
import { RpcError } from '../../rpc/errors.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';
import { digitsDatasetBlob, digitsSplit, loadDigits } from '../../tools/data/digits.js';
import { buildMlpModel, DIGITS_MLP } from '../../tools/models/mlp.js';
import { encodeModel } from '../../validator/onnx/encode.js';
import { createBlockTemplate, type TemplateChain } from '../../miner/template.js';
import { assembleCostAware } from '../../chain/cost-aware-block.js';
import { getBlockSubsidy } from '../../chain/tx-checks.js';
import { grind } from '../../miner/grind.js';
import { regtest } from '../../chain/params.js';
import { addressToScript } from '../../chain/address.js';
import type { BlockEntry } from '../../chain/chain.js';
import { decodeOdaTx, encodeOdaOutput, decodeTensorList, inlineData, type InferencePayload } from '../../oda/index.js';

/**
 * A block on `gbt`'s parent holding exactly `txs` (coinbase pays the subsidy only), ground to
 * the target. With `cost` (the txs' CU and fees) it carries the ODA-BIP-0005 commitment, burn
 * and bits an external miner computes from getblocktemplate's cost_aware object.
 */
async function craftBlock(gbt: any, txs: Transaction[], payTo: string, cost?: { cu: bigint; fees: bigint }): Promise<string> {
  const prev = { hash: gbt.previousblockhash, height: gbt.height - 1 } as BlockEntry;
  const baseBits = parseInt(gbt.cost_aware?.base_bits ?? gbt.bits, 16);
  const chain: TemplateChain = {
    params: regtest, tip: prev, medianTimePast: () => gbt.mintime - 1, nextWorkRequired: () => baseBits,
    async assembleBlock(b) {
      if (!cost || !gbt.cost_aware) return;
      const a = assembleCostAware({ cu: cost.cu, baseFee: BigInt(gbt.cost_aware.base_fee), baseBits, maxBlockCu: regtest.maxBlockCu, reward: getBlockSubsidy(gbt.height, regtest) + cost.fees });
      if (a.output) {
        b.transactions![0].outs[0].value -= a.output.value;
        b.transactions![0].addOutput(a.output.script, a.output.value);
      }
      b.bits = a.bits;
    },
  };
  const t = await createBlockTemplate({
    chain, outputScript: addressToScript(payTo, regtest), time: gbt.curtime,
    txs: txs.map((tx) => ({ tx, txid: tx.getId(), wtxid: Buffer.from(tx.getHash(true)).reverse().toString('hex'), fee: 0n, sigOpCost: 0, weight: tx.weight() })),
  });
  const block = grind(t.block, 10_000_000);
  if (!block) throw new Error('grind failed');
  return block.toHex();
}

/** Core's sync by hand: node1 gets node0's main-chain blocks it lacks via submitblock. */
async function feedBlocks(from: TestNode, to: TestNode): Promise<void> {
  const top = await from.getblockcount();
  for (let h = (await to.getblockcount()) + 1; h <= top; h++) {
    const hash = await from.getblockhash(h);
    const r = await to.submitblock(await from.getblock(hash, 0));
    if (r !== null) throw new Error(`node${to.index} refused block ${h}: ${r}`);
  }
  assert.is(await to.getbestblockhash(), await from.getbestblockhash());
}

test('ODA: add-model, inference, commit/reveal update, bad inputs, bad block on a second node, reorg', async () => {
  await runFunctionalTest({ numNodes: 2 }, async ([a, b], env) => {
    try {
      await a.listmodels();
    } catch (e) {
      if (e instanceof RpcError && e.message === 'ODA transactions are not enabled on this node') skipTest('the ODA layer is not wired into the node');
      throw e;
    }
    const dir = join(env.tmpdir, 'files');
    mkdirSync(dir);
    const files = await prepareDigitsModel(dir);
    const garbage = join(dir, 'garbage.onnx');
    writeFileSync(garbage, Uint8Array.of(1, 2, 3, 4, 5));
    const sqrtModel = buildMlpModel(DIGITS_MLP);
    sqrtModel.graph.nodes.find((n) => n.opType === 'Clip')!.opType = 'Sqrt';
    const sqrt = join(dir, 'sqrt.onnx');
    writeFileSync(sqrt, encodeModel(sqrtModel));

    const addr = await a.getnewaddress();
    await a.generatetoaddress(101, addr);

    // Bad inputs: each with its own reason, nothing funded, nothing registered.
    await assertRpcError(-26, 'bad-model-encoding', a.addmodel(garbage, files.baseWeights, files.dataset));
    await assertRpcError(-26, 'bad-model-op-not-allowed', a.addmodel(sqrt, files.baseWeights, files.dataset));
    await assertRpcError(-5, 'is not in the model store', a.addmodel('ab'.repeat(32), files.baseWeights, files.dataset));
    await assertRpcError(-8, 'does not exist', a.addmodel(join(dir, 'nope.onnx'), files.baseWeights, files.dataset));
    await assertRpcError(-8, "Unknown objective 'nope'", a.addmodel(files.architecture, files.baseWeights, files.dataset, 'nope'));
    await assertRpcError(-26, 'bad-dataset', a.addmodel(files.architecture, files.baseWeights, files.baseWeights));
    await assertRpcError(-5, 'not found', a.getmodel('cd'.repeat(32)));
    await assertRpcError(-5, 'not found', a.infer('cd'.repeat(32), files.samples[0].hex));
    await assertRpcError(-5, 'not found', a.commitweights('cd'.repeat(32), files.improvedWeights));
    await assertRpcError(-8, 'model_id must be of length 64', a.getmodel('xyz'));
    await assertRpcError(-5, 'No such inference transaction', a.getinference('ef'.repeat(32)));
    assert.equal(await a.listmodels(), []);
    assert.equal(await a.getrawmempool(), []);

    // add-model
    const est = await a.estimatecost({ type: 'add-model', architecture: files.architecture, dataset: files.dataset });
    const added = await a.addmodel(files.architecture, files.baseWeights, files.dataset, 'accuracy', { name: 'digits', license: 'MIT', version_label: 'v0' }, 0.001);
    assert.is(added.baseline_score, Number(files.baseScore));
    assert.is(added.cost_units, est.cost_units);
    assert.equal(await a.getrawmempool(), [added.txid]);
    // A second add-model of the same model while the first is unconfirmed would make every
    // block template invalid: refused.
    await assertRpcError(-26, 'txn-mempool-conflict', a.addmodel(files.architecture, files.improvedWeights, files.dataset));
    const decoded = await a.getrawtransaction(added.txid, true);
    assert.is(decoded.oda.type, 'add-model');
    assert.is(decoded.oda.modelid, added.model_id);
    await a.generatetoaddress(1, addr);
    const m0 = await a.getmodel(added.model_id);
    assert.is(m0.version, 0);
    assert.is(m0.score, Number(files.baseScore));
    assert.is(m0.royalty, 0.001);
    assert.is(m0.name, 'digits');
    assert.equal(m0.weights, added.weights);
    assert.is((await a.listmodels()).length, 1);
    await assertRpcError(-26, 'bad-oda-model-duplicate', a.addmodel(files.architecture, files.improvedWeights, files.dataset));

    // inference: output computed locally, re-checked by the mempool and the block
    await assertRpcError(-8, 'not a multiple of one uint8[64] row', a.infer(added.model_id, 'abcd'));
    const inf = await a.infer(added.model_id, files.samples[0].hex + files.samples[1].hex);
    assert.is(inf.rows, 2);
    assert.equal(inf.output[0].dims, [2, 10]);
    assert.is(inf.argmax.length, 2);
    const est1 = await a.estimatecost({ type: 'inference', model_id: added.model_id, rows: 2 });
    assert.is(inf.cost_units, est1.cost_units);
    // 1,100 rows exceed MAX_INLINE_DATA: the input travels as a model-store blob. Both
    // inferences are checked together when the block is validated.
    const bigHex = files.samples[0].hex.repeat(1100);
    const big = await a.infer(added.model_id, bigHex);
    const bigJson = (await a.getrawtransaction(big.txid, true)).oda;
    assert.is(bigJson.input.kind, 'blob');
    assert.is(bigJson.output.kind, 'inline');
    const inputBlob = join(dir, 'big-input.bin');
    await a.exportblob(bigJson.input.root, inputBlob);
    await a.generatetoaddress(1, addr);
    const gb = await a.getinference(big.txid);
    assert.is(gb.rows, 1100);
    assert.is(gb.input_hash, bigJson.input.root);
    assert.equal(new Set(gb.argmax), new Set([inf.argmax[0]]));
    const gi = await a.getinference(inf.txid);
    assert.is(gi.version, 0);
    assert.is(gi.rows, 2);
    assert.is(gi.confirmations, 1);
    assert.is(gi.royalty, 0.001);
    assert.equal(gi.output, inf.output);
    assert.equal(gi.input[0].data.slice(0, 64), [...Buffer.from(files.samples[0].hex, 'hex')]);

    // update-weights: equal weights refused up front; a reveal needs a confirmed, old enough commit
    await assertRpcError(-26, 'bad-weights-not-improving', a.commitweights(added.model_id, files.baseWeights));
    await assertRpcError(-26, 'bad-oda-reveal-no-commit', a.revealweights(added.model_id, files.improvedWeights, '11'.repeat(32), addr));
    const commit = await a.commitweights(added.model_id, files.improvedWeights);
    assert.is(commit.score, Number(files.improvedScore));
    const blind = await a.commitweights(added.model_id, files.baseWeights, null, { check: false });
    await a.generatetoaddress(1, addr);
    // Confirmed at reveal_height - COMMIT_REVEAL_DELAY; the next block is still too early for the reveal.
    assert.is(await a.getblockcount(), commit.reveal_height - 2);
    await assertRpcError(-26, 'bad-oda-reveal-early', a.revealweights(added.model_id, files.improvedWeights, commit.salt));
    await a.generatetoaddress(1, addr);
    const reveal = await a.revealweights(added.model_id, files.improvedWeights, commit.salt);
    assert.is(reveal.score, Number(files.improvedScore));
    const [revealBlock] = await a.generatetoaddress(1, addr);
    const revealJson = (await a.getblock(revealBlock, 2)).tx.find((t: any) => t.txid === reveal.txid);
    assert.is(revealJson.oda.type, 'reveal-weights');
    assert.is(revealJson.oda.salt, commit.salt);
    const m1 = await a.getmodel(added.model_id);
    assert.is(m1.version, 1);
    assert.is(m1.score, Number(files.improvedScore));
    assert.is(m1.weights.root, reveal.weights.root);
    // Restart: the registry is chain state and the wallet kept the blind commit (oda/wallet.ts),
    // so its reveal needs no payout address; the old weights are a non-improving reveal.
    // Weights and a salt no commit of this wallet matches still need one.
    await a.restart();
    assert.is((await a.getmodel(added.model_id)).version, 1);
    await assertRpcError(-26, 'bad-weights-not-improving', a.revealweights(added.model_id, files.baseWeights, blind.salt));
    await assertRpcError(-26, 'bad-weights-not-improving', a.revealweights(added.model_id, files.baseWeights, blind.salt, blind.payout_address));
    await assertRpcError(-8, 'payout_address is required', a.revealweights(added.model_id, files.baseWeights, '22'.repeat(32)));
    const history = await a.getmodelhistory(added.model_id);
    assert.equal(history.versions.map((v: any) => [v.version, v.score]), [[0, Number(files.baseScore)], [1, Number(files.improvedScore)]]);
    assert.equal(await a.getrawmempool(), []);

    // Node1 holds the same blobs and chain (no P2P: importblob and submitblock).
    for (const [f, t] of [[files.architecture, 'onnx'], [files.baseWeights, 'safetensors-weights'], [files.improvedWeights, 'safetensors-weights'], [files.dataset, 'safetensors-dataset'], [inputBlob, 'raw']]) {
      await b.importblob(f, t);
    }
    await feedBlocks(a, b);
    assert.is((await b.getmodel(added.model_id)).version, 1);

    // A wrong inference output: refused by node0's mempool and, in a block, by node1 (BIP22 reason).
    const honest = await a.infer(added.model_id, files.samples[2].hex, false);
    assert.equal(await a.getrawmempool(), []);
    const dec = await a.decoderawtransaction(honest.hex);
    assert.is(dec.oda.type, 'inference');
    assert.is(dec.oda.version, 1);
    const tx = Transaction.fromHex(honest.hex);
    const d = decodeOdaTx(tx)!;
    const p = d.payload as InferencePayload;
    assert.is(p.version, 1);
    const out = decodeTensorList(new Uint8Array(Buffer.from((p.output as { data: string }).data, 'hex')));
    (out[0].data as Int32Array)[0] += 1;
    tx.outs[d.vout].script = encodeOdaOutput({ ...p, output: inlineData(out) });
    for (let i = 0; i < tx.ins.length; i++) tx.setWitness(i, []);
    const signed = await a.signrawtransactionwithwallet(tx.toHex());
    assert.ok(signed.complete);
    await assertRpcError(-26, 'bad-inference-output', a.sendrawtransaction(signed.hex));
    const tip = await b.getbestblockhash();
    const gbt = await a.getblocktemplate({ rules: ['segwit'] });
    assert.is(await b.submitblock(await craftBlock(gbt, [Transaction.fromHex(signed.hex)], addr)), 'bad-inference-output');
    assert.is(await b.getbestblockhash(), tip);
    // The honest twin in the same position is accepted by both.
    const good = await craftBlock(gbt, [Transaction.fromHex(honest.hex)], addr, { cu: BigInt(honest.cost_units), fees: BigInt(Math.round(honest.fee * 1e8)) });
    assert.is(await b.submitblock(good), null);
    assert.is(await a.submitblock(good), null);
    assert.is((await b.getinference(honest.txid)).version, 1);
    assert.is(await a.getbestblockhash(), await b.getbestblockhash());

    // Reorg across the update: the previous version comes back, then the update again.
    await a.invalidateblock(revealBlock);
    const back = await a.getmodel(added.model_id);
    assert.is(back.version, 0);
    assert.is(back.score, Number(files.baseScore));
    assert.equal(back.weights, added.weights);
    assert.is((await a.getmodelhistory(added.model_id)).versions.length, 1);
    // Disconnected transactions are re-added asynchronously (mempool.handleDisconnect).
    await waitUntil(async () => (await a.getrawmempool()).includes(reveal.txid), 30_000, 'the reveal returns to the mempool');
    await a.reconsiderblock(revealBlock);
    const again = await a.getmodel(added.model_id);
    assert.is(again.version, 1);
    assert.is(again.score, Number(files.improvedScore));
    assert.is((await a.getmodelhistory(added.model_id)).versions.length, 2);

    // Missing blobs: node1 has never seen this new model's dataset, so its mempool refuses the
    // add-model (score 0: not the sender's fault) and nothing changes there.
    const small = join(dir, 'digits-eval-100.safetensors');
    const split = digitsSplit(loadDigits(), 'eval');
    writeFileSync(small, digitsDatasetBlob({ pixels: split.pixels.subarray(0, 100 * 64), labels: split.labels.subarray(0, 100), rows: 100 }));
    const second = await a.addmodel(files.architecture, files.baseWeights, small, 'accuracy', { name: 'digits-100' });
    assert.is.not(second.model_id, added.model_id);
    const poolB = await b.getrawmempool();
    await assertRpcError(-26, 'oda-missing-blob', b.sendrawtransaction(await a.getrawtransaction(second.txid)));
    assert.equal(await b.getrawmempool(), poolB);

    // A wallet without coins: the add-model is refused for funds and the dataset it imported
    // is removed again, so the store is as before.
    await a.createwallet('empty');
    const blobsBefore = (await a.listblobs()).map((x: any) => x.root);
    const tiny = join(dir, 'digits-eval-50.safetensors');
    writeFileSync(tiny, digitsDatasetBlob({ pixels: split.pixels.subarray(0, 50 * 64), labels: split.labels.subarray(0, 50), rows: 50 }));
    await assertRpcError(-6, 'Insufficient funds', a.wallet('empty').addmodel(files.architecture, files.baseWeights, tiny));
    assert.equal((await a.listblobs()).map((x: any) => x.root), blobsBefore);

    // updateweights: commit now, the node reveals by itself once the commit is deep enough.
    await a.generatetoaddress(1, addr);
    const upd = await a.updateweights(second.model_id, files.improvedWeights, { version_label: 'auto' });
    assert.ok(upd.score > second.baseline_score, `improved ${upd.score} > base ${second.baseline_score} on 100 rows`);
    for (let i = 0; i < 5 && (await a.getmodel(second.model_id)).version === 0; i++) {
      await a.generatetoaddress(1, addr);
      // The reveal is submitted on the tip event, after the RPC returns: give it a moment.
      await waitUntil(async () => (await a.getblockcount()) < upd.reveal_height - 1 || (await a.getrawmempool()).length > 0 || (await a.getmodel(second.model_id)).version === 1, 30_000, 'automatic reveal');
    }
    const auto = await a.getmodelhistory(second.model_id);
    assert.equal(auto.versions.map((v: any) => [v.version, v.score, v.version_label]), [[0, second.baseline_score, ''], [1, upd.score, 'auto']]);
    assert.is(auto.versions[1].height, upd.reveal_height);
  });
});

test.run();
