// Address ↔ script for ODA networks, Core's script type names and asm format.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { payments, networks } from 'bitcoinjs-lib';
import { regtest, main } from '../../chain/params.js';
import { addressToScript, scriptToAddress, scriptType, scriptToAsm, decodeAddress, AddressError, networkFor } from '../../chain/address.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const h20 = new Uint8Array(20).fill(7);
const h32 = new Uint8Array(32).fill(9);
const oda = networkFor(regtest);

test('ODA regtest addresses round-trip through their output scripts', () => {
  const cases = [
    payments.p2wpkh({ hash: h20, network: oda }),
    payments.p2wsh({ hash: h32, network: oda }),
    payments.p2pkh({ hash: h20, network: oda }),
    payments.p2sh({ hash: h20, network: oda }),
  ];
  for (const p of cases) {
    assert.is(hex(addressToScript(p.address!, regtest)), hex(p.output!));
    assert.is(scriptToAddress(p.output!, regtest), p.address);
  }
  assert.ok(cases[0].address!.startsWith('odart1q'));
  assert.ok(cases[2].address!.startsWith('T'));
  assert.ok(cases[3].address!.startsWith('r'));
});

test('taproot (bech32m) addresses decode to witness v1 scripts', () => {
  const script = Uint8Array.from([0x51, 32, ...h32]);
  const addr = scriptToAddress(script, regtest)!;
  assert.ok(addr.startsWith('odart1p'));
  assert.is(hex(addressToScript(addr, regtest)), hex(script));
  assert.is(scriptType(script), 'witness_v1_taproot');
});

test('Bitcoin regtest addresses are rejected by ODA, and ODA addresses by Bitcoin', () => {
  const btc = [
    payments.p2wpkh({ hash: h20, network: networks.regtest }).address!,
    payments.p2pkh({ hash: h20, network: networks.regtest }).address!,
    payments.p2sh({ hash: h20, network: networks.regtest }).address!,
    payments.p2wpkh({ hash: h20, network: networks.bitcoin }).address!,
  ];
  for (const a of btc) assert.throws(() => addressToScript(a, regtest), (e: unknown) => e instanceof AddressError);
  const odaAddr = payments.p2wpkh({ hash: h20, network: oda }).address!;
  assert.throws(() => payments.p2wpkh({ address: odaAddr, network: networks.regtest }));
  // ODA main and regtest do not accept each other's addresses either.
  assert.throws(() => addressToScript(odaAddr, main));
});

test('invalid addresses give Core error strings', () => {
  const msg = (a: string) => { try { decodeAddress(a, regtest); return 'ok'; } catch (e) { return (e as Error).message; } };
  assert.is(msg('bcrt1qqurswpc8qurswpc8qurswpc8qurswpc8dxm0gk'), 'Invalid or unsupported Segwit (Bech32) or Base58 encoding.');
  assert.is(msg('mgA7SfyBBrVGVSpQ7oqGHPhxpp2gUZWtfc'), 'Invalid or unsupported Base58-encoded address.');
  assert.is(msg('odart1qxyz'), 'Invalid Bech32 checksum');
  assert.is(msg(''), 'Invalid or unsupported Segwit (Bech32) or Base58 encoding.');
  const good = payments.p2pkh({ hash: h20, network: oda }).address!;
  const bad = good.slice(0, -1) + (good.endsWith('Z') ? 'Y' : 'Z');
  assert.is(msg(bad), 'Invalid checksum or length of Base58 address (P2PKH or P2SH)');
});

test('scriptType follows Core Solver names', () => {
  const pk = new Uint8Array(33).fill(1); pk[0] = 2;
  const S = (...b: number[]) => Uint8Array.from(b);
  assert.is(scriptType(S(0x76, 0xa9, 20, ...h20, 0x88, 0xac)), 'pubkeyhash');
  assert.is(scriptType(S(0xa9, 20, ...h20, 0x87)), 'scripthash');
  assert.is(scriptType(S(0, 20, ...h20)), 'witness_v0_keyhash');
  assert.is(scriptType(S(0, 32, ...h32)), 'witness_v0_scripthash');
  assert.is(scriptType(S(0x52, 2, 1, 2)), 'witness_unknown');
  assert.is(scriptType(S(0x51, 2, 0x4e, 0x73)), 'anchor');
  assert.is(scriptType(S(0x6a, 3, 1, 2, 3)), 'nulldata');
  assert.is(scriptType(S(0x6a)), 'nulldata');
  assert.is(scriptType(S(0x6a, 0x76)), 'nonstandard');
  assert.is(scriptType(S(33, ...pk, 0xac)), 'pubkey');
  assert.is(scriptType(S(0x51, 33, ...pk, 33, ...pk, 0x52, 0xae)), 'multisig');
  assert.is(scriptType(S(0x52, 33, ...pk, 0x51, 0xae)), 'nonstandard');
  assert.is(scriptType(S(0x51)), 'nonstandard');
  assert.is(scriptToAddress(S(0x6a, 1, 1), regtest), undefined);
});

test('scriptToAsm matches Core ScriptToAsmStr', () => {
  const S = (...b: number[]) => Uint8Array.from(b);
  assert.is(scriptToAsm(S(0, 0x4f, 0x51, 0x60, 1, 0x81, 2, 0xff, 0x00, 0xb1, 0xb2, 0xba, 0xfe)), '0 -1 1 16 -1 255 OP_CHECKLOCKTIMEVERIFY OP_CHECKSEQUENCEVERIFY OP_CHECKSIGADD OP_UNKNOWN');
  assert.is(scriptToAsm(S(5, 1, 2)), '[error]');
  assert.is(scriptToAsm(S(0x76, 0x4c)), 'OP_DUP [error]');
  // A DER signature with SIGHASH_ALL in a scriptSig: "[ALL]" replaces the last byte.
  const sig = '3044022057292e2d4dfe775becdd0a9e6547997c728cdf35390f6a017da56d654d374e4902206b643be2fc53763b4e284845bfea2c597d2dc7759941dce937636c9d341b71ed';
  const pk = '03' + '11'.repeat(32);
  const scriptSig = Buffer.from('47' + sig + '01' + '21' + pk, 'hex');
  assert.is(scriptToAsm(scriptSig, true), `${sig}[ALL] ${pk}`);
  assert.is(scriptToAsm(scriptSig, false), `${sig}01 ${pk}`);
  const scriptSig2 = Buffer.from('47' + sig + '83', 'hex');
  assert.is(scriptToAsm(scriptSig2, true), `${sig}[SINGLE|ANYONECANPAY]`);
  // OP_RETURN data is never sighash-decoded.
  const nulldata = Buffer.from('6a47' + sig + '01', 'hex');
  assert.is(scriptToAsm(nulldata, true), `OP_RETURN ${sig}01`);
});

test.run();
