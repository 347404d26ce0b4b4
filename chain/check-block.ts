// Block rules that need no UTXO set: Core's CheckBlockHeader + CheckBlock (context-free),
// ContextualCheckBlockHeader and ContextualCheckBlock (validation.cpp). Pure functions over
// the block and what the caller knows about its parent; they throw VerifyError with Core's
// reject reason. `malleated` marks failures a relayer could cause by altering a valid block
// (merkle/witness mutations): the chain must not remember such a hash as invalid.
import { crypto as bcrypto } from 'bitcoinjs-lib';
import { Block } from './block.js';
import { VerifyError } from './errors.js';
import { NEVER_ACTIVE, type NetworkParams } from './params.js';
import { STORAGE_POW, checkPenalizedPow, checkProofOfWork, compactToTarget, hasStorageBit, hashToBigInt, type StorageHeader } from './header.js';
import { costAwarePowLimit, headerBitsInRange } from './difficulty.js';
import { checkTransaction, isCoinbaseTx, isFinalTx } from './tx-checks.js';
import { BAN_SCORE_INVALID, WITNESS_SCALE_FACTOR } from './consensus.js';
import { bip34HeightScript, getWitnessCommitmentIndex, merkleRoot, witnessMerkleRoot } from './coinbase.js';
import { getLegacySigOpCount } from './script/index.js';

function bad(reason: string, details = '', malleated = false, score = BAN_SCORE_INVALID): VerifyError {
  return new VerifyError('block', reason, score, details, malleated);
}

/**
 * Core's CheckBlockHeader: proof of work matches the claimed bits. The height is not known
 * yet, so on a network where ODA-BIP-0005 can activate the limit is its costAwarePowLimit;
 * before activation the exact bits check (contextualCheckBlockHeader) holds bits to powLimit.
 * A header with the ODA-BIP-0006 extension must also meet the target lowered by its skips
 * (the header alone says so: headers-first sync checks all the work that was done).
 */
export function checkBlockHeader(hash: Uint8Array, bits: number, params: NetworkParams, storage?: StorageHeader): void {
  const limit = params.activation.costAwareDifficulty === NEVER_ACTIVE ? params.powLimit : costAwarePowLimit(params.powLimit);
  if (!checkProofOfWork(hash, bits, params, limit)) throw bad('high-hash', 'proof of work failed');
  if (storage) checkPenalizedPow(hashToBigInt(hash), compactToTarget(bits).target, storage.skips);
}

/** ODA-BIP-0006 applies to a block at `height`: extended header, proof in the coinbase witness. */
export function storageProofsActive(height: number, params: NetworkParams): boolean {
  return height >= params.activation.storageProofs;
}

/** Core's CheckBlock (after the header check): structure, merkle root, sizes, coinbase, sigops. */
export function checkBlock(block: Block, params: NetworkParams): void {
  const txs = block.transactions ?? [];
  if (txs.length === 0) throw bad('bad-blk-length', 'size limits failed');

  // CVE-2012-2459: a duplicated subtree gives the same root for a different tx list.
  const { root, mutated } = merkleRoot(txs.map((t) => t.getHash()));
  if (!block.merkleRoot || Buffer.compare(root, block.merkleRoot) !== 0) throw bad('bad-txnmrklroot', 'hashMerkleRoot mismatch', true);
  if (mutated) throw bad('bad-txns-duplicate', 'duplicate transaction', true);

  // Size limits: the witness is checked in ContextualCheckBlock (weight); here the stripped size.
  if (txs.length * WITNESS_SCALE_FACTOR > params.maxBlockWeight ||
      block.byteLength(false, false) * WITNESS_SCALE_FACTOR > params.maxBlockWeight) {
    throw bad('bad-blk-length', 'size limits failed');
  }

  if (!isCoinbaseTx(txs[0])) throw bad('bad-cb-missing', 'first tx is not coinbase');
  for (let i = 1; i < txs.length; i++) if (isCoinbaseTx(txs[i])) throw bad('bad-cb-multiple', 'more than one coinbase');

  for (const tx of txs) {
    try {
      checkTransaction(tx, 'block');
    } catch (e) {
      if (e instanceof VerifyError) throw bad(e.reason, `Transaction check failed (tx hash ${tx.getId()}) ${e.details}`.trim());
      throw e;
    }
  }

  let sigops = 0;
  for (const tx of txs) sigops += getLegacySigOpCount(tx);
  if (sigops * WITNESS_SCALE_FACTOR > params.maxBlockSigOpsCost) throw bad('bad-blk-sigops', 'out-of-bounds SigOpCount');
}

