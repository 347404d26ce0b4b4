// The consensus extension point (ODA transactions, later storage proofs) and the state an
// extension sees. An extension never holds the Chain or its database: it reads its own key
// namespace X<name>\0 (chain/layout.ts) through an ExtensionState, and its writes reach the
// database only as the KvChanges it returns, which the chain puts into the block's batch.
import type { Block } from './block.js';
import type { StorageHeader } from './header.js';
import type { BlockEntry } from './entry.js';
import type { NetworkParams } from './params.js';

/** Read side of a key-value store (classic-level satisfies it). */
export interface KvSource {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** One round trip for many keys; readers fall back to get without it. */
  getMany?(keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>>;
  iterator(range: { gte: Uint8Array; lt: Uint8Array }): AsyncIterable<[Uint8Array, Uint8Array]>;
}

/**
 * An extension's state: reads limited to keys inside its namespace (full keys, as
 * layout.x(name, ...) builds them; a key outside throws). Either the database at the tip
 * or, during a reorganization, the scratch overlay of the branch being validated.
 */
export interface ExtensionState extends KvSource {
  getMany(keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>>;
  readonly name: string;
}

/** One write: `value` undefined deletes the key. */
export interface KvChange { key: Uint8Array; value: Uint8Array | undefined }

/** What an extension's checkBlock returns: its writes for the block and the undo bytes to store. */
export interface ExtensionVerdict {
  /** In key order (deterministic batches); every key inside the extension's namespace. */
  readonly writes: readonly KvChange[];
  readonly undo: Uint8Array;
  /**
   * Compute units the block's transactions cost under this extension (ODA-BIP-0003); the
   * chain sums them into the block's CU for ODA-BIP-0005 (commitment, burn, discount).
   */
  readonly cu?: bigint;
}

/** Per-block facts computed once by the chain and handed to every extension hook. */
export interface BlockContext {
  block: Block;
  entry: BlockEntry;
  height: number;
  params: NetworkParams;
  /** tx.getHash() of every transaction, block order (internal byte order). */
  txids: readonly Uint8Array[];
  /**
   * True while the block is a template being assembled (Chain.assembleBlock): the coinbase
   * does not carry the extensions' commitments yet, so checks of them are skipped.
   */
  assembling?: boolean;
  /**
   * True when the block has not been ground yet (a template checked by testBlockValidity):
   * nothing bound to the final header, such as ODA-BIP-0006's storage proof, can be checked.
   */
  unmined?: boolean;
}

/** A coinbase output an extension adds to a block being assembled (a commitment, a burn). */
export interface CoinbaseOutput {
  script: Uint8Array;
  /** Taken from the miner's payout (0 for a pure commitment). */
  value: bigint;
}

/** What block assembly knows beyond the block: its fees and the subsidy it may claim. */
export interface AssemblyContext extends BlockContext {
  fees: bigint;
  subsidy: bigint;
}

/**
 * ODA-BIP-0006's per-attempt work for one template height (the miner's seam for the header
 * extension): the grinder calls `attempt` for every nonce and `proof` once for the winner.
 */
export interface StorageMiner {
  /** The storage extension (digest, live slots skipped) of the attempt whose 80-byte header is `header80`. */
  attempt(header80: Uint8Array): StorageHeader;
  /** The proof section (coinbase witness item 2) of the winning attempt. */
  proof(header80: Uint8Array): Promise<Uint8Array>;
}

/**
 * Hooks in the reorganization pipeline (chain/chain.ts header). Phase 1 (nothing written):
 * disconnectBlock for each block leaving the main chain, then checkBlock for each block
 * joining it, each reading `state` = the extension's state as it would be at that point.
 * Phase 2: connectBlock just before the block's batch is written, with the verdict of phase 1.
 */
export interface ChainExtension<V extends ExtensionVerdict = ExtensionVerdict> {
  name: string;
  /** Validates the block on the parent's state; throws VerifyError (invalid) or MissingDataError (park). */
  checkBlock?(ctx: BlockContext, state: ExtensionState): Promise<V>;
  /**
   * Block assembly (the miner's seam for header and coinbase contents): given the template
   * and this extension's verdict on it, the coinbase outputs the rule requires (ODA-BIP-0007's
   * registry commitment). checkBlock then enforces them. ODA-BIP-0005's CU commitment, burn and
   * discounted bits are the chain's own rule: Chain.assembleBlock adds them after the hooks.
   */
  assemble?(ctx: AssemblyContext, verdict: V): Promise<readonly CoinbaseOutput[]> | readonly CoinbaseOutput[];
  /** Side effects that must be durable before the block's batch (e.g. pinning blobs). */
  connectBlock?(ctx: BlockContext, verdict: V): Promise<void>;
  /** The writes restoring the state before the block, from the undo bytes its verdict carried. */
  disconnectBlock?(ctx: BlockContext, undo: Uint8Array): Promise<readonly KvChange[]> | readonly KvChange[];
  /**
   * Data the block needs that this node does not hold yet (e.g. model blobs). A block with
   * missing data is neither connected nor marked invalid: it waits (see Chain.retryWaiting).
   */
  missingData?(block: Block): Promise<unknown[]>;
  /**
   * The per-attempt storage work of a block at `height` on the tip's `state` (ODA-BIP-0006
   * mining); `tip` is the tip's hash, so state derived per block can be looked up by it.
   */
  storageMiner?(height: number, state: ExtensionState, tip?: string): Promise<StorageMiner | undefined>;
}

function hexKey(k: Uint8Array): string {
  return Buffer.from(k.buffer, k.byteOffset, k.length).toString('hex');
}

/**
 * The scratch state of a reorganization: pending writes (undo of disconnected blocks, then
 * each connected block's writes) layered over a base state; nothing reaches the base.
 */
export class OverlayState implements ExtensionState {
  private readonly changes = new Map<string, KvChange>();

  constructor(private readonly base: ExtensionState) {}

  get name(): string {
    return this.base.name;
  }

  apply(writes: readonly KvChange[]): void {
    for (const w of writes) this.changes.set(hexKey(w.key), w);
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const c = this.changes.get(hexKey(key));
    return c ? c.value : this.base.get(key);
  }

  async getMany(keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    const out: Array<Uint8Array | undefined> = new Array(keys.length);
    const miss: number[] = [];
    keys.forEach((k, i) => {
      const c = this.changes.get(hexKey(k));
      if (c) out[i] = c.value;
      else miss.push(i);
    });
    if (miss.length) {
      const vals = await this.base.getMany(miss.map((i) => keys[i]));
      miss.forEach((i, j) => (out[i] = vals[j]));
    }
    return out;
  }

  async *iterator(range: { gte: Uint8Array; lt: Uint8Array }): AsyncIterable<[Uint8Array, Uint8Array]> {
    const lo = hexKey(range.gte);
    const hi = hexKey(range.lt);
    const merged = new Map<string, [Uint8Array, Uint8Array]>();
    for await (const [k, v] of this.base.iterator(range)) merged.set(hexKey(k), [k, v]);
    for (const [h, c] of this.changes) {
      if (h < lo || h >= hi) continue;
      if (c.value === undefined) merged.delete(h);
      else merged.set(h, [c.key, c.value]);
    }
    // LevelDB order: bytewise.
    const sorted = [...merged.values()].sort(([a], [b]) => Buffer.compare(a, b));
    for (const kv of sorted) yield kv;
  }
}
