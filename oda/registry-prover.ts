// The full node's side of ODA-BIP-0007 proofs: a model proof against the tip, built from the
// tip block's coinbase and the registry tree in the chain state.
import { legacySerialize, type Block } from '../chain/block.js';
import type { BlockEntry } from '../chain/entry.js';
import type { ExtensionState } from '../chain/extension.js';
import { layout } from '../chain/layout.js';
import type { NetworkParams } from '../chain/params.js';
import { EXTENSION_NAME } from './registry.js';
import { treeNodeKey } from './registry-commitment.js';
import { modelRecordKey, versionRecordKey, coinbaseBranch, verifyModelProof, type ModelProof, type VerifiedModelProof } from './registry-proof.js';
import { proveKey, sha256 } from './registry-tree.js';

export interface ProofChain {
  readonly params: NetworkParams;
  readonly tip: BlockEntry;
  getBlock(hash: string): Promise<Block | undefined>;
  extensionState(name: string): ExtensionState;
}

export interface ModelProofAnswer {
  entry: BlockEntry;
  proof: ModelProof;
  verified: VerifiedModelProof;
}

export class ProofUnavailableError extends Error {}

async function attempt(chain: ProofChain, modelId: string, version: number | undefined): Promise<ModelProofAnswer | undefined> {
  const entry = chain.tip;
  if (entry.height < chain.params.activation.registryCommitment) {
    throw new ProofUnavailableError(`the registry commitment starts at height ${chain.params.activation.registryCommitment} (tip ${entry.height})`);
  }
  const state = chain.extensionState(EXTENSION_NAME);
  const block = await chain.getBlock(entry.hash);
  if (!block) throw new ProofUnavailableError(`tip block ${entry.hash} is not stored`);
  const nodes = { get: (pos: Uint8Array) => state.get(treeNodeKey(pos)) };
  const keys = [modelRecordKey(modelId)];
  if (version !== undefined) keys.push(versionRecordKey(modelId, version));
  const records = [];
  for (const key of keys) {
    const value = await state.get(layout.x(EXTENSION_NAME, key));
    records.push({ key, value, path: await proveKey(nodes, sha256(key)) });
  }
  const txs = block.transactions!;
  const proof: ModelProof = { coinbase: new Uint8Array(legacySerialize(txs[0])), branch: coinbaseBranch(txs.map((t) => t.getHash())), records };
  // The tip may move while the reads run: a proof that does not verify is retried.
  if (chain.tip !== entry) return undefined;
  try {
    return { entry, proof, verified: verifyModelProof(entry.header, proof, { modelId, version }) };
  } catch (e) {
    if (chain.tip !== entry) return undefined;
    throw e;
  }
}

/** A proof of `modelId` (and version `version`) at the tip. Throws ProofUnavailableError or ModelProofError. */
export async function buildModelProof(chain: ProofChain, modelId: string, version?: number): Promise<ModelProofAnswer> {
  for (let i = 0; i < 5; i++) {
    const a = await attempt(chain, modelId, version);
    if (a) return a;
  }
  throw new ProofUnavailableError('the tip kept moving while the proof was built');
}
