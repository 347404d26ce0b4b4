// ODA-BIP-0003 vectors (spec/BIPs/vectors/oda-bip-0003/payloads.json) against the implementation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Transaction } from '../../chain/block.js';
import { VerifyError } from '../../chain/errors.js';
import { commitHash, decodeOdaTx, encodeOdaOutput, modelIdOf, type OdaPayload } from '../../oda/index.js';

const V = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0003/payloads.json', import.meta.url), 'utf8'));
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

function fromJson(j: Record<string, unknown>): OdaPayload {
  return (j.type === 'add-model' ? { ...j, royalty: BigInt(j.royalty as string) } : j) as unknown as OdaPayload;
}

function txWith(script: Uint8Array): Transaction {
  const tx = new Transaction();
  tx.addInput(new Uint8Array(32), 0);
  tx.addOutput(script, 0n);
  return tx;
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof VerifyError) return e.reason;
    throw e;
  }
  return 'accepted';
}

test('valid vectors: encode gives the script, decode gives the payload, ids and commitments match', () => {
  assert.ok(V.valid.length >= 6);
  for (const v of V.valid) {
    const p = fromJson(v.payload);
    assert.is(Buffer.from(encodeOdaOutput(p)).toString('hex'), v.script, v.description);
    const d = decodeOdaTx(txWith(bytes(v.script)))!;
    assert.equal(d.payload, p, v.description);
    if (v.modelId) assert.is(modelIdOf(p as Extract<OdaPayload, { type: 'add-model' }>), v.modelId);
    if (p.type === 'commit-weights') assert.is(commitHash(p.modelId, { root: v.weightsRoot, length: Number(v.weightsLength) }, v.submitter, v.salt), p.commitment);
    if (p.type === 'reveal-weights') assert.is(commitHash(p.modelId, p.weights, p.payoutScript, p.salt), v.commitment);
  }
});

test('invalid vectors: each rejected with its reason', () => {
  assert.ok(V.invalid.length >= 15);
  for (const v of V.invalid) assert.is(reasonOf(() => decodeOdaTx(txWith(bytes(v.script)))), v.reason, v.description);
});

test('transaction vectors: ordinary, position, multiplicity and value rules', () => {
  for (const v of V.transactions) {
    const tx = Transaction.fromHex(v.tx);
    const verdict = reasonOf(() => {
      const d = decodeOdaTx(tx);
      if (!d) throw new VerifyError('tx', 'ordinary');
      if (v.vout !== undefined) assert.is(d.vout, v.vout);
      throw new VerifyError('tx', d.payload.type);
    });
    assert.is(verdict, v.verdict, v.description);
  }
});

test('vectors are what the generator produces (no hand edits)', async () => {
  const before = readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0003/payloads.json', import.meta.url), 'utf8');
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, ['--import', 'tsx', 'spec/BIPs/vectors/oda-bip-0003/generate.ts'], { cwd: new URL('../..', import.meta.url) });
  assert.is(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0003/payloads.json', import.meta.url), 'utf8'), before);
});

test.run();
