// Private models from the user's side (ODA-BIP-0007b): register a model whose blobs are
// encrypted, and move its current version (a new one, or back to an earlier one) with the
// owners' BIP340 signatures. Owners sign with keys of this wallet (found by their P2WPKH
// script) or keys given in the call; owners on other machines pass their signatures along,
// as with a multisig PSBT: the call sends only once the threshold is reached.
import * as ecc from 'tiny-secp256k1';
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { amount, amountToSats } from '../amount.js';
import { addressToScript, AddressError } from '../../chain/address.js';
import type { Wallet } from '../../wallet/wallet.js';
import { scriptForKey } from '../../wallet/keys.js';
import { buildAddModelPayload, buildApprovePayload } from '../../oda/build.js';
import { approvalMessage, BOUNDS, modelIdOf, type ApprovalSignature, type ApprovalTarget, type PrivateTerms } from '../../oda/payload.js';
import { ownerKeyOf, signApproval } from '../../oda/private.js';
import type { ModelRecord } from '../../oda/registry.js';
import {
  Imports, address, modelOr404, num, oda, odaWallet, options, parseObjective, payoutScriptOf, readBlobArg, refOf, rpcCall, str,
} from './models-common.js';

type Ctx = NodeContext;

/** An owner: a 64-hex x-only key, a 66-hex compressed public key, or an address of this wallet (its key). */
function ownerKey(ctx: Ctx, w: Wallet | undefined, v: unknown): string {
  if (typeof v !== 'string') throw new RpcError(RPC.INVALID_PARAMETER, 'owners: each owner is an address or a public key (hex)');
  let x: Uint8Array | undefined;
  if (/^[0-9a-f]{64}$/i.test(v)) x = Buffer.from(v, 'hex');
  else if (/^0[23][0-9a-f]{64}$/i.test(v)) x = Buffer.from(v.slice(2), 'hex');
  else {
    let script: Uint8Array;
    try {
      script = addressToScript(v, ctx.params);
    } catch (e) {
      if (e instanceof AddressError) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `owners: ${v} is neither a public key nor a valid address`);
      throw e;
    }
    const key = w?.keyFor(script);
    if (!key) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `owners: address ${v} is not this wallet's: give its public key`);
    x = key.publicKey.subarray(1);
  }
  if (!ecc.isXOnlyPoint(x)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `owners: ${v} is not a valid secp256k1 public key`);
  return Buffer.from(x).toString('hex').toLowerCase();
}

function parseTerms(ctx: Ctx, w: Wallet | undefined, v: unknown): PrivateTerms {
  const o = options(v, ['owners', 'threshold']);
  if (!Array.isArray(o.owners) || o.owners.length < 1 || o.owners.length > BOUNDS.MAX_OWNERS) {
    throw new RpcError(RPC.INVALID_PARAMETER, `private.owners must be an array of 1 to ${BOUNDS.MAX_OWNERS} owners`);
  }
  const owners = [...new Set(o.owners.map((x) => ownerKey(ctx, w, x)))].sort();
  if (owners.length !== o.owners.length) throw new RpcError(RPC.INVALID_PARAMETER, 'private.owners: the same key twice');
  const threshold = o.threshold === undefined ? owners.length : o.threshold;
  if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 1 || threshold > owners.length) {
    throw new RpcError(RPC.INVALID_PARAMETER, `private.threshold must be an integer in [1, ${owners.length}]`);
  }
  return { owners, threshold };
}

