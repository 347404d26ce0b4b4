// Coinbase construction and the BIP141 witness commitment, shared by the miner, tests and
// block validation. Byte-exact with Core: the BIP34 height is `CScript() << nHeight` and the
// commitment output is OP_RETURN 0x24 aa21a9ed <32 bytes> (GenerateCoinbaseCommitment).
import { crypto as bcrypto } from 'bitcoinjs-lib';
import { Block, Transaction } from './block.js';

/** BIP141 commitment header: OP_RETURN, push 36, then the 4-byte tag 0xaa21a9ed. */
export const WITNESS_COMMITMENT_HEADER = Uint8Array.from([0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]);
/** Core's MINIMUM_WITNESS_COMMITMENT: header (6) + 32-byte hash. */
const MINIMUM_WITNESS_COMMITMENT = 38;
/** The coinbase witness reserved value Core's miner uses: 32 zero bytes. */
export const WITNESS_RESERVED_VALUE = new Uint8Array(32);

/** Core's CScriptNum::serialize: little-endian magnitude with a sign bit in the last byte. */
export function scriptNumEncode(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  const neg = n < 0;
  let abs = Math.abs(n);
  const out: number[] = [];
  while (abs > 0) {
    out.push(abs & 0xff);
    abs = Math.floor(abs / 256);
  }
  if (out[out.length - 1] & 0x80) out.push(neg ? 0x80 : 0x00);
  else if (neg) out[out.length - 1] |= 0x80;
  return Uint8Array.from(out);
}

/** A direct push of `data` (< 76 bytes), as CScript::operator<<(span) emits it. */
function pushData(data: Uint8Array): Uint8Array {
  if (data.length >= 0x4c) throw new Error('pushData: coinbase pushes are < 76 bytes');
  return Uint8Array.from([data.length, ...data]);
}

/**
 * `CScript() << n` for an integer (CScript::push_int64): -1 and 1..16 become OP_1NEGATE and
 * OP_1..OP_16, 0 becomes OP_0, anything else a push of its CScriptNum serialisation. BIP34
 * compares this prefix byte-for-byte, so a height 5 coinbase must start with OP_5 (0x55).
 */
export function scriptPushInt(n: number): Uint8Array {
  if (n === 0) return Uint8Array.of(0x00);
  if (n === -1) return Uint8Array.of(0x4f);
  if (n >= 1 && n <= 16) return Uint8Array.of(0x50 + n);
  return pushData(scriptNumEncode(n));
}

/** The scriptSig prefix BIP34 requires for a block at `height`. */
export function bip34HeightScript(height: number): Uint8Array {
  return scriptPushInt(height);
}

export interface CoinbaseOptions {
  height: number;
  outputScript: Uint8Array;
  value: bigint;
  /** Pushed after the height as `CScriptNum(extraNonce)` (Core's IncrementExtraNonce). Default 0 (OP_0). */
  extraNonce?: number;
  /** Extra bytes appended to the scriptSig (pool tags); total scriptSig length must stay 2..100. */
  extraData?: Uint8Array;
  /** When given, a BIP141 commitment output is appended and the reserved value set as witness. */
  witnessCommitment?: Uint8Array;
}

/**
 * A coinbase as Core's CreateNewBlock + IncrementExtraNonce build it:
 * scriptSig = `CScript() << nHeight << CScriptNum(extraNonce)`, sequence 0xffffffff,
 * one payout output, then the witness commitment if any.
 */
export function createCoinbase(opts: CoinbaseOptions): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  const extra = opts.extraNonce ?? 0;
  const scriptSig = Buffer.concat([
    bip34HeightScript(opts.height),
    pushData(scriptNumEncode(extra)),
    opts.extraData ?? new Uint8Array(0),
  ]);
  if (scriptSig.length < 2 || scriptSig.length > 100) throw new Error(`coinbase scriptSig length ${scriptSig.length} outside 2..100`);
  tx.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, scriptSig);
  tx.addOutput(opts.outputScript, opts.value);
  if (opts.witnessCommitment) {
    tx.addOutput(witnessCommitmentScript(opts.witnessCommitment), 0n);
    tx.setWitness(0, [WITNESS_RESERVED_VALUE]);
  }
  return tx;
}

