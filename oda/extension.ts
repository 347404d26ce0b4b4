// The ODA ChainExtension (ODA-BIP-0003 "Block validation"): checkBlock applies every ODA
// transaction of the block in order to a RegistryView over the parent's registry state,
// enforces the per-block CU limit and re-executes inference claims; its verdict carries the
// view's writes and undo record, which the chain writes into the block's batch (in a reorg
// the state is the chain's scratch overlay, so a whole branch is judged before anything is
// disconnected). connectBlock pins what the registry now names; disconnectBlock turns the
// undo record back into the writes restoring every key the block touched.
import type { Block } from '../chain/block.js';
import type { BlockContext, Chain, ChainExtension, ExtensionVerdict, KvSource } from '../chain/chain.js';
import type { AssemblyContext, ExtensionState } from '../chain/extension.js';
import type { BlobStore } from '../model-store/store.js';
import { LIMITS, MAX_BLOCK_CU } from '../validator/index.js';
import type { NetworkParams } from '../chain/params.js';
import { MAX_DATA_BLOB, OdaContext, applyTx, verifyClaims, type AppliedTx, type PendingClaim } from './apply.js';
import { decodeOdaTx } from './envelope.js';
import { EXTENSION_NAME, RegistryReader, RegistryView, decodeUndo } from './registry.js';
import { MissingBlobError, odaReject } from './rules.js';
import { encodeRegistryCommitmentScript, isRegistryCommitmentActive, withRegistryCommitment } from './registry-commitment.js';
import type { BlobRef } from './payload.js';

export interface BlockResult extends ExtensionVerdict {
  view: RegistryView;
  txs: AppliedTx[];
  cu: bigint;
  /** ODA-BIP-0007 registry root after the block (from its activation height). */
  registryRoot?: Uint8Array;
  /** Inference txids this node did not re-execute (its capability class, ODA-BIP-0007b); not consensus. */
  unverified: string[];
}

/** Where the registry state is read: a state source, or a chain (its tip state). */
export type RegistrySource = KvSource | Pick<Chain, 'extensionState'>;

function registryState(src: RegistrySource): KvSource {
  return 'extensionState' in src ? src.extensionState(EXTENSION_NAME) : src;
}

/** Display-hex txid of an internal-order hash (the chain's per-block txids, not rehashed). */
function txidHex(hash: Uint8Array): string {
  return Buffer.from(hash).reverse().toString('hex');
}

/**
 * Validates the ODA transactions of `block` on top of the registry state `src` (the parent's).
 * `txids`: the block's tx hashes (internal order) when the caller has them.
 */
export async function checkOdaBlock(
  oc: OdaContext, src: RegistrySource, block: Block, height: number, maxBlockCu = MAX_BLOCK_CU, txids?: readonly Uint8Array[],
): Promise<BlockResult> {
  const txs = block.transactions ?? [];
  if (txs.length && decodeOdaTx(txs[0], 'block')) odaReject('block', 'bad-oda-coinbase', 'a coinbase may not carry an ODA payload');
  const view = new RegistryView(registryState(src));
  const applied: AppliedTx[] = [];
  const claims: PendingClaim[] = [];
  let cu = 0n;
  for (let i = 1; i < txs.length; i++) {
    const a = await applyTx(oc, view, txs[i], height, 'block', txids && txidHex(txids[i]));
    if (!a) continue;
    cu += a.cu;
    if (cu > maxBlockCu) odaReject('block', 'bad-blk-oda-cu', `${cu} CU after tx ${a.txid}, limit ${maxBlockCu}`);
    applied.push(a);
    if (a.claim) claims.push(a.claim);
  }
  // The undo's prior reads go to the database while the engine re-executes the claims.
  const [unverified] = await Promise.all([verifyClaims(oc, view, claims, 'block'), view.loadPriors()]);
  // The verdict's writes and undo are built when the chain writes the block (benchmarks
  // and callers that only want the CU do not pay for them).
  let writes: BlockResult['writes'] | undefined;
  let undo: Uint8Array | undefined;
  return {
    view, txs: applied, cu, unverified,
    get writes() { return (writes ??= view.writes()); },
    get undo() { return (undo ??= view.undo()); },
  };
}

