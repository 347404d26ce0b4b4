// Core's generateBlocks / GenerateBlock (rpc/mining.cpp): build a template on the tip, grind
// it, hand it to the chain. Shared by generatetoaddress, generateblock, the -mine loop and
// the benchmark.
import type { Block } from '../chain/block.js';
import type { StorageMiner } from '../chain/extension.js';
import type { BlockEntry } from '../chain/entry.js';
import type { Mempool } from '../mempool/mempool.js';
import { grind, sealBlock } from './grind.js';
import { type BlockResource, type TemplateChain, type TemplateTx, createBlockTemplate } from './template.js';

/** What mining needs from the chain; chain/chain.ts's Chain satisfies it. */
export interface MinerChain extends TemplateChain {
  processBlock(block: Block): Promise<BlockEntry>;
}

export interface GenerateOptions {
  chain: MinerChain;
  mempool?: Mempool;
  outputScript: Uint8Array;
  nblocks: number;
  /** Header hashes to try in all (Core's maxtries, default 1,000,000). */
  maxTries?: number;
  /** Extra per-block budgets (consensus extensions). */
  resources?: BlockResource[];
  /** Called with each block before it is submitted (e.g. to count or log). */
  onBlock?: (block: Block) => void;
}

export const DEFAULT_MAX_TRIES = 1_000_000;

/**
 * Mines `nblocks` blocks on the tip. Returns their hashes; fewer when maxTries ran out
 * (as Core, which returns what it found). A block the chain rejects throws its VerifyError.
 */
export async function generateBlocks(opts: GenerateOptions): Promise<string[]> {
  let triesLeft = opts.maxTries ?? DEFAULT_MAX_TRIES;
  const hashes: string[] = [];
  while (hashes.length < opts.nblocks) {
    // A block connect may be queued behind an acceptance in flight; wait so the template
    // never repeats a transaction the previous block confirmed.
    await opts.mempool?.flush();
    const template = await createBlockTemplate({ chain: opts.chain, mempool: opts.mempool, outputScript: opts.outputScript, resources: opts.resources });
    const found = mineTemplateBlock(template.block, template.storage, () => triesLeft, (n) => (triesLeft -= n));
    if (!found) break;
    const block = await sealBlock(found, template.storage);
    opts.onBlock?.(block);
    const entry = await opts.chain.processBlock(block);
    hashes.push(entry.hash);
  }
  return hashes;
}

/**
 * Grinds with a shared try budget; undefined when the budget is spent. As Core's
 * GenerateBlock, maxtries hashes are tried and only failed ones are charged to the budget.
 */
function mineTemplateBlock(block: Block, storage: StorageMiner | undefined, left: () => number, spend: (n: number) => void): Block | undefined {
  const start = block.nonce;
  const found = grind(block, left(), storage);
  spend(found ? (block.nonce - start) >>> 0 : left());
  return found;
}

/**
 * Core's generateblock: a block with exactly `txs` (already validated by the caller) after
 * the coinbase. Returns the ground block, or undefined if maxTries ran out.
 */
export async function buildBlockWithTxs(opts: { chain: TemplateChain; outputScript: Uint8Array; txs: TemplateTx[]; maxTries?: number }): Promise<Block | undefined> {
  const template = await createBlockTemplate({ chain: opts.chain, outputScript: opts.outputScript, txs: opts.txs });
  const found = grind(template.block, opts.maxTries ?? DEFAULT_MAX_TRIES, template.storage);
  return found && sealBlock(found, template.storage);
}
