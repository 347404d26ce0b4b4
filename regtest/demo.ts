// ODA on regtest, end to end, narrated: one node in a temporary data dir, a digits classifier
// registered by add-model, inference transactions, an improved update through commit and
// reveal, a refused non-improving update, and the model's history.
//
//   npm run demo                     (node --import tsx regtest/demo.ts)
//   npm run demo -- --keep           keep the data dir afterwards
//   npm run demo -- --datadir <dir>  use (and keep) this data dir
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Daemon, RpcCallError } from './daemon.js';
import { prepareDigitsModel } from './digits-model.js';
import { forgeOutput } from './forge.js';

const { values } = parseArgs({
  options: {
    datadir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'base-epochs': { type: 'string', default: '1' },
    'improved-epochs': { type: 'string', default: '8' },
  },
});

let stepNo = 0;
const step = (title: string) => console.log(`\n[${++stepNo}] ${title}`);
const say = (line: string) => console.log(`    ${line}`);
const started = Date.now();

const datadir = values.datadir ? resolve(values.datadir) : mkdtempSync(join(tmpdir(), 'oda-demo-'));
mkdirSync(datadir, { recursive: true });
const keep = values.keep || values.datadir !== undefined;
console.log(`ODA regtest demo\ndata dir: ${datadir}${keep ? ' (kept)' : ' (removed at the end; --keep to keep it)'}`);

step('Train the digits classifier (8x8 images -> 10 classes) and quantize it into the exact integer class');
const modelDir = join(datadir, 'model-files');
mkdirSync(modelDir, { recursive: true });
const files = await prepareDigitsModel(modelDir, { baseEpochs: Number(values['base-epochs']), improvedEpochs: Number(values['improved-epochs']) });
say(`architecture ${files.architecture}`);
say(`baseline weights (${values['base-epochs']} epoch): ${files.baseScore} of ${files.datasetRows} evaluation rows correct`);
say(`improved weights (${values['improved-epochs']} epochs): ${files.improvedScore} of ${files.datasetRows} rows correct`);