/** What contextual checks need to know about the parent. */
export interface PrevContext {
  /** Height of the new block (parent height + 1). */
  height: number;
  /** Median time past of the parent. */
  medianTimePast: number;
  /** Bits the difficulty rule requires for the new block (its base bits under ODA-BIP-0005). */
  requiredBits: number;
  /** ODA-BIP-0005 applies: the header's bits may be discounted up to the cap. */
  costAware?: boolean;
}

/** Core's ContextualCheckBlockHeader: difficulty, timestamp window, obsolete versions. */
export function contextualCheckBlockHeader(
  header: { bits: number; time: number; version: number },
  ctx: PrevContext,
  adjustedTime: number,
  params: NetworkParams,
): void {
  // Under ODA-BIP-0005 the exact bits depend on the body (checked when it is connected).
  if (ctx.costAware ? !headerBitsInRange(header.bits, ctx.requiredBits) : header.bits !== ctx.requiredBits) {
    throw bad('bad-diffbits', 'incorrect proof of work');
  }
  // The extension is there exactly from ODA-BIP-0006's activation (the decoder knows its
  // length from the version; the height decides whether it must be there).
  if (hasStorageBit(header.version) !== storageProofsActive(ctx.height, params)) {
    throw bad('bad-storage-header', hasStorageBit(header.version) ? 'storage header extension before ODA-BIP-0006 activation' : 'storage header extension missing');
  }
  if (header.time <= ctx.medianTimePast) throw bad('time-too-old', 'block\'s timestamp is too early');
  // Too far in the future may become valid later: no ban, and the hash is not cached as invalid.
  if (header.time > adjustedTime + params.maxFutureBlockTime) throw new VerifyError('block', 'time-too-new', 0, 'block timestamp too far in the future', true);
  const v = header.version;
  if ((v < 2 && ctx.height >= params.bip34Height) || (v < 3 && ctx.height >= params.bip66Height) || (v < 4 && ctx.height >= params.bip65Height)) {
    throw bad(`bad-version(0x${(v >>> 0).toString(16).padStart(8, '0')})`, 'rejected nVersion block');
  }
}

/** Core's ContextualCheckBlock: finality, BIP34 height, witness commitment, weight. */
export function contextualCheckBlock(block: Block, ctx: PrevContext, params: NetworkParams): void {
  const txs = block.transactions ?? [];
  // With CSV active, locktimes are compared against the parent's median time past (BIP113).
  const lockTimeCutoff = ctx.height >= params.csvHeight ? ctx.medianTimePast : block.timestamp;
  for (const tx of txs) {
    if (!isFinalTx(tx, ctx.height, lockTimeCutoff)) throw bad('bad-txns-nonfinal', 'non-final transaction');
  }

  if (ctx.height >= params.bip34Height) {
    const expect = bip34HeightScript(ctx.height);
    const sig = txs[0].ins[0].script;
    if (sig.length < expect.length || Buffer.compare(sig.subarray(0, expect.length), expect) !== 0) {
      throw bad('bad-cb-height', 'block height mismatch in coinbase');
    }
  }

  // ODA-BIP-0006: from activation the coinbase witness is [reserved value, proof section]
  // (the proof is checked against the storage index by the storage extension). Neither
  // merkle tree commits to it, so a bad stack is a mutation, not an invalid block.
  const storage = storageProofsActive(ctx.height, params);
  if (storage) {
    const witness = txs[0].ins[0].witness;
    if (witness.length !== 2 || witness[0].length !== 32 || witness[1].length > STORAGE_POW.maxProofBytes) {
      throw bad('bad-storage-witness', 'coinbase witness must be [32-byte reserved value, storage proof]', true);
    }
  }

  let haveWitnessCommitment = false;
  if (ctx.height >= params.segwitHeight) {
    const pos = getWitnessCommitmentIndex(txs[0]);
    if (pos >= 0) {
      haveWitnessCommitment = true;
      const witness = txs[0].ins[0].witness;
      if (witness.length !== (storage ? 2 : 1) || witness[0].length !== 32) {
        throw bad('bad-witness-nonce-size', 'invalid witness reserved value size', true);
      }
      const { root } = witnessMerkleRoot(txs);
      const commitment = bcrypto.hash256(Buffer.concat([root, witness[0]]));
      if (Buffer.compare(commitment, txs[0].outs[pos].script.subarray(6, 38)) !== 0) {
        throw bad('bad-witness-merkle-match', 'witness merkle commitment mismatch', true);
      }
    }
  }
  // No commitment: witness data would be uncommitted, hence malleable.
  if (!haveWitnessCommitment) {
    for (const tx of txs) if (tx.hasWitnesses() && !(storage && tx === txs[0])) throw bad('unexpected-witness', 'unexpected witness data found', true);
  }

  if (block.weight() > params.maxBlockWeight) throw bad('bad-blk-weight', 'weight limit failed');
}