/** addmodel with metadata.private, and addprivatemodel: encrypted blobs, nothing scored. */
export async function addPrivateModel(ctx: Ctx, a: { architecture: unknown; weights: unknown; dataset?: unknown; objective?: unknown; private: unknown; metadata?: unknown; royalty?: unknown }) {
  const ow = await odaWallet(ctx);
  const terms = parseTerms(ctx, ow.wallet, a.private);
  const meta = options(a.metadata, ['name', 'description', 'license', 'version_label', 'payout_address']);
  const royalty = a.royalty === undefined || a.royalty === null ? 0n : amountToSats(a.royalty);
  if (royalty < 0n) throw new RpcError(RPC.TYPE_ERROR, 'Amount out of range');
  const objective = parseObjective(a.objective);
  const arch = await readBlobArg(ctx, a.architecture, 'architecture');
  const weights = await readBlobArg(ctx, a.weights, 'weights');
  // Nodes never read a private model's dataset; by default the field names the architecture blob.
  const dataset = a.dataset === undefined || a.dataset === null ? arch : await readBlobArg(ctx, a.dataset, 'dataset');
  const modelId = modelIdOf({ architecture: refOf(arch), dataset: refOf(dataset), objective, objectiveParams: '', private: terms });
  if (await oda(ctx).registry().getModel(modelId)) throw new RpcError(RPC.VERIFY_REJECTED, `bad-oda-model-duplicate, model ${modelId} exists`);
  await rpcCall(() => ow.checkPending({ type: 'add-model', modelId }));
  const imports = new Imports(ctx);
  const { refs, built, sent } = await imports.guard(async () => {
    // Imported as "encrypted": the store checks the ODA-BIP-0001 framing, so plaintext is refused.
    const refs = {
      architecture: await imports.put(arch, 'encrypted', 'architecture'),
      weights: await imports.put(weights, 'encrypted', 'weights'),
      dataset: dataset === arch ? undefined : await imports.put(dataset, 'encrypted', 'dataset'),
    };
    const built = await rpcCall(async () => buildAddModelPayload({
      architecture: refs.architecture, weights: refs.weights, dataset: refs.dataset ?? refs.architecture, objective, royalty,
      payoutScript: await payoutScriptOf(ctx, ow.wallet, meta.payout_address, 'model'),
      name: str(meta.name, 'name', refs.architecture.root.slice(0, 16)), description: str(meta.description, 'description', ''),
      license: str(meta.license, 'license', ''), versionLabel: str(meta.version_label, 'version_label', 'v0'), private: terms,
    }));
    return { refs, built, sent: await ow.send([{ script: built.script, value: 0n }], 0n) };
  });
  return {
    txid: sent.txid, model_id: built.modelId, private: true, owners: terms.owners, threshold: terms.threshold, fee: amount(sent.fee),
    architecture: refs.architecture, weights: refs.weights, dataset: refs.dataset ?? refs.architecture,
  };
}

function parseKeys(v: unknown): Uint8Array[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RpcError(RPC.INVALID_PARAMETER, 'keys must be an array of 64-hex private keys');
  return v.map((k) => {
    if (typeof k !== 'string' || !/^[0-9a-fA-F]{64}$/.test(k)) throw new RpcError(RPC.INVALID_PARAMETER, 'keys: each key is 64 hex characters');
    const d = new Uint8Array(Buffer.from(k, 'hex'));
    if (!ecc.isPrivate(d)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'keys: not a valid secp256k1 private key');
    return d;
  });
}

function parseSignatures(v: unknown, n: number): ApprovalSignature[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RpcError(RPC.INVALID_PARAMETER, 'signatures must be an array of {"index": n, "signature": hex}');
  return v.map((s) => {
    if (s === null) throw new RpcError(RPC.TYPE_ERROR, 'signatures: Expected type object, got null');
    const o = options(s, ['index', 'signature']);
    if (typeof o.index !== 'number' || !Number.isInteger(o.index) || o.index < 0 || o.index >= n) throw new RpcError(RPC.INVALID_PARAMETER, `signatures: index must be an owner index in [0, ${n})`);
    if (typeof o.signature !== 'string' || !/^[0-9a-f]{128}$/.test(o.signature)) throw new RpcError(RPC.INVALID_PARAMETER, 'signatures: signature must be 128 lowercase hex characters');
    return { index: o.index, signature: o.signature };
  });
}

/** This wallet's private key for an owner's x-only key (P2WPKH of either parity), if any. */
function walletOwnerKey(w: Wallet, owner: string): Uint8Array | undefined {
  for (const prefix of ['02', '03']) {
    const d = w.privateKeyFor(scriptForKey('bech32', Buffer.from(prefix + owner, 'hex')).script);
    if (d) return d;
  }
  return undefined;
}

/**
 * Collects the owners' signatures over the approval (given ones, checked; then this wallet's
 * keys and the given keys), and sends it once the threshold is met.
 */