step('Start odad -regtest');
const node = await Daemon.start(datadir);
let failed = true;
try {
  say(`RPC on 127.0.0.1:${node.rpcPort}, log in ${join(node.networkDir, 'debug.log')}`);
  try {
    await node.call('listmodels');
  } catch (e) {
    if (e instanceof RpcCallError) throw new Error(`this odad does not serve ODA transactions (${e.message}): is the oda layer wired into node/node.ts?`);
    throw e;
  }
  const address: string = await node.call('getnewaddress', 'demo');
  const mine = async (n: number): Promise<string[]> => node.call('generatetoaddress', n, address);

  step('Mine 101 blocks so the first coinbase matures');
  await mine(101);
  const bal = await node.call('getbalances');
  say(`height ${await node.call('getblockcount')}, spendable ${bal.mine.trusted} BTC`);

  step('Register the model (add-model): blobs go into the model store, the transaction commits to their roots');
  const est = await node.call('estimatecost', { type: 'add-model', architecture: files.architecture, dataset: files.dataset });
  say(`estimated cost: ${est.cost_units} CU, minimum fee ${est.min_fee} BTC`);
  const added = await node.call('addmodel', files.architecture, files.baseWeights, files.dataset, 'accuracy',
    { name: 'digits-mlp', description: 'UCI handwritten digits, 64-32-10 integer MLP', license: 'MIT', version_label: 'v0' }, 0.0001);
  say(`txid ${added.txid}`);
  say(`model id ${added.model_id}, baseline score ${added.baseline_score}`);
  await mine(1);
  const model = await node.call('getmodel', added.model_id);
  say(`confirmed at height ${model.height}: "${model.name}", version ${model.version}, score ${model.score}, royalty ${model.royalty} BTC per inference`);

  step('Inference transactions: the node runs the model, and the block validators re-run it and must agree');
  const inferTxids: string[] = [];
  for (const s of files.samples) {
    const r = await node.call('infer', added.model_id, s.hex);
    inferTxids.push(r.txid);
    say(`image of a ${s.label}: the model says ${r.argmax[0]}, logits [${r.output[0].data.join(', ')}]  (txid ${r.txid.slice(0, 16)}…, royalty ${r.royalty} BTC, fee ${r.fee} BTC)`);
  }
  const [inferBlock] = await mine(1);
  const gi = await node.call('getinference', inferTxids[0]);
  say(`mined in ${inferBlock.slice(0, 16)}…; getinference: model version ${gi.version}, ${gi.confirmations} confirmation(s), argmax ${JSON.stringify(gi.argmax)}`);
  const raw = await node.call('getrawtransaction', inferTxids[0], true);
  say(`decoderawtransaction/getrawtransaction show the payload: ${JSON.stringify(raw.oda)}`);

  step('A forged inference (one logit changed, re-signed) is rejected: every node re-runs the model');
  const honest = await node.call('infer', added.model_id, files.samples[0].hex, false);
  const forged = await node.call('signrawtransactionwithwallet', forgeOutput(honest.hex));
  try {
    await node.call('sendrawtransaction', forged.hex);
    say('unexpected: the forged transaction was accepted');
  } catch (e) {
    if (!(e instanceof RpcCallError)) throw e;
    say(`sendrawtransaction: error ${e.code}: ${e.message}`);
  }

  step('Update the weights: commit to H(weights, salt, payout), wait, then reveal');
  const commit = await node.call('commitweights', added.model_id, files.improvedWeights);
  say(`commit txid ${commit.txid}, commitment ${commit.commitment.slice(0, 16)}…, reveal allowed from height ${commit.reveal_height}`);
  await mine(Math.max(1, commit.reveal_height - 1 - (await node.call('getblockcount'))));
  const reveal = await node.call('revealweights', added.model_id, files.improvedWeights, commit.salt);
  say(`reveal txid ${reveal.txid}: score ${reveal.score} (was ${model.score})`);
  await mine(1);
  const updated = await node.call('getmodel', added.model_id);
  say(`model now at version ${updated.version}, score ${updated.score}, weights ${updated.weights.root.slice(0, 16)}…; royalties now go to ${updated.trainer}`);
  for (const s of files.samples) {
    const r = await node.call('infer', added.model_id, s.hex);
    say(`version ${r.version} on the image of a ${s.label}: the model says ${r.argmax[0]}`);
  }
  await mine(1);

  step('A non-improving update is refused (the baseline weights again)');
  try {
    await node.call('commitweights', added.model_id, files.baseWeights);
    say('unexpected: the commit was accepted');
  } catch (e) {
    if (!(e instanceof RpcCallError)) throw e;
    say(`commitweights refused before spending a fee: error ${e.code}: ${e.message}`);
  }
  const blind = await node.call('commitweights', added.model_id, files.baseWeights, null, { check: false });
  await mine(Math.max(1, blind.reveal_height - 1 - (await node.call('getblockcount'))));
  try {
    await node.call('revealweights', added.model_id, files.baseWeights, blind.salt);
    say('unexpected: the reveal was accepted');
  } catch (e) {
    if (!(e instanceof RpcCallError)) throw e;
    say(`committed anyway, but the reveal is rejected by consensus: error ${e.code}: ${e.message}`);
  }

  step("The model's history");
  const history = await node.call('getmodelhistory', added.model_id);
  for (const v of history.versions ?? history) {
    say(`version ${v.version}: score ${v.score}, weights ${String(v.weights?.root ?? v.weights_root).slice(0, 16)}…, height ${v.height}, label "${v.version_label ?? ''}"`);
  }
  const listed = await node.call('listmodels');
  say(`listmodels: ${listed.length} model(s); ${(await node.call('getblockcount'))} blocks`);
  failed = false;
} catch (e) {
  // Printed here: tfjs-wasm rethrows unhandled rejections with its whole minified source.
  console.error(`\nError: ${(e as Error).message}`);
} finally {
  step('Stop the node');
  await node.stop();
  if (!keep && !failed) rmSync(datadir, { recursive: true, force: true });
  else say(`data dir kept: ${datadir}`);
  console.log(`\nDemo ${failed ? 'FAILED' : 'finished'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.exit(failed ? 1 : 0);
