import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Block } from '../../chain/block.js';
import {
  encodeHeader, decodeHeader, headerHash, headerId, compactToTarget, targetToCompact, checkProofOfWork,
  getBlockProof, hashToHex, hexToHash,
} from '../../chain/header.js';
import { genesisBlock, regtest, main, networks } from '../../chain/params.js';

const vdir = new URL('../../spec/BIPs/vectors/oda-bip-0000/', import.meta.url);
const load = (f: string) => JSON.parse(readFileSync(new URL(f, vdir), 'utf8'));

test('genesis vectors: bytes, hash, params.genesis.hash, PoW', () => {
  for (const v of load('genesis.json').vectors) {
    const p = networks[v.network as 'main' | 'regtest'];
    const b = genesisBlock(p);
    assert.is(b.toHex(), v.hex);
    assert.is(b.getId(), v.hash);
    assert.is(p.genesis.hash, v.hash, 'params genesis hash is the hash of genesisBlock(params)');
    assert.is(headerId(hexToBuf(v.header)), v.hash);
    assert.is(b.transactions![0].getId(), v.coinbaseTxid);
    assert.ok(checkProofOfWork(headerHash(hexToBuf(v.header)), b.bits, p));
  }
});
const hexToBuf = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

test('encode/decode header round-trip equals bitcoinjs serialisation', () => {
  const b = genesisBlock(regtest);
  const raw = b.toBuffer(true);
  const h = decodeHeader(raw);
  assert.equal(encodeHeader(h), Uint8Array.from(raw));
  assert.is(h.bits, 0x207fffff);
  assert.is(h.time, regtest.genesis.time);
  h.version = -1; h.nonce = 0xffffffff;
  const back = decodeHeader(encodeHeader(h));
  assert.is(back.version, -1);
  assert.is(back.nonce, 0xffffffff);
  assert.throws(() => decodeHeader(new Uint8Array(79)));
  assert.is(hashToHex(hexToHash(main.genesis.hash)), main.genesis.hash);
});

test('compact vectors: SetCompact/GetCompact flags and block proof', () => {
  for (const v of load('compact.json').vectors) {
    const bits = parseInt(v.bits, 16);
    const c = compactToTarget(bits);
    assert.is(c.negative, v.negative, v.bits);
    assert.is(c.overflow, v.overflow, v.bits);
    if (!v.overflow) {
      assert.is(c.target.toString(16), v.target, v.bits);
      assert.is('0x' + targetToCompact(c.target).toString(16), v.roundtrip, v.bits);
    }
    assert.is(getBlockProof(bits).toString(), v.proof, v.bits);
  }
});

test('checkProofOfWork: bits above powLimit, zero, negative, hash above target', () => {
  const b = genesisBlock(main);
  const hash = headerHash(b.toBuffer(true));
  assert.ok(checkProofOfWork(hash, 0x1e0fffff, main));
  assert.not.ok(checkProofOfWork(hash, 0x207fffff, main), 'easier than powLimit');
  assert.not.ok(checkProofOfWork(hash, 0x1d00ffff, main), 'hash above a harder target');
  assert.not.ok(checkProofOfWork(hash, 0x04923456, regtest), 'negative');
  assert.not.ok(checkProofOfWork(hash, 0x01003456, regtest), 'zero target');
  assert.not.ok(checkProofOfWork(hash, 0xff123456, regtest), 'overflow');
  // regtest: roughly half of all hashes pass; a hash with the top bit set fails.
  assert.not.ok(checkProofOfWork(new Uint8Array(32).fill(0xff), 0x207fffff, regtest));
  assert.ok(checkProofOfWork(new Uint8Array(32).fill(0x00), 0x207fffff, regtest));
  // bitcoinjs agrees on a valid block
  assert.ok(Block.fromBuffer(b.toBuffer()).checkProofOfWork());
});

test.run();
