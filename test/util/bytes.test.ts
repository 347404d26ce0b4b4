// util/bytes.ts is the one CompactSize/integer codec: its edges (the CompactSize size
// boundaries, canonical-only decoding, 64/128-bit two's complement) are pinned here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ByteReader, ByteWriter, compactSizeLength, writeCompactSize } from '../../util/bytes.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('CompactSize: Bitcoin encodings at every size boundary, both writers agree', () => {
  const cases: Array<[number, string]> = [
    [0, '00'], [0xfc, 'fc'], [0xfd, 'fdfd00'], [0xffff, 'fdffff'], [0x10000, 'fe00000100'],
    [0xffffffff, 'feffffffff'], [0x100000000, 'ff0000000001000000'], [Number.MAX_SAFE_INTEGER, 'ffffffffffffff1f00'],
  ];
  for (const [n, want] of cases) {
    assert.is(hex(new ByteWriter().compactSize(n).finish()), want, `n=${n}`);
    const b = new Uint8Array(9);
    assert.is(writeCompactSize(b, 0, n), compactSizeLength(n));
    assert.is(hex(b.subarray(0, compactSizeLength(n))), want);
    const r = new ByteReader(Buffer.from(want, 'hex'));
    assert.is(r.compactSize(Number.MAX_SAFE_INTEGER), n);
    r.end();
  }
  assert.throws(() => new ByteWriter().compactSize(-1));
  assert.throws(() => new ByteWriter().compactSize(1.5));
});

test('CompactSize decoding: non-canonical, oversize and over-limit values are rejected', () => {
  for (const bad of ['fdfc00', 'feffff0000', 'ffffffffff00000000', 'ffffffffffffffffff']) {
    assert.throws(() => new ByteReader(Buffer.from(bad, 'hex')).compactSize(Number.MAX_SAFE_INTEGER), /CompactSize/);
  }
  assert.throws(() => new ByteReader(Uint8Array.of(5)).compactSize(4), /exceeds limit 4/);
  assert.throws(() => new ByteReader(Uint8Array.of(0xfd, 1)).compactSize(1e6), /needs 2 bytes/);
});

test('integers: little-endian, two\'s complement, and the error factory of the format', () => {
  const w = new ByteWriter(1).u8(0x1ff).u16(0xbeef).u16be(0xbeef).u32(0xdeadbeef).i32(-2).u64(2n ** 64n - 1n).i64(-5n).i128(-(2n ** 100n)).var8(Uint8Array.of(7)).var32(Uint8Array.of(8, 9)).str8('é');
  const r = new ByteReader(w.finish(), (m) => new SyntaxError(m));
  assert.is(r.u8(), 0xff);
  assert.is(r.u16(), 0xbeef);
  assert.is(r.u16be(), 0xbeef);
  assert.is(r.u32(), 0xdeadbeef);
  assert.is(r.i32(), -2);
  assert.is(r.u64(), 2n ** 64n - 1n);
  assert.is(r.i64(), -5n);
  assert.is(r.i128(), -(2n ** 100n));
  assert.equal([...r.var8('a', 1, 1)], [7]);
  assert.equal([...r.var32('b', 0, 2)], [8, 9]);
  assert.is(r.str8('c', 0, 4), 'é');
  r.end();
  assert.throws(() => r.u8(), (e: unknown) => e instanceof SyntaxError);
  assert.throws(() => new ByteReader(Uint8Array.of(1, 2)).end(), /2 trailing bytes/);
  assert.throws(() => new ByteReader(Uint8Array.of(1, 0xff)).str8('s', 0, 5), /not valid UTF-8/);
});

test.run();
