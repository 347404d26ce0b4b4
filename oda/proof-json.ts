// The JSON of a verified model proof: what getmodelproof (full node) and oda-lite print as a
// model's provenance (block, version, score, weights, trainer).
import { scriptToAddress } from '../chain/address.js';
import type { NetworkParams } from '../chain/params.js';
import type { VerifiedModelProof } from './registry-proof.js';

function num(b: bigint): number | string {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}

function address(script: string, params: NetworkParams): string {
  try {
    return scriptToAddress(Buffer.from(script, 'hex'), params) ?? script;
  } catch {
    return script;
  }
}

export function provenanceJson(v: VerifiedModelProof, height: number | undefined, params: NetworkParams): Record<string, unknown> {
  const m = v.model;
  const out: Record<string, unknown> = {
    model_id: m.modelId,
    name: m.add.name,
    block: { hash: v.blockHash, height },
    registry_root: v.root,
    version: m.currentVersion,
    score: num(m.currentScore),
    weights: m.currentWeights,
    trainer: address(m.trainerScript, params),
    architecture: m.add.architecture,
    objective: m.add.objective,
  };
  if (v.version) {
    out.proven_version = {
      version: v.version.version, score: num(v.version.score), weights: v.version.weights,
      trainer: address(v.version.trainerScript, params), txid: v.version.txid, height: v.version.height, version_label: v.version.label,
    };
  }
  return out;
}
