// Real spends built with bitcoinjs-lib + ecpair (independent of chain/script): a two-input,
// two-output transaction spending two coins of one output type, signed with a chosen sighash
// type. Shared by the spend tests and bench/sigcheck.bench.ts.
import { payments, script as bscript, initEccLib } from 'bitcoinjs-lib';
import { Transaction } from '../../chain/block.js';
import { ECPairFactory, type ECPairInterface } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { taggedHash } from '../../chain/script/hashes.js';
import type { Prevout } from '../../chain/script/index.js';

initEccLib(ecc);
export const ECPair = ECPairFactory(ecc);

export function key(n: number): ECPairInterface {
  const d = new Uint8Array(32);
  d[31] = n;
  d[0] = 0x11;
  return ECPair.fromPrivateKey(d);
}

export type SpendKind = 'p2pkh' | 'p2sh-multisig' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2wsh-multisig' | 'p2tr-key' | 'p2tr-script';

export interface Spend {
  tx: Transaction;
  prevouts: Prevout[];
  /** Re-signs input i after the caller changed the transaction (for "still valid" cases). */
  resign(i: number): void;
}

const VALUE = 50_000n;

function p2trTweak(internal: ECPairInterface, merkleRoot?: Uint8Array) {
  const xonly = internal.publicKey.subarray(1, 33);
  const tweak = taggedHash('TapTweak', xonly, ...(merkleRoot ? [merkleRoot] : []));
  const t = ecc.xOnlyPointAddTweak(xonly, tweak)!;
  let d = internal.privateKey!;
  if (internal.publicKey[0] === 0x03) d = ecc.privateNegate(d);
  return { output: Uint8Array.from([0x51, 0x20, ...t.xOnlyPubkey]), tweakedPriv: ecc.privateAdd(d, tweak)!, parity: t.parity, xonly };
}

/** Encodes an ECDSA signature with `hashType`, optionally forcing the high-S form. */
export function encodeEcdsa(compact: Uint8Array, hashType: number, highS = false): Uint8Array {
  let sig = compact;
  if (highS) {
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt('0x' + Buffer.from(compact.subarray(32)).toString('hex'));
    const hs = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex');
    sig = Uint8Array.from([...compact.subarray(0, 32), ...hs]);
  }
  return bscript.signature.encode(sig, hashType);
}

export interface BuildOptions { hashType: number; highS?: boolean; signer?: ECPairInterface; }

export function buildSpend(kind: SpendKind, opts: BuildOptions): Spend {
  const { hashType } = opts;
  const k1 = key(1), k2 = key(2), k3 = key(3);
  const signer = opts.signer ?? k1;
  const tx = new Transaction();
  tx.version = 2;
  const prevouts: Prevout[] = [];
  let sign: (i: number) => void;

  const ecdsa = (hash: Uint8Array, k: ECPairInterface) => encodeEcdsa(k.sign(hash), hashType, opts.highS);

  switch (kind) {
    case 'p2pkh': {
      const p = payments.p2pkh({ pubkey: k1.publicKey });
      prevouts.push({ script: p.output!, value: VALUE }, { script: p.output!, value: VALUE + 1n });
      sign = (i) => {
        const sig = ecdsa(tx.hashForSignature(i, p.output!, hashType), signer);
        tx.setInputScript(i, bscript.compile([sig, signer.publicKey]));
      };
      break;
    }
    case 'p2sh-multisig': {
      const ms = payments.p2ms({ m: 2, pubkeys: [k1.publicKey, k2.publicKey, k3.publicKey] });
      const p = payments.p2sh({ redeem: ms });
      prevouts.push({ script: p.output!, value: VALUE }, { script: p.output!, value: VALUE + 1n });
      sign = (i) => {
        const h = tx.hashForSignature(i, ms.output!, hashType);
        tx.setInputScript(i, bscript.compile([0, ecdsa(h, signer), ecdsa(h, k3), ms.output!]));
      };
      break;
    }
    case 'p2sh-p2wpkh':
    case 'p2wpkh': {
      const w = payments.p2wpkh({ pubkey: k1.publicKey });
      const p = kind === 'p2wpkh' ? w : payments.p2sh({ redeem: w });
      const scriptCode = payments.p2pkh({ hash: w.hash }).output!;
      prevouts.push({ script: p.output!, value: VALUE }, { script: p.output!, value: VALUE + 1n });
      sign = (i) => {
        const sig = ecdsa(tx.hashForWitnessV0(i, scriptCode, prevouts[i].value, hashType), signer);
        tx.setWitness(i, [sig, signer.publicKey]);
        if (kind === 'p2sh-p2wpkh') tx.setInputScript(i, bscript.compile([w.output!]));
      };
      break;
    }
    case 'p2wsh-multisig': {
      const ms = payments.p2ms({ m: 2, pubkeys: [k1.publicKey, k2.publicKey, k3.publicKey] });
      const p = payments.p2wsh({ redeem: ms });
      prevouts.push({ script: p.output!, value: VALUE }, { script: p.output!, value: VALUE + 1n });
      sign = (i) => {
        const h = tx.hashForWitnessV0(i, ms.output!, prevouts[i].value, hashType);
        tx.setWitness(i, [new Uint8Array(0), ecdsa(h, signer), ecdsa(h, k2), ms.output!]);
      };
      break;
    }
    case 'p2tr-key': {
      const t = p2trTweak(k1);
      const other = p2trTweak(signer);
      prevouts.push({ script: t.output, value: VALUE }, { script: t.output, value: VALUE + 1n });
      sign = (i) => {
        const h = tx.hashForWitnessV1(i, prevouts.map((p) => p.script), prevouts.map((p) => p.value), hashType);
        const sig = ecc.signSchnorr(h, other.tweakedPriv);
        tx.setWitness(i, [hashType === Transaction.SIGHASH_DEFAULT ? sig : Uint8Array.from([...sig, hashType])]);
      };
      break;
    }
    case 'p2tr-script': {
      // One leaf: <xonly(k2)> OP_CHECKSIG, under internal key k1.
      const leafKey = key(2);
      const leafScript = Uint8Array.from([0x20, ...leafKey.publicKey.subarray(1, 33), 0xac]);
      const leaf = taggedHash('TapLeaf', Uint8Array.of(0xc0, leafScript.length), leafScript);
      const t = p2trTweak(k1, leaf);
      const control = Uint8Array.from([0xc0 | t.parity, ...t.xonly]);
      let d = (signer === k1 ? leafKey : signer).privateKey!;
      if ((signer === k1 ? leafKey : signer).publicKey[0] === 0x03) d = ecc.privateNegate(d);
      prevouts.push({ script: t.output, value: VALUE }, { script: t.output, value: VALUE + 1n });
      sign = (i) => {
        const h = tx.hashForWitnessV1(i, prevouts.map((p) => p.script), prevouts.map((p) => p.value), hashType, leaf);
        const sig = ecc.signSchnorr(h, d);
        tx.setWitness(i, [hashType === Transaction.SIGHASH_DEFAULT ? sig : Uint8Array.from([...sig, hashType]), leafScript, control]);
      };
      break;
    }
  }
  tx.addInput(new Uint8Array(32).fill(0xaa), 0, 0xfffffffe);
  tx.addInput(new Uint8Array(32).fill(0xbb), 1, 0xfffffffd);
  tx.addOutput(payments.p2wpkh({ pubkey: k2.publicKey }).output!, 30_000n);
  tx.addOutput(payments.p2wpkh({ pubkey: k3.publicKey }).output!, 60_000n);
  sign(0);
  sign(1);
  return { tx, prevouts, resign: sign };
}
