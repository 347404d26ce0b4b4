// ODA-BIP-0005 coinbase CU commitment: one OP_RETURN output of the coinbase states the
// block's ODA CU and its base fee; its value is the burn. The header chain cannot see it;
// the header's bits are range-checked from headers alone and matched to this output when
// the body arrives (BIP, "Where the CU is committed").

/**
 * OP_RETURN, push 20, then 'CUCM'. Not 'ODA…': an OP_RETURN push starting with "ODA" is an
 * ODA-marked output (ODA-BIP-0003), which a coinbase may not carry and which must have value 0.
 */
export const CU_COMMITMENT_PREFIX = Uint8Array.from([0x6a, 0x14, 0x43, 0x55, 0x43, 0x4d]);
export const CU_COMMITMENT_SCRIPT_SIZE = 22;
const MAX_U64 = (1n << 64n) - 1n;

export interface CuCommitment {
  /** The block's ODA CU (ODA-BIP-0003 block CU). */
  cu: bigint;
  /** Base fee of this block, satoshis per COST_AWARE.cuPerFeeUnit CU. */
  baseFee: bigint;
}

export function encodeCuCommitmentScript(c: CuCommitment): Uint8Array {
  if (c.cu < 0n || c.cu > MAX_U64 || c.baseFee < 0n || c.baseFee > MAX_U64) throw new Error('commitment fields must be u64');
  const buf = Buffer.alloc(CU_COMMITMENT_SCRIPT_SIZE);
  buf.set(CU_COMMITMENT_PREFIX, 0);
  buf.writeBigUInt64LE(c.cu, 6);
  buf.writeBigUInt64LE(c.baseFee, 14);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** Whether an output script starts with the CU commitment's prefix (well-formed or not). */
export function hasCuCommitmentPrefix(script: Uint8Array): boolean {
  if (script.length < CU_COMMITMENT_PREFIX.length) return false;
  for (let i = 0; i < CU_COMMITMENT_PREFIX.length; i++) if (script[i] !== CU_COMMITMENT_PREFIX[i]) return false;
  return true;
}

export type CommitmentLookup = { ok: true; index: number; commitment: CuCommitment; burn: bigint } | { ok: false; reason: 'bad-blk-cu-commitment'; detail: string };

/**
 * The coinbase's commitment: exactly one output starting with the prefix, exactly 22 bytes.
 * Outputs are scanned in order; a second match or a malformed one rejects the block.
 */
export function findCuCommitment(outputs: readonly { script: Uint8Array; value: bigint }[]): CommitmentLookup {
  let found: CommitmentLookup | undefined;
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i]!;
    if (!hasCuCommitmentPrefix(o.script)) continue;
    if (found !== undefined) return { ok: false, reason: 'bad-blk-cu-commitment', detail: 'more than one CU commitment' };
    if (o.script.length !== CU_COMMITMENT_SCRIPT_SIZE) return { ok: false, reason: 'bad-blk-cu-commitment', detail: `commitment script is ${o.script.length} bytes` };
    const b = Buffer.from(o.script.buffer, o.script.byteOffset, o.script.length);
    found = { ok: true, index: i, commitment: { cu: b.readBigUInt64LE(6), baseFee: b.readBigUInt64LE(14) }, burn: o.value };
  }
  return found ?? { ok: false, reason: 'bad-blk-cu-commitment', detail: 'no CU commitment in coinbase' };
}