export interface OdaExtension extends ChainExtension<BlockResult> {
  readonly context: OdaContext;
  /** Registry queries at the chain's tip. */
  registry(chain: Pick<Chain, 'extensionState'>): RegistryReader;
  /**
   * Blobs the block's ODA payloads name (add-model's three, reveals' weights, inference data
   * blobs) that the store does not hold: the chain can call this for every block of a reorg
   * before disconnecting anything, and fetch instead of starting a reorg it cannot finish.
   * (A model's own blobs were required when it was added and are pinned since.)
   */
  missingBlobs(block: Block): Promise<BlobRef[]>;
  /** Told, on connect, of inference txs this node's capability class did not re-execute (ODA-BIP-0007b). */
  onUnverified?: (blockHash: string, txids: readonly string[]) => void;
}

/** Blob tag pinning the data of registered models and versions against model-store gc. */
export const PIN_TAG = 'oda';

/** Blobs named by the ODA payloads of a block (malformed envelopes are skipped: checkBlock rejects them). */
export function payloadBlobs(block: Block): BlobRef[] {
  const out: BlobRef[] = [];
  for (const tx of (block.transactions ?? []).slice(1)) {
    let d;
    try {
      d = decodeOdaTx(tx, 'block', true);
    } catch {
      continue;
    }
    const p = d?.payload;
    if (!p) continue;
    // A ref over its length bound is left out: that transaction gets a verdict without the
    // data (apply.ts rejects it before reading), so its block must be judged, not parked.
    const within = (ref: BlobRef, limit: number) => { if (ref.length <= limit) out.push(ref); };
    if (p.type === 'add-model') {
      within(p.architecture, LIMITS.maxArchitectureBytes);
      within(p.dataset, LIMITS.maxDatasetBytes);
      within(p.weights, LIMITS.maxWeightsBytes);
    } else if (p.type === 'reveal-weights') within(p.weights, LIMITS.maxWeightsBytes);
    else if (p.type === 'approve-version' && p.target.kind === 'new') within(p.target.weights, LIMITS.maxWeightsBytes);
    else if (p.type === 'inference') for (const x of [p.input, p.output]) if (x.kind === 'blob') within(x.blob, MAX_DATA_BLOB);
  }
  return out;
}

/**
 * The consensus settings (commit-reveal delay, activation heights, block CU limit) come from
 * `params`; `maxBlockCu` overrides the limit for tests that need it reachable with small models.
 */
export function createOdaExtension(opts: { store: BlobStore; params: Pick<NetworkParams, 'commitRevealDelay' | 'activation' | 'maxBlockCu'>; maxBlockCu?: bigint }): OdaExtension {
  const oc = new OdaContext(opts.store, opts.params);
  const maxBlockCu = opts.maxBlockCu ?? opts.params.maxBlockCu;

  const ext: OdaExtension = {
    name: EXTENSION_NAME,
    context: oc,
    registry: (chain) => new RegistryReader(chain.extensionState(EXTENSION_NAME)),

    async missingBlobs(block: Block): Promise<BlobRef[]> {
      try {
        await oc.requireBlobs(payloadBlobs(block));
        return [];
      } catch (e) {
        if (e instanceof MissingBlobError) return e.blobs;
        throw e;
      }
    },

    // The chain's hook: parks a block whose model data has not arrived instead of judging it.
    missingData(block: Block): Promise<BlobRef[]> {
      return this.missingBlobs(block);
    },

    async checkBlock(ctx: BlockContext, state: ExtensionState): Promise<BlockResult> {
      const result = await checkOdaBlock(oc, state, ctx.block, ctx.height, maxBlockCu, ctx.txids);
      return isRegistryCommitmentActive(ctx.height, ctx.params) ? withRegistryCommitment(ctx, state, result) : result;
    },

    assemble(ctx: AssemblyContext, result: BlockResult) {
      return result.registryRoot ? [{ script: encodeRegistryCommitmentScript(result.registryRoot), value: 0n }] : [];
    },

    // Every version stays retrievable: pin what the registry now names, before the batch that
    // names it. Pins are idempotent and outlive a disconnect (an extra pin only delays gc).
    async connectBlock(ctx: BlockContext, result: BlockResult): Promise<void> {
      if (result.unverified.length) ext.onUnverified?.(ctx.entry.hash, result.unverified);
      for (const tx of result.txs) {
        if (tx.type !== 'add-model' && tx.type !== 'reveal-weights' && tx.type !== 'approve-version') continue;
        for (const ref of tx.blobs ?? []) await opts.store.pin(ref.root, PIN_TAG);
      }
    },

    disconnectBlock(_ctx: BlockContext, undo: Uint8Array) {
      return decodeUndo(undo);
    },
  };
  return ext;
}
