// ODA-BIP-0006 header and block codec vectors (spec/BIPs/vectors/oda-bip-0006/header.json):
// 80- and 113-byte headers, hash over the whole header, seed over the first 80 bytes, the
// block index entry, a whole block, the penalised PoW check, and truncated extensions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Block, decodeBlock, decodeBlockHeader, blockHeader80 } from '../../chain/block.js';
import { decodeEntry, encodeEntry } from '../../chain/entry.js';
import { VerifyError } from '../../chain/errors.js';
import { checkPenalizedPow, decodeHeader, encodeHeader, hashToHex, headerHash, headerLength } from '../../chain/header.js';

const V = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0006/header.json', import.meta.url), 'utf8'));
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('headers: encode/decode, hash of the whole header, seed of the first 80 bytes, index entry', () => {
  for (const v of V.headers) {
    const raw = bytes(v.hex);
    assert.is(headerLength(raw), raw.length, v.description);
    const h = decodeHeader(raw);
    assert.is(h.version >>> 0, v.version, v.description);
    assert.is(h.storage ? hex(h.storage.digest) : null, v.digest, v.description);
    assert.is(h.storage?.skips ?? null, v.skips, v.description);
    assert.is(hex(encodeHeader(h)), v.hex, v.description);
    assert.is(hashToHex(headerHash(raw)), v.hash, v.description);
    assert.is(hex(headerHash(raw.subarray(0, 80))), v.seed, v.description);
    // Through the block codec: the Block keeps the extension and getId covers it.
    const b = decodeBlockHeader(raw);
    assert.is(hex(b.toBuffer(true)), v.hex, v.description);
    assert.is(b.getId(), v.hash, v.description);
    assert.is(hex(blockHeader80(b)), v.hex.slice(0, 160), v.description);
    const e = decodeEntry(bytes(v.entry));
    assert.is(e.hash, v.hash, v.description);
    assert.is(e.height, 130);
    assert.is(e.chainwork, 0x1234n);
    assert.is(hex(encodeEntry(e)), v.entry, v.description);
  }
});

test('block with the extended header: bytes, id, weight, round trip', () => {
  const v = V.block;
  const b = decodeBlock(bytes(v.hex));
  assert.ok(b instanceof Block);
  assert.is(b.getId(), v.hash);
  assert.is(hex(b.toBuffer()), v.hex);
  assert.is(hex(b.toBuffer(true)), v.header);
  assert.is(b.weight(), v.weight);
  assert.is(b.byteLength(), bytes(v.hex).length);
  assert.is(Block.fromHex(v.hex).getId(), v.hash, 'Block.fromHex keeps the extension');
  assert.is(hex(b.transactions![0].ins[0].witness[1]), '0100');
});

test('penalised PoW: skips ≤ k, hash ≤ target >> (b · skips)', () => {
  for (const v of V.pow) {
    let result = 'ok';
    try {
      checkPenalizedPow(BigInt('0x' + v.hash), 0x7fffffn << 232n, v.skips);
    } catch (e) {
      assert.ok(e instanceof VerifyError);
      result = (e as VerifyError).reason;
    }
    assert.is(result, v.result, `${v.hash} skips ${v.skips}`);
  }
});

test('invalid: the top bits announce an extension the bytes do not carry', () => {
  for (const v of V.invalid) {
    assert.throws(() => decodeHeader(bytes(v.hex)), /header needs 113 bytes/, v.description);
    assert.throws(() => decodeBlockHeader(bytes(v.hex)), /113 bytes/, v.description);
  }
  // A Block whose version and extension disagree cannot be serialized.
  const b = decodeBlockHeader(bytes(V.headers[2].hex));
  b.storage = undefined;
  assert.throws(() => b.toBuffer(true), /version bit set without a storage extension/);
});

test.run();
