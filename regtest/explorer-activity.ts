// Chain activity for the explorer's browser test and its README screenshots: the digits model
// registered, used, updated by commit and reveal, used again, and one payment left in the
// mempool, so every explorer page has something to show. Takes any RPC caller (the test
// framework's node or regtest/daemon.ts).
import { prepareDigitsModel, type DigitsModelFiles } from './digits-model.js';

export type Call = (method: string, ...params: unknown[]) => Promise<any>;

export interface ExplorerActivity {
  files: DigitsModelFiles;
  address: string;
  modelId: string;
  addTxid: string;
  commitTxid: string;
  revealTxid: string;
  /** Inference transactions: [version 0, version 1, version 1]. */
  inferences: string[];
  /** A payment left unconfirmed. */
  pendingTxid: string;
}

export async function explorerActivity(call: Call, dir: string): Promise<ExplorerActivity> {
  const files = await prepareDigitsModel(dir);
  const address: string = await call('getnewaddress');
  const mine = (n: number) => call('generatetoaddress', n, address);
  await mine(101);
  const added = await call('addmodel', files.architecture, files.baseWeights, files.dataset, 'accuracy',
    { name: 'digits', description: 'Handwritten digits, 8x8 pixels, integer MLP', license: 'MIT', version_label: 'v0' }, 0.001);
  await mine(1);
  const inferences: string[] = [(await call('infer', added.model_id, files.samples[0].hex + files.samples[1].hex)).txid];
  await mine(1);
  const commit = await call('commitweights', added.model_id, files.improvedWeights);
  await mine(Math.max(1, commit.reveal_height - 1 - (await call('getblockcount'))));
  const reveal = await call('revealweights', added.model_id, files.improvedWeights, commit.salt, null, 'v1');
  await mine(1);
  inferences.push((await call('infer', added.model_id, files.samples[2].hex)).txid);
  await mine(1);
  inferences.push((await call('infer', added.model_id, files.samples[3].hex)).txid);
  await mine(1);
  const pendingTxid: string = await call('sendtoaddress', await call('getnewaddress'), 1.5);
  return { files, address, modelId: added.model_id, addTxid: added.txid, commitTxid: commit.txid, revealTxid: reveal.txid, inferences, pendingTxid };
}
