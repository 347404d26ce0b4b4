// The "Models" category: ODA transactions from the user's side (ODA-BIP-0003). Handlers
// parse their parameters, check everything they can locally first (the same validator code
// every node runs, whose verdict the node's validation cache then hands to the mempool and
// the block), so a user learns about a bad model, a non-improving update or a wrong input
// before spending a fee; the wallet's ODA service (oda/wallet.ts) funds, signs and submits,
// and the mempool's ODA check is the authority (-26 with its reject reason). Blobs are named
// by their model-store root; a file path is imported into the store first.
import type { Transaction } from '../../chain/block.js';
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { amount, amountToSats } from '../amount.js';
import { parseHash } from '../params.js';
import { toHex } from '../../model-store/merkle.js';
import { admitModel, checkModel, checkUpdate, runInference, inferenceCost, updateCost, admissionCost, OBJECTIVES, type Tensor } from '../../validator/index.js';
import { bindDataset } from '../../validator/dataset.js';
import { buildAddModelPayload, buildCommitPayload, buildInferencePayload, inlineData, dataHash } from '../../oda/build.js';
import { decodeOdaTx } from '../../oda/envelope.js';
import { BOUNDS, modelIdOf } from '../../oda/payload.js';
import { encodeTensorList } from '../../oda/tensors.js';
import type { DataRef } from '../../oda/payload.js';
import type { ModelRecord } from '../../oda/registry.js';
import { COMMIT_CU, minFeeForCu } from '../../oda/rules.js';
import { type OdaWallet } from '../../oda/wallet.js';
import { argmaxRows, inferenceData, namedTensors, parseInput, tensorJson } from './models-io.js';
import { expandModelDir, withConvertHint } from '../../tools/model/model-dir.js';
import { nextCostFields } from '../cost-aware-json.js';
import { requiredBurn } from '../../chain/cu-fee.js';

import {
  oda, store, num, address, rpcCall, str, options, parseObjective, parseSalt, readBlobArg, refOf, Imports, modelOr404, loaded, odaWallet, payoutScriptOf, modelJson, versionJson,
} from './models-common.js';

type Ctx = NodeContext;
// ---------------------------------------------------------------------------------------------

export const modelMethods: RpcMethod<Ctx>[] = [
  {
    name: 'addmodel', category: 'Models', wallet: true,
    params: [
      { name: 'architecture', type: 'string', description: 'ONNX architecture: a file path or the root of a blob in the model store; or a directory made by oda-model convert (weights and dataset then null)' },
      { name: 'weights', type: 'string', optional: true, description: 'Initial weights (.safetensors): path or root' },
      { name: 'dataset', type: 'string', optional: true, description: 'Evaluation dataset (.safetensors): path or root' },
      { name: 'objective', type: 'string', optional: true, description: `Scoring objective: ${OBJECTIVES.join(', ')} (default accuracy)` },
      { name: 'metadata', type: 'object', optional: true, description: '{"name","description","license","version_label","payout_address" (creator, default a new wallet address), "private": {"owners": [address or public key...], "threshold": k} (ODA-BIP-0007b: encrypted blobs, owner-approved versions; see addprivatemodel)}' },
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
      // Duplicates are refused before the dataset is scored, and before anything is imported or funded.
      if (await oda(ctx).registry().getModel(modelId)) throw new RpcError(RPC.VERIFY_REJECTED, `bad-oda-model-duplicate, model ${modelId} exists`);
      await rpcCall(() => ow.checkPending({ type: 'add-model', modelId }));
      // The score lands in the validation cache: the mempool and the block reuse it.
      const memo = oda(ctx).context.scoreMemo(modelId, refOf(weights), refOf(dataset));
      const admitted = await rpcCall(async () => {
        try {
          return await oda(ctx).context.evaluations.track({ type: 'add-model', modelId, source: 'rpc' }, (observe) =>
            admitModel({ architecture: arch.bytes, weights: weights.bytes, dataset: dataset.bytes, objective, architectureRoot: arch.ref?.root ?? refOf(arch).root, weightsRoot: refOf(weights).root }, memo, observe));
        } catch (e) {
          throw withConvertHint(e, arch.bytes);
        }
      });
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
    help: 'Returns the registry record of a model at the chain tip: metadata, blob roots, royalty, and its current version, score, weights and trainer. A private model (ODA-BIP-0007b) also shows owners (x-only keys), threshold, approvals, versions and "verification": its versions are approved by its owners, not scored, and inference on it is recorded, not re-executed.',
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
      const decoded = tx ? decodeOdaTx(tx, 'tx', true) : undefined;
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