async function approve(ctx: Ctx, m: ModelRecord, target: ApprovalTarget, o: Record<string, unknown>) {
  if (!m.private || !m.add.private) throw new RpcError(RPC.INVALID_PARAMETER, `model ${m.modelId} is public: its versions move by updateweights`);
  const ow = await odaWallet(ctx);
  const terms = m.add.private;
  const seq = m.private.approvals;
  const msg = approvalMessage({ modelId: m.modelId, seq, target });
  const sigs = new Map<number, string>();
  for (const s of parseSignatures(o.signatures, terms.owners.length)) {
    if (!ecc.verifySchnorr(msg, Buffer.from(terms.owners[s.index], 'hex'), Buffer.from(s.signature, 'hex'))) {
      throw new RpcError(RPC.VERIFY_REJECTED, `bad-oda-approval-sig, signature of owner ${s.index} does not verify for this approval (seq ${seq})`);
    }
    sigs.set(s.index, s.signature);
  }
  const given = parseKeys(o.keys);
  given.forEach((k, i) => {
    if (!terms.owners.includes(ownerKeyOf(k))) {
      throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `keys[${i}] is not the key of an owner of model ${m.modelId}`);
    }
  });
  terms.owners.forEach((owner, i) => {
    if (sigs.has(i)) return;
    const d = given.find((k) => ownerKeyOf(k) === owner) ?? walletOwnerKey(ow.wallet, owner);
    if (d) sigs.set(i, signApproval({ modelId: m.modelId, seq, target }, d));
  });
  const signatures = [...sigs.entries()].sort(([a], [b]) => a - b).map(([index, signature]) => ({ index, signature }));
  const base = { model_id: m.modelId, seq, message: Buffer.from(msg).toString('hex'), threshold: terms.threshold, signatures };
  if (signatures.length < terms.threshold) return { ...base, complete: false };
  await rpcCall(() => ow.checkPending({ type: 'approve-version', modelId: m.modelId }));
  const built = await rpcCall(() => buildApprovePayload({ modelId: m.modelId, seq, target, signatures }));
  const sent = await rpcCall(() => ow.send([{ script: built.script, value: 0n }], 0n, o.submit !== false));
  return { ...base, complete: true, txid: sent.txid, fee: amount(sent.fee), ...(o.submit === false ? { hex: sent.tx.toHex() } : {}) };
}

const SIGNING_HELP = 'Signatures: each owner whose key is in this wallet (as a P2WPKH address key) or in "keys" signs; "signatures" adds owners\' signatures made elsewhere (as returned by this call with complete=false). Until threshold signatures are gathered nothing is sent and the result has "complete": false; pass its signatures to the next owner.';

