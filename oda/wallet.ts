// OdaWallet: the user's side of ODA transactions on top of one wallet (ODA-BIP-0003). It funds
// an ODA output so the fee covers the CU minimum, signs, submits and relays; keeps the
// commit-weights it made in the wallet's database (so a reveal after a restart knows its payout
// script, and an automatic reveal survives the restart); and runs the reveal scheduler.
// Import direction: oda/ uses wallet/, never the reverse (the wallet stays a plain Bitcoin
// wallet; this service composes it). Errors are VerifyError (with OdaReason), WalletError, or
// OdaWalletError; the RPC layer maps them to its codes.
import { Transaction } from '../chain/block.js';
import { VerifyError } from '../chain/errors.js';
import { WalletError, type Wallet } from '../wallet/wallet.js';
import type { OdaContext } from './apply.js';
import { buildRevealPayload } from './build.js';
import type { OdaMempoolExtension, PendingOda } from './mempool-check.js';
import { commitHash, type BlobRef } from './payload.js';
import { OdaReason, REVEAL_RETRY_REASONS } from './reasons.js';
import type { ModelRecord, RegistryReader } from './registry.js';
import { minFeeForCu } from './rules.js';
import { requiredBurn } from '../chain/cu-fee.js';
import { updateCost } from '../validator/index.js';

/** What the service needs of the node: small handles, wired by oda/plugin.ts. */
export interface OdaWalletHost {
  chain: {
    readonly height: number;
    /** ODA-BIP-0005 base fee of the next block (undefined before activation). */
    nextBaseFee?(): bigint | undefined;
    on(event: 'tip', fn: (entry: { height: number }) => void): unknown;
    off(event: 'tip', fn: (entry: { height: number }) => void): unknown;
  };
  mempool: { addTransaction(tx: Transaction): Promise<unknown>; has(txid: string): boolean };
  policy: Pick<OdaMempoolExtension, 'conflictWith'>;
  context: OdaContext;
  registry(): RegistryReader;
  relay(tx: Transaction): void;
  log: { info(msg: string): void; error(msg: string): void };
}

/** Funding or signing failed for a reason other than the wallet's own (Core's RPC_WALLET_ERROR). */
export class OdaWalletError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OdaWalletError';
  }
}

export interface Sent { tx: Transaction; txid: string; fee: bigint }

/** A commit-weights this wallet made, kept until its reveal is accepted. */
export interface CommitBook {
  commitment: string;
  modelId: string;
  weights: BlobRef;
  salt: string;
  payoutScript: string;
  revealHeight: number;
  /** updateweights: the node reveals by itself, resumed after a restart. */
  auto: boolean;
  label?: string;
}

const COMMITS = 'oda-commit';
/** Tips an automatic reveal is retried at before it is left to revealweights. */
export const MAX_REVEAL_TRIES = 10;

export class OdaWallet {
  private readonly scheduled = new Map<string, (entry: { height: number }) => void>();

  constructor(private readonly host: OdaWalletHost, readonly wallet: Wallet) {}

  /**
   * Refuses, before anything is imported or funded, a transaction the pool would refuse as
   * conflicting with a pending one (mempool-check.ts `conflicts`, the one copy of the rule).
   */
  checkPending(candidate: PendingOda): void {
    const c = this.host.policy.conflictWith(candidate, (txid) => this.host.mempool.has(txid));
    if (c) throw new VerifyError('tx', OdaReason.MEMPOOL_CONFLICT, 0, `${c.type} ${c.txid} of model ${candidate.modelId} is in the mempool: retry once it is mined`);
  }

  /**
   * Funds `outputs` at the wallet's fee rate, raised when needed so the fee covers the ODA
   * minimum for `cu`, signs, and (when `submit`) submits, relays and records it. One send at a
   * time per wallet (as sendtoaddress): concurrent calls must not pick the same coins.
   */
  send(outputs: { script: Uint8Array; value: bigint }[], cu: bigint, submit = true): Promise<Sent> {
    return this.wallet.exclusive(() => this.sendLocked(outputs, cu, submit));
  }

  private async sendLocked(outputs: { script: Uint8Array; value: bigint }[], cu: bigint, submit: boolean): Promise<Sent> {
    const w = this.wallet;
    // The next block burns its base fee for these CU (ODA-BIP-0005): a fee below it would wait.
    const baseFee = this.host.chain.nextBaseFee?.();
    const policy = minFeeForCu(cu);
    const burn = baseFee === undefined ? 0n : requiredBurn(baseFee, cu);
    const minFee = burn > policy ? burn : policy;
    const fund = (feeRate?: bigint) => {
      const tx = new Transaction();
      tx.version = 2;
      tx.locktime = this.host.chain.height;
      for (const o of outputs) tx.addOutput(o.script, o.value);
      return w.fund(tx, { feeRate, includeUnsafe: false });
    };
    let funded = await fund();
    // Raise the rate until the fee covers the CU minimum (a higher rate can add an input, so recheck).
    for (let tries = 0; funded.fee < minFee && tries < 4; tries++) {
      const vsize = BigInt(funded.tx.virtualSize());
      const rate = (funded.fee * 1000n) / vsize;
      const need = (minFee * 1000n + vsize - 1n) / vsize;
      funded = await fund((need > rate ? need : rate) + 1000n);
    }
    if (funded.fee < minFee) throw new OdaWalletError(`Could not fund the minimum fee of ${minFee} satoshis`);
    const { complete, errors } = await w.sign(funded.tx);
    if (!complete) throw new OdaWalletError(`Signing transaction failed: ${errors.map((e) => e.error).join(', ')}`);
    const tx = funded.tx;
    if (submit) {
      await this.host.mempool.addTransaction(tx);
      this.host.relay(tx);
      await w.commitTransaction(tx);
    }
    return { tx, txid: tx.getId(), fee: funded.fee };
  }

