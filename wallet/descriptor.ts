// Output descriptor strings for wallet keys (BIP380-386) with Core's checksum
// (DescriptorChecksum in src/script/descriptor.cpp), as printed in listunspent's "desc"
// and getaddressinfo's "desc".
import type { AddressType } from './keys.js';

const INPUT_CHARSET = '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];

function polymod(symbols: number[]): bigint {
  let chk = 1n;
  for (const value of symbols) {
    const top = chk >> 35n;
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) if ((top >> BigInt(i)) & 1n) chk ^= GENERATOR[i];
  }
  return chk;
}

/** The 8-character checksum; throws on a character outside the descriptor charset. */
export function descriptorChecksum(desc: string): string {
  const symbols: number[] = [];
  let groups: number[] = [];
  for (const c of desc) {
    const v = INPUT_CHARSET.indexOf(c);
    if (v < 0) throw new Error(`Invalid character in descriptor: '${c}'`);
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push(groups[0] * 9 + groups[1] * 3 + groups[2]);
      groups = [];
    }
  }
  if (groups.length === 1) symbols.push(groups[0]);
  else if (groups.length === 2) symbols.push(groups[0] * 3 + groups[1]);
  symbols.push(0, 0, 0, 0, 0, 0, 0, 0);
  const c = polymod(symbols) ^ 1n;
  let out = '';
  for (let i = 0; i < 8; i++) out += CHECKSUM_CHARSET[Number((c >> BigInt(5 * (7 - i))) & 31n)];
  return out;
}

export function addChecksum(desc: string): string {
  return `${desc}#${descriptorChecksum(desc)}`;
}

/** "wpkh([fingerprint/84h/1h/0h/0/5]02ab…)#checksum" for one derived wallet key. */
export function keyDescriptor(type: AddressType, fingerprint: Uint8Array, path: string, publicKey: Uint8Array): string {
  const origin = `[${Buffer.from(fingerprint).toString('hex')}${path.slice(1).replace(/'/g, 'h')}]`;
  const pub = Buffer.from(type === 'bech32m' ? publicKey.subarray(1) : publicKey).toString('hex');
  const inner = `${origin}${pub}`;
  const body = type === 'legacy' ? `pkh(${inner})` : type === 'bech32' ? `wpkh(${inner})` : type === 'p2sh-segwit' ? `sh(wpkh(${inner}))` : `tr(${inner})`;
  return addChecksum(body);
}

/** The ranged descriptor a key comes from: "wpkh([fingerprint/84h/1h/0h]xpub…/0/*)#checksum". */
export function branchDescriptor(type: AddressType, fingerprint: Uint8Array, accountPath: string, accountXpub: string, branch: number): string {
  const origin = `[${Buffer.from(fingerprint).toString('hex')}${accountPath.slice(1).replace(/'/g, 'h')}]`;
  const inner = `${origin}${accountXpub}/${branch}/*`;
  const body = type === 'legacy' ? `pkh(${inner})` : type === 'bech32' ? `wpkh(${inner})` : type === 'p2sh-segwit' ? `sh(wpkh(${inner}))` : `tr(${inner})`;
  return addChecksum(body);
}
