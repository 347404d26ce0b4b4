// Sharing a content key with the holder of a secp256k1 key (ODA-BIP-0001 section 6, "Key
// derivation and sharing", method 3): ECIES with an ephemeral key, HKDF-SHA256 and
// AES-256-GCM, bound to the ciphertext blob's root so a wrapped key opens one blob only.
// Runs on the client: the node never sees content keys.
import { createCipheriv, createDecipheriv, createECDH, createHash, hkdfSync } from 'node:crypto';
import { DecryptionError, KEY_SIZE } from './encryption.js';

export const WRAPPED_KEY_SIZE = 33 + KEY_SIZE + 16; // 81

function kek(x: Uint8Array, ephemeralPub: Uint8Array, recipientPub: Uint8Array): Buffer {
  const salt = createHash('sha256').update(ephemeralPub).update(recipientPub).digest();
  return Buffer.from(hkdfSync('sha256', x, salt, Buffer.from('ODA-BIP-0001 key wrap', 'ascii'), 32));
}

function checkRoot(root: Uint8Array): void {
  if (root.length !== 32) throw new TypeError('blob root must be 32 bytes');
}

/** Wraps content key `key` for the holder of compressed secp256k1 public key `recipientPub`. */
export function wrapKey(key: Uint8Array, recipientPub: Uint8Array, blobRoot: Uint8Array): Uint8Array {
  if (key.length !== KEY_SIZE) throw new TypeError(`content key must be ${KEY_SIZE} bytes`);
  if (recipientPub.length !== 33) throw new TypeError('recipient public key must be 33 bytes (compressed)');
  checkRoot(blobRoot);
  const eph = createECDH('secp256k1');
  eph.generateKeys();
  const E = eph.getPublicKey(null, 'compressed');
  const x = eph.computeSecret(Buffer.from(recipientPub));
  const c = createCipheriv('aes-256-gcm', kek(x, E, recipientPub), Buffer.alloc(12));
  c.setAAD(blobRoot);
  return new Uint8Array(Buffer.concat([E, c.update(key), c.final(), c.getAuthTag()]));
}

/** Opens a wrapped key with the recipient's 32-byte private key; throws DecryptionError if it is not for this key and blob. */
export function unwrapKey(wrapped: Uint8Array, recipientPriv: Uint8Array, blobRoot: Uint8Array): Uint8Array {
  if (wrapped.length !== WRAPPED_KEY_SIZE) throw new DecryptionError(`wrapped key must be ${WRAPPED_KEY_SIZE} bytes, got ${wrapped.length}`);
  checkRoot(blobRoot);
  const me = createECDH('secp256k1');
  me.setPrivateKey(Buffer.from(recipientPriv));
  const Q = me.getPublicKey(null, 'compressed');
  const E = wrapped.subarray(0, 33);
  let x: Buffer;
  try {
    x = me.computeSecret(Buffer.from(E));
  } catch {
    throw new DecryptionError('wrapped key has an invalid ephemeral public key');
  }
  const d = createDecipheriv('aes-256-gcm', kek(x, E, Q), Buffer.alloc(12));
  d.setAAD(blobRoot);
  d.setAuthTag(wrapped.subarray(33 + KEY_SIZE));
  const out = d.update(wrapped.subarray(33, 33 + KEY_SIZE));
  try {
    return new Uint8Array(Buffer.concat([out, d.final()]));
  } catch {
    throw new DecryptionError('wrapped key does not open: not for this recipient key or this blob, or tampered');
  }
}