export const privateModelMethods: RpcMethod<Ctx>[] = [
  {
    name: 'addprivatemodel', category: 'Models', wallet: true,
    params: [
      { name: 'architecture', type: 'string', description: 'Encrypted architecture (oda-store encrypt): a file path or a root in the model store' },
      { name: 'weights', type: 'string', description: 'Encrypted initial weights: path or root' },
      { name: 'private', type: 'object', description: '{"owners": [address of this wallet, or public key hex (x-only or compressed)...], "threshold": k (default: all owners)}' },
      { name: 'metadata', type: 'object', optional: true, description: '{"name","description","license","version_label","payout_address"}' },
      { name: 'royalty', type: 'amount', optional: true, description: 'BTC every inference pays the current trainer (default 0)' },
      { name: 'dataset', type: 'string', optional: true, description: 'Encrypted evaluation data the owners use off chain (default: the architecture blob)' },
    ],
    help: 'Registers a private model (ODA-BIP-0007b, from activation height privateModels): its blobs are encrypted client-side (the store refuses plaintext for them), nodes keep them available but cannot score the model, so versions move only by approvals of threshold of its owners (approvemodelversion, rollbackmodel), and inference on it is recorded, not re-executed. Also reachable as addmodel with metadata.private.\n\nResult:\n{ "txid": "hex", "model_id": "hex", "private": true, "owners": ["hex"...], "threshold": k, "fee": x.xxx, "architecture": {root,length}, "weights": {...}, "dataset": {...} }',
    async handler([arch, weights, priv, meta, royalty, dataset], ctx) {
      return addPrivateModel(ctx, { architecture: arch, weights, private: priv, metadata: meta, royalty, dataset });
    },
  },
  {
    name: 'approvemodelversion', category: 'Models', wallet: true,
    params: [
      { name: 'model_id', type: 'string' },
      { name: 'weights', type: 'string', description: 'Encrypted new weights: path or root' },
      { name: 'options', type: 'object', optional: true, description: '{"payout_address": trainer of the version (new wallet address by default: pass the returned one when adding signatures, so every owner signs the same approval), "version_label", "keys": [private key hex...], "signatures": [{"index","signature"}...], "submit": bool (default true)}' },
    ],
    help: `Approves new weights as the next version of a private model and makes it current (an approve-version transaction, ODA-BIP-0007b). ${SIGNING_HELP}\n\nResult:\n{ "complete": bool, "model_id": "hex", "seq": n, "message": "hex" (what owners sign), "threshold": k, "signatures": [{index,signature}], "txid": "hex", "fee": x.xxx, "version": n, "payout_address": "str", "weights": {root,length} }`,
    async handler([idArg, weightsArg, optArg], ctx) {
      const m = await modelOr404(ctx, idArg);
      const o = options(optArg, ['payout_address', 'version_label', 'keys', 'signatures', 'submit']);
      if (!m.private) throw new RpcError(RPC.INVALID_PARAMETER, `model ${m.modelId} is public: its versions move by updateweights`);
      const ow = await odaWallet(ctx);
      const weights = await readBlobArg(ctx, weightsArg, 'weights');
      const imports = new Imports(ctx);
      const version = m.private.versions;
      return imports.guard(async () => {
        const ref = await imports.put(weights, 'encrypted', 'weights');
        const target: ApprovalTarget = {
          kind: 'new', weights: ref, payoutScript: await payoutScriptOf(ctx, ow.wallet, o.payout_address, 'trainer'),
          versionLabel: str(o.version_label, 'version_label', `v${version}`),
        };
        return { ...(await approve(ctx, m, target, o)), version, payout_address: address(target.payoutScript, ctx) ?? target.payoutScript, weights: ref };
      });
    },
  },
  {
    name: 'rollbackmodel', category: 'Models', wallet: true,
    params: [
      { name: 'model_id', type: 'string' },
      { name: 'version', type: 'number', description: 'An earlier (or later) recorded version to make current again' },
      { name: 'options', type: 'object', optional: true, description: '{"keys": [private key hex...], "signatures": [{"index","signature"}...], "submit": bool (default true)}' },
    ],
    help: `Moves a private model's current version back (or forward) to a version it already has, under the same owners' approval as a new version (ODA-BIP-0007b). ${SIGNING_HELP}\n\nResult:\n{ "complete": bool, "model_id": "hex", "seq": n, "message": "hex", "threshold": k, "signatures": [{index,signature}], "txid": "hex", "fee": x.xxx, "version": n }`,
    async handler([idArg, versionArg, optArg], ctx) {
      const m = await modelOr404(ctx, idArg);
      const o = options(optArg, ['keys', 'signatures', 'submit']);
      if (!m.private) throw new RpcError(RPC.INVALID_PARAMETER, `model ${m.modelId} is public: it has no rollback`);
      if (typeof versionArg !== 'number' || !Number.isInteger(versionArg) || versionArg < 0 || versionArg >= m.private.versions) {
        throw new RpcError(RPC.INVALID_PARAMETER, `version must be one of 0..${m.private.versions - 1}`);
      }
      if (versionArg === m.currentVersion) throw new RpcError(RPC.INVALID_PARAMETER, `version ${versionArg} is already current`);
      return { ...(await approve(ctx, m, { kind: 'existing', version: versionArg }, o)), version: versionArg, score: num(0n) };
    },
  },
];

/** addmodel with metadata.private goes to addPrivateModel; without, to addmodel as before. */
export function withPrivateAddModel(methods: RpcMethod<Ctx>[]): RpcMethod<Ctx>[] {
  return methods.map((m) => {
    if (m.name !== 'addmodel') return m;
    const inner = m.handler;
    return {
      ...m,
      handler(params, ctx, req) {
        const [arch, weights, dataset, objective, meta, royalty] = params;
        if (meta && typeof meta === 'object' && 'private' in meta) {
          const { private: priv, ...rest } = meta as Record<string, unknown>;
          return addPrivateModel(ctx, { architecture: arch, weights, dataset, objective, private: priv, metadata: rest, royalty });
        }
        return inner(params, ctx, req);
      },
    };
  });
}
