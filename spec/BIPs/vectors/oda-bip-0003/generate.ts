// Generates the ODA-BIP-0003 payload vectors: node --import tsx spec/BIPs/vectors/oda-bip-0003/generate.ts
// Valid vectors: payload fields (JSON, amounts as decimal strings of satoshis), the output
// script, and the model id / commitment where defined. Invalid vectors: an output script (or
// a whole transaction) with the reject reason decodeOdaTx must give. test/oda/vectors.test.ts
// checks both against the implementation.
import { writeFileSync } from 'node:fs';
import { Transaction } from '../../../../chain/block.js';
import { commitHash, encodeOdaOutput, encodePayloadBody, modelIdOf, type OdaPayload } from '../../../../oda/index.js';
import { encodeTensorList } from '../../../../oda/tensors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const dir = new URL('.', import.meta.url);

export function payloadToJson(p: OdaPayload): Record<string, unknown> {
  return JSON.parse(JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

const blob = (c: string, length: number) => ({ root: c.repeat(64), length });
const tensors = hex(encodeTensorList([{ type: 'uint8', dims: [2, 4], data: Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7) }]));
const outTensors = hex(encodeTensorList([{ type: 'int32', dims: [2, 1], data: Int32Array.of(-1, 70000) }]));

const add: OdaPayload = {
  type: 'add-model', architecture: blob('a', 1234), dataset: blob('d', 23456), weights: blob('b', 3456), objective: 'accuracy', objectiveParams: '',
  royalty: 5000n, payoutScript: '0014' + '11'.repeat(20), name: 'digits-mlp', description: 'digits 8x8 → 10 classes', license: 'MIT', versionLabel: 'v0',
};
const salt = '5a'.repeat(32);
const modelId = modelIdOf(add as Extract<OdaPayload, { type: 'add-model' }>);
const weights1 = blob('c', 3456);
const commitment = commitHash(modelId, weights1, '0014' + '22'.repeat(20), salt);

const valid: Array<{ description: string; payload: OdaPayload; extra?: Record<string, string> }> = [
  { description: 'add-model, all fields', payload: add, extra: { modelId } },
  {
    description: 'add-model, neg-sse, empty optional strings, royalty 0, 80-byte payout script (upper bound)',
    payload: { ...add, objective: 'neg-sse', royalty: 0n, description: '', license: '', versionLabel: '', payoutScript: '6a' + '00'.repeat(79) } as OdaPayload,
  },
  { description: 'commit-weights', payload: { type: 'commit-weights', modelId, commitment }, extra: { weightsRoot: weights1.root, weightsLength: String(weights1.length), submitter: '0014' + '22'.repeat(20), salt } },
  { description: 'reveal-weights', payload: { type: 'reveal-weights', modelId, weights: weights1, payoutScript: '0014' + '22'.repeat(20), salt, versionLabel: 'v1' }, extra: { commitment } },
  { description: 'inference, inline tensors', payload: { type: 'inference', modelId, version: 1, input: { kind: 'inline', data: tensors }, output: { kind: 'inline', data: outTensors } } },
  { description: 'inference, 1 MiB input as a blob', payload: { type: 'inference', modelId, version: 7, input: { kind: 'blob', blob: blob('e', 1 << 20) }, output: { kind: 'inline', data: outTensors } } },
];

for (const v of valid) if (v.payload.type === 'add-model') v.extra = { ...v.extra, modelId: modelIdOf(v.payload) };

function script(body: Uint8Array, type: number, version = 1): Uint8Array {
  const data = Uint8Array.from([0x4f, 0x44, 0x41, version, type, ...body]);
  const n = data.length;
  const head = n <= 75 ? [n] : n <= 255 ? [0x4c, n] : [0x4d, n & 0xff, n >> 8];
  return Uint8Array.from([0x6a, ...head, ...data]);
}

const commitBody = encodePayloadBody(valid[2].payload);
const addBody = encodePayloadBody(add);
const infBody = encodePayloadBody(valid[4].payload);
const good = script(commitBody, 2);

function mutateAdd(f: (b: Uint8Array) => Uint8Array): Uint8Array {
  return script(f(Uint8Array.from(addBody)), 1);
}
// Offsets in the add-model body: 3 blob refs (40 each) then objective str8.
const OBJ = 120;

const invalid: Array<{ description: string; script: string; reason: string }> = [
  { description: 'unknown version 2', script: hex(script(commitBody, 2, 2)), reason: 'bad-oda-version' },
  { description: 'unknown type 5', script: hex(script(commitBody, 5)), reason: 'bad-oda-type' },
  { description: 'type 0', script: hex(script(commitBody, 0)), reason: 'bad-oda-type' },
  { description: 'trailing byte after the payload', script: hex(script(Uint8Array.from([...commitBody, 0]), 2)), reason: 'bad-oda-payload' },
  { description: 'truncated payload', script: hex(script(commitBody.subarray(0, 63), 2)), reason: 'bad-oda-payload' },
  { description: 'non-minimal push (OP_PUSHDATA1 for 69 bytes)', script: hex(Uint8Array.from([0x6a, 0x4c, good[1], ...good.subarray(2)])), reason: 'bad-oda-envelope' },
  { description: 'opcode after the push', script: hex(Uint8Array.from([...good, 0x51])), reason: 'bad-oda-envelope' },
  { description: 'magic without version and type', script: '6a03' + '4f4441', reason: 'bad-oda-envelope' },
  { description: 'unknown objective name', script: hex(mutateAdd((b) => { b.set(new TextEncoder().encode('accuracz'), OBJ + 1); return b; })), reason: 'bad-oda-objective' },
  { description: 'blob length 0', script: hex(mutateAdd((b) => { b.fill(0, 32, 40); return b; })), reason: 'bad-oda-payload' },
  { description: 'blob length 2^36 + 1', script: hex(mutateAdd((b) => { new DataView(b.buffer).setBigUint64(32, 2n ** 36n + 1n, true); return b; })), reason: 'bad-oda-payload' },
  {
    description: 'royalty above MAX_MONEY',
    script: hex(mutateAdd((b) => { const o = OBJ + 1 + 8 + 1; new DataView(b.buffer).setBigUint64(o, 21_000_000n * 100_000_000n + 1n, true); return b; })),
    reason: 'bad-oda-payload',
  },
  { description: 'name not valid UTF-8', script: hex(mutateAdd((b) => { const o = OBJ + 1 + 8 + 1 + 8 + 1 + 22 + 1; b[o] = 0xff; return b; })), reason: 'bad-oda-payload' },
  { description: 'empty name', script: hex(script(encodePayloadBody({ ...add, name: 'x' }).map((x, i, a) => (i === OBJ + 1 + 8 + 1 + 8 + 1 + 22 ? 0 : x)).filter((_, i) => i !== OBJ + 1 + 8 + 1 + 8 + 1 + 22 + 1), 1)), reason: 'bad-oda-payload' },
  { description: 'payout script of 0 bytes', script: hex(mutateAdd((b) => { const o = OBJ + 1 + 8 + 1 + 8; const out = [...b.subarray(0, o), 0, ...b.subarray(o + 1 + 22)]; return Uint8Array.from(out); })), reason: 'bad-oda-payload' },
  { description: 'inference data kind 2', script: hex(script(Uint8Array.from([...infBody.subarray(0, 36), 2, ...infBody.subarray(37)]), 4)), reason: 'bad-oda-payload' },
  { description: 'inline data of 0 bytes', script: hex(script(Uint8Array.from([...infBody.subarray(0, 37), 0, 0, 0, 0]), 4)), reason: 'bad-oda-payload' },
];

function txHex(outs: Array<{ script: Uint8Array; value: bigint }>): string {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(new Uint8Array(32).fill(1), 0);
  for (const o of outs) tx.addOutput(o.script, o.value);
  return tx.toHex();
}

const odaOut = encodeOdaOutput(valid[2].payload);
const txs = [
  { description: 'ordinary transaction with a non-ODA OP_RETURN', tx: txHex([{ script: Uint8Array.from([0x6a, 0x04, 0x74, 0x65, 0x73, 0x74]), value: 0n }]), verdict: 'ordinary' },
  { description: 'ODA output not first, change first', tx: txHex([{ script: Uint8Array.from([0x00, 0x14, ...new Array(20).fill(7)]), value: 1000n }, { script: odaOut, value: 0n }]), verdict: 'commit-weights', vout: 1 },
  { description: 'two ODA outputs', tx: txHex([{ script: odaOut, value: 0n }, { script: odaOut, value: 0n }]), verdict: 'bad-oda-multiple' },
  { description: 'ODA output with a non-zero value', tx: txHex([{ script: odaOut, value: 1n }]), verdict: 'bad-oda-envelope' },
];

const out = {
  description: 'ODA-BIP-0003 payload and envelope vectors. Amounts are satoshis as decimal strings; hashes are hex in SHA-256 output order.',
  valid: valid.map((v) => ({ description: v.description, payload: payloadToJson(v.payload), script: hex(encodeOdaOutput(v.payload)), ...v.extra })),
  invalid,
  transactions: txs,
};
writeFileSync(new URL('payloads.json', dir), JSON.stringify(out, null, 2) + '\n');
console.log(`payloads.json: ${out.valid.length} valid, ${out.invalid.length} invalid scripts, ${txs.length} transactions`);
