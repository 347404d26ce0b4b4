import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { encodeSafetensors, parseSafetensors, SafetensorsError, DTYPE_SIZE, type Dtype } from '../../model-store/safetensors.js';
import { testData } from './helpers.js';

const vectors = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0001/safetensors.json', import.meta.url), 'utf8'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

for (const v of vectors.valid) {
  test(`Hugging Face bytes: ${v.name}`, () => {
    const bytes = new Uint8Array(Buffer.from(v.hex, 'hex'));
    const st = parseSafetensors(bytes);
    assert.equal(st.metadata, v.metadata ?? undefined);
    assert.equal([...st.tensors.keys()], v.tensors.map((t: { name: string }) => t.name));
    for (const t of v.tensors) {
      const got = st.tensors.get(t.name)!;
      assert.is(got.dtype, t.dtype);
      assert.equal(got.shape, t.shape);
      assert.is(hex(got.data), t.data);
      assert.is(got.data.byteOffset % DTYPE_SIZE[got.dtype as Dtype], 0, 'aligned view');
    }
    // Our writer reproduces HF's bytes exactly.
    const re = encodeSafetensors(v.tensors.map((t: { name: string; dtype: Dtype; shape: number[]; data: string }) => ({ ...t, data: new Uint8Array(Buffer.from(t.data, 'hex')) })), v.metadata ?? undefined);
    assert.is(hex(re), v.hex);
  });
}

for (const v of vectors.invalid) {
  test(`refused: ${v.name}`, () => {
    const bytes = new Uint8Array(Buffer.from(v.hex, 'hex'));
    assert.throws(() => parseSafetensors(bytes), (e: unknown) => e instanceof SafetensorsError && /^safetensors: /.test((e as Error).message));
  });
}

test('error messages name the problem', () => {
  const msg = (h: string) => { try { parseSafetensors(new Uint8Array(Buffer.from(h, 'hex'))); } catch (e) { return (e as Error).message; } return ''; };
  const byName = Object.fromEntries(vectors.invalid.map((v: { name: string; hex: string }) => [v.name, v.hex]));
  assert.match(msg(byName['duplicate tensor name']), /duplicate key "a"/);
  assert.match(msg(byName['gap between tensors']), /gap at data offset 1/);
  assert.match(msg(byName['overlapping tensors']), /"b" overlaps/);
  assert.match(msg(byName['dtype x shape does not match offsets']), /is 4 bytes but F32 \[2\] needs 8/);
  assert.match(msg(byName['header length over 100,000,000']), /exceeds the limit/);
  assert.match(msg(byName['unknown dtype']), /unsupported dtype "X9"/);
  assert.match(msg(byName['data buffer shorter than tensors (truncated)']), /cover 4 data bytes but the file holds 3/);
});

test('round trip: every dtype, metadata, sorted like HF (dtype rank desc, then name)', () => {
  const dtypes = Object.keys(DTYPE_SIZE) as Dtype[];
  const tensors = dtypes.map((dtype, i) => ({ name: `t${String(dtypes.length - i).padStart(2, '0')}.${dtype}`, dtype, shape: [2, i + 1], data: testData(2 * (i + 1) * DTYPE_SIZE[dtype], i * 100) }));
  tensors.push({ name: 'empty', dtype: 'F32', shape: [0, 3], data: new Uint8Array(0) });
  tensors.push({ name: 'scalar', dtype: 'F64', shape: [], data: testData(8) });
  const meta = { format: 'pt', 'b-key': 'é "quoted"\n' };
  const bytes = encodeSafetensors(tensors, meta);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is(n % 8, 0, 'header padded to 8');
  const st = parseSafetensors(bytes);
  assert.equal(st.metadata, meta);
  const names = [...st.tensors.keys()];
  assert.equal(names.slice(0, 4), ['t01.U64', 't02.I64', 'scalar', 't03.F64'], 'U64, I64, then F64 by name');
  for (const t of tensors) {
    const got = st.tensors.get(t.name)!;
    assert.is(got.dtype, t.dtype);
    assert.equal(got.shape, t.shape);
    assert.equal(got.data, t.data);
    assert.is(got.data.byteOffset % DTYPE_SIZE[got.dtype], 0);
  }
  // Canonical: encoding the parsed tensors again gives identical bytes, whatever the input order.
  assert.equal(encodeSafetensors([...tensors].reverse(), meta), bytes);
});

test('writer refuses bad tensors', () => {
  assert.throws(() => encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: new Uint8Array(4) }]), /needs 8/);
  assert.throws(() => encodeSafetensors([{ name: 'a', dtype: 'U8', shape: [1], data: new Uint8Array(1) }, { name: 'a', dtype: 'U8', shape: [1], data: new Uint8Array(1) }]), /duplicate/);
  assert.throws(() => encodeSafetensors([{ name: '__metadata__', dtype: 'U8', shape: [1], data: new Uint8Array(1) }]), /reserved/);
  assert.throws(() => encodeSafetensors([{ name: 'a', dtype: 'Q4' as Dtype, shape: [1], data: new Uint8Array(1) }]), /unsupported dtype/);
});

test('maxHeaderBytes option lowers the limit', () => {
  const bytes = encodeSafetensors([{ name: 'a', dtype: 'U8', shape: [1], data: new Uint8Array(1) }]);
  assert.throws(() => parseSafetensors(bytes, { maxHeaderBytes: 16 }), /exceeds the limit of 16/);
});

test.run();
