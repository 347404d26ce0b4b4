// The "Models" category: ODA transactions from the user's side (ODA-BIP-0003). Handlers
// parse their parameters, check everything they can locally first (the same validator code
// every node runs, whose verdict the node's validation cache then hands to the mempool and
// the block), so a user learns about a bad model, a non-improving update or a wrong input
// before spending a fee; the wallet's ODA service (oda/wallet.ts) funds, signs and submits,
// and the mempool's ODA check is the authority (-26 with its reject reason). Blobs are named
// by their model-store root; a file path is imported into the store first.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Transaction } from '../../chain/block.js';
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { amount, amountToSats } from '../amount.js';
import { parseHash, jsonType } from '../params.js';
import { addressToScript, scriptToAddress, AddressError } from '../../chain/address.js';
import { isVerifyError } from '../../chain/errors.js';
import { WalletError, type Wallet } from '../../wallet/wallet.js';
import type { BlobStore } from '../../model-store/store.js';
import { piecesRoot, toHex } from '../../model-store/merkle.js';
import type { MediaType } from '../../model-store/manifest.js';
import {
  admitModel, checkModel, checkUpdate, runInference, inferenceCost, updateCost, admissionCost, OBJECTIVES,
  type Objective, type Tensor,
} from '../../validator/index.js';
import { bindDataset } from '../../validator/dataset.js';
import { buildAddModelPayload, buildCommitPayload, buildInferencePayload, inlineData, dataHash } from '../../oda/build.js';
import { decodeOdaTx } from '../../oda/envelope.js';
import { BOUNDS, modelIdOf } from '../../oda/payload.js';
import { encodeTensorList } from '../../oda/tensors.js';
import type { BlobRef, DataRef } from '../../oda/payload.js';
import type { ModelRecord, VersionRecord } from '../../oda/registry.js';
import { COMMIT_CU, MissingBlobError, minFeeForCu } from '../../oda/rules.js';
import type { OdaService } from '../../oda/plugin.js';
import { OdaWalletError, type OdaWallet } from '../../oda/wallet.js';
import { argmaxRows, inferenceData, namedTensors, parseInput, tensorJson } from './models-io.js';
import { getWallet } from './wallet.js';
import { expandModelDir, withConvertHint } from '../../tools/model/model-dir.js';
import { nextCostFields } from '../cost-aware-json.js';
import { requiredBurn } from '../../chain/cu-fee.js';

type Ctx = NodeContext;

function oda(ctx: Ctx): OdaService {
  if (!ctx.oda) throw new RpcError(RPC.MISC_ERROR, 'ODA transactions are not enabled on this node');
  return ctx.oda;
}

function store(ctx: Ctx): BlobStore {
  if (!ctx.store) throw new RpcError(RPC.MISC_ERROR, 'Model store is not available');
  return ctx.store;
}

/** Scores and CU are bigints: a JSON number while exact, else a decimal string. */
function num(b: bigint): number | string {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}

function address(scriptHex: string, ctx: Ctx): string | undefined {
  try {
    return scriptToAddress(Buffer.from(scriptHex, 'hex'), ctx.params);
  } catch {
    return undefined;
  }
}

/** The RPC code of an ODA, validator or wallet failure. */
function toRpc(e: unknown): never {
  if (isVerifyError(e)) throw new RpcError(RPC.VERIFY_REJECTED, e.details ? `${e.reason}, ${e.details}` : e.reason);
  if (e instanceof WalletError) throw new RpcError(e.kind === 'param' ? RPC.INVALID_PARAMETER : RPC.WALLET_INSUFFICIENT_FUNDS, e.message);
  if (e instanceof OdaWalletError) throw new RpcError(RPC.WALLET_ERROR, e.message);
  if (e instanceof MissingBlobError) throw new RpcError(RPC.MISC_ERROR, `blob ${e.blobs.map((b) => b.root).join(', ')} is not available in the local model store`);
  if (e instanceof RangeError || e instanceof TypeError) throw new RpcError(RPC.INVALID_PARAMETER, e.message);
  throw e;
}

