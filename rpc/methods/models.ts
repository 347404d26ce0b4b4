// The "Models" category: ODA transactions from the user's side (ODA-BIP-0003). Handlers
// check everything they can locally first (the same validator code every node runs), so a
// user learns about a bad model, a non-improving update or a wrong input before spending a
// fee; the transaction is then funded and signed by the wallet and submitted to the mempool,
// whose ODA check is the authority (-26 with its reject reason). Blobs are named by their
// model-store root; a file path is imported into the store first.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Transaction } from 'bitcoinjs-lib';
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { amount, amountToSats } from '../amount.js';
import { parseHash, jsonType } from '../params.js';
import { addressToScript, scriptToAddress, AddressError } from '../../chain/address.js';
import { isVerifyError } from '../../chain/errors.js';
import { WalletError, type Wallet } from '../../wallet/wallet.js';
import type { BlobStore } from '../../model-store/store.js';
import { PIECE_SIZE, pieceCount, pieceHash, rootFromPieceLayer } from '../../model-store/merkle.js';
import type { MediaType } from '../../model-store/manifest.js';
import {
  admitModel, checkModel, checkUpdate, runInference, inferenceCost, updateCost, admissionCost, OBJECTIVES,
  type ModelContext, type Objective, type Tensor,
} from '../../validator/index.js';
import { bindDataset } from '../../validator/dataset.js';
import { ELEM_BYTES, elemTypeOfSafetensors, getNumber, numel, tensorFromBytes } from '../../validator/tensor.js';
import { parseSafetensors } from '../../model-store/safetensors.js';
import { buildAddModelPayload, buildCommitPayload, buildRevealPayload, buildInferencePayload, inlineData, dataHash } from '../../oda/build.js';
import { decodeOdaTx } from '../../oda/envelope.js';
import { BOUNDS, modelIdOf } from '../../oda/payload.js';
import { decodeTensorList, encodeTensorList } from '../../oda/tensors.js';
import type { BlobRef, DataRef, InferencePayload } from '../../oda/payload.js';
import type { ModelRecord, RegistryReader, VersionRecord } from '../../oda/registry.js';
import { COMMIT_CU, COMMIT_REVEAL_DELAY, minFeeForCu } from '../../oda/rules.js';
import { getWallet } from './wallet.js';
import { expandModelDir, withConvertHint } from '../../tools/model/model-dir.js';

type Ctx = NodeContext;

// ---------------------------------------------------------------------------------------------
// What this table needs from the ODA layer wired by node/node.ts: ctx.oda.registry, the
// registry at the chain tip. Constants and builders come from oda/ itself.

function registry(ctx: Ctx): RegistryReader {
  const r = ctx.oda?.registry as RegistryReader | undefined;
  if (!r) throw new RpcError(RPC.MISC_ERROR, 'ODA transactions are not enabled on this node');
  return r;
}

function store(ctx: Ctx): BlobStore {
  if (!ctx.store) throw new RpcError(RPC.MISC_ERROR, 'Model store is not available');
  return ctx.store as BlobStore;
}

// ---------------------------------------------------------------------------------------------
// Small conversions.

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

function tensorJson(name: string | undefined, t: Tensor): Record<string, unknown> {
  const data: number[] = [];
  for (let i = 0; i < t.data.length; i++) data.push(getNumber(t, i));
  return { ...(name !== undefined ? { name } : {}), type: t.type, dims: t.dims, data };
}

/** Per row, the index of the largest value (classification models; first index on ties). */
function argmaxRows(t: Tensor): number[] | undefined {
  if (t.dims.length !== 2) return undefined;
  const [rows, width] = t.dims;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (getNumber(t, r * width + j) > getNumber(t, r * width + best)) best = j;
    out.push(best);
  }
  return out;
}

