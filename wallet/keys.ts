// HD key chain: one BIP32 seed, one account per address type (BIP44 legacy, BIP49
// p2sh-segwit, BIP84 bech32, BIP86 bech32m), each with a receive (0) and change (1)
// branch. A lookahead of derived keys is indexed by output script so recognising a
// wallet output costs one Map lookup, however many keys the wallet has handed out.
import { BIP32Factory, type BIP32Interface } from 'bip32';
import * as ecc from 'tiny-secp256k1';
import { crypto as bcrypto, initEccLib } from 'bitcoinjs-lib';
import type { NetworkParams } from '../chain/params.js';
import { networkFor } from '../chain/address.js';

initEccLib(ecc);
const bip32 = BIP32Factory(ecc);

export type AddressType = 'legacy' | 'p2sh-segwit' | 'bech32' | 'bech32m';
export const ADDRESS_TYPES: AddressType[] = ['legacy', 'p2sh-segwit', 'bech32', 'bech32m'];
const PURPOSE: Record<AddressType, number> = { legacy: 44, 'p2sh-segwit': 49, bech32: 84, bech32m: 86 };

export interface KeyPath { type: AddressType; branch: 0 | 1; index: number }

export interface DerivedKey extends KeyPath {
  path: string;
  publicKey: Uint8Array;
  script: Uint8Array;
  /** P2SH-P2WPKH redeem script. */
  redeemScript?: Uint8Array;
}

export function pathString(params: NetworkParams, p: KeyPath): string {
  return `m/${PURPOSE[p.type]}'/${params.coinType}'/0'/${p.branch}/${p.index}`;
}

/** The BIP341 key-path output key for an internal key (BIP86: no script tree). */
export function taprootOutputKey(internal: Uint8Array): Uint8Array {
  const x = internal.length === 33 ? internal.subarray(1) : internal;
  const tweak = bcrypto.taggedHash('TapTweak', x);
  const r = ecc.xOnlyPointAddTweak(x, tweak);
  if (!r) throw new Error('taproot tweak out of range');
  return r.xOnlyPubkey;
}

