// The ODA ChainExtension (ODA-BIP-0003 "Block validation"): checkBlock applies every ODA
// transaction of the block in order to a RegistryView over the parent's state, enforces the
// per-block CU limit and re-executes inference claims; connectBlock writes the view's changes
// into the block's batch and returns the undo record; disconnectBlock restores the prior
// values of every key the block touched.
import type { Block } from '../chain/block.js';
import type { BlockEntry, Chain, ChainExtension, ConnectContext, DbBatch } from '../chain/chain.js';
import type { BlobStore } from '../model-store/store.js';
import { LIMITS, MAX_BLOCK_CU } from '../validator/index.js';
import { MAX_DATA_BLOB, OdaContext, applyTx, verifyClaims, type AppliedTx, type PendingClaim } from './apply.js';
import { decodeOdaTx } from './envelope.js';
import { EXTENSION_NAME, RegistryReader, RegistryView, decodeUndo } from './registry.js';
import { MissingBlobError, odaReject } from './rules.js';
import type { BlobRef } from './payload.js';

export interface BlockResult {
  view: RegistryView;
  txs: AppliedTx[];
  cu: bigint;
}

/** Validates the ODA transactions of `block` on top of the registry state in `chain`'s DB. */
export async function checkOdaBlock(oc: OdaContext, chain: Chain, block: Block, height: number, maxBlockCu = MAX_BLOCK_CU): Promise<BlockResult> {
  const txs = block.transactions ?? [];
  if (txs.length && decodeOdaTx(txs[0], 'block')) odaReject('block', 'bad-oda-coinbase', 'a coinbase may not carry an ODA payload');
  const view = new RegistryView(chain.db.level);
  const applied: AppliedTx[] = [];
  const claims: PendingClaim[] = [];
  let cu = 0n;
  for (let i = 1; i < txs.length; i++) {
    const a = await applyTx(oc, view, txs[i], height, 'block');
    if (!a) continue;
    cu += a.cu;
    if (cu > maxBlockCu) odaReject('block', 'bad-blk-oda-cu', `${cu} CU after tx ${a.txid}, limit ${maxBlockCu}`);
    applied.push(a);
    if (a.claim) claims.push(a.claim);
  }
  // The undo's prior reads go to the database while the engine re-executes the claims.
  await Promise.all([verifyClaims(oc, view, claims, 'block'), view.loadPriors()]);
  return { view, txs: applied, cu };
}

export interface OdaExtension extends ChainExtension {
  readonly context: OdaContext;
  /** Registry queries at the chain's tip. */
  registry(chain: Chain): RegistryReader;
  /**
   * Blobs the block's ODA payloads name (add-model's three, reveals' weights, inference data
   * blobs) that the store does not hold: the chain can call this for every block of a reorg
   * before disconnecting anything, and fetch instead of starting a reorg it cannot finish.
   * (A model's own blobs were required when it was added and are pinned since.)
   */
  missingBlobs(block: Block): Promise<BlobRef[]>;
}

/** Blob tag pinning the data of registered models and versions against model-store gc. */
export const PIN_TAG = 'oda';

/** Blobs named by the ODA payloads of a block (malformed envelopes are skipped: checkBlock rejects them). */
export function payloadBlobs(block: Block): BlobRef[] {
  const out: BlobRef[] = [];
  for (const tx of (block.transactions ?? []).slice(1)) {
    let d;
    try {
      d = decodeOdaTx(tx, 'block');
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
    else if (p.type === 'inference') for (const x of [p.input, p.output]) if (x.kind === 'blob') within(x.blob, MAX_DATA_BLOB);
  }
  return out;
}

/**
 * `maxBlockCu` exists for tests that need the block limit reachable with small models; a
 * node always runs with the consensus value MAX_BLOCK_CU.
 */
export function createOdaExtension(opts: { store: BlobStore; maxBlockCu?: bigint }): OdaExtension {
  const oc = new OdaContext(opts.store);
  const maxBlockCu = opts.maxBlockCu ?? MAX_BLOCK_CU;
  // checkBlock's result, reused by the connectBlock that follows it in the same batch.
  let last: { hash: string; result: BlockResult } | undefined;
  let chainRef: Chain | undefined;

  return {
    name: EXTENSION_NAME,
    context: oc,
    registry: (chain) => new RegistryReader(chain.db.level),

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

    async checkBlock(block: Block, entry: BlockEntry, ctx: ConnectContext): Promise<void> {
      chainRef = ctx.chain;
      last = undefined;
      last = { hash: entry.hash, result: await checkOdaBlock(oc, ctx.chain, block, entry.height, maxBlockCu) };
    },

    async connectBlock(block: Block, entry: BlockEntry, batch: DbBatch): Promise<Uint8Array> {
      let result = last?.hash === entry.hash ? last.result : undefined;
      last = undefined;
      if (!result) {
        if (!chainRef) throw new Error('oda: connectBlock before any checkBlock');
        result = await checkOdaBlock(oc, chainRef, block, entry.height, maxBlockCu);
      }
      for (const w of result.view.writes()) {
        if (w.value === undefined) batch.del(w.key);
        else batch.put(w.key, w.value);
      }
      // Every version stays retrievable: pin what the registry now names. Pins are idempotent
      // and outlive a disconnect (an extra pin only delays gc), so no undo is needed.
      for (const tx of result.txs) {
        if (tx.type !== 'add-model' && tx.type !== 'reveal-weights') continue;
        for (const ref of tx.blobs ?? []) await opts.store.pin(ref.root, PIN_TAG);
      }
      return result.view.undo();
    },

    async disconnectBlock(_block: Block, _entry: BlockEntry, undo: Uint8Array, batch: DbBatch): Promise<void> {
      last = undefined;
      for (const w of decodeUndo(undo)) {
        if (w.value === undefined) batch.del(w.key);
        else batch.put(w.key, w.value);
      }
    },
  };
}
