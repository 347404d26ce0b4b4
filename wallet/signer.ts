// Signs the inputs a wallet key controls, for each output type the wallet hands out:
// P2PKH (legacy sighash), P2SH-P2WPKH and P2WPKH (BIP143), P2TR key path (BIP341/BIP86).
// Signatures are low-R ECDSA (as Core since 0.17) or BIP340 Schnorr.
import { script as bscript, crypto as bcrypto } from 'bitcoinjs-lib';
import { Transaction } from '../chain/block.js';
import type { BIP32Interface } from 'bip32';
import type { AddressType } from './keys.js';

export interface Prevout { script: Uint8Array; value: bigint }

/** Core's sighash names for signrawtransactionwithwallet's sighashtype argument. */
export const SIGHASH_BY_NAME: Record<string, number> = {
  DEFAULT: Transaction.SIGHASH_DEFAULT,
  ALL: Transaction.SIGHASH_ALL,
  NONE: Transaction.SIGHASH_NONE,
  SINGLE: Transaction.SIGHASH_SINGLE,
  'ALL|ANYONECANPAY': Transaction.SIGHASH_ALL | Transaction.SIGHASH_ANYONECANPAY,
  'NONE|ANYONECANPAY': Transaction.SIGHASH_NONE | Transaction.SIGHASH_ANYONECANPAY,
  'SINGLE|ANYONECANPAY': Transaction.SIGHASH_SINGLE | Transaction.SIGHASH_ANYONECANPAY,
};

function p2pkhScriptCode(pub: Uint8Array): Uint8Array {
  return Uint8Array.from([0x76, 0xa9, 20, ...bcrypto.hash160(pub), 0x88, 0xac]);
}

function ecdsa(node: BIP32Interface, hash: Uint8Array, hashType: number): Uint8Array {
  return bscript.signature.encode(node.sign(hash, true), hashType);
}

/**
 * Signs input `i` in place. `prevouts` holds every input's spent output (taproot commits
 * to all of them). `hashType` DEFAULT means ALL for ECDSA inputs, as Core.
 */
export function signInput(tx: Transaction, i: number, type: AddressType, node: BIP32Interface, prevouts: Prevout[], hashType: number): void {
  const prev = prevouts[i];
  const ecdsaType = hashType === Transaction.SIGHASH_DEFAULT ? Transaction.SIGHASH_ALL : hashType;
  switch (type) {
    case 'legacy': {
      const hash = tx.hashForSignature(i, prev.script, ecdsaType);
      tx.setInputScript(i, bscript.compile([ecdsa(node, hash, ecdsaType), node.publicKey]));
      tx.setWitness(i, []);
      return;
    }
    case 'bech32':
    case 'p2sh-segwit': {
      const hash = tx.hashForWitnessV0(i, p2pkhScriptCode(node.publicKey), prev.value, ecdsaType);
      if (type === 'p2sh-segwit') {
        const redeem = Uint8Array.from([0x00, 20, ...bcrypto.hash160(node.publicKey)]);
        tx.setInputScript(i, bscript.compile([redeem]));
      } else {
        tx.setInputScript(i, new Uint8Array(0));
      }
      tx.setWitness(i, [ecdsa(node, hash, ecdsaType), node.publicKey]);
      return;
    }
    case 'bech32m': {
      // BIP341: SIGHASH_SINGLE without a matching output has no valid signature.
      if ((hashType & 3) === Transaction.SIGHASH_SINGLE && i >= tx.outs.length) throw new Error('SIGHASH_SINGLE without a matching output');
      const hash = tx.hashForWitnessV1(i, prevouts.map((p) => p.script), prevouts.map((p) => p.value), hashType);
      const tweak = bcrypto.taggedHash('TapTweak', node.publicKey.subarray(1));
      const sig = node.tweak(tweak).signSchnorr(hash);
      tx.setInputScript(i, new Uint8Array(0));
      tx.setWitness(i, [hashType === Transaction.SIGHASH_DEFAULT ? sig : Uint8Array.from([...sig, hashType])]);
      return;
    }
  }
}