/** OP_RETURN aa21a9ed <commitment>. */
export function witnessCommitmentScript(commitment: Uint8Array): Uint8Array {
  if (commitment.length !== 32) throw new Error('witness commitment must be 32 bytes');
  return Buffer.concat([WITNESS_COMMITMENT_HEADER, commitment]);
}

/**
 * BIP141 witness merkle root: the merkle root of wtxids with the coinbase's wtxid taken as
 * zero (Core's BlockWitnessMerkleRoot). Returns the root and whether the tree was mutated.
 */
export function witnessMerkleRoot(txs: Transaction[]): { root: Uint8Array; mutated: boolean } {
  const hashes = txs.map((tx, i) => (i === 0 ? new Uint8Array(32) : tx.getHash(true)));
  return merkleRoot(hashes);
}

/**
 * Core's ComputeMerkleRoot, reporting CVE-2012-2459 mutation: two identical adjacent
 * hashes at any level mean a different transaction list hashes to the same root.
 */
export function merkleRoot(hashes: Uint8Array[]): { root: Uint8Array; mutated: boolean } {
  if (hashes.length === 0) return { root: new Uint8Array(32), mutated: false };
  let level = hashes.slice();
  let mutated = false;
  while (level.length > 1) {
    for (let i = 0; i + 1 < level.length; i += 2) {
      if (Buffer.compare(level[i], level[i + 1]) === 0) mutated = true;
    }
    if (level.length & 1) level.push(level[level.length - 1]);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(bcrypto.hash256(Buffer.concat([level[i], level[i + 1]])));
    level = next;
  }
  return { root: level[0], mutated };
}

/** Commitment = SHA256d(witness merkle root || witness reserved value), for a block or its tx list. */
export function witnessCommitment(block: Block | Transaction[], reserved: Uint8Array = WITNESS_RESERVED_VALUE): Uint8Array {
  const txs = Array.isArray(block) ? block : block.transactions ?? [];
  if (txs.length === 0) throw new Error('witnessCommitment: no transactions');
  return bcrypto.hash256(Buffer.concat([witnessMerkleRoot(txs).root, reserved]));
}

/**
 * Core's GetWitnessCommitmentIndex: the LAST coinbase output whose script is at least 38 bytes
 * and starts with the commitment header; -1 when there is none.
 */
export function getWitnessCommitmentIndex(coinbase: Transaction): number {
  let pos = -1;
  coinbase.outs.forEach((out, i) => {
    if (out.script.length >= MINIMUM_WITNESS_COMMITMENT &&
        Buffer.compare(out.script.subarray(0, 6), WITNESS_COMMITMENT_HEADER) === 0) pos = i;
  });
  return pos;
}

/**
 * Adds (or replaces) the witness commitment in the block's coinbase, sets the coinbase
 * witness to the reserved value and recomputes the merkle root. Call after the transaction
 * list is final and before grinding the nonce.
 */
export function addWitnessCommitment(block: Block): void {
  const txs = block.transactions;
  if (!txs || txs.length === 0) throw new Error('addWitnessCommitment: block has no coinbase');
  const cb = txs[0];
  const existing = getWitnessCommitmentIndex(cb);
  if (existing >= 0) cb.outs.splice(existing, 1);
  cb.setWitness(0, [WITNESS_RESERVED_VALUE]);
  cb.addOutput(witnessCommitmentScript(witnessCommitment(txs)), 0n);
  block.witnessCommit = undefined;
  block.merkleRoot = merkleRoot(txs.map((t) => t.getHash())).root;
}