function rejectToRpc(e: unknown): never {
  if (isVerifyError(e)) throw new RpcError(RPC.VERIFY_REJECTED, e.details ? `${e.reason}, ${e.details}` : e.reason);
  if (e instanceof RangeError || e instanceof TypeError) throw new RpcError(RPC.INVALID_PARAMETER, e.message);
  throw e;
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

/** BEP 52 pieces root of `bytes` (model-store/merkle.ts), before anything is imported. */
function piecesRoot(bytes: Uint8Array): string {
  const n = pieceCount(bytes.length);
  const layer: Uint8Array[] = [];
  for (let i = 0; i < n; i++) layer.push(pieceHash(bytes.subarray(i * PIECE_SIZE, Math.min((i + 1) * PIECE_SIZE, bytes.length)), n === 1));
  return Buffer.from(rootFromPieceLayer(layer, bytes.length)).toString('hex');
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
    const had = (await s.getStatus(piecesRoot(b.bytes)))?.complete === true;
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

  /** Runs `fn`; on any error removes the blobs this tracker added, then rethrows. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      for (const root of this.added.splice(0)) await store(this.ctx).remove(root).catch(() => false);
      throw e;
    }
  }
}

async function blobBytes(ctx: Ctx, ref: BlobRef, what: string): Promise<Uint8Array> {
  const s = store(ctx);
  if (!(await s.getStatus(ref.root))?.complete) throw new RpcError(RPC.MISC_ERROR, `${what} blob ${ref.root} is not available in the local model store`);
  return s.readAll(ref.root);
}

// ---------------------------------------------------------------------------------------------
// Registry access.

async function modelOr404(ctx: Ctx, id: unknown): Promise<ModelRecord> {
  const modelId = parseHash(id, 'model_id');
  const m = await registry(ctx).getModel(modelId);
  if (!m) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Model ${modelId} not found`);
  return m;
}

/**
 * ODA payloads of the mempool's transactions for one model. The pool checks each transaction
 * against the tip alone, so two add-models of one model, or an inference racing a reveal of
 * its model, could both sit there and make every block template invalid; these handlers refuse
 * to create such a pair.
 */
function pendingFor(ctx: Ctx, modelId: string): { txid: string; type: string }[] {
  const out: { txid: string; type: string }[] = [];
  for (const e of ctx.mempool.entries() as { txid: string; tx: Transaction }[]) {
    let d;
    try {
      d = decodeOdaTx(e.tx);
    } catch {
      continue;
    }
    if (!d) continue;
    const p = d.payload;
    const id = p.type === 'add-model' ? modelIdOf(p) : p.modelId;
    if (id === modelId) out.push({ txid: e.txid, type: p.type });
  }
  return out;
}

const contexts = new Map<string, ModelContext>();

/** The checked architecture of a registered model (parsed once per root). */
async function modelContext(ctx: Ctx, m: ModelRecord): Promise<ModelContext> {
  const root = m.add.architecture.root;
  let mc = contexts.get(root);
  if (!mc) {
    mc = checkModel(await blobBytes(ctx, m.add.architecture, 'architecture'), root);
    contexts.set(root, mc);
    while (contexts.size > 16) contexts.delete(contexts.keys().next().value as string);
  }
  return mc;
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
// Wallet: resolve as the Wallet category does, then fund, sign and submit.

// The Wallet category's lookup (Core's GetWalletForJSONRPCRequest).
const walletOf = getWallet;

async function payoutScriptOf(ctx: Ctx, w: Wallet, v: unknown, label: string): Promise<string> {
  const addr = v === undefined || v === null ? await w.getNewAddress(label) : str(v, 'payout_address', '');
  try {
    return Buffer.from(addressToScript(addr, ctx.params)).toString('hex');
  } catch (e) {
    if (e instanceof AddressError) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Invalid ODA address: ${addr}`);
    throw e;
  }
}

interface Sent { tx: Transaction; txid: string; fee: bigint }

/**
 * Funds `outputs` from the wallet at its fee rate, raised when needed so the fee covers the
 * ODA minimum for `cu`, signs, and (when `submit`) submits to the mempool and records it.
 */
async function fundAndSend(ctx: Ctx, w: Wallet, outputs: { script: Uint8Array; value: bigint }[], cu: bigint, submit = true): Promise<Sent> {
  // One send at a time per wallet (as sendtoaddress): concurrent calls must not pick the same coins.
  return w.exclusive(() => fundAndSendLocked(ctx, w, outputs, cu, submit));
}

async function fundAndSendLocked(ctx: Ctx, w: Wallet, outputs: { script: Uint8Array; value: bigint }[], cu: bigint, submit: boolean): Promise<Sent> {
  const minFee = minFeeForCu(cu);
  const fund = async (feeRate?: bigint) => {
    const tx = new Transaction();
    tx.version = 2;
    tx.locktime = ctx.chain.height;
    for (const o of outputs) tx.addOutput(o.script, o.value);
    try {
      return await w.fund(tx, { feeRate, includeUnsafe: false });
    } catch (e) {
      if (e instanceof WalletError) throw new RpcError(e.kind === 'param' ? RPC.INVALID_PARAMETER : RPC.WALLET_INSUFFICIENT_FUNDS, e.message);
      throw e;
    }
  };
  let funded = await fund();
  // Raise the rate until the fee covers the CU minimum (a higher rate can add an input, so recheck).
  for (let tries = 0; funded.fee < minFee && tries < 4; tries++) {
    const vsize = BigInt(funded.tx.virtualSize());
    const rate = (funded.fee * 1000n) / vsize;
    funded = await fund(((minFee * 1000n + vsize - 1n) / vsize > rate ? (minFee * 1000n + vsize - 1n) / vsize : rate) + 1000n);
  }
  if (funded.fee < minFee) throw new RpcError(RPC.WALLET_ERROR, `Could not fund the minimum fee of ${minFee} satoshis`);
  const { complete, errors } = await w.sign(funded.tx);
  if (!complete) throw new RpcError(RPC.WALLET_ERROR, `Signing transaction failed: ${errors.map((e) => e.error).join(', ')}`);
  const tx = funded.tx;
  if (submit) {
    try {
      await ctx.mempool.addTransaction(tx);
    } catch (e) {
      rejectToRpc(e);
    }
    ctx.p2p?.relayTransaction?.(tx);
    await w.commitTransaction(tx);
  }
  return { tx, txid: tx.getId(), fee: funded.fee };
}

// ---------------------------------------------------------------------------------------------
// Inference inputs: hex, a file (raw bytes or safetensors with one tensor per graph input), or
// rows of numbers. Rows are counted from the data.

function rowsFromBytes(mc: ModelContext, bytes: Uint8Array): Tensor[] {
  if (mc.inputSpec.length !== 1) throw new RpcError(RPC.INVALID_PARAMETER, `model has ${mc.inputSpec.length} inputs: pass a safetensors file with one tensor per input`);
  const spec = mc.inputSpec[0];
  const rowBytes = numel(spec.rowDims) * ELEM_BYTES[spec.type];
  if (bytes.length === 0 || bytes.length % rowBytes !== 0) throw new RpcError(RPC.INVALID_PARAMETER, `input is ${bytes.length} bytes, not a multiple of one ${spec.type}[${spec.rowDims}] row (${rowBytes} bytes)`);
  return [tensorFromBytes(spec.type, [bytes.length / rowBytes, ...spec.rowDims], bytes.slice())];
}

function parseInput(mc: ModelContext, v: unknown): Tensor[] {
  if (Array.isArray(v)) {
    if (mc.inputSpec.length !== 1) throw new RpcError(RPC.INVALID_PARAMETER, 'number rows need a model with one input');
    const spec = mc.inputSpec[0];
    const flat = (v as unknown[]).flat(Infinity);
    if (flat.some((x) => typeof x !== 'number' || !Number.isInteger(x))) throw new RpcError(RPC.INVALID_PARAMETER, 'input rows must hold integers');
    const per = numel(spec.rowDims);
    if (flat.length === 0 || flat.length % per !== 0) throw new RpcError(RPC.INVALID_PARAMETER, `input has ${flat.length} values, not a multiple of ${per} per row`);
    const rows = flat.length / per;
    const t: Tensor = { type: spec.type, dims: [rows, ...spec.rowDims], data: spec.type === 'int64' ? BigInt64Array.from(flat as number[], BigInt) : ({ int8: Int8Array, uint8: Uint8Array, int32: Int32Array } as const)[spec.type].from(flat as number[]) };
    const lim = { int8: [-128, 127], uint8: [0, 255], int32: [-(2 ** 31), 2 ** 31 - 1], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] }[spec.type];
    if ((flat as number[]).some((x) => x < lim[0] || x > lim[1])) throw new RpcError(RPC.INVALID_PARAMETER, `input values outside the ${spec.type} range`);
    return [t];
  }
  if (typeof v !== 'string' || v.length === 0) throw new RpcError(RPC.INVALID_PARAMETER, 'input must be hex, a file path or an array of rows');
  if (/^([0-9a-fA-F]{2})+$/.test(v)) return rowsFromBytes(mc, new Uint8Array(Buffer.from(v, 'hex')));
  const path = isAbsolute(v) ? v : resolve(v);
  if (!existsSync(path)) throw new RpcError(RPC.INVALID_PARAMETER, 'input must be hexadecimal string or an existing file path');
  const bytes = new Uint8Array(readFileSync(path));
  if (!path.endsWith('.safetensors')) return rowsFromBytes(mc, bytes);
  let st;
  try {
    st = parseSafetensors(bytes);
  } catch (e) {
    throw new RpcError(RPC.DESERIALIZATION_ERROR, `input file: ${(e as Error).message}`);
  }
  return mc.inputSpec.map((spec) => {
    const info = st.tensors.get(spec.name);
    if (!info) throw new RpcError(RPC.INVALID_PARAMETER, `input file has no tensor '${spec.name}'`);
    if (elemTypeOfSafetensors(info.dtype) !== spec.type) throw new RpcError(RPC.INVALID_PARAMETER, `input tensor '${spec.name}' is ${info.dtype}, the model needs ${spec.type}`);
    return tensorFromBytes(spec.type, info.shape, info.data.slice());
  });
}

/** The input and output tensor lists of an inference payload (blobs read from the store). */
async function inferenceData(ctx: Ctx, p: InferencePayload): Promise<{ input?: Tensor[]; output?: Tensor[] }> {
  const load = async (d: DataRef) => {
    if (d.kind === 'inline') return decodeTensorList(new Uint8Array(Buffer.from(d.data, 'hex')));
    const s = store(ctx);
    return (await s.getStatus(d.blob.root))?.complete ? decodeTensorList(await s.readAll(d.blob.root)) : undefined;
  };
  return { input: await load(p.input), output: await load(p.output) };
}

function namedTensors(names: { name: string }[], ts: Tensor[] | undefined): Record<string, unknown>[] | undefined {
  return ts?.map((t, i) => tensorJson(names[i]?.name, t));
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
      const w = await walletOf(ctx);
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

      let admitted;
      try {
        admitted = await admitModel({ architecture: arch.bytes, weights: weights.bytes, dataset: dataset.bytes, objective, architectureRoot: arch.ref?.root, weightsRoot: weights.ref?.root });
      } catch (e) {
        rejectToRpc(withConvertHint(e));
      }
      // Duplicates are refused before anything is imported or funded.
      const refOf = (b: BlobArg): BlobRef => b.ref ?? { root: piecesRoot(b.bytes), length: b.bytes.length };
      const modelId = modelIdOf({ architecture: refOf(arch), dataset: refOf(dataset), objective, objectiveParams: '' });
      if (await registry(ctx).getModel(modelId)) throw new RpcError(RPC.VERIFY_REJECTED, `bad-oda-model-duplicate, model ${modelId} exists`);
      const twin = pendingFor(ctx, modelId).find((t) => t.type === 'add-model');
      if (twin) throw new RpcError(RPC.VERIFY_REJECTED, `txn-mempool-conflict, add-model ${twin.txid} of the same model is in the mempool`);
      const imports = new Imports(ctx);
      const { refs, built, sent } = await imports.guard(async () => {
        const refs = {
          architecture: await imports.put(arch, 'onnx', 'architecture'),
          weights: await imports.put(weights, 'safetensors-weights', 'weights'),
          dataset: await imports.put(dataset, 'safetensors-dataset', 'dataset'),
        };
        let built;
        try {
          built = buildAddModelPayload({
            ...refs, objective, royalty, payoutScript: await payoutScriptOf(ctx, w, meta.payout_address, 'model'),
            name: str(meta.name, 'name', dir.name ?? (arch.path ? arch.path.replace(/^.*\//, '').replace(/\.onnx$/, '') : refs.architecture.root.slice(0, 16))),
            description: str(meta.description, 'description', ''), license: str(meta.license, 'license', ''), versionLabel: str(meta.version_label, 'version_label', ''),
          });
        } catch (e) {
          rejectToRpc(e);
        }
        return { refs, built, sent: await fundAndSend(ctx, w, [{ script: built.script, value: 0n }], admitted.cost) };
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
      const w = await walletOf(ctx);
      const m = await modelOr404(ctx, idArg);
      return (await commitWeights(ctx, w, m, weightsArg, saltArg, options(optArg, ['payout_address', 'check']))).result;
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
      const w = await walletOf(ctx);
      const m = await modelOr404(ctx, idArg);
      const o = options(optArg, ['payout_address', 'version_label']);
      const c = await commitWeights(ctx, w, m, weightsArg, undefined, { payout_address: o.payout_address });
      scheduleReveal(ctx, w, m.modelId, c.ref.root, c.result.salt as string, c.payoutScript, c.result.reveal_height as number, o.version_label);
      return c.result;
    },
  },
  {
    name: 'revealweights', category: 'Models', wallet: true,
    params: [
      { name: 'model_id', type: 'string' },
      { name: 'weights', type: 'string', description: 'The committed weights: path or root' },
      { name: 'salt', type: 'string', description: 'The salt returned by commitweights' },
      { name: 'payout_address', type: 'string', optional: true, description: 'The payout address returned by commitweights (default: the one this node process used for the matching commitweights)' },
      { name: 'version_label', type: 'string', optional: true },
    ],
    help: 'Second half of an update-weights: reveals the weights of an earlier commitweights. Every node re-scores them on the model\'s dataset; the transaction is rejected (-26 with the reason) unless the commitment is confirmed, old enough, and the score beats the current one.\n\nResult:\n{ "txid": "hex", "weights": {root,length}, "score": n, "previous_score": n, "fee": x.xxx }',
    async handler([idArg, weightsArg, saltArg, payoutArg, labelArg], ctx) {
      const w = await walletOf(ctx);
      const m = await modelOr404(ctx, idArg);
      if (!/^[0-9a-f]{64}$/.test(String(saltArg))) throw new RpcError(RPC.INVALID_PARAMETER, 'salt must be 64 lowercase hex characters');
      const payout = payoutArg === undefined ? undefined : await payoutScriptOf(ctx, w, payoutArg, 'trainer');
      return revealWeights(ctx, w, m, weightsArg, String(saltArg), payout, labelArg);
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
      const w = await walletOf(ctx);
      const m = await modelOr404(ctx, idArg);
      const reveal = pendingFor(ctx, m.modelId).find((t) => t.type === 'reveal-weights');
      if (reveal) throw new RpcError(RPC.VERIFY_REJECTED, `txn-mempool-conflict, reveal-weights ${reveal.txid} will change the model's version: retry once it is mined`);
      const mc = await modelContext(ctx, m);
      const inputs = parseInput(mc, inputArg);
      const weightsBytes = await blobBytes(ctx, m.currentWeights, 'weights');
      let outputs: Tensor[];
      try {
        outputs = await runInference(mc, { bytes: weightsBytes, root: m.currentWeights.root }, inputs);
      } catch (e) {
        rejectToRpc(e);
      }
      const rows = inputs[0].dims[0];
      const cost = inferenceCost(mc.arch, rows);
      const imports = new Imports(ctx);
      const { sent } = await imports.guard(async () => {
        // Tensor lists above MAX_INLINE_DATA travel as model-store blobs (peers fetch them like weights).
        const dataRef = async (ts: Tensor[], what: string): Promise<DataRef> => {
          let bytes: Uint8Array;
          try {
            bytes = encodeTensorList(ts);
          } catch (e) {
            rejectToRpc(e);
          }
          if (bytes.length <= BOUNDS.MAX_INLINE_DATA) return inlineData(ts);
          return { kind: 'blob', blob: await imports.put({ bytes }, 'raw', what) };
        };
        let built;
        try {
          built = buildInferencePayload({ modelId: m.modelId, version: m.currentVersion, input: await dataRef(inputs, 'input'), output: await dataRef(outputs, 'output') });
        } catch (e) {
          rejectToRpc(e);
        }
        const outs = [{ script: built.script, value: 0n }];
        if (m.add.royalty > 0n) outs.push({ script: Buffer.from(m.trainerScript, 'hex'), value: m.add.royalty });
        return { sent: await fundAndSend(ctx, w, outs, cost, submitArg !== false) };
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
      return (await registry(ctx).listModels()).map((m) => modelJson(ctx, m));
    },
  },
  {
    name: 'getmodelhistory', category: 'Models',
    params: [{ name: 'model_id', type: 'string' }],
    help: 'Returns every accepted version of a model, oldest first (version 0 is the add-model): score, weights, trainer, txid, height and label.\n\nResult:\n{ "model_id": "hex", "versions": [ {version, score, weights, trainer, txid, height, version_label} ] }',
    async handler([idArg], ctx) {
      const m = await modelOr404(ctx, idArg);
      const h = (await registry(ctx).getHistory(m.modelId)) ?? [];
      return { model_id: m.modelId, versions: h.map((v) => versionJson(ctx, v)) };
    },
  },
  {
    name: 'getinference', category: 'Models',
    params: [{ name: 'txid', type: 'string' }],
    help: 'Returns an inference transaction, confirmed (from the registry\'s inference index) or in the mempool: model, version, rows, royalty, the input and output tensors (when their data is available) and the block it is in.',
    async handler([txidArg], ctx) {
      const txid = parseHash(txidArg, 'txid');
      const rec = await registry(ctx).getInference(txid);
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
      const m = await registry(ctx).getModel(modelId);
      const mc = m ? await modelContext(ctx, m).catch(() => undefined) : undefined;
      const data = p ? await inferenceData(ctx, p) : {};
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
    help: 'Compute units (CU) an ODA transaction costs every validator, and the minimum fee a node requires for it.\n\nResult:\n{ "type": "str", "cost_units": n, "min_fee": x.xxx }',
    async handler([reqArg], ctx) {
      const r = options(reqArg, ['type', 'model_id', 'rows', 'architecture', 'dataset', 'objective']);
      const type = str(r.type, 'type', '');
      let cost: bigint;
      if (type === 'inference') {
        const rows = r.rows === undefined ? 1 : r.rows;
        if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) throw new RpcError(RPC.INVALID_PARAMETER, 'rows must be a positive integer');
        const m = await modelOr404(ctx, r.model_id);
        cost = inferenceCost((await modelContext(ctx, m)).arch, rows);
      } else if (type === 'update-weights' || type === 'reveal-weights') {
        const m = await modelOr404(ctx, r.model_id);
        const mc = await modelContext(ctx, m);
        const ds = bindDataset(mc.arch, m.add.objective, await blobBytes(ctx, m.add.dataset, 'dataset'));
        cost = updateCost(mc.arch, ds.rows, ds.bytes);
      } else if (type === 'add-model') {
        const arch = await readBlobArg(ctx, r.architecture, 'architecture');
        const dataset = await readBlobArg(ctx, r.dataset, 'dataset');
        try {
          const mc = checkModel(arch.bytes);
          const ds = bindDataset(mc.arch, parseObjective(r.objective), dataset.bytes);
          cost = admissionCost(mc.arch, arch.bytes.length, ds.rows, ds.bytes);
        } catch (e) {
          rejectToRpc(e);
        }
      } else if (type === 'commit-weights') {
        cost = 0n;
      } else {
        throw new RpcError(RPC.INVALID_PARAMETER, `Unknown type '${type}' (expected inference, update-weights, add-model or commit-weights)`);
      }
      return { type, cost_units: num(cost!), min_fee: amount(minFeeForCu(cost!)) };
    },
  },
];

/** commitweights after its argument parsing (also the first half of updateweights). */
async function commitWeights(ctx: Ctx, w: Wallet, m: ModelRecord, weightsArg: unknown, saltArg: unknown, o: Record<string, unknown>): Promise<{ result: Record<string, unknown>; ref: BlobRef; payoutScript: string }> {
  if (saltArg !== undefined && !/^[0-9a-f]{64}$/.test(String(saltArg))) throw new RpcError(RPC.INVALID_PARAMETER, 'salt must be 64 lowercase hex characters');
  const weights = await readBlobArg(ctx, weightsArg, 'weights');
  const mc = await modelContext(ctx, m);
  const datasetBytes = await blobBytes(ctx, m.add.dataset, 'dataset');
  let score: bigint | undefined;
  let cost: bigint;
  try {
    const ds = bindDataset(mc.arch, m.add.objective, datasetBytes);
    cost = updateCost(mc.arch, ds.rows, ds.bytes);
    if (o.check !== false) score = (await checkUpdate(mc, { bytes: weights.bytes, root: weights.ref?.root }, ds, m.add.objective, m.currentScore)).score;
  } catch (e) {
    rejectToRpc(e);
  }
  const imports = new Imports(ctx);
  const { ref, payoutScript, built, sent } = await imports.guard(async () => {
    const ref = await imports.put(weights, 'safetensors-weights', 'weights');
    const payoutScript = await payoutScriptOf(ctx, w, o.payout_address, 'trainer');
    const built = buildCommitPayload({ modelId: m.modelId, weights: ref, payoutScript, salt: saltArg as string | undefined });
    // A commit costs no model execution; the reveal pays for the scoring.
    return { ref, payoutScript, built, sent: await fundAndSend(ctx, w, [{ script: built.script, value: 0n }], COMMIT_CU) };
  });
  pendingPayouts.set(built.commitment, payoutScript);
  const result = {
    txid: sent.txid, commitment: built.commitment, salt: built.salt, payout_address: address(payoutScript, ctx), weights: ref,
    ...(score !== undefined ? { score: num(score) } : {}), update_cost_units: num(cost!), fee: amount(sent.fee),
    reveal_height: ctx.chain.height + 1 + COMMIT_REVEAL_DELAY,
  };
  return { result, ref, payoutScript };
}

/** revealweights after its argument checks (also the automatic reveal of updateweights). */
async function revealWeights(ctx: Ctx, w: Wallet, m: ModelRecord, weightsArg: unknown, salt: string, payout: string | undefined, labelArg: unknown): Promise<Record<string, unknown>> {
  const busy = pendingFor(ctx, m.modelId).find((t) => t.type === 'reveal-weights' || t.type === 'inference');
  if (busy) throw new RpcError(RPC.VERIFY_REJECTED, `txn-mempool-conflict, ${busy.type} ${busy.txid} of this model is in the mempool: retry once it is mined`);
  const weights = await readBlobArg(ctx, weightsArg, 'weights');
  const mc = await modelContext(ctx, m);
  const ds = bindDataset(mc.arch, m.add.objective, await blobBytes(ctx, m.add.dataset, 'dataset'));
  const cost = updateCost(mc.arch, ds.rows, ds.bytes);
  const imports = new Imports(ctx);
  const { ref, sent } = await imports.guard(async () => {
    const ref = await imports.put(weights, 'safetensors-weights', 'weights');
    const payoutScript = payout ?? findCommittedPayout(m.modelId, ref, salt);
    let built;
    try {
      built = buildRevealPayload({ modelId: m.modelId, weights: ref, payoutScript, salt, versionLabel: str(labelArg, 'version_label', `v${m.currentVersion + 1}`) });
    } catch (e) {
      rejectToRpc(e);
    }
    return { ref, sent: await fundAndSend(ctx, w, [{ script: built.script, value: 0n }], cost) };
  });
  // The mempool accepted it, so the score was computed there; recompute from the cache for the reply.
  let score: bigint | undefined;
  try {
    score = (await checkUpdate(mc, { bytes: weights.bytes, root: ref.root }, ds, m.add.objective, m.currentScore)).score;
  } catch { /* the reply omits the score if it cannot be recomputed */ }
  return { txid: sent.txid, weights: ref, ...(score !== undefined ? { score: num(score) } : {}), previous_score: num(m.currentScore), cost_units: num(cost), fee: amount(sent.fee) };
}

/** Reasons worth another try at a later tip: the commit is not (deep enough) in the chain yet, or the pool is busy with the model. */
const RETRY_REVEAL = /^(txn-mempool-conflict|bad-oda-reveal-early|bad-oda-reveal-no-commit)/;
const MAX_REVEAL_TRIES = 10;

/**
 * updateweights' second half: from the tip at reveal_height - 1 on, submits the reveal at each
 * new tip until it is accepted, fails for good, or MAX_REVEAL_TRIES tips have passed.
 */
function scheduleReveal(ctx: Ctx, w: Wallet, modelId: string, weightsRoot: string, salt: string, payoutScript: string, revealHeight: number, label: unknown): void {
  const chain = ctx.chain;
  let running = false;
  let tries = 0;
  const onTip = async (entry: { height: number }) => {
    if (running || entry.height < revealHeight - 1) return;
    running = true;
    try {
      const m = await registry(ctx).getModel(modelId);
      if (!m) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Model ${modelId} not found`);
      const r = await revealWeights(ctx, w, m, weightsRoot, salt, payoutScript, label);
      chain.off('tip', onTip);
      ctx.logger.info(`updateweights: revealed weights ${weightsRoot} for model ${modelId} in ${r.txid}`);
    } catch (e) {
      const msg = (e as Error).message;
      if (++tries >= MAX_REVEAL_TRIES || !(e instanceof RpcError && RETRY_REVEAL.test(msg))) {
        chain.off('tip', onTip);
        ctx.logger.error(`updateweights: reveal for model ${modelId} abandoned (${msg}); revealweights ${modelId} ${weightsRoot} ${salt} <payout_address> can still submit it`);
      }
    } finally {
      running = false;
    }
  };
  chain.on('tip', onTip);
}

/**
 * Payout scripts of this process's commitweights calls by commitment, so revealweights needs
 * only the weights and salt; after a restart the caller passes the payout_address it was given.
 */
const pendingPayouts = new Map<string, string>();

function findCommittedPayout(modelId: string, weights: BlobRef, salt: string): string {
  for (const [commitment, script] of pendingPayouts) {
    if (buildCommitPayload({ modelId, weights, payoutScript: script, salt }).commitment === commitment) return script;
  }
  throw new RpcError(RPC.INVALID_PARAMETER, 'payout_address is required: no commitweights call of this node process matches these weights and salt');
}
