// A real chain with the ODA extension, a real model-store and the digits MLP on a small
// eval subset (64 rows) so every add-model / reveal scores in milliseconds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transaction } from '../../chain/block.js';
import { Chain } from '../../chain/chain.js';
import { NEVER_ACTIVE, regtest, type NetworkParams } from '../../chain/params.js';
import { BlobStore } from '../../model-store/store.js';
import type { MediaType } from '../../model-store/manifest.js';
import { createOdaExtension, type OdaExtension } from '../../oda/extension.js';
import type { BlobRef } from '../../oda/payload.js';
import { buildMlp, DIGITS_MLP, mlpWeightShapes } from '../../tools/models/mlp.js';
import { digitsDatasetBlob, digitsInput, digitsSplit, loadDigits, type Digits } from '../../tools/data/digits.js';
import { encodeTensors } from '../../validator/blobs.js';
import { checkModel, scoreWeights, bindDataset, type ModelContext, type Tensor } from '../../validator/index.js';
import { buildBlock, mine, spendTx } from '../chain/util/builder.js';
import { rng, randomWeights } from '../validator/helpers.js';
import { COIN } from '../../chain/params.js';

export const ROWS = 64;

/**
 * Regtest without ODA-BIP-0005: these fixtures hand-build blocks (no CU commitment) to test
 * ODA-BIP-0003's rules; the cost-aware rule has its own tests (test/chain/cost-aware*.test.ts).
 */
export const PRE_BIP5_REGTEST: NetworkParams = { ...regtest, activation: { ...regtest.activation, costAwareDifficulty: NEVER_ACTIVE } };

export function subset(d: Digits, start: number, rows: number): Digits {
  return { rows, pixels: d.pixels.slice(start * 64, (start + rows) * 64), labels: d.labels.slice(start, start + rows) };
}

export interface Fixture {
  dir: string;
  chain: Chain;
  store: BlobStore;
  ext: OdaExtension;
  arch: Uint8Array;
  archRef: BlobRef;
  dataset: Uint8Array;
  datasetRef: BlobRef;
  ctx: ModelContext;
  /** Weight candidates sorted by ascending score on the dataset (distinct scores). */
  weights: Array<{ bytes: Uint8Array; ref: BlobRef; score: bigint }>;
  /** Input rows for inference tests (not the eval rows). */
  queries: Digits;
  /** Spendable coinbase outpoints (50 BTC each), consumed by fund(). */
  coins: string[];
  close(): Promise<void>;
}

export async function importBlob(store: BlobStore, bytes: Uint8Array, mediaType: MediaType): Promise<BlobRef> {
  const m = await store.importBytes(bytes, { mediaType, durable: false });
  return { root: m.root, length: m.length };
}

export async function setup(opts: { maxBlockCu?: bigint; mature?: number; params?: NetworkParams } = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'oda-test-'));
  const store = await BlobStore.open(join(dir, 'models'));
  const params = opts.params ?? PRE_BIP5_REGTEST;
  const ext = createOdaExtension({ store, params, maxBlockCu: opts.maxBlockCu });
  const chain = await Chain.open({ params, dir: join(dir, 'chain'), fsync: false, extensions: [ext] });
  const digits = loadDigits();
  const ev = subset(digitsSplit(digits, 'eval'), 0, ROWS);
  const arch = buildMlp(DIGITS_MLP);
  const dataset = digitsDatasetBlob(ev);
  const archRef = await importBlob(store, arch, 'onnx');
  const datasetRef = await importBlob(store, dataset, 'safetensors-dataset');
  const ctx = checkModel(arch, archRef.root);
  const ds = bindDataset(ctx.arch, 'accuracy', dataset);
  const cands: Array<{ bytes: Uint8Array; score: bigint }> = [];
  for (let seed = 1; cands.length < 8 && seed < 200; seed++) {
    const bytes = encodeTensors(randomWeights(rng(seed), mlpWeightShapes(DIGITS_MLP), [1, 64]));
    const score = await scoreWeights(ctx, bytes, ds, 'accuracy');
    if (!cands.some((c) => c.score === score)) cands.push({ bytes, score });
  }
  cands.sort((a, b) => (a.score < b.score ? -1 : 1));
  const weights = [];
  for (const c of cands) weights.push({ ...c, ref: await importBlob(store, c.bytes, 'safetensors-weights') });
  const blocks = await mine(chain, 100 + (opts.mature ?? 12));
  const coins = blocks.slice(0, opts.mature ?? 12).map((b) => b.transactions![0].getId());
  return {
    dir, chain, store, ext, arch, archRef, dataset, datasetRef, ctx, weights,
    queries: subset(digitsSplit(digits, 'train'), 0, 1000), coins,
    async close() {
      await chain.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A transaction spending one mature coinbase into the ODA output, `extra` outputs and change. */
export function odaTx(f: Fixture, script: Uint8Array, extra: Array<{ script: Uint8Array; value: bigint }> = [], fee = 100_000n): Transaction {
  const txid = f.coins.shift();
  if (!txid) throw new Error('fixture out of coins');
  const spent = extra.reduce((a, o) => a + o.value, 0n);
  return spendTx([{ txid, vout: 0 }], [{ script, value: 0n }, ...extra, { value: 50n * COIN - spent - fee }]);
}

export async function mineTxs(f: Fixture, txs: Transaction[]): Promise<void> {
  await f.chain.processBlock(buildBlock(f.chain, { txs }));
}

export function input(d: Digits): Tensor {
  return digitsInput(d);
}

/** Every registry key and value (hex), for byte-exact state comparisons. */
export async function registryDump(chain: Chain): Promise<string[]> {
  const { layout } = await import('../../chain/layout.js');
  const out: string[] = [];
  for await (const [k, v] of chain.extensionState('oda').iterator(layout.extRange('oda'))) out.push(`${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`);
  return out;
}

/** The digits MLP, random weights and a ROWS-row dataset as files (for addmodel by path). */
export function writeModelFiles(dir: string, seed = 1): { architecture: string; weights: string; dataset: string } {
  const files = { architecture: join(dir, 'mlp.onnx'), weights: join(dir, `mlp.${seed}.safetensors`), dataset: join(dir, 'eval.safetensors') };
  writeFileSync(files.architecture, buildMlp(DIGITS_MLP));
  writeFileSync(files.weights, encodeTensors(randomWeights(rng(seed), mlpWeightShapes(DIGITS_MLP), [1, 64])));
  writeFileSync(files.dataset, digitsDatasetBlob(subset(digitsSplit(loadDigits(), 'eval'), 0, ROWS)));
  return files;
}
