// Checking a full node's model proof (a `modproof` answer) on the lite node: the header it is
// against must be on our own best header chain (a proof against a stale branch or an unknown
// header says nothing about the current registry), the height the peer claims must be that
// header's, and the proof must verify against that header (ODA-BIP-0007 verifyModelProof).
import { headerId } from '../chain/header.js';
import type { BlockEntry } from '../chain/entry.js';
import { decodeModelProof, verifyModelProof, type VerifiedModelProof } from '../oda/registry-proof.js';
import type { MessageOf } from '../p2p/wire/messages.js';
import { NO_VERSION } from '../p2p/wire/messages.js';
import type { LiteChain } from './header-chain.js';

export interface ProvenModel {
  verified: VerifiedModelProof;
  /** The header the proof is against, on our best chain. */
  entry: BlockEntry;
  /** Bytes of header and proof (what the lite node downloaded to learn the record). */
  size: number;
}

/** A refused proof: `score` is the sender's ban score (100: a lie), `unknownHeader` asks for a retry after header sync. */
export class ProofRefused extends Error {
  constructor(message: string, readonly score: number, readonly unknownHeader = false) {
    super(message);
    this.name = 'ProofRefused';
  }
}

/**
 * The header a proof is anchored to, if it is on `chain`'s best header chain. Throws
 * ProofRefused: unknown header (retry after sync, no score), header off the best chain
 * (no score: the peer may just be on a stale branch), height mismatch (score 100).
 */
export function proofAnchor(chain: LiteChain, header: Uint8Array, claimedHeight?: number): BlockEntry {
  const hash = headerId(header);
  const e = chain.getEntry(hash);
  if (!e) {
    if (chain.isInvalid(hash)) throw new ProofRefused(`proof is against header ${hash}, which is invalid`, 100);
    throw new ProofRefused(`proof is against header ${hash}, which is not in our header chain (best ${chain.tip.hash} at ${chain.height})`, 0, true);
  }
  if (!chain.isMainChain(e)) throw new ProofRefused(`proof is against header ${hash} at height ${e.height}, which is not on our best header chain (tip ${chain.tip.hash} at ${chain.height})`, 0);
  if (claimedHeight !== undefined && claimedHeight !== e.height) throw new ProofRefused(`peer claims height ${claimedHeight} for header ${hash}, which is at height ${e.height}`, 100);
  return e;
}

/**
 * A peer's proof of a model, checked against our best header chain. It must be against our
 * best header itself: a proof against an earlier block, though true there, may predate an
 * approval or a rollback (ODA-BIP-0007b), so a peer that withholds the newer state could
 * pin the device to an old version. Refused with score 0 (the peer may just lag behind).
 */
export function verifyPeerProof(chain: LiteChain, m: MessageOf<'modproof'>, modelId: string, version: number | undefined): ProvenModel {
  if (m.modelId !== modelId || m.version !== (version ?? NO_VERSION)) throw new ProofRefused(`answer names model ${m.modelId} version ${m.version}, not the one asked`, 100);
  const entry = proofAnchor(chain, m.header, m.height);
  if (entry.hash !== chain.tip.hash) {
    throw new ProofRefused(`stale proof: against block ${entry.hash} at height ${entry.height}, our best header is ${chain.tip.hash} at ${chain.height}`, 0);
  }
  let verified: VerifiedModelProof;
  try {
    verified = verifyModelProof(entry.header, decodeModelProof(m.proof), { modelId, version });
  } catch (e) {
    throw new ProofRefused(`forged or malformed proof: ${(e as Error).message}`, 100);
  }
  return { verified, entry, size: m.header.length + m.proof.length };
}
