// What P2P needs of the chain and the mempool: the subset of the ARCHITECTURE.md contracts
// (chain/chain.ts, mempool/mempool.ts) it calls.
import type { EventEmitter } from 'node:events';
import type { Block, Transaction } from '../chain/block.js';

export interface EntryView {
  hash: string; prevHash: string; height: number; time: number; bits: number; chainwork: bigint; status: number; header: Uint8Array;
}

export interface ChainView extends EventEmitter {
  tip: EntryView;
  height: number;
  getEntry(hash: string): EntryView | undefined;
  getEntryByHeight(h: number): EntryView | undefined;
  getAncestor(e: EntryView, height: number): EntryView | undefined;
  isMainChain(e: EntryView): boolean;
  getBlock(hash: string): Promise<Block | undefined>;
  getLocator(from?: EntryView): string[];
  getChainTips(): { height: number; hash: string; status: string }[];
  /** Core's nChainTx: transactions in `e` and its ancestors, undefined while one is header-only (verificationprogress). */
  chainTxCount?(e: EntryView): number | undefined;
  /** Validates and stores a header without its body; throws VerifyError. */
  processHeader(header: Uint8Array): Promise<EntryView>;
  /** Validates and stores a block (its parent's header must be known), then activates the best chain. */
  processBlock(block: Block): Promise<EntryView>;
}

export interface MempoolView extends EventEmitter {
  addTransaction(tx: Transaction): Promise<unknown>;
  has(txid: string): boolean;
  get(txid: string): { tx: Transaction; fee: bigint; vsize: number } | undefined;
  entries(): { txid: string; fee: bigint; vsize: number }[];
}