async function rpcCall<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    return toRpc(e);
  }
}

function str(v: unknown, name: string, def: string): string {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'string') throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(v)} for field ${name} is not of expected type string`);
  return v;
}

function options(v: unknown, allowed: string[]): Record<string, unknown> {
  if (v === undefined) return {};
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new RpcError(RPC.INVALID_PARAMETER, `Unexpected key ${k}`);
  return o;
}

function parseObjective(v: unknown): Objective {
  const s = str(v, 'objective', 'accuracy');
  if (!OBJECTIVES.includes(s as Objective)) throw new RpcError(RPC.INVALID_PARAMETER, `Unknown objective '${s}' (expected one of: ${OBJECTIVES.join(', ')})`);
  return s as Objective;
}

function parseSalt(v: unknown): string {
  if (!/^[0-9a-f]{64}$/.test(String(v))) throw new RpcError(RPC.INVALID_PARAMETER, 'salt must be 64 lowercase hex characters');
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Blobs: a root already in the store, or a file to import.

interface BlobArg {
  bytes: Uint8Array;
  /** Present when the argument was a root already in the store. */
  ref?: BlobRef;
  path?: string;
}

const ROOT_RE = /^[0-9a-fA-F]{64}$/;

/** Reads a blob argument without changing the store (validation comes first). */
async function readBlobArg(ctx: Ctx, v: unknown, what: string): Promise<BlobArg> {
  if (typeof v !== 'string' || v.length === 0) throw new RpcError(RPC.INVALID_PARAMETER, `${what} must be a blob root or a file path`);
  const path = isAbsolute(v) ? v : resolve(v);
  if (ROOT_RE.test(v) && !existsSync(path)) {
    const s = store(ctx);
    const root = v.toLowerCase();
    const st = await s.getStatus(root);
    if (!st?.complete) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `${what} blob ${root} is not in the model store (importblob it first)`);
    const m = (await s.getManifest(root))!;
    return { bytes: await s.readAll(root), ref: { root, length: m.length } };
  }
  if (!existsSync(path) || !statSync(path).isFile()) throw new RpcError(RPC.INVALID_PARAMETER, `${what} file ${path} does not exist`);
  return { bytes: new Uint8Array(readFileSync(path)), path };
}

/** The store's reference a blob argument has or will have once imported (BEP 52 root). */
function refOf(b: BlobArg): BlobRef {
  return b.ref ?? { root: toHex(piecesRoot(b.bytes)), length: b.bytes.length };
}

/**
 * Blobs a handler imported into the store, removed again if the handler fails after the
 * import (a refused transaction leaves the store as it found it).
 */
class Imports {
  private readonly added: string[] = [];
  constructor(private readonly ctx: Ctx) {}

  /** The blob's root and length, importing the file (pinned "user") when the store lacks it. */
  async put(b: BlobArg, mediaType: MediaType, what: string): Promise<BlobRef> {
    if (b.ref) return b.ref;
    const s = store(this.ctx);
    const had = (await s.getStatus(refOf(b).root))?.complete === true;
    let ref: BlobRef;
    try {
      const m = await s.importBytes(b.bytes, { mediaType, pin: 'user' });
      ref = { root: m.root, length: m.length };
    } catch (e) {
      throw new RpcError(RPC.DESERIALIZATION_ERROR, `${what}: ${(e as Error).message}`);
    }
    if (!had) this.added.push(ref.root);
    return ref;
  }

  /** Runs `fn`; on any error removes the blobs this tracker added, then rethrows (as an RPC error). */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      for (const root of this.added.splice(0)) await store(this.ctx).remove(root).catch(() => false);
      return toRpc(e);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Registry and wallet access.

async function modelOr404(ctx: Ctx, id: unknown): Promise<ModelRecord> {
  const modelId = parseHash(id, 'model_id');
  const m = await oda(ctx).registry().getModel(modelId);
  if (!m) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Model ${modelId} not found`);
  return m;
}

/** The checked architecture and bound dataset of a registered model (the validators' own cache). */
function loaded(ctx: Ctx, m: ModelRecord) {
  return rpcCall(() => oda(ctx).context.model(m, 'tx'));
}

