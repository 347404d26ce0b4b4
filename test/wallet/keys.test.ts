// Key derivation against the published BIP44/49/84/86 test vectors (mnemonic "abandon … about"),
// using Bitcoin's prefixes to prove the derivation, then the same keys under ODA's prefixes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pbkdf2Sync } from 'node:crypto';
import { regtest, main, type NetworkParams } from '../../chain/params.js';
import { KeyChain, pathString } from '../../wallet/keys.js';
import { scriptToAddress } from '../../chain/address.js';
import { descriptorChecksum, keyDescriptor } from '../../wallet/descriptor.js';

const mnemonic = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const seed = pbkdf2Sync(mnemonic.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512');
const bitcoin: NetworkParams = { ...main, bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05, wif: 0x80, bip32: { public: 0x0488b21e, private: 0x0488ade4 }, coinType: 0 };
const testnet: NetworkParams = { ...bitcoin, bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, coinType: 1 };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('BIP84 vectors: m/84h/0h/0h receive and change', () => {
  const kc = new KeyChain(seed, bitcoin, 0);
  const k0 = kc.derive({ type: 'bech32', branch: 0, index: 0 });
  assert.is(hex(k0.publicKey), '0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c');
  assert.is(scriptToAddress(k0.script, bitcoin), 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
  assert.is(scriptToAddress(kc.derive({ type: 'bech32', branch: 0, index: 1 }).script, bitcoin), 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g');
  assert.is(scriptToAddress(kc.derive({ type: 'bech32', branch: 1, index: 0 }).script, bitcoin), 'bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el');
  assert.is(k0.path, "m/84'/0'/0'/0/0");
  assert.is(hex(kc.privateNode(k0).publicKey), hex(k0.publicKey));
});

test('BIP49 (testnet), BIP86 and BIP44 vectors', () => {
  const t = new KeyChain(seed, testnet, 0);
  assert.is(scriptToAddress(t.derive({ type: 'p2sh-segwit', branch: 0, index: 0 }).script, testnet), '2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2');
  const b = new KeyChain(seed, bitcoin, 0);
  assert.is(scriptToAddress(b.derive({ type: 'bech32m', branch: 0, index: 0 }).script, bitcoin), 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr');
  assert.is(scriptToAddress(b.derive({ type: 'legacy', branch: 0, index: 0 }).script, bitcoin), '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA');
});

test('ODA regtest uses coin type 1 and its own prefixes', () => {
  const kc = new KeyChain(seed, regtest, 0);
  const k = kc.derive({ type: 'bech32', branch: 0, index: 0 });
  assert.is(pathString(regtest, k), "m/84'/1'/0'/0/0");
  assert.ok(scriptToAddress(k.script, regtest)!.startsWith('odart1q'));
  // Same hash160 as Bitcoin testnet's m/84'/1'/0'/0/0 (coin type 1), different encoding.
  const tk = new KeyChain(seed, testnet, 0).derive({ type: 'bech32', branch: 0, index: 0 });
  assert.is(hex(k.script), hex(tk.script));
  assert.ok(scriptToAddress(kc.derive({ type: 'legacy', branch: 0, index: 0 }).script, regtest)!.startsWith('T'));
  assert.ok(scriptToAddress(kc.derive({ type: 'p2sh-segwit', branch: 0, index: 0 }).script, regtest)!.startsWith('r'));
});

test('lookahead index finds derived scripts and extends on use', () => {
  const kc = new KeyChain(seed, regtest, 20);
  kc.ensure('bech32', 0, 0);
  const k19 = kc.derive({ type: 'bech32', branch: 0, index: 19 });
  const k20 = kc.derive({ type: 'bech32', branch: 0, index: 20 });
  assert.is(kc.lookup(k19.script)?.index, 19);
  assert.is(kc.lookup(k20.script), undefined);
  kc.ensure('bech32', 0, 1);
  assert.is(kc.lookup(k20.script)?.index, 20);
  assert.is(kc.lookup(kc.derive({ type: 'bech32', branch: 1, index: 0 }).script), undefined);
});

test('persisted key cache: reloaded without derivation, refused for another seed or with gaps', () => {
  const a = new KeyChain(seed, regtest, 5);
  a.ensure('bech32', 0, 0);
  const saved = a.drainNew();
  assert.is(saved.length, 5);
  assert.is(a.drainNew().length, 0);
  const b = new KeyChain(seed, regtest, 5);
  b.preload(saved);
  assert.is(b.lookup(saved[4].script)?.index, 4);
  b.ensure('bech32', 0, 0);
  assert.is(b.drainNew().length, 0, 'nothing left to derive');
  const other = new KeyChain(new Uint8Array(64).fill(1), regtest, 5);
  assert.throws(() => other.preload(saved), /does not match the seed/);
  assert.throws(() => new KeyChain(seed, regtest, 5).preload(saved.slice(1)), /not contiguous/);
});

test('descriptor checksums (BIP380)', () => {
  assert.is(descriptorChecksum('raw(deadbeef)'), '89f8spxm');
  const kc = new KeyChain(seed, bitcoin, 0);
  const k = kc.derive({ type: 'bech32', branch: 0, index: 0 });
  const d = keyDescriptor('bech32', kc.rootFingerprint(), k.path, k.publicKey);
  assert.is(d.split('#')[0], 'wpkh([73c5da0a/84h/0h/0h/0/0]0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c)');
  assert.is(d.split('#')[1], descriptorChecksum(d.split('#')[0]));
});

test.run();