  /** Keeps a commit-weights (after the pool accepted it) so its reveal needs only weights and salt. */
  async recordCommit(c: CommitBook): Promise<void> {
    await this.wallet.putRecord(COMMITS, c.commitment, c);
    if (c.auto) this.schedule(c);
  }

  /** The kept commit these weights and salt open, if this wallet made it. */
  async findCommit(modelId: string, weights: BlobRef, salt: string): Promise<CommitBook | undefined> {
    for (const { value } of await this.wallet.records<CommitBook>(COMMITS)) {
      if (value.modelId !== modelId || value.salt !== salt) continue;
      if (commitHash(modelId, weights, value.payoutScript, salt) === value.commitment) return value;
    }
    return undefined;
  }

  /**
   * Submits the reveal of a commitment: refuses up front what the pool would refuse as a
   * conflict, charges the model's update cost, and forgets the kept commit once accepted.
   */
  async reveal(m: ModelRecord, weights: BlobRef, salt: string, payoutScript: string, label: string): Promise<Sent & { cost: bigint }> {
    this.checkPending({ type: 'reveal-weights', modelId: m.modelId });
    const lm = await this.host.context.model(m, 'tx');
    const cost = updateCost(lm.ctx.arch, lm.dataset.rows, lm.dataset.bytes);
    const built = buildRevealPayload({ modelId: m.modelId, weights, payoutScript, salt, versionLabel: label });
    const sent = await this.send([{ script: built.script, value: 0n }], cost);
    const commitment = commitHash(m.modelId, weights, payoutScript, salt);
    this.unschedule(commitment);
    await this.wallet.deleteRecord(COMMITS, commitment).catch(() => {});
    return { ...sent, cost };
  }

  /** Re-arms the automatic reveals kept from an earlier run of the node. */
  async resume(): Promise<void> {
    for (const { value } of await this.wallet.records<CommitBook>(COMMITS)) if (value.auto) this.schedule(value);
  }

  /** Stops every scheduled reveal (wallet unload, node shutdown); the kept commits stay. */
  close(): void {
    for (const c of [...this.scheduled.keys()]) this.unschedule(c);
  }

  private unschedule(commitment: string): void {
    const fn = this.scheduled.get(commitment);
    if (fn) this.host.chain.off('tip', fn);
    this.scheduled.delete(commitment);
  }

  /**
   * From the tip at revealHeight - 1 on, submits the reveal at each new tip until it is
   * accepted, fails for a reason a later tip cannot cure, or MAX_REVEAL_TRIES tips have passed.
   */
  private schedule(c: CommitBook): void {
    if (this.scheduled.has(c.commitment)) return;
    const { host } = this;
    let running = false;
    let tries = 0;
    const onTip = async (entry: { height: number }) => {
      if (running || entry.height < c.revealHeight - 1) return;
      running = true;
      try {
        const m = await host.registry().getModel(c.modelId);
        if (!m) throw new VerifyError('tx', OdaReason.MODEL_UNKNOWN, 0, `model ${c.modelId}`);
        const r = await this.reveal(m, c.weights, c.salt, c.payoutScript, c.label ?? `v${m.currentVersion + 1}`);
        host.log.info(`updateweights: revealed weights ${c.weights.root} for model ${c.modelId} in ${r.txid}`);
      } catch (e) {
        const retry = e instanceof VerifyError && REVEAL_RETRY_REASONS.has(e.reason);
        if (++tries >= MAX_REVEAL_TRIES || !retry) {
          this.unschedule(c.commitment);
          // Kept for revealweights, but not re-armed by the next start.
          await this.wallet.putRecord(COMMITS, c.commitment, { ...c, auto: false }).catch(() => {});
          const why = e instanceof VerifyError ? `${e.reason}${e.details ? `, ${e.details}` : ''}` : e instanceof WalletError || e instanceof Error ? e.message : String(e);
          host.log.error(`updateweights: reveal for model ${c.modelId} abandoned (${why}); revealweights ${c.modelId} ${c.weights.root} ${c.salt} can still submit it`);
        }
      } finally {
        running = false;
      }
    };
    this.scheduled.set(c.commitment, onTip);
    host.chain.on('tip', onTip);
  }
}
