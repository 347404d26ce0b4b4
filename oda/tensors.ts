// Tensor lists carried by inference transactions (ODA-BIP-0003 "Tensor list"): the inputs or
// the outputs of one inference, in graph order, names implied by the model's signature.
//
//   count u8 (1..16) | per tensor: dtype u8 (0 int8, 1 uint8, 2 int32, 3 int64) |
//   rank u8 (1..8) | dims u32 LE × rank (each >= 1) | data: numel × element size bytes, LE
//
// No padding, no trailing bytes: one encoding per list.
import { ELEM_BYTES, bytesOf, numel, tensorFromBytes, type ElemType, type Tensor } from '../validator/tensor.js';
import { Reader, Writer } from './codec.js';

const DTYPES: readonly ElemType[] = ['int8', 'uint8', 'int32', 'int64'];
export const MAX_TENSORS = 16;
export const MAX_RANK = 8;

export function encodeTensorList(ts: readonly Tensor[]): Uint8Array {
  if (ts.length < 1 || ts.length > MAX_TENSORS) throw new RangeError(`tensor count ${ts.length} outside [1, ${MAX_TENSORS}]`);
  const w = new Writer().u8(ts.length);
  for (const t of ts) {
    if (t.dims.length < 1 || t.dims.length > MAX_RANK || t.dims.some((d) => !Number.isInteger(d) || d < 1 || d > 0xffffffff)) throw new RangeError(`bad dims [${t.dims}]`);
    if (numel(t.dims) !== t.data.length) throw new RangeError(`dims [${t.dims}] do not match ${t.data.length} elements`);
    w.u8(DTYPES.indexOf(t.type)).u8(t.dims.length);
    for (const d of t.dims) w.u32(d);
    w.bytes(bytesOf(t.data));
  }
  return w.finish();
}

/** Throws OdaDecodeError('bad-oda-tensors') for anything but a canonical tensor list. */
export function decodeTensorList(bytes: Uint8Array): Tensor[] {
  const r = new Reader(bytes, 'bad-oda-tensors');
  const n = r.u8('count');
  if (n < 1 || n > MAX_TENSORS) r.fail(`tensor count ${n} outside [1, ${MAX_TENSORS}]`);
  const out: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const code = r.u8('dtype');
    const type = DTYPES[code];
    if (type === undefined) r.fail(`tensor ${i}: unknown dtype ${code}`);
    const rank = r.u8('rank');
    if (rank < 1 || rank > MAX_RANK) r.fail(`tensor ${i}: rank ${rank} outside [1, ${MAX_RANK}]`);
    const dims: number[] = [];
    let count = 1;
    for (let k = 0; k < rank; k++) {
      const d = r.u32('dim');
      if (d < 1) r.fail(`tensor ${i}: zero dim`);
      dims.push(d);
      count *= d;
      // Bound before multiplying further so a shape bomb fails on length, not on allocation.
      if (count * ELEM_BYTES[type] > bytes.length) r.fail(`tensor ${i}: shape [${dims}] larger than the data`);
    }
    out.push(tensorFromBytes(type, dims, Uint8Array.prototype.slice.call(r.take(count * ELEM_BYTES[type], `tensor ${i} data`))));
  }
  r.end();
  return out;
}
