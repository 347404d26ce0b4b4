// A private model's content key on the device (ODA-BIP-0007b "Key distribution"): given
// directly (hex or a key file, as oda-store keygen writes it), or wrapped by an owner for
// this device's secp256k1 key (wrapkey, ODA-BIP-0001 key wrap) and opened here with the
// device's private key. A wrapped key is bound to one blob root; owners wrap it for the
// model's architecture root, which every version shares, so one wrapped key follows the
// model through approvals and rollbacks (a version's weights root is accepted too).
import { existsSync, readFileSync } from 'node:fs';
import { DecryptionError, KEY_SIZE } from '../model-store/encryption.js';
import { unwrapKey, WRAPPED_KEY_SIZE } from '../model-store/key-wrap.js';
import { LiteError } from './node.js';

export type ContentKeySource =
  | { kind: 'key'; key: Uint8Array }
  | { kind: 'wrapped'; wrapped: Uint8Array; devicePriv: Uint8Array };

function hexBytes(text: string, bytes: number, what: string): Uint8Array {
  const t = text.trim();
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(t)) throw new LiteError(`${what} must be ${bytes * 2} hex characters`);
  return new Uint8Array(Buffer.from(t, 'hex'));
}

/** A 32-byte key from a file: 64 hex characters (oda-store keygen) or 32 raw bytes. */
export function readKeyFile(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new LiteError(`${what} ${path} not found`);
  const raw = readFileSync(path);
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (raw.length === KEY_SIZE) return new Uint8Array(raw);
  throw new LiteError(`${what} ${path} must hold 64 hex characters or 32 raw bytes`);
}

export function keyFromHex(text: string): Uint8Array {
  return hexBytes(text, KEY_SIZE, '--key');
}

export function wrappedFromHex(text: string): Uint8Array {
  return hexBytes(text, WRAPPED_KEY_SIZE, '--wrapped');
}

/**
 * The content key. A wrapped key is tried against each proven root in `roots` (architecture
 * first); it opens for at most one. Throws LiteError when it opens for none: not wrapped for
 * this device key, or for another model.
 */
export function resolveContentKey(src: ContentKeySource, roots: readonly string[]): { key: Uint8Array; wrappedFor?: string } {
  if (src.kind === 'key') return { key: src.key };
  for (const root of roots) {
    try {
      return { key: unwrapKey(src.wrapped, src.devicePriv, new Uint8Array(Buffer.from(root, 'hex'))), wrappedFor: root };
    } catch (e) {
      if (!(e instanceof DecryptionError)) throw new LiteError(`device key is not a valid secp256k1 private key (${(e as Error).message})`);
    }
  }
  throw new LiteError(`the wrapped key does not open with this device key for any blob of the model (tried ${roots.join(', ')}): it was wrapped for another device or another model`);
}
