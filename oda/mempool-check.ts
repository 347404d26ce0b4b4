// The ODA acceptance check for the mempool (policy on top of consensus): decode, validate
// against the registry at the tip exactly as block validation would (running the validator
// for add-model, reveals and inference claims), then require the blobs to be present and the
// fee to cover MIN_FEE_PER_KCU. The returned CU feeds the miner's per-block CU budget.
import type { Block, Transaction } from '../chain/block.js';
import type { Chain } from '../chain/chain.js';
import type { Coin } from '../chain/coin.js';
import { VerifyError } from '../chain/errors.js';
import { OdaContext, applyTx, verifyClaims, type AppliedTx } from './apply.js';
import { EXTENSION_NAME, RegistryView } from './registry.js';
import { decodeOdaTx, isOdaScript } from './envelope.js';
import { modelIdOf } from './payload.js';
import { MissingBlobError, minFeeForCu } from './rules.js';
import { OdaReason } from './reasons.js';

export interface OdaTxCheck extends AppliedTx {
  fee: bigint;
}

/**
 * Checks an ODA transaction for the mempool at height `nextHeight` on the chain's tip state.
 * Returns undefined for an ordinary transaction; throws VerifyError('tx', reason) otherwise
 * (OdaReason.MISSING_BLOB with score 0 when the store lacks referenced data).
 */
export async function checkOdaTransaction(oc: OdaContext, chain: Chain, tx: Transaction, ctx: { coins: readonly Coin[]; nextHeight: number }): Promise<OdaTxCheck | undefined> {
  const view = new RegistryView(chain.extensionState(EXTENSION_NAME));
  let a: AppliedTx | undefined;
  try {
    a = await applyTx(oc, view, tx, ctx.nextHeight, 'tx');
    if (a?.claim) await verifyClaims(oc, view, [a.claim], 'tx');
  } catch (e) {
    if (e instanceof MissingBlobError) throw new VerifyError('tx', OdaReason.MISSING_BLOB, 0, e.message);
    throw e;
  }
  if (!a) return undefined;
  const fee = ctx.coins.reduce((s, c) => s + c.value, 0n) - tx.outs.reduce((s, o) => s + o.value, 0n);
  const need = minFeeForCu(a.cu);
  if (fee < need) throw new VerifyError('tx', OdaReason.FEE_BELOW_CU_MINIMUM, 0, `fee ${fee}, ${a.cu} CU need ${need}`);
  return { ...a, fee };
}

/**
 * The mempool extension (mempool/accept.ts MempoolExtension) plus the miner's CU budget
 * (miner/template.ts BlockResource): CU of accepted ODA transactions is remembered by txid.
 */
/** What a pending ODA transaction claims of its model, for conflicts between pool entries. */
export interface PendingOda { type: AppliedTx['type']; modelId: string; commitment?: string }

/**
 * Two pool transactions that could not both be in one block (ODA-BIP-0003's in-block order
 * rules): twin add-models, two reveals of one model, a reveal and an inference of one model
 * (the inference names the version the reveal replaces), a commitment filed twice. The pool
 * keeps the first seen, so every template it feeds stays valid.
 */
export function conflicts(a: PendingOda, b: PendingOda): boolean {
  if (a.modelId !== b.modelId) return false;
  const pair = (x: string, y: string) => (a.type === x && b.type === y) || (a.type === y && b.type === x);
  if (a.type === b.type && (a.type === 'add-model' || a.type === 'reveal-weights')) return true;
  if (pair('reveal-weights', 'inference')) return true;
  return a.type === 'commit-weights' && b.type === 'commit-weights' && a.commitment === b.commitment;
}

export type OdaMempoolExtension = ReturnType<typeof createOdaMempoolExtension>;

/** `maxBlockCu`: the template's CU budget, the chain's NetworkParams.maxBlockCu unless given. */
export function createOdaMempoolExtension(opts: { chain: Chain; context: OdaContext; maxBlockCu?: bigint }) {
  const cuByTxid = new Map<string, bigint>();
  const pending = new Map<string, PendingOda>();
  const maxBlockCu = opts.maxBlockCu ?? opts.chain.params.maxBlockCu;
  return {
    name: 'oda',
    async checkTransaction(tx: Transaction, ctx: { coins: readonly Coin[]; nextHeight: number; inPool?(txid: string): boolean }): Promise<void> {
      const r = await checkOdaTransaction(opts.context, opts.chain, tx, ctx);
      if (!r) return;
      const d = decodeOdaTx(tx);
      const mine: PendingOda = { type: r.type, modelId: r.modelId, commitment: d?.payload.type === 'commit-weights' ? d.payload.commitment : undefined };
      for (const [txid, other] of pending) {
        if (txid === r.txid) continue;
        // testmempoolaccept checks without adding: such records are dropped once seen stale.
        if (ctx.inPool && !ctx.inPool(txid)) {
          pending.delete(txid);
          cuByTxid.delete(txid);
          continue;
        }
        if (conflicts(mine, other)) {
          throw new VerifyError('tx', OdaReason.MEMPOOL_CONFLICT, 0, `${mine.type} conflicts with pending ${other.type} ${txid} of model ${mine.modelId}`);
        }
      }
      cuByTxid.set(r.txid, r.cu);
      pending.set(r.txid, mine);
    },
    /** CU of a transaction the extension accepted (0 for ordinary ones). */
    cuOf(txid: string): bigint {
      return cuByTxid.get(txid) ?? 0n;
    },
    /**
     * The pool transaction `candidate` would conflict with (the rule checkTransaction
     * enforces), so a wallet can refuse before it imports, funds or signs anything.
     */
    conflictWith(candidate: PendingOda, inPool: (txid: string) => boolean): { txid: string; type: PendingOda['type'] } | undefined {
      for (const [txid, other] of pending) {
        if (inPool(txid) && conflicts(candidate, other)) return { txid, type: other.type };
      }
      return undefined;
    },
    /** Drop bookkeeping of a transaction that left the pool. */
    forget(txid: string): void {
      cuByTxid.delete(txid);
      pending.delete(txid);
    },
    /** The ODA envelope is bounded by ODA-BIP-0003, not by the 83-byte datacarrier policy. */
    standardOutput: isOdaScript,
    blockResource: {
      name: 'oda-cu',
      limit: Number(maxBlockCu),
      cost: (entry: { txid: string }) => Number(cuByTxid.get(entry.txid) ?? 0n),
      // Its base fee is burned (ODA-BIP-0005): templates rank ODA txs by what is left.
      cu: true,
    },
  };
}

/** Model named by an ODA transaction (add-model: its id), or undefined (ordinary or malformed). */
export function odaModelOf(tx: Transaction): string | undefined {
  let d;
  try {
    d = decodeOdaTx(tx);
  } catch {
    return undefined;
  }
  if (!d) return undefined;
  return d.payload.type === 'add-model' ? modelIdOf(d.payload) : d.payload.modelId;
}

/**
 * Models whose current version a block moves (its reveals). After connecting it, pool
 * inference transactions of these models name a stale version and must be re-checked
 * (checkOdaTransaction) or evicted; after a disconnect, the same holds in reverse.
 */
export function modelsUpdatedBy(block: Block): Set<string> {
  const out = new Set<string>();
  for (const tx of (block.transactions ?? []).slice(1)) {
    let d;
    try {
      d = decodeOdaTx(tx);
    } catch {
      continue;
    }
    if (d?.payload.type === 'reveal-weights') out.add(d.payload.modelId);
  }
  return out;
}
