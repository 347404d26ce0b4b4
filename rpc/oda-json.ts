// decoderawtransaction / getrawtransaction / getblock verbosity 2: an "oda" field with the
// decoded payload of an ODA transaction. A malformed envelope is shown as {"error": reason}
// rather than failing the call, so such a transaction can still be inspected.
import type { Transaction } from '../chain/block.js';
import { amount } from './amount.js';
import { VerifyError } from '../chain/errors.js';
import { dataHash } from '../oda/build.js';
import { decodeOdaTx } from '../oda/envelope.js';
import { modelIdOf, type BlobRef, type DataRef } from '../oda/payload.js';

function blob(b: BlobRef): { root: string; length: number } {
  return { root: b.root, length: b.length };
}

function data(d: DataRef): Record<string, unknown> {
  return d.kind === 'blob' ? { kind: 'blob', ...blob(d.blob), hash: dataHash(d) } : { kind: 'inline', bytes: d.data.length / 2, hash: dataHash(d) };
}

/** The "oda" JSON object of a transaction, or undefined for an ordinary one. */
export function odaJson(tx: Transaction): Record<string, unknown> | undefined {
  let d;
  try {
    d = decodeOdaTx(tx, 'tx', true);
  } catch (e) {
    if (e instanceof VerifyError) return { error: e.reason, details: e.details };
    throw e;
  }
  if (!d) return undefined;
  const p = d.payload;
  const base = { type: p.type, vout: d.vout };
  switch (p.type) {
    case 'add-model':
      return {
        ...base, modelid: modelIdOf(p), architecture: blob(p.architecture), dataset: blob(p.dataset), weights: blob(p.weights),
        objective: p.objective, royalty: amount(p.royalty), payoutscript: p.payoutScript, name: p.name, description: p.description,
        license: p.license, versionlabel: p.versionLabel,
        ...(p.private ? { private: true, owners: p.private.owners, threshold: p.private.threshold } : {}),
      };
    case 'commit-weights':
      return { ...base, modelid: p.modelId, commitment: p.commitment };
    case 'reveal-weights':
      return { ...base, modelid: p.modelId, weights: blob(p.weights), payoutscript: p.payoutScript, salt: p.salt, versionlabel: p.versionLabel };
    case 'inference':
      return { ...base, modelid: p.modelId, version: p.version, input: data(p.input), output: data(p.output) };
    case 'approve-version': {
      const t = p.target;
      const target = t.kind === 'new'
        ? { kind: 'new', weights: blob(t.weights), payoutscript: t.payoutScript, versionlabel: t.versionLabel }
        : { kind: 'rollback', version: t.version };
      return { ...base, modelid: p.modelId, seq: p.seq, target, signatures: p.signatures.map((x) => ({ index: x.index, signature: x.signature })) };
    }
  }
}

/** Adds `oda` to a transaction's RPC JSON when it carries an ODA payload; returns `json`. */
export function decorateTx<T extends Record<string, unknown>>(tx: Transaction, json: T): T {
  const oda = odaJson(tx);
  if (oda) (json as Record<string, unknown>).oda = oda;
  return json;
}
