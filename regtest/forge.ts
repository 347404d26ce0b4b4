// Forges an inference transaction for the demo: the first output value of the claimed result
// is changed by one and the wallet's signatures are stripped, so the caller re-signs it with
// signrawtransactionwithwallet. Every validator re-runs the model and must reject it.
import { Transaction } from '../chain/block.js';
import { decodeOdaTx, decodeTensorList, encodeOdaOutput, inlineData, type InferencePayload } from '../oda/index.js';

export function forgeOutput(txHex: string): string {
  const tx = Transaction.fromHex(txHex);
  const d = decodeOdaTx(tx);
  if (!d || d.payload.type !== 'inference' || d.payload.output.kind !== 'inline') throw new Error('not an inference transaction with inline output');
  const p: InferencePayload = d.payload;
  const out = decodeTensorList(new Uint8Array(Buffer.from((p.output as { data: string }).data, 'hex')));
  const t = out[0];
  if (t.data instanceof BigInt64Array) t.data[0] += 1n;
  else t.data[0] += 1;
  tx.outs[d.vout].script = encodeOdaOutput({ ...p, output: inlineData(out) });
  for (let i = 0; i < tx.ins.length; i++) tx.setWitness(i, []);
  return tx.toHex();
}
