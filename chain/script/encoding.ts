// Signature and public key encoding rules (Core's interpreter.cpp: IsValidSignatureEncoding,
// IsLowDERSignature, IsDefinedHashtypeSignature, CheckPubKeyEncoding) and the lax DER parser
// Core uses for verification (pubkey.cpp: ecdsa_signature_parse_der_lax), which accepts the
// pre-BIP66 encodings that consensus still allows where DERSIG is off.
export const SIGHASH_DEFAULT = 0x00;
export const SIGHASH_ALL = 0x01;
export const SIGHASH_NONE = 0x02;
export const SIGHASH_SINGLE = 0x03;
export const SIGHASH_ANYONECANPAY = 0x80;

const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** BIP66 strict DER: 0x30 len 0x02 rlen R 0x02 slen S hashtype. */
export function isValidSignatureEncoding(sig: Uint8Array): boolean {
  if (sig.length < 9 || sig.length > 73) return false;
  if (sig[0] !== 0x30) return false;
  if (sig[1] !== sig.length - 3) return false;
  const lenR = sig[3];
  if (5 + lenR >= sig.length) return false;
  const lenS = sig[5 + lenR];
  if (lenR + lenS + 7 !== sig.length) return false;
  if (sig[2] !== 0x02) return false;
  if (lenR === 0) return false;
  if (sig[4] & 0x80) return false;
  if (lenR > 1 && sig[4] === 0x00 && !(sig[5] & 0x80)) return false;
  if (sig[lenR + 4] !== 0x02) return false;
  if (lenS === 0) return false;
  if (sig[lenR + 6] & 0x80) return false;
  if (lenS > 1 && sig[lenR + 6] === 0x00 && !(sig[lenR + 7] & 0x80)) return false;
  return true;
}

function toBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
}

/**
 * Lax DER parse to a 64-byte compact (r||s). Returns undefined where Core's parser fails;
 * an all-zero signature where R or S overflow 32 bytes (which then never verifies, as in Core).
 */
export function parseDerLax(input: Uint8Array): Uint8Array | undefined {
  const len = input.length;
  let pos = 0;
  if (pos === len || input[pos] !== 0x30) return undefined;
  pos++;
  if (pos === len) return undefined;
  let lenbyte = input[pos++];
  if (lenbyte & 0x80) {
    lenbyte -= 0x80;
    if (lenbyte > len - pos) return undefined;
    pos += lenbyte;
  }
  const readInt = (): { at: number; size: number } | undefined => {
    if (pos === len || input[pos] !== 0x02) return undefined;
    pos++;
    if (pos === len) return undefined;
    let lb = input[pos++];
    let size: number;
    if (lb & 0x80) {
      lb -= 0x80;
      if (lb > len - pos) return undefined;
      while (lb > 0 && input[pos] === 0) {
        pos++;
        lb--;
      }
      if (lb >= 8) return undefined;
      size = 0;
      while (lb > 0) {
        size = size * 256 + input[pos];
        pos++;
        lb--;
      }
    } else size = lb;
    if (size > len - pos) return undefined;
    const at = pos;
    pos += size;
    return { at, size };
  };
  const r = readInt();
  if (!r) return undefined;
  const s = readInt();
  if (!s) return undefined;
  const out = new Uint8Array(64);
  let overflow = false;
  for (const [idx, v] of [r, s].entries()) {
    let { at, size } = v;
    while (size > 0 && input[at] === 0) {
      at++;
      size--;
    }
    if (size > 32) overflow = true;
    else out.set(input.subarray(at, at + size), idx * 32 + 32 - size);
  }
  if (overflow) return new Uint8Array(64);
  return out;
}

/** S ≤ n/2 (Core's IsLowDERSignature after the strict-DER check). */
export function isLowS(compact: Uint8Array): boolean {
  return toBigInt(compact.subarray(32, 64)) <= HALF_ORDER;
}

export function isDefinedHashtypeSignature(sig: Uint8Array): boolean {
  if (sig.length === 0) return false;
  const t = sig[sig.length - 1] & ~SIGHASH_ANYONECANPAY;
  return t >= SIGHASH_ALL && t <= SIGHASH_SINGLE;
}

export function isCompressedOrUncompressedPubKey(pk: Uint8Array): boolean {
  if (pk.length < 33) return false;
  if (pk[0] === 0x04) return pk.length === 65;
  if (pk[0] === 0x02 || pk[0] === 0x03) return pk.length === 33;
  return false;
}

export function isCompressedPubKey(pk: Uint8Array): boolean {
  return pk.length === 33 && (pk[0] === 0x02 || pk[0] === 0x03);
}
