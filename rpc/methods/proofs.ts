// getmodelproof (ODA-BIP-0007): a model's registry record with a proof against the tip's
// header, for clients that trust headers only (oda-lite asks the same over P2P).
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { parseHash } from '../params.js';
import { encodeModelProof, ModelProofError } from '../../oda/registry-proof.js';
import { buildModelProof, ProofUnavailableError } from '../../oda/registry-prover.js';
import { provenanceJson } from '../../oda/proof-json.js';

function parseVersion(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RpcError(RPC.INVALID_PARAMETER, 'version must be an integer in [0, 4294967295]');
  return v;
}

export const proofMethods: RpcMethod<NodeContext>[] = [
  {
    name: 'getmodelproof', category: 'Models',
    params: [
      { name: 'model_id', type: 'string' },
      { name: 'version', type: 'number', optional: true, description: 'Also prove this version record (default: only the model record, which names the current version)' },
    ],
    help: 'Returns a model\'s registry record at the tip with an ODA-BIP-0007 proof: the tip header, the proof (hex: coinbase, its merkle branch, registry tree paths) and the provenance it proves (block, version, score, weights, trainer). Verify with the header alone.\n\nResult:\n{ "model_id", "block": {hash, height}, "header": "hex", "proof": "hex", "size": n, "registry_root", "version", "score", "weights", "trainer", ... }',
    async handler([idArg, vArg], ctx) {
      if (!ctx.oda) throw new RpcError(RPC.MISC_ERROR, 'ODA transactions are not enabled on this node');
      const modelId = parseHash(idArg, 'model_id');
      const version = parseVersion(vArg);
      try {
        const a = await buildModelProof(ctx.chain, modelId, version);
        const proof = encodeModelProof(a.proof);
        return {
          ...provenanceJson(a.verified, a.entry.height, ctx.params),
          header: Buffer.from(a.entry.header).toString('hex'),
          proof: Buffer.from(proof).toString('hex'),
          size: proof.length + a.entry.header.length,
        };
      } catch (e) {
        if (e instanceof ProofUnavailableError) throw new RpcError(RPC.MISC_ERROR, e.message);
        if (e instanceof ModelProofError) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, e.message);
        throw e;
      }
    },
  },
];
