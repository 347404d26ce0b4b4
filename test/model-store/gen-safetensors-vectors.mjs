// Writes spec/BIPs/vectors/oda-bip-0001/safetensors.json (hand-built bytes, independent of model-store/).
// Run from the repo root: node test/model-store/gen-safetensors-vectors.mjs
import { writeFileSync } from 'node:fs';
const hex = (a) => Buffer.from(a).toString('hex');
const f32 = (xs) => Buffer.concat(xs.map((x) => { const b = Buffer.alloc(4); b.writeFloatLE(x); return b; }));
const file = (header, data = Buffer.alloc(0), nOverride) => {
  const h = Buffer.from(header, 'utf8');
  const n = Buffer.alloc(8); n.writeBigUInt64LE(BigInt(nOverride ?? h.length));
  return hex(Buffer.concat([n, h, data]));
};
const hf = [
  { name: 'test_serialization: attn.0 F32 [1,2,3]', hex: hex([64,0,0,0,0,0,0,0,123,34,97,116,116,110,46,48,34,58,123,34,100,116,121,112,101,34,58,34,70,51,50,34,44,34,115,104,97,112,101,34,58,91,49,44,50,44,51,93,44,34,100,97,116,97,95,111,102,102,115,101,116,115,34,58,91,48,44,50,52,93,125,125,0,0,0,0,0,0,128,63,0,0,0,64,0,0,64,64,0,0,128,64,0,0,160,64]),
    metadata: null, tensors: [{ name: 'attn.0', dtype: 'F32', shape: [1,2,3], data: hex(f32([0,1,2,3,4,5])) }] },
  { name: 'test_empty: no tensors', hex: hex([8,0,0,0,0,0,0,0,123,125,32,32,32,32,32,32]), metadata: null, tensors: [] },
  { name: 'test_empty: metadata only', hex: hex([40,0,0,0,0,0,0,0,123,34,95,95,109,101,116,97,100,97,116,97,95,95,34,58,123,34,102,114,97,109,101,119,111,114,107,34,58,34,112,116,34,125,125,32,32,32,32,32]), metadata: { framework: 'pt' }, tensors: [] },
  { name: 'test_serialization_forced_alignement: attn0 F32 [1,1,2,3]', hex: hex([72,0,0,0,0,0,0,0,123,34,97,116,116,110,48,34,58,123,34,100,116,121,112,101,34,58,34,70,51,50,34,44,34,115,104,97,112,101,34,58,91,49,44,49,44,50,44,51,93,44,34,100,97,116,97,95,111,102,102,115,101,116,115,34,58,91,48,44,50,52,93,125,125,32,32,32,32,32,32,32,0,0,0,0,0,0,128,63,0,0,0,64,0,0,64,64,0,0,128,64,0,0,160,64]),
    metadata: null, tensors: [{ name: 'attn0', dtype: 'F32', shape: [1,1,2,3], data: hex(f32([0,1,2,3,4,5])) }] },
];
const t = (name, dtype, shape, a, b) => `"${name}":{"dtype":"${dtype}","shape":[${shape}],"data_offsets":[${a},${b}]}`;
const invalid = [
  ['file shorter than 8 bytes', hex([1,0,0])],
  ['header length past end of file', file('{}', Buffer.alloc(0), 100)],
  ['header length over 100,000,000', file('{}', Buffer.alloc(0), 100000001)],
  ['header not UTF-8', hex(Buffer.concat([Buffer.from([4,0,0,0,0,0,0,0]), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]))],
  ['header does not start with {', file(' {}')],
  ['header is not JSON', file('{"a":}')],
  ['header is a JSON array', file('[1,2]')],
  ['duplicate tensor name', file(`{${t('a','U8',[1],0,1)},${t('a','U8',[1],1,2)}}`, Buffer.alloc(2))],
  ['unknown dtype', file(`{${t('a','X9',[1],0,1)}}`, Buffer.alloc(1))],
  ['sub-byte dtype F4 unsupported', file(`{${t('a','F4',[2],0,1)}}`, Buffer.alloc(1))],
  ['negative shape entry', file(`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}`, Buffer.alloc(1))],
  ['fractional shape entry', file(`{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}`, Buffer.alloc(1))],
  ['dtype x shape does not match offsets', file(`{${t('a','F32',[2],0,4)}}`, Buffer.alloc(4))],
  ['end before begin', file(`{${t('a','U8',[0],4,0)}}`, Buffer.alloc(4))],
  ['gap between tensors', file(`{${t('a','U8',[1],0,1)},${t('b','U8',[1],2,3)}}`, Buffer.alloc(3))],
  ['overlapping tensors', file(`{${t('a','U8',[2],0,2)},${t('b','U8',[2],1,3)}}`, Buffer.alloc(3))],
  ['data buffer longer than tensors (trailing bytes)', file(`{${t('a','U8',[1],0,1)}}`, Buffer.alloc(2))],
  ['data buffer shorter than tensors (truncated)', file(`{${t('a','U8',[4],0,4)}}`, Buffer.alloc(3))],
  ['metadata value not a string', file(`{"__metadata__":{"k":1}}`)],
  ['unknown tensor field', file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":0}}`, Buffer.alloc(1))],
  ['missing data_offsets', file(`{"a":{"dtype":"U8","shape":[1]}}`, Buffer.alloc(1))],
  ['offsets beyond 2^53', file(`{${t('a','U8',[1],'9007199254740993','9007199254740994')}}`, Buffer.alloc(1))],
].map(([name, h]) => ({ name, hex: h }));
writeFileSync('spec/BIPs/vectors/oda-bip-0001/safetensors.json', JSON.stringify({
  description: 'safetensors files. "valid" are the byte-exact outputs of Hugging Face safetensors serialize() from its own unit tests (safetensors/src/tensor.rs: test_serialization, test_empty, test_serialization_forced_alignement); a conforming reader accepts them and a conforming writer reproduces them. "invalid" must all be refused.',
  valid: hf, invalid }, null, 1) + '\n');
