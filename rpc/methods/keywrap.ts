// Handing a private model's content key to a device (ODA-BIP-0001 key wrap, ODA-BIP-0007b):
// the owner wraps the key for the device's secp256k1 public key, bound to one blob root; the
// device opens it with its private key. Keys never touch the chain; the node holds nothing.
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { addressToScript, AddressError } from '../../chain/address.js';
import { unwrapKey, wrapKey, WRAPPED_KEY_SIZE } from '../../model-store/key-wrap.js';
import { DecryptionError } from '../../model-store/encryption.js';
import { getWallet } from './wallet.js';

type Ctx = NodeContext;

function hexArg(v: unknown, bytes: number, what: string): Uint8Array {
  if (typeof v !== 'string' || !new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(v)) throw new RpcError(RPC.INVALID_PARAMETER, `${what} must be ${bytes * 2} hex characters`);
  return new Uint8Array(Buffer.from(v, 'hex'));
}

function scriptOf(ctx: Ctx, v: string, what: string): Uint8Array {
  try {
    return addressToScript(v, ctx.params);
  } catch (e) {
    if (e instanceof AddressError) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `${what}: ${v} is neither a key (hex) nor a valid address`);
    throw e;
  }
}

export const keyWrapMethods: RpcMethod<Ctx>[] = [
  {
    name: 'wrapkey', category: 'Models',
    params: [
      { name: 'key', type: 'string', description: 'The 32-byte content key (hex) that decrypts the blob' },
      { name: 'recipient', type: 'string', description: 'The device\'s compressed secp256k1 public key (66 hex), or an address of this wallet (its key)' },
      { name: 'root', type: 'string', description: 'Root of the encrypted blob the wrapped key will open (and only it)' },
    ],
    help: 'Wraps a private model\'s content key for one recipient key and one blob (ODA-BIP-0001 key wrap: ECIES, HKDF-SHA256, AES-256-GCM bound to the root), so an owner can hand it to a device off chain. Nothing is stored or broadcast.\n\nResult:\n{ "wrapped": "hex" (81 bytes), "recipient": "hex", "root": "hex" }',
    async handler([keyArg, recipientArg, rootArg], ctx) {
      const key = hexArg(keyArg, 32, 'key');
      const root = hexArg(rootArg, 32, 'root');
      if (typeof recipientArg !== 'string') throw new RpcError(RPC.INVALID_PARAMETER, 'recipient must be a public key or an address');
      let pub: Uint8Array;
      if (/^0[23][0-9a-fA-F]{64}$/.test(recipientArg)) pub = new Uint8Array(Buffer.from(recipientArg, 'hex'));
      else {
        const k = (await getWallet(ctx)).keyFor(scriptOf(ctx, recipientArg, 'recipient'));
        if (!k) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `recipient: address ${recipientArg} is not this wallet's: give the device's public key`);
        pub = k.publicKey;
      }
      let wrapped: Uint8Array;
      try {
        wrapped = wrapKey(key, pub, root);
      } catch (e) {
        throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `recipient is not a valid secp256k1 public key (${(e as Error).message})`);
      }
      return { wrapped: Buffer.from(wrapped).toString('hex'), recipient: Buffer.from(pub).toString('hex'), root: Buffer.from(root).toString('hex') };
    },
  },
  {
    name: 'unwrapkey', category: 'Models',
    params: [
      { name: 'wrapped', type: 'string', description: 'The wrapped key (hex, as wrapkey returned it)' },
      { name: 'root', type: 'string', description: 'Root of the blob it was wrapped for' },
      { name: 'recipient', type: 'string', description: 'An address of this wallet whose key it was wrapped for, or that private key (64 hex)' },
    ],
    help: 'Opens a key wrapped by wrapkey with the recipient\'s private key. Refused (-5) when the wrapped key is not for this key and this blob, or was tampered with.\n\nResult:\n{ "key": "hex" (the 32-byte content key), "root": "hex" }',
    async handler([wrappedArg, rootArg, recipientArg], ctx) {
      const wrapped = hexArg(wrappedArg, WRAPPED_KEY_SIZE, 'wrapped');
      const root = hexArg(rootArg, 32, 'root');
      if (typeof recipientArg !== 'string') throw new RpcError(RPC.INVALID_PARAMETER, 'recipient must be an address or a private key');
      let priv: Uint8Array | undefined;
      if (/^[0-9a-fA-F]{64}$/.test(recipientArg)) priv = new Uint8Array(Buffer.from(recipientArg, 'hex'));
      else {
        priv = (await getWallet(ctx)).privateKeyFor(scriptOf(ctx, recipientArg, 'recipient'));
        if (!priv) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `recipient: address ${recipientArg} is not this wallet's`);
      }
      try {
        return { key: Buffer.from(unwrapKey(wrapped, priv, root)).toString('hex'), root: Buffer.from(root).toString('hex') };
      } catch (e) {
        if (e instanceof DecryptionError) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, e.message);
        throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `recipient private key is not valid (${(e as Error).message})`);
      }
    },
  },
];
