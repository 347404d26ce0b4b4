// The ODA ChainExtension (ODA-BIP-0003 "Block validation"): checkBlock applies every ODA
// transaction of the block in order to a RegistryView over the parent's state, enforces the
// per-block CU limit and re-executes inference claims; connectBlock writes the view's changes
// into the block's batch and returns the undo record; disconnectBlock restores the prior
// values of every key the block touched.
import type { Block } from 'bitcoinjs-lib';
import type { BlockEntry, Chain, ChainExtension, ConnectContext, DbBatch } from '../chain/chain.js';
import type { BlobStore } from '../model-store/store.js';
import { MAX_BLOCK_CU } from '../validator/index.js';
import { OdaContext, applyTx, verifyClaims, type AppliedTx, type PendingClaim } from './apply.js';
import { decodeOdaTx } from './envelope.js';
import { EXTENSION_NAME, RegistryReader, RegistryView, decodeUndo } from './registry.js';
import { odaReject } from './rules.js';

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
  await verifyClaims(oc, view, claims, 'block');
  return { view, txs: applied, cu };
}

export interface OdaExtension extends ChainExtension {
  readonly context: OdaContext;
  /** Registry queries at the chain's tip. */
  registry(chain: Chain): RegistryReader;
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
