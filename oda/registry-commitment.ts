// ODA-BIP-0007 registry commitment (consensus from params.activation.registryCommitment):
// the coinbase of every block carries one output OP_RETURN PUSH36 "OREG" root, where root is
// the registry tree (oda/registry-tree.ts) over every model and version record after the
// block. Records are covered generically, by the canonical value bytes under their keys, so a
// new record kind under a committed key prefix is committed without a new rule.
//
// The tree's nodes live in the ODA namespace under 'T'; a block's node writes join the
// registry writes of its verdict and its undo record, so disconnects and reorganizations
// restore them like any other registry key.
import { layout } from '../chain/layout.js';
import type { BlockContext, ExtensionState, KvChange } from '../chain/extension.js';
import { Writer } from './codec.js';
import { EXTENSION_NAME, decodeUndo } from './registry.js';
import { OdaReason } from './reasons.js';
import { odaReject } from './rules.js';
import { sha256, updateTree, type LeafChange, type NodeStore } from './registry-tree.js';

/** OP_RETURN, push 36, then 'OREG' (not "ODA…": such a push would mark an ODA payload, ODA-BIP-0003). */
export const REGISTRY_COMMITMENT_PREFIX = Uint8Array.from([0x6a, 0x24, 0x4f, 0x52, 0x45, 0x47]);
export const REGISTRY_COMMITMENT_SCRIPT_SIZE = 38;
/** Registry key kinds committed: m (model) and v (version). Commits and inferences are not state a device needs. */
export const COMMITTED_KINDS: readonly number[] = [0x6d, 0x76];
const K_TREE = 0x54; // 'T'

const NS = layout.x(EXTENSION_NAME, new Uint8Array(0));

/** The registry key without the chain's namespace bytes (what the tree hashes). */
export function recordKey(fullKey: Uint8Array): Uint8Array {
  return fullKey.subarray(NS.length);
}

export function isCommittedKey(fullKey: Uint8Array): boolean {
  if (fullKey.length <= NS.length) return false;
  for (let i = 0; i < NS.length; i++) if (fullKey[i] !== NS[i]) return false;
  return COMMITTED_KINDS.includes(fullKey[NS.length]);
}

export function leafChange(recordKeyBytes: Uint8Array, value: Uint8Array | undefined): LeafChange {
  return { keyHash: sha256(recordKeyBytes), valueHash: value && sha256(value) };
}

export function treeNodeKey(pos: Uint8Array): Uint8Array {
  return layout.x(EXTENSION_NAME, Uint8Array.from([K_TREE, ...pos]));
}

export function isRegistryCommitmentActive(height: number, params: BlockContext['params']): boolean {
  return height >= params.activation.registryCommitment;
}

export function encodeRegistryCommitmentScript(root: Uint8Array): Uint8Array {
  if (root.length !== 32) throw new Error('root must be 32 bytes');
  return Uint8Array.from([...REGISTRY_COMMITMENT_PREFIX, ...root]);
}

function hasPrefix(script: Uint8Array): boolean {
  if (script.length < REGISTRY_COMMITMENT_PREFIX.length) return false;
  for (let i = 0; i < REGISTRY_COMMITMENT_PREFIX.length; i++) if (script[i] !== REGISTRY_COMMITMENT_PREFIX[i]) return false;
  return true;
}

/** The coinbase's registry root: exactly one output with the prefix, exactly 38 bytes; else an error text. */
export function findRegistryCommitment(outputs: readonly { script: Uint8Array }[]): { root: Uint8Array } | { error: string } {
  let root: Uint8Array | undefined;
  for (const o of outputs) {
    if (!hasPrefix(o.script)) continue;
    if (root) return { error: 'more than one registry commitment' };
    if (o.script.length !== REGISTRY_COMMITMENT_SCRIPT_SIZE) return { error: `registry commitment script is ${o.script.length} bytes` };
    root = o.script.slice(REGISTRY_COMMITMENT_PREFIX.length);
  }
  return root ? { root } : { error: 'no registry commitment in coinbase' };
}

/** Tree node reads through the block's state, writes kept with the prior values their undo needs. */
class CollectingStore implements NodeStore {
  readonly changes = new Map<string, KvChange>();
  readonly prior = new Map<string, KvChange>();
  constructor(private readonly state: Pick<ExtensionState, 'get'>) {}
  async get(pos: Uint8Array): Promise<Uint8Array | undefined> {
    const k = treeNodeKey(pos);
    const h = Buffer.from(k).toString('hex');
    const c = this.changes.get(h);
    if (c) return c.value;
    const v = await this.state.get(k);
    if (!this.prior.has(h)) this.prior.set(h, { key: k, value: v });
    return v;
  }
  put(pos: Uint8Array, value: Uint8Array | undefined): void {
    const k = treeNodeKey(pos);
    this.changes.set(Buffer.from(k).toString('hex'), { key: k, value });
  }
}

