// ODA-BIP-0007b vectors (spec/BIPs/vectors/oda-bip-0007b/private.json) against the
// implementation; the committed file must be what its generator produces, and figure (f) in
// the BIP must be what `npm run sim:capability` produces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Transaction } from '../../chain/block.js';
import { VerifyError } from '../../chain/errors.js';
import { decodeOdaTx, encodeOdaOutput, modelIdOf, approvalMessage, checkApprovalSignatures, type OdaPayload } from '../../oda/index.js';
import { decodePayloadBody } from '../../oda/payload.js';
import { OdaDecodeError } from '../../oda/codec.js';
import { decodeModel, encodeModel, type ModelRecord } from '../../oda/registry.js';
import { ownerKeyOf } from '../../oda/private.js';
import { vectors } from '../../spec/BIPs/vectors/oda-bip-0007b/generate.js';
import { figureF, BIP_URL, NS_URL } from '../../sim/capability-run.js';

const V = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0007b/private.json', import.meta.url), 'utf8'));
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

function payloadOf(j: Record<string, unknown>): OdaPayload {
  return (j.type === 'add-model' ? { ...j, royalty: BigInt(j.royalty as string) } : j) as unknown as OdaPayload;
}

function txWith(script: Uint8Array): Transaction {
  const tx = new Transaction();
  tx.addInput(new Uint8Array(32), 0);
  tx.addOutput(script, 0n);
  return tx;
}

test('the committed vectors are what the generator produces', () => {
  assert.equal(JSON.parse(JSON.stringify(vectors())), V);
});

test('owners are the x-only keys of the listed private keys, sorted', () => {
  assert.equal(V.keys.privateKeys.map((k: string) => ownerKeyOf(bytes(k))).sort(), V.keys.ownersSorted);
});

test('add-private-model (type 5): encoding, decoding, model id', () => {
  const p = payloadOf(V.addPrivateModel.payload);
  assert.is(Buffer.from(encodeOdaOutput(p)).toString('hex'), V.addPrivateModel.script);
  assert.equal(decodeOdaTx(txWith(bytes(V.addPrivateModel.script)), 'tx', true)!.payload, p);
  // Before activation the same bytes are an unknown type, as they always were.
  assert.throws(() => decodeOdaTx(txWith(bytes(V.addPrivateModel.script))), (e: VerifyError) => e.reason === 'bad-oda-type');
  assert.is(modelIdOf(p as Extract<OdaPayload, { type: 'add-model' }>), V.addPrivateModel.modelId);
  // The same fields without the private terms are a type-1 add-model with another id.
  const { private: _terms, ...pub } = p as Extract<OdaPayload, { type: 'add-model' }>;
  assert.not.equal(modelIdOf(pub), V.addPrivateModel.modelId);
  assert.ok(Buffer.from(encodeOdaOutput(pub)).toString('hex').includes('4f44410101'), 'type 1');
  assert.ok((V.addPrivateModel.script as string).includes('4f44410105'), 'type 5');
});

test('approve-version (type 6): encoding, message, BIP340 signatures and the threshold verdict', () => {
  const record = decodeModel(V.modelRecord.record.modelId, bytes(V.modelRecord.encoded));
  for (const a of V.approvals) {
    const p = payloadOf(a.payload) as Extract<OdaPayload, { type: 'approve-version' }>;
    assert.is(Buffer.from(encodeOdaOutput(p)).toString('hex'), a.script, a.description);
    assert.equal(decodeOdaTx(txWith(bytes(a.script)), 'tx', true)!.payload, p, a.description);
    assert.throws(() => decodeOdaTx(txWith(bytes(a.script))), (e: VerifyError) => e.reason === 'bad-oda-type');
    assert.is(Buffer.from(approvalMessage(p)).toString('hex'), a.message, a.description);
    // Judge against the model as it stood when the approval was made (its seq).
    const m: ModelRecord = { ...record, private: { approvals: p.seq, versions: 2 } };
    let verdict = 'valid';
    try {
      checkApprovalSignatures(m, p, 'block');
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      verdict = e.reason;
    }
    assert.is(verdict, a.verdict, a.description);
  }
});

test('private model record: canonical encoding round-trips; a public record is unchanged', () => {
  const m = decodeModel(V.modelRecord.record.modelId, bytes(V.modelRecord.encoded));
  assert.equal(m.private, V.modelRecord.record.private);
  assert.is(Buffer.from(encodeModel(m)).toString('hex'), V.modelRecord.encoded);
  const { private: _p, ...rest } = m;
  const { private: _t, ...add } = m.add;
  const pub = encodeModel({ ...rest, add });
  assert.equal(decodeModel(m.modelId, pub).private, undefined);
  assert.is(pub.length, bytes(V.modelRecord.encoded).length - 8 - 2 - 96, 'public record: no private terms, no approvals/versions');
});

test('invalid payloads do not decode', () => {
  const add = V.addPrivateModel.script as string;
  for (const v of V.invalid) {
    assert.not.ok(add.endsWith(v.body), `${v.description}: the vector changes the payload`);
    try {
      decodePayloadBody(v.type, bytes(v.body));
      assert.unreachable(v.description);
    } catch (e) {
      if (!(e instanceof OdaDecodeError)) throw e;
      assert.is(e.reason, v.reason, v.description);
    }
  }
});

test('figure (f) in the BIP is what npm run sim:capability produces', () => {
  const ns = (JSON.parse(readFileSync(NS_URL, 'utf8')) as { worst: number }).worst;
  const doc = readFileSync(BIP_URL, 'utf8');
  const m = /<!-- BEGIN SIM-F -->\n([\s\S]*?)\n<!-- END SIM-F -->/.exec(doc);
  assert.ok(m, 'SIM-F markers in the BIP');
  assert.is(m![1], figureF(ns));
});

test.run();
