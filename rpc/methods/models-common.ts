// Shared by the Models-category handlers (models.ts, private-models.ts): parameter parsing,
// blob arguments (a store root or a file imported on success only), registry and wallet
// lookups, and the JSON of registry records. No handler lives here.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { amount } from '../amount.js';
import { parseHash, jsonType } from '../params.js';
import { addressToScript, scriptToAddress, AddressError } from '../../chain/address.js';
import { isVerifyError } from '../../chain/errors.js';
import { WalletError, type Wallet } from '../../wallet/wallet.js';
import type { BlobStore } from '../../model-store/store.js';
import { piecesRoot, toHex } from '../../model-store/merkle.js';
import type { MediaType } from '../../model-store/manifest.js';
import { OBJECTIVES, type Objective } from '../../validator/index.js';
import type { BlobRef } from '../../oda/payload.js';
import type { ModelRecord, VersionRecord } from '../../oda/registry.js';
import { MissingBlobError } from '../../oda/rules.js';
import type { OdaService } from '../../oda/plugin.js';
import { OdaWalletError, type OdaWallet } from '../../oda/wallet.js';
import { getWallet } from './wallet.js';


type Ctx = NodeContext;

export function oda(ctx: Ctx): OdaService {
  if (!ctx.oda) throw new RpcError(RPC.MISC_ERROR, 'ODA transactions are not enabled on this node');
  return ctx.oda;
}

export function store(ctx: Ctx): BlobStore {
  if (!ctx.store) throw new RpcError(RPC.MISC_ERROR, 'Model store is not available');
  return ctx.store;
}

/** Scores and CU are bigints: a JSON number while exact, else a decimal string. */
export function num(b: bigint): number | string {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}

export function address(scriptHex: string, ctx: Ctx): string | undefined {
  try {
    return scriptToAddress(Buffer.from(scriptHex, 'hex'), ctx.params);
  } catch {
    return undefined;
  }
}

/** The RPC code of an ODA, validator or wallet failure. */
export function toRpc(e: unknown): never {
  if (isVerifyError(e)) throw new RpcError(RPC.VERIFY_REJECTED, e.details ? `${e.reason}, ${e.details}` : e.reason);
  if (e instanceof WalletError) throw new RpcError(e.kind === 'param' ? RPC.INVALID_PARAMETER : RPC.WALLET_INSUFFICIENT_FUNDS, e.message);
  if (e instanceof OdaWalletError) throw new RpcError(RPC.WALLET_ERROR, e.message);
  if (e instanceof MissingBlobError) throw new RpcError(RPC.MISC_ERROR, `blob ${e.blobs.map((b) => b.root).join(', ')} is not available in the local model store`);
  if (e instanceof RangeError || e instanceof TypeError) throw new RpcError(RPC.INVALID_PARAMETER, e.message);
  throw e;
}

export async function rpcCall<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    return toRpc(e);
  }
}

export function str(v: unknown, name: string, def: string): string {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'string') throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(v)} for field ${name} is not of expected type string`);
  return v;
}

export function options(v: unknown, allowed: string[]): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new RpcError(RPC.TYPE_ERROR, `Expected type object, got ${jsonType(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new RpcError(RPC.INVALID_PARAMETER, `Unexpected key ${k}`);
  return o;
}

export function parseObjective(v: unknown): Objective {
  const s = str(v, 'objective', 'accuracy');
  if (!OBJECTIVES.includes(s as Objective)) throw new RpcError(RPC.INVALID_PARAMETER, `Unknown objective '${s}' (expected one of: ${OBJECTIVES.join(', ')})`);
  return s as Objective;
}

export function parseSalt(v: unknown): string {
  if (!/^[0-9a-f]{64}$/.test(String(v))) throw new RpcError(RPC.INVALID_PARAMETER, 'salt must be 64 lowercase hex characters');
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Blobs: a root already in the store, or a file to import.

export interface BlobArg {
  bytes: Uint8Array;
  /** Present when the argument was a root already in the store. */
  ref?: BlobRef;
  path?: string;
}

const ROOT_RE = /^[0-9a-fA-F]{64}$/;

/** Reads a blob argument without changing the store (validation comes first). */
export async function readBlobArg(ctx: Ctx, v: unknown, what: string): Promise<BlobArg> {
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
export function refOf(b: BlobArg): BlobRef {
  return b.ref ?? { root: toHex(piecesRoot(b.bytes)), length: b.bytes.length };
}

/**
 * Blobs a handler imported into the store, removed again if the handler fails after the
 * import (a refused transaction leaves the store as it found it).
 */
export class Imports {
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

export async function modelOr404(ctx: Ctx, id: unknown): Promise<ModelRecord> {
  const modelId = parseHash(id, 'model_id');
  const m = await oda(ctx).registry().getModel(modelId);
  if (!m) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Model ${modelId} not found`);
  return m;
}

/** The checked architecture and bound dataset of a registered model (the validators' own cache). */
export function loaded(ctx: Ctx, m: ModelRecord) {
  return rpcCall(() => oda(ctx).context.model(m, 'tx'));
}

/** The wallet of the request (the Wallet category's lookup) and its ODA service. */
export async function odaWallet(ctx: Ctx): Promise<OdaWallet> {
  const o = oda(ctx);
  return o.wallet(await getWallet(ctx));
}

export async function payoutScriptOf(ctx: Ctx, w: Wallet, v: unknown, label: string): Promise<string> {
  const addr = v === undefined || v === null ? await w.getNewAddress(label) : str(v, 'payout_address', '');
  try {
    return Buffer.from(addressToScript(addr, ctx.params)).toString('hex');
  } catch (e) {
    if (e instanceof AddressError) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Invalid ODA address: ${addr}`);
    throw e;
  }
}

export function modelJson(ctx: Ctx, m: ModelRecord): Record<string, unknown> {
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
    private: !!m.private,
    ...(a.private && m.private ? {
      owners: a.private.owners, threshold: a.private.threshold, approvals: m.private.approvals, versions: m.private.versions,
      // ODA-BIP-0007b: what a node did NOT check for this model.
      verification: 'private model: blobs encrypted; versions approved by owners, not scored (score 0); inference recorded, not re-executed',
    } : {}),
  };
}

export function versionJson(ctx: Ctx, v: VersionRecord): Record<string, unknown> {
  return {
    version: v.version, score: num(v.score), weights: v.weights,
    trainer: address(v.trainerScript, ctx) ?? v.trainerScript, txid: v.txid, height: v.height, version_label: v.label,
  };
}

