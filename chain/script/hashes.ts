// Hash primitives used by scripts and sighashes. SHA-256 through node:crypto (native, the hot
// path of every sighash); RIPEMD-160 and SHA-1 from @noble/hashes (OpenSSL 3 may lack them).
import { createHash } from 'node:crypto';
import { ripemd160 as nobleRipemd160, sha1 as nobleSha1 } from '@noble/hashes/legacy.js';

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}
export function hash256(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}
export function ripemd160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(data);
}
export function sha1(data: Uint8Array): Uint8Array {
  return nobleSha1(data);
}
export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

const tagCache = new Map<string, Uint8Array>();
/** BIP340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data). */
export function taggedHash(tag: string, ...parts: Uint8Array[]): Uint8Array {
  let prefix = tagCache.get(tag);
  if (!prefix) {
    const t = sha256(new TextEncoder().encode(tag));
    prefix = new Uint8Array(64);
    prefix.set(t, 0);
    prefix.set(t, 32);
    tagCache.set(tag, prefix);
  }
  const h = createHash('sha256').update(prefix);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