export function scriptForKey(type: AddressType, publicKey: Uint8Array): { script: Uint8Array; redeemScript?: Uint8Array } {
  const hash = bcrypto.hash160(publicKey);
  switch (type) {
    case 'legacy':
      return { script: Uint8Array.from([0x76, 0xa9, 20, ...hash, 0x88, 0xac]) };
    case 'bech32':
      return { script: Uint8Array.from([0x00, 20, ...hash]) };
    case 'p2sh-segwit': {
      const redeemScript = Uint8Array.from([0x00, 20, ...hash]);
      return { script: Uint8Array.from([0xa9, 20, ...bcrypto.hash160(redeemScript), 0x87]), redeemScript };
    }
    case 'bech32m':
      return { script: Uint8Array.from([0x51, 32, ...taprootOutputKey(publicKey)]) };
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export class KeyChain {
  private readonly root: BIP32Interface;
  private readonly accounts = new Map<AddressType, BIP32Interface>();
  private readonly branches = new Map<string, BIP32Interface>();
  /** script hex → key, for every derived key. */
  private readonly byScript = new Map<string, DerivedKey>();
  /** Derived keys per "type/branch", by index. */
  private readonly derived = new Map<string, DerivedKey[]>();
  /** Keys derived since the last drainNew(), for the wallet to persist. */
  private fresh: DerivedKey[] = [];

  constructor(seed: Uint8Array, readonly params: NetworkParams, readonly lookahead: number) {
    this.root = bip32.fromSeed(Buffer.from(seed), networkFor(params));
  }

  /** The account node m/purpose'/coinType'/0'. */
  account(type: AddressType): BIP32Interface {
    let node = this.accounts.get(type);
    if (!node) {
      node = this.root.derivePath(this.accountPath(type));
      this.accounts.set(type, node);
    }
    return node;
  }

  accountPath(type: AddressType): string {
    return `m/${PURPOSE[type]}'/${this.params.coinType}'/0'`;
  }

  /** The account's extended public key, with the network's BIP32 version bytes. */
  accountXpub(type: AddressType): string {
    return this.account(type).neutered().toBase58();
  }

  /** The master key's fingerprint (first 4 bytes of its hash160), for key origins. */
  rootFingerprint(): Uint8Array {
    return Uint8Array.from(this.root.fingerprint);
  }

  private branch(type: AddressType, branch: 0 | 1): BIP32Interface {
    const k = `${type}/${branch}`;
    let node = this.branches.get(k);
    if (!node) {
      node = this.account(type).derive(branch);
      this.branches.set(k, node);
    }
    return node;
  }

  derive(p: KeyPath): DerivedKey {
    const cached = this.derived.get(`${p.type}/${p.branch}`)?.[p.index];
    if (cached) return cached;
    const node = this.branch(p.type, p.branch).neutered().derive(p.index);
    const { script, redeemScript } = scriptForKey(p.type, node.publicKey);
    return { ...p, path: pathString(this.params, p), publicKey: node.publicKey, script, redeemScript };
  }

  /** The private key node for a path (derived on demand; never cached or logged). */
  privateNode(p: KeyPath): BIP32Interface {
    return this.branch(p.type, p.branch).derive(p.index);
  }

  private addKey(key: DerivedKey): void {
    const k = `${key.type}/${key.branch}`;
    let list = this.derived.get(k);
    if (!list) this.derived.set(k, (list = []));
    list[key.index] = key;
    this.byScript.set(hex(key.script), key);
  }

  /** Derive (and index) keys so that indexes [0, upTo + lookahead) exist. */
  ensure(type: AddressType, branch: 0 | 1, upTo: number): void {
    const have = this.derived.get(`${type}/${branch}`)?.length ?? 0;
    const want = upTo + this.lookahead;
    if (have >= want) return;
    const node = this.branch(type, branch).neutered();
    for (let i = have; i < want; i++) {
      const child = node.derive(i);
      const { script, redeemScript } = scriptForKey(type, child.publicKey);
      const key: DerivedKey = { type, branch, index: i, path: pathString(this.params, { type, branch, index: i }), publicKey: child.publicKey, script, redeemScript };
      this.addKey(key);
      this.fresh.push(key);
    }
  }

  /** How many keys of a branch are derived (handed out or in the lookahead). */
  derivedCount(type: AddressType, branch: 0 | 1): number {
    return this.derived.get(`${type}/${branch}`)?.length ?? 0;
  }

  /** Keys derived since the last call (the wallet persists them so a restart derives nothing). */
  drainNew(): DerivedKey[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }

  /**
   * Indexes keys derived in an earlier run (public key and script, as persisted). Each
   * branch must run 0..n-1; its last key is derived again and compared, so a cache that
   * does not belong to this seed is refused rather than silently watched.
   */
  preload(keys: { type: AddressType; branch: 0 | 1; index: number; publicKey: Uint8Array; script: Uint8Array }[]): void {
    const byBranch = new Map<string, typeof keys>();
    for (const k of keys) {
      const id = `${k.type}/${k.branch}`;
      if (!byBranch.has(id)) byBranch.set(id, []);
      byBranch.get(id)!.push(k);
    }
    for (const [id, list] of byBranch) {
      list.sort((a, b) => a.index - b.index);
      if (list.some((k, i) => k.index !== i)) throw new Error(`wallet key cache: branch ${id} is not contiguous`);
      const last = list[list.length - 1];
      const check = this.branch(last.type, last.branch).neutered().derive(last.index).publicKey;
      if (Buffer.compare(Buffer.from(check), Buffer.from(last.publicKey)) !== 0) throw new Error(`wallet key cache: branch ${id} does not match the seed`);
      for (const k of list) {
        const redeemScript = k.type === 'p2sh-segwit' ? Uint8Array.from([0x00, 20, ...bcrypto.hash160(k.publicKey)]) : undefined;
        this.addKey({ ...k, path: pathString(this.params, k), redeemScript });
      }
    }
  }

  /** Is this output script ours? O(1). */
  lookup(script: Uint8Array): DerivedKey | undefined {
    return this.byScript.get(hex(script));
  }
}