export interface RegistryTreeUpdate {
  root: Uint8Array;
  /** Tree node writes (key order) and the prior value of each node written. */
  writes: KvChange[];
  prior: KvChange[];
}

/**
 * The registry root after a block: the tree of the parent's state updated with the block's
 * committed registry writes. At the activation height the tree does not exist yet, so every
 * committed record of the state after the block is inserted (`state` + `writes`).
 */
export async function registryTreeUpdate(height: number, params: BlockContext['params'], state: ExtensionState, writes: readonly KvChange[]): Promise<RegistryTreeUpdate> {
  const changes = new Map<string, LeafChange>();
  if (height === params.activation.registryCommitment) {
    for await (const [k, v] of state.iterator(layout.extRange(EXTENSION_NAME))) {
      if (isCommittedKey(k)) changes.set(Buffer.from(k).toString('hex'), leafChange(recordKey(k), v));
    }
  }
  for (const w of writes) if (isCommittedKey(w.key)) changes.set(Buffer.from(w.key).toString('hex'), leafChange(recordKey(w.key), w.value));
  // An unchanged record rewritten by the block is a no-op leaf change: harmless.
  const store = new CollectingStore(state);
  const root = await updateTree(store, [...changes.values()]);
  const byKey = (a: KvChange, b: KvChange) => Buffer.compare(a.key, b.key);
  const written = [...store.changes.values()].sort(byKey);
  const prior: KvChange[] = [];
  for (const w of written) {
    const h = Buffer.from(w.key).toString('hex');
    prior.push(store.prior.get(h) ?? { key: w.key, value: await state.get(w.key) });
  }
  return { root, writes: written, prior };
}

/** Undo record in registry.ts's format (count u32 | key var32 | present u8 | [value var32]), keys sorted. */
function encodeUndo(entries: KvChange[]): Uint8Array {
  const w = new Writer().u32(entries.length);
  for (const c of entries) {
    w.var32(c.key);
    if (c.value === undefined) w.u8(0);
    else w.u8(1).var32(c.value);
  }
  return w.finish();
}

/** A verdict's writes and undo joined with the tree's (disjoint key sets: 'T' vs the records). */
export function mergeVerdict(writes: readonly KvChange[], undo: Uint8Array, tree: RegistryTreeUpdate): { writes: KvChange[]; undo: Uint8Array } {
  const byKey = (a: KvChange, b: KvChange) => Buffer.compare(a.key, b.key);
  return {
    writes: [...writes, ...tree.writes].sort(byKey),
    undo: encodeUndo([...decodeUndo(undo), ...tree.prior].sort(byKey)),
  };
}

/** checkBlock's rule: the coinbase commits to `root` (ODA-BIP-0007 "Commitment"). */
export function checkRegistryCommitment(ctx: BlockContext, root: Uint8Array): void {
  const found = findRegistryCommitment(ctx.block.transactions![0].outs);
  if ('error' in found) odaReject('block', OdaReason.REGISTRY_COMMITMENT, found.error);
  if (Buffer.compare(found.root, root) !== 0) {
    odaReject('block', OdaReason.REGISTRY_COMMITMENT, `registry root ${Buffer.from(found.root).toString('hex')}, expected ${Buffer.from(root).toString('hex')}`);
  }
}

/**
 * The ODA verdict of an active block extended with the tree: its writes and undo cover the
 * tree nodes, `registryRoot` is what assemble() commits to, and outside assembly the
 * coinbase must already commit to it.
 */
export async function withRegistryCommitment<V extends { writes: readonly KvChange[]; undo: Uint8Array; registryRoot?: Uint8Array }>(
  ctx: BlockContext, state: ExtensionState, verdict: V,
): Promise<V> {
  const tree = await registryTreeUpdate(ctx.height, ctx.params, state, verdict.writes);
  if (!ctx.assembling) checkRegistryCommitment(ctx, tree.root);
  const merged = mergeVerdict(verdict.writes, verdict.undo, tree);
  return { ...verdict, writes: merged.writes, undo: merged.undo, registryRoot: tree.root };
}
