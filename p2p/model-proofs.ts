// ODA-BIP-0004/0007 model proofs over P2P: a full node answers getmodproof with the tip's
// proof (modproof) or a reason (nomodproof); a lite node checks it against its own
// header chain, so nothing the full node says is trusted.
import type { Message, MessageOf } from './wire/messages.js';
import { NO_VERSION } from './wire/messages.js';
import { encodeModelProof, ModelProofError } from '../oda/registry-proof.js';
import { buildModelProof, ProofUnavailableError, type ProofChain } from '../oda/registry-prover.js';

function isProofChain(c: object): c is ProofChain {
  return 'extensionState' in c && 'getBlock' in c;
}

export async function answerModelProof(chain: object, m: MessageOf<'getmodproof'>): Promise<Message> {
  const version = m.version === NO_VERSION ? undefined : m.version;
  if (!isProofChain(chain)) return { cmd: 'nomodproof', modelId: m.modelId, version: m.version, reason: 'this node keeps no registry' };
  try {
    const a = await buildModelProof(chain, m.modelId, version);
    return { cmd: 'modproof', modelId: m.modelId, version: m.version, height: a.entry.height, header: a.entry.header, proof: encodeModelProof(a.proof) };
  } catch (e) {
    if (e instanceof ProofUnavailableError || e instanceof ModelProofError) return { cmd: 'nomodproof', modelId: m.modelId, version: m.version, reason: e.message.slice(0, 256) };
    throw e;
  }
}
