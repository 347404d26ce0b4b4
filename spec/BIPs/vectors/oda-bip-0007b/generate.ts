// Regenerates spec/BIPs/vectors/oda-bip-0007b/private.json from the implementation:
//   node --import tsx spec/BIPs/vectors/oda-bip-0007b/generate.ts
// test/oda/private-vectors.test.ts checks every vector against the code (and that this file's
// output is what is committed). Keys are fixed scalars; BIP340 aux randomness is 32 zero bytes.
import { writeFileSync } from 'node:fs';
import { encodeOdaOutput, type AddModelPayload, type ApproveVersionPayload, type ApprovalTarget } from '../../../../oda/index.js';
import { approvalMessage, modelIdOf } from '../../../../oda/payload.js';
import { ownerKeyOf, signApproval } from '../../../../oda/private.js';
import { encodeModel, type ModelRecord } from '../../../../oda/registry.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const KEYS = [1, 2, 3].map((i) => hex(new Uint8Array(32).fill(i)));
const owners = KEYS.map((k) => ownerKeyOf(Buffer.from(k, 'hex'))).sort();
const keyOf = (owner: string) => KEYS.find((k) => ownerKeyOf(Buffer.from(k, 'hex')) === owner)!;
const blob = (b: number, length: number) => ({ root: hex(new Uint8Array(32).fill(b)), length });

export function vectors() {
  const add: AddModelPayload = {
    type: 'add-model', architecture: blob(0xa1, 2000), dataset: blob(0xa1, 2000), weights: blob(0xb0, 70000), objective: 'accuracy', objectiveParams: '',
    royalty: 1000n, payoutScript: '0014' + '11'.repeat(20), name: 'private-digits', description: '', license: '', versionLabel: 'v0',
    private: { threshold: 2, owners },
  };
  const modelId = modelIdOf(add);
  const approvals: Array<{ description: string; payload: ApproveVersionPayload; signers: number[] }> = [];
  const mk = (description: string, seq: number, target: ApprovalTarget, signers: number[]) => {
    const signatures = signers.map((i) => ({ index: i, signature: signApproval({ modelId, seq, target }, Buffer.from(keyOf(owners[i]), 'hex')) }));
    approvals.push({ description, payload: { type: 'approve-version', modelId, seq, target, signatures }, signers });
  };
  mk('approve v1 (new weights), owners 0 and 2 of 3', 0, { kind: 'new', weights: blob(0xb1, 70000), payoutScript: '0014' + '44'.repeat(20), versionLabel: 'v1' }, [0, 2]);
  mk('roll back to v0, owners 0 and 1', 1, { kind: 'existing', version: 0 }, [0, 1]);
  mk('under-signed rollback (1 of threshold 2): decodes, rejected by the rule', 1, { kind: 'existing', version: 0 }, [1]);

  const record: ModelRecord = {
    modelId, add, txid: 'cd'.repeat(32), height: 120, currentVersion: 0, currentScore: 0n, currentWeights: add.weights, trainerScript: add.payoutScript,
    private: { approvals: 2, versions: 2 },
  };
  const json = (p: object) => JSON.parse(JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  const addScript = hex(encodeOdaOutput(add));
  const body = (script: string) => script.slice(script.indexOf('4f4441') + 10); // after "ODA" | version | type
  const rollback = hex(encodeOdaOutput(approvals[1].payload));
  return {
    description: 'ODA-BIP-0007b private models: payload encodings (types 5 and 6), approval messages and BIP340 signatures, the private model record, and payloads that must not decode.',
    keys: { privateKeys: KEYS, ownersSorted: owners },
    addPrivateModel: { payload: json(add), modelId, script: addScript },
    approvals: approvals.map((a) => ({
      description: a.description, payload: json(a.payload), message: hex(approvalMessage(a.payload)), script: hex(encodeOdaOutput(a.payload)),
      verdict: a.signers.length >= 2 ? 'valid' : 'bad-oda-approval-threshold',
    })),
    modelRecord: { description: 'private model after an approval and a rollback (approvals 2, versions 2, current 0)', record: json(record), encoded: hex(encodeModel(record)) },
    invalid: [
      { description: 'type 5 with threshold 0', type: 5, body: body(addScript).replace(/02(03[0-9a-f]{192})$/, '00$1'), reason: 'bad-oda-payload' },
      { description: 'type 5 with threshold 4 of 3 owners', type: 5, body: body(addScript).replace(/02(03[0-9a-f]{192})$/, '04$1'), reason: 'bad-oda-payload' },
      { description: 'type 5 with owners out of order', type: 5, body: body(addScript).slice(0, -192) + owners[1] + owners[0] + owners[2], reason: 'bad-oda-payload' },
      { description: 'type 5 with a trailing byte', type: 5, body: body(addScript) + '00', reason: 'bad-oda-payload' },
      { description: 'type 6 with an unknown target kind', type: 6, body: body(rollback).slice(0, 72) + '02' + body(rollback).slice(74), reason: 'bad-oda-payload' },
      { description: 'type 6 with the same signer twice', type: 6, body: body(rollback).replace(/02(00[0-9a-f]{128})01([0-9a-f]{128})$/, '02$100$2'), reason: 'bad-oda-payload' },
      { description: 'type 6 with zero signatures', type: 6, body: body(rollback).replace(/02(00[0-9a-f]{128})01([0-9a-f]{128})$/, '00'), reason: 'bad-oda-payload' },
    ],
  };
}

if (process.argv[1]?.endsWith('generate.ts')) {
  writeFileSync(new URL('./private.json', import.meta.url), JSON.stringify(vectors(), null, 2) + '\n');
  console.log('wrote private.json');
}