/** The wallet of the request (the Wallet category's lookup) and its ODA service. */
async function odaWallet(ctx: Ctx): Promise<OdaWallet> {
  const o = oda(ctx);
  return o.wallet(await getWallet(ctx));
}

async function payoutScriptOf(ctx: Ctx, w: Wallet, v: unknown, label: string): Promise<string> {
  const addr = v === undefined || v === null ? await w.getNewAddress(label) : str(v, 'payout_address', '');
  try {
    return Buffer.from(addressToScript(addr, ctx.params)).toString('hex');
  } catch (e) {
    if (e instanceof AddressError) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Invalid ODA address: ${addr}`);
    throw e;
  }
}

function modelJson(ctx: Ctx, m: ModelRecord): Record<string, unknown> {
  const a = m.add;
  return {
    model_id: m.modelId,
    name: a.name,
    description: a.description,
    license: a.license,
    objective: a.objective,
    architecture: a.architecture,
    dataset: a.dataset,
    royalty: amount(a.royalty),
    creator: address(a.payoutScript, ctx) ?? a.payoutScript,
    txid: m.txid,
    height: m.height,
    version: m.currentVersion,
    score: num(m.currentScore),
    weights: m.currentWeights,
    trainer: address(m.trainerScript, ctx) ?? m.trainerScript,
  };
}

function versionJson(ctx: Ctx, v: VersionRecord): Record<string, unknown> {
  return {
    version: v.version, score: num(v.score), weights: v.weights,
    trainer: address(v.trainerScript, ctx) ?? v.trainerScript, txid: v.txid, height: v.height, version_label: v.label,
  };
}

// ---------------------------------------------------------------------------------------------

export const modelMethods: RpcMethod<Ctx>[] = [
  {
    name: 'addmodel', category: 'Models', wallet: true,
    params: [
      { name: 'architecture', type: 'string', description: 'ONNX architecture: a file path or the root of a blob in the model store; or a directory made by oda-model convert (weights and dataset then null)' },
      { name: 'weights', type: 'string', optional: true, description: 'Initial weights (.safetensors): path or root' },
      { name: 'dataset', type: 'string', optional: true, description: 'Evaluation dataset (.safetensors): path or root' },
      { name: 'objective', type: 'string', optional: true, description: `Scoring objective: ${OBJECTIVES.join(', ')} (default accuracy)` },
      { name: 'metadata', type: 'object', optional: true, description: '{"name","description","license","version_label","payout_address" (creator, default a new wallet address)}' },
      { name: 'royalty', type: 'amount', optional: true, description: 'BTC every inference pays the current trainer (default 0)' },
    ],
    help: 'Registers a model with an add-model transaction. The architecture, weights and dataset are checked and scored locally (the baseline score every validator will compute), imported into the model store, and referenced by their roots; the wallet funds and signs the transaction and it is submitted to the mempool. The architecture may be a directory made by oda-model convert (weights and dataset then omitted).\n\nResult:\n{ "txid": "hex", "model_id": "hex", "baseline_score": n, "cost_units": n, "fee": x.xxx, "architecture": {root,length}, "weights": {...}, "dataset": {...} }',
    async handler([archArg0, weightsArg0, datasetArg0, objectiveArg0, metaArg, royaltyArg], ctx) {
      const ow = await odaWallet(ctx);
      let dir;
      try {
        dir = expandModelDir({ architecture: archArg0, weights: weightsArg0, dataset: datasetArg0, objective: objectiveArg0 });
      } catch (e) {
        throw new RpcError(RPC.INVALID_PARAMETER, (e as Error).message);
      }
      const { architecture: archArg, weights: weightsArg, dataset: datasetArg, objective: objectiveArg } = dir;
      if (weightsArg === undefined || datasetArg === undefined) throw new RpcError(RPC.INVALID_PARAMETER, 'weights and dataset are required unless architecture is a model directory');
      const objective = parseObjective(objectiveArg);
      const meta = options(metaArg, ['name', 'description', 'license', 'version_label', 'payout_address']);
      const royalty = royaltyArg === undefined ? 0n : amountToSats(royaltyArg);
      if (royalty < 0n) throw new RpcError(RPC.TYPE_ERROR, 'Amount out of range');
      const arch = await readBlobArg(ctx, archArg, 'architecture');
      const weights = await readBlobArg(ctx, weightsArg, 'weights');
      const dataset = await readBlobArg(ctx, datasetArg, 'dataset');

      const modelId = modelIdOf({ architecture: refOf(arch), dataset: refOf(dataset), objective, objectiveParams: '' });
      // The score lands in the validation cache: the mempool and the block reuse it.
      const memo = oda(ctx).context.scoreMemo(modelId, refOf(weights), refOf(dataset));
      const admitted = await rpcCall(async () => {
        try {
          return await oda(ctx).context.evaluations.track({ type: 'add-model', modelId, source: 'rpc' }, (observe) =>
            admitModel({ architecture: arch.bytes, weights: weights.bytes, dataset: dataset.bytes, objective, architectureRoot: arch.ref?.root ?? refOf(arch).root, weightsRoot: refOf(weights).root }, memo, observe));
        } catch (e) {
          throw withConvertHint(e);
        }
      });
      // Duplicates are refused before anything is imported or funded.
      if (await oda(ctx).registry().getModel(modelId)) throw new RpcError(RPC.VERIFY_REJECTED, `bad-oda-model-duplicate, model ${modelId} exists`);
      await rpcCall(() => ow.checkPending({ type: 'add-model', modelId }));
      const imports = new Imports(ctx);
      const { refs, built, sent } = await imports.guard(async () => {
        const refs = {
          architecture: await imports.put(arch, 'onnx', 'architecture'),
          weights: await imports.put(weights, 'safetensors-weights', 'weights'),
          dataset: await imports.put(dataset, 'safetensors-dataset', 'dataset'),
        };
        const built = await rpcCall(async () => buildAddModelPayload({
          ...refs, objective, royalty, payoutScript: await payoutScriptOf(ctx, ow.wallet, meta.payout_address, 'model'),
          name: str(meta.name, 'name', dir.name ?? (arch.path ? arch.path.replace(/^.*\//, '').replace(/\.onnx$/, '') : refs.architecture.root.slice(0, 16))),
          description: str(meta.description, 'description', ''), license: str(meta.license, 'license', ''), versionLabel: str(meta.version_label, 'version_label', ''),
        }));
        return { refs, built, sent: await ow.send([{ script: built.script, value: 0n }], admitted.cost) };
      });
      return {
        txid: sent.txid, model_id: built.modelId, baseline_score: num(admitted.score), dataset_rows: admitted.datasetRows,
        cost_units: num(admitted.cost), fee: amount(sent.fee), ...refs,
      };
    },
  },
  {
    name: 'commitweights', category: 'Models', wallet: true,
    params: [
      { name: 'model_id', type: 'string' },
      { name: 'weights', type: 'string', description: 'New weights (.safetensors): path or root' },
      { name: 'salt', type: 'string', optional: true, description: '32-byte hex secret (random when omitted); needed for the reveal' },
      { name: 'options', type: 'object', optional: true, description: '{"payout_address": the trainer address (new wallet address by default), "check": score the weights first (default true)}' },
    ],
    help: 'First half of an update-weights: commits to H(model, weights, payout script, salt) without revealing the weights, so nobody can copy them from the mempool. The weights are scored locally first and refused (-26) unless they beat the current score; the reveal (revealweights with the same weights and salt) may be mined from reveal_height on.\n\nResult:\n{ "txid": "hex", "commitment": "hex", "salt": "hex", "payout_address": "str", "weights": {root,length}, "score": n, "reveal_height": n }',
    async handler([idArg, weightsArg, saltArg, optArg], ctx) {
      const ow = await odaWallet(ctx);
      const m = await modelOr404(ctx, idArg);
      const salt = saltArg === undefined || saltArg === null ? undefined : parseSalt(saltArg);
      return commitWeights(ctx, ow, m, weightsArg, salt, options(optArg, ['payout_address', 'check']));
    },
  },
  {
    name: 'updateweights', category: 'Models', wallet: true,
    params: [
      { name: 'model_id', type: 'string' },
      { name: 'weights', type: 'string', description: 'New weights (.safetensors): path or root' },
      { name: 'options', type: 'object', optional: true, description: '{"payout_address": the trainer address (new wallet address by default), "version_label": label of the new version}' },
    ],
    help: 'commitweights now, then revealweights automatically: once the chain reaches reveal_height - 1 the node submits the reveal at each new tip until it is accepted (or fails for good; see debug.log). The weights are scored first and refused (-26) unless they beat the current score. If the node stops before the reveal, call revealweights with the returned salt and payout_address.\n\nResult:\n{ "txid": "hex" (the commit), "commitment": "hex", "salt": "hex", "payout_address": "str", "weights": {root,length}, "score": n, "reveal_height": n }',
    async handler([idArg, weightsArg, optArg], ctx) {
      const ow = await odaWallet(ctx);
      const m = await modelOr404(ctx, idArg);
      const o = options(optArg, ['payout_address', 'version_label']);
      const label = o.version_label === undefined ? undefined : str(o.version_label, 'version_label', '');
      return commitWeights(ctx, ow, m, weightsArg, undefined, { payout_address: o.payout_address }, { label });
    },
  },
  {
    name: 'revealweights', category: 'Models', wallet: true,
    params: [
      { name: 'model_id', type: 'string' },
      { name: 'weights', type: 'string', description: 'The committed weights: path or root' },
      { name: 'salt', type: 'string', description: 'The salt returned by commitweights' },
      { name: 'payout_address', type: 'string', optional: true, description: 'The payout address returned by commitweights (default: the one this wallet kept for the matching commitweights)' },
      { name: 'version_label', type: 'string', optional: true },
    ],
    help: 'Second half of an update-weights: reveals the weights of an earlier commitweights. Every node re-scores them on the model\'s dataset; the transaction is rejected (-26 with the reason) unless the commitment is confirmed, old enough, and the score beats the current one.\n\nResult:\n{ "txid": "hex", "weights": {root,length}, "score": n, "previous_score": n, "fee": x.xxx }',
    async handler([idArg, weightsArg, saltArg, payoutArg, labelArg], ctx) {
      const ow = await odaWallet(ctx);
      const m = await modelOr404(ctx, idArg);
      const salt = parseSalt(saltArg);
      const payout = payoutArg === undefined ? undefined : await payoutScriptOf(ctx, ow.wallet, payoutArg, 'trainer');
      return revealWeights(ctx, ow, m, weightsArg, salt, payout, str(labelArg, 'version_label', `v${m.currentVersion + 1}`));
    },
  },
  {
    name: 'infer', category: 'Models', wallet: true,
    params: [
      { name: 'model_id', type: 'string' },
      { name: 'input', type: ['string', 'array'], description: 'Rows: hex of the raw little-endian input data, a file (raw bytes, or .safetensors with one tensor per graph input), or an array of rows of integers' },
      { name: 'submit', type: 'boolean', optional: true, description: 'Submit to the mempool (default true); false returns the signed transaction hex only' },
    ],
    help: 'Runs the model\'s current version locally on the input, then builds an inference transaction carrying input and output (every validator re-runs the model and rejects a wrong output), pays the model\'s royalty to its current trainer, funds and signs it with the wallet and submits it.\n\nResult:\n{ "txid": "hex", "model_id": "hex", "version": n, "rows": n, "output": [{name,type,dims,data}], "argmax": [n...] (2-D first output), "royalty": x.xxx, "fee": x.xxx, "cost_units": n, "hex": "str" (submit=false) }',
    async handler([idArg, inputArg, submitArg], ctx) {
      const ow = await odaWallet(ctx);
      const m = await modelOr404(ctx, idArg);
      // A pending reveal will change the model's version this inference names.
      await rpcCall(() => ow.checkPending({ type: 'inference', modelId: m.modelId }));
      const mc = (await loaded(ctx, m)).ctx;
      const inputs = parseInput(mc, inputArg);
      const outputs = await rpcCall(async () => {
        const weightsBytes = await oda(ctx).context.blob(m.currentWeights);
        return runInference(mc, { bytes: weightsBytes, root: m.currentWeights.root }, inputs);
      });
      const rows = inputs[0].dims[0];
      const cost = inferenceCost(mc.arch, rows);
      const imports = new Imports(ctx);
      const { sent } = await imports.guard(async () => {
        // Tensor lists above MAX_INLINE_DATA travel as model-store blobs (peers fetch them like weights).
        const dataRef = async (ts: Tensor[], what: string): Promise<DataRef> => {
          const bytes = encodeTensorList(ts);
          if (bytes.length <= BOUNDS.MAX_INLINE_DATA) return inlineData(ts);
          return { kind: 'blob', blob: await imports.put({ bytes }, 'raw', what) };
        };
        const built = buildInferencePayload({ modelId: m.modelId, version: m.currentVersion, input: await dataRef(inputs, 'input'), output: await dataRef(outputs, 'output') });
        const outs = [{ script: built.script, value: 0n }];
        if (m.add.royalty > 0n) outs.push({ script: Buffer.from(m.trainerScript, 'hex'), value: m.add.royalty });
        return { sent: await ow.send(outs, cost, submitArg !== false) };
      });
      const argmax = argmaxRows(outputs[0]);
      return {
        txid: sent.txid, model_id: m.modelId, version: m.currentVersion, rows,
        output: outputs.map((t, i) => tensorJson(mc.outputSpec[i]?.name, t)), ...(argmax ? { argmax } : {}),
        royalty: amount(m.add.royalty), fee: amount(sent.fee), cost_units: num(cost),
        ...(submitArg === false ? { hex: sent.tx.toHex() } : {}),
      };
    },
  },
  {
    name: 'getmodel', category: 'Models',
    params: [{ name: 'model_id', type: 'string' }],
    help: 'Returns the registry record of a model at the chain tip: metadata, blob roots, royalty, and its current version, score, weights and trainer.',
    async handler([idArg], ctx) {
      return modelJson(ctx, await modelOr404(ctx, idArg));
    },
  },
  {
    name: 'listmodels', category: 'Models', params: [],
    help: 'Lists every registered model (as getmodel) in model-id order.',
    async handler(_a, ctx) {
      return (await oda(ctx).registry().listModels()).map((m) => modelJson(ctx, m));
    },
  },
  {
    name: 'getmodelhistory', category: 'Models',
    params: [{ name: 'model_id', type: 'string' }],
    help: 'Returns every accepted version of a model, oldest first (version 0 is the add-model): score, weights, trainer, txid, height and label.\n\nResult:\n{ "model_id": "hex", "versions": [ {version, score, weights, trainer, txid, height, version_label} ] }',
    async handler([idArg], ctx) {
      const m = await modelOr404(ctx, idArg);
      const h = (await oda(ctx).registry().getHistory(m.modelId)) ?? [];
      return { model_id: m.modelId, versions: h.map((v) => versionJson(ctx, v)) };
    },
  },
  {
    name: 'getinference', category: 'Models',
    params: [{ name: 'txid', type: 'string' }],
    help: 'Returns an inference transaction, confirmed (from the registry\'s inference index) or in the mempool: model, version, rows, royalty, the input and output tensors (when their data is available) and the block it is in.',
    async handler([txidArg], ctx) {
      const txid = parseHash(txidArg, 'txid');
      const rec = await oda(ctx).registry().getInference(txid);
      let tx: Transaction | undefined;
      let block: { hash: string; height: number; confirmations: number } | undefined;
      if (rec) {
        const loc = await ctx.chain.getTxLocation(txid);
        if (loc) {
          const b = await ctx.chain.getBlock(loc.blockHash);
          tx = b?.transactions?.[loc.index];
          const e = ctx.chain.getEntry(loc.blockHash);
          if (e) block = { hash: e.hash, height: e.height, confirmations: ctx.chain.height - e.height + 1 };
        }
      } else {
        tx = ctx.mempool.get(txid)?.tx;
        if (!tx) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'No such inference transaction in the chain or the mempool');
      }
      const decoded = tx ? decodeOdaTx(tx) : undefined;
      const p = decoded?.payload.type === 'inference' ? decoded.payload : undefined;
      if (!rec && !p) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Transaction is not an inference transaction');
      const modelId = rec?.modelId ?? p!.modelId;
      const m = await oda(ctx).registry().getModel(modelId);
      const mc = m ? (await loaded(ctx, m).catch(() => undefined))?.ctx : undefined;
      const data = p ? await inferenceData(ctx.store, p) : {};
      return {
        txid, model_id: modelId, version: rec?.version ?? p!.version,
        rows: rec?.rows ?? data.input?.[0]?.dims[0],
        royalty: rec ? amount(rec.royalty) : m ? amount(m.add.royalty) : undefined,
        input_hash: rec?.inputHash ?? (p ? dataHash(p.input) : undefined),
        output_hash: rec?.outputHash ?? (p ? dataHash(p.output) : undefined),
        input: namedTensors(mc?.inputSpec ?? [], data.input),
        output: namedTensors(mc?.outputSpec ?? [], data.output),
        ...(data.output?.[0] && argmaxRows(data.output[0]) ? { argmax: argmaxRows(data.output[0]) } : {}),
        confirmations: block?.confirmations ?? 0,
        ...(block ? { blockhash: block.hash, height: block.height } : {}),
      };
    },
  },
  {
    name: 'estimatecost', category: 'Models',
    params: [{ name: 'request', type: 'object', description: '{"type": "inference"|"update-weights"|"add-model", "model_id": hex, "rows": n (inference, default 1), "architecture"/"dataset": path or root (add-model)}' }],
    help: 'Compute units (CU) an ODA transaction costs every validator, and the minimum fee a node requires for it (the policy floor, or the ODA-BIP-0005 burn at the next base fee if higher; see estimatecufee for a fee that gets mined).\n\nResult:\n{ "type": "str", "cost_units": n, "min_fee": x.xxx, "burn": x.xxx (after ODA-BIP-0005 activation), "cost_aware": { "base_fee": n, "cu_per_fee_unit": n, "target_cu": n, "max_cu": n, "tip_cu": n, "tip_discount_ppm": n } }',
    async handler([reqArg], ctx) {
      const r = options(reqArg, ['type', 'model_id', 'rows', 'architecture', 'dataset', 'objective']);
      const type = str(r.type, 'type', '');
      let cost: bigint;
      if (type === 'inference') {
        const rows = r.rows === undefined ? 1 : r.rows;
        if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) throw new RpcError(RPC.INVALID_PARAMETER, 'rows must be a positive integer');
        const m = await modelOr404(ctx, r.model_id);
        cost = inferenceCost((await loaded(ctx, m)).ctx.arch, rows);
      } else if (type === 'update-weights' || type === 'reveal-weights') {
        const m = await modelOr404(ctx, r.model_id);
        const lm = await loaded(ctx, m);
        cost = updateCost(lm.ctx.arch, lm.dataset.rows, lm.dataset.bytes);
      } else if (type === 'add-model') {
        const arch = await readBlobArg(ctx, r.architecture, 'architecture');
        const dataset = await readBlobArg(ctx, r.dataset, 'dataset');
        const objective = parseObjective(r.objective);
        cost = await rpcCall(() => {
          const mc = checkModel(arch.bytes);
          const ds = bindDataset(mc.arch, objective, dataset.bytes);
          return admissionCost(mc.arch, arch.bytes.length, ds.rows, ds.bytes);
        });
      } else if (type === 'commit-weights') {
        cost = 0n;
      } else {
        throw new RpcError(RPC.INVALID_PARAMETER, `Unknown type '${type}' (expected inference, update-weights, add-model or commit-weights)`);
      }
      // ODA-BIP-0005: the base fee of the next block is burned; a fee below it waits.
      const next = nextCostFields(ctx.chain);
      const burn = next ? requiredBurn(BigInt(next.base_fee as number), cost!) : 0n;
      const policy = minFeeForCu(cost!);
      return {
        type, cost_units: num(cost!), min_fee: amount(policy > burn ? policy : burn),
        ...(next ? { burn: amount(burn), cost_aware: next } : {}),
      };
    },
  },
];

/** commitweights after its argument parsing (also the first half of updateweights, `auto` set). */
async function commitWeights(ctx: Ctx, ow: OdaWallet, m: ModelRecord, weightsArg: unknown, saltArg: string | undefined, o: Record<string, unknown>, auto?: { label?: string }): Promise<Record<string, unknown>> {
  const weights = await readBlobArg(ctx, weightsArg, 'weights');
  const lm = await loaded(ctx, m);
  const cost = updateCost(lm.ctx.arch, lm.dataset.rows, lm.dataset.bytes);
  let score: bigint | undefined;
  if (o.check !== false) {
    // Scored once: the reveal's mempool check and its block reuse the verdict.
    const memo = oda(ctx).context.scoreMemo(m.modelId, refOf(weights), m.add.dataset);
    score = (await rpcCall(() => oda(ctx).context.evaluations.track({ type: 'update-weights', modelId: m.modelId, source: 'rpc' }, (observe) =>
      checkUpdate(lm.ctx, { bytes: weights.bytes, root: refOf(weights).root }, lm.dataset, m.add.objective, m.currentScore, memo, observe)))).score;
  }
  const imports = new Imports(ctx);
  const { ref, payoutScript, built, sent } = await imports.guard(async () => {
    const ref = await imports.put(weights, 'safetensors-weights', 'weights');
    const payoutScript = await payoutScriptOf(ctx, ow.wallet, o.payout_address, 'trainer');
    const built = buildCommitPayload({ modelId: m.modelId, weights: ref, payoutScript, salt: saltArg });
    // A commit costs no model execution; the reveal pays for the scoring.
    return { ref, payoutScript, built, sent: await ow.send([{ script: built.script, value: 0n }], COMMIT_CU) };
  });
  const revealHeight = ctx.chain.height + 1 + ctx.params.commitRevealDelay;
  await ow.recordCommit({ commitment: built.commitment, modelId: m.modelId, weights: ref, salt: built.salt, payoutScript, revealHeight, auto: auto !== undefined, label: auto?.label });
  return {
    txid: sent.txid, commitment: built.commitment, salt: built.salt, payout_address: address(payoutScript, ctx), weights: ref,
    ...(score !== undefined ? { score: num(score) } : {}), update_cost_units: num(cost), fee: amount(sent.fee),
    reveal_height: revealHeight,
  };
}

/** revealweights after its argument parsing; the payout script defaults to the wallet's kept commit. */
async function revealWeights(ctx: Ctx, ow: OdaWallet, m: ModelRecord, weightsArg: unknown, salt: string, payout: string | undefined, label: string): Promise<Record<string, unknown>> {
  await rpcCall(() => ow.checkPending({ type: 'reveal-weights', modelId: m.modelId }));
  const weights = await readBlobArg(ctx, weightsArg, 'weights');
  const imports = new Imports(ctx);
  const { ref, sent } = await imports.guard(async () => {
    const ref = await imports.put(weights, 'safetensors-weights', 'weights');
    const payoutScript = payout ?? (await ow.findCommit(m.modelId, ref, salt))?.payoutScript;
    if (payoutScript === undefined) throw new RpcError(RPC.INVALID_PARAMETER, 'payout_address is required: no commitweights of this wallet matches these weights and salt');
    return { ref, sent: await ow.reveal(m, ref, salt, payoutScript, label) };
  });
  // The mempool accepted it, so its score is in the validation cache.
  const score = oda(ctx).context.scoreMemo(m.modelId, ref, m.add.dataset).get();
  return { txid: sent.txid, weights: ref, ...(score !== undefined ? { score: num(score) } : {}), previous_score: num(m.currentScore), cost_units: num(sent.cost), fee: amount(sent.fee) };
}
