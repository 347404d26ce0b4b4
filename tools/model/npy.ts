// A strict reader of NumPy's .npy format (numpy/lib/format.py, "NPY format" versions 1.0, 2.0
// and 3.0): magic "\x93NUMPY", version, header length (u16 in 1.0, u32 after), a Python dict
// literal {'descr': …, 'fortran_order': …, 'shape': (…), } padded with spaces to a newline,
// then the raw C-order data. Only little-endian numeric dtypes are read, as numbers; anything
// else (object arrays, structured dtypes, Fortran order, big-endian, a short or long data
// section) is a clear error rather than a guess. npm's npyjs was considered: it targets the
// browser's fetch, accepts headers loosely and does not check the data length.
import { ModelError } from './errors.js';

export interface NpyArray {
  dtype: string;
  shape: number[];
  /** Every element as a double, C order. int64/uint64 beyond 2^53 are refused. */
  values: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

type Getter = (v: DataView, o: number) => number;
const DTYPES: Record<string, { size: number; get: Getter }> = {
  f8: { size: 8, get: (v, o) => v.getFloat64(o, true) },
  f4: { size: 4, get: (v, o) => v.getFloat32(o, true) },
  f2: { size: 2, get: (v, o) => half(v.getUint16(o, true)) },
  i1: { size: 1, get: (v, o) => v.getInt8(o) },
  u1: { size: 1, get: (v, o) => v.getUint8(o) },
  b1: { size: 1, get: (v, o) => v.getUint8(o) },
  i2: { size: 2, get: (v, o) => v.getInt16(o, true) },
  u2: { size: 2, get: (v, o) => v.getUint16(o, true) },
  i4: { size: 4, get: (v, o) => v.getInt32(o, true) },
  u4: { size: 4, get: (v, o) => v.getUint32(o, true) },
  i8: { size: 8, get: (v, o) => safe(v.getBigInt64(o, true)) },
  u8: { size: 8, get: (v, o) => safe(v.getBigUint64(o, true)) },
};

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function safe(b: bigint): number {
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)) return NaN;
  return Number(b);
}

const HEADER = /^\{\s*'descr'\s*:\s*'([<>|=])([a-zA-Z])(\d+)'\s*,\s*'fortran_order'\s*:\s*(True|False)\s*,\s*'shape'\s*:\s*\(\s*((?:\d+\s*,\s*)*(?:\d+\s*)?)\)\s*,?\s*\}\s*$/;

/** Parses a whole .npy file; `file` names it in messages. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const fail = (why: string): never => {
    throw new ModelError(`${file}: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy file (no \\x93NUMPY magic; write it with numpy.save)');
  const major = bytes[6];
  if (major < 1 || major > 3) fail(`.npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0, 3.0 are)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail('truncated header');
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + hlen;
  if (start > bytes.length) fail('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, start));
  const m = HEADER.exec(header);
  if (!m) fail(`unsupported .npy header ${JSON.stringify(header.trim())} (expected a plain numeric array: no structured or object dtype)`);
  const [, order, kind, size, fortran, shapeText] = m!;
  const code = `${kind}${size}`;
  const dt = DTYPES[code];
  if (!dt) fail(`dtype '${order}${code}' is not supported (float16/32/64, int8..64, uint8..64, bool are)`);
  if (order === '>' && dt!.size > 1) fail(`dtype '${order}${code}' is big-endian: save the array with .astype('<${code}')`);
  if (fortran === 'True') fail('the array is in Fortran order: save numpy.ascontiguousarray(x)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const n = shape.reduce((a, d) => a * d, 1);
  if (!Number.isSafeInteger(n)) fail(`shape (${shape.join(', ')}) is too large`);
  const need = n * dt!.size;
  if (bytes.length - start !== need) fail(`the data section is ${bytes.length - start} bytes, shape (${shape.join(', ')}) of ${order}${code} needs ${need}`);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = dt!.get(view, start + i * dt!.size);
  return { dtype: `${order}${code}`, shape, values };
}

/** The .npy encoding of a float64 or int32 array (tests and tools that hand data to Python). */
export function encodeNpy(shape: number[], values: ArrayLike<number>, dtype: '<f8' | '<i4' | '|u1' = '<f8'): Uint8Array {
  const size = dtype === '<f8' ? 8 : dtype === '<i4' ? 4 : 1;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = `${dict}${' '.repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + header.length + values.length * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const v = new DataView(out.buffer);
  v.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const o = 10 + header.length;
  for (let i = 0; i < values.length; i++) {
    if (size === 8) v.setFloat64(o + 8 * i, values[i], true);
    else if (size === 4) v.setInt32(o + 4 * i, values[i], true);
    else v.setUint8(o + i, values[i]);
  }
  return out;
}
