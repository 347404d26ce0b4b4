// What a block alone proves about its BIP 158 basic filter (ODA-BIP-0004 §11 "Cross-checking
// filter headers"). The exact filter needs the scripts of the outputs the block spends, which
// a lite node does not have; but the block holds every output script it creates (so also the
// script of any output it spends from itself), and each input spending from outside adds at
// most one more element. A filter that breaks any of these facts is provably not the block's
// filter; one that keeps them all may still be wrong about outside spends (Neutrino's
// VerifyBasicBlockFilter has the same limit), and nothing here can tell.
import { hashToHex, hexToHash, txidOf, type Block } from '../chain/block.js';
import { filterKey, gcsDecode, gcsHash } from '../chain/blockfilter.js';

/**
 * filterContradiction: the first fact of the block `filter` contradicts (a sentence naming
 * it), or undefined when the filter is consistent with everything the block shows. Facts:
 * (1) the filter is a canonical Golomb-coded set (P = 19, M = 784,931);
 * (2) it holds every required element: each non-empty output script not starting with
 *     OP_RETURN, and each non-empty script of an output spent within the same block;
 * (3) its N is at least the number of distinct required elements and at most that plus the
 *     number of inputs (coinbase excluded) spending outputs from outside the block.
 */
export function filterContradiction(block: Block, filter: Uint8Array): string | undefined {
  const txs = block.transactions ?? [];
  const id = block.getId();
  let set: { n: number; values: bigint[] };
  try {
    set = gcsDecode(filter);
  } catch (e) {
    return `the filter of block ${id} is not a canonical Golomb-coded set (${(e as Error).message})`;
  }

  // Scripts of the block's own outputs, by outpoint, for spends within the block.
  const created = new Map<string, Uint8Array>();
  const required = new Map<string, { script: Uint8Array; where: string }>();
  let outside = 0;
  txs.forEach((tx, t) => {
    const txid = txidOf(tx);
    if (t > 0) {
      for (const [i, input] of tx.ins.entries()) {
        const spent = created.get(`${hashToHex(input.hash)}:${input.index}`);
        if (spent === undefined) { outside++; continue; }
        if (spent.length) required.set(Buffer.from(spent).toString('hex'), { script: spent, where: `the script input ${i} of tx ${txid} spends` });
      }
    }
    tx.outs.forEach((o, n) => {
      created.set(`${txid}:${n}`, o.script);
      if (o.script.length === 0 || o.script[0] === 0x6a) return;
      const hex = Buffer.from(o.script).toString('hex');
      if (!required.has(hex)) required.set(hex, { script: o.script, where: `the script of output ${n} of tx ${txid}` });
    });
  });

  if (set.n < required.size) return `the filter of block ${id} has ${set.n} elements; the block alone requires ${required.size}`;
  if (set.n > required.size + outside) return `the filter of block ${id} has ${set.n} elements; the block allows at most ${required.size + outside} (${required.size} required, ${outside} outside spends)`;
  const values = new Set(set.values);
  const key = filterKey(hexToHash(id));
  // In sorted order, so the reason named is the same whatever the block's output order.
  for (const hex of [...required.keys()].sort()) {
    const r = required.get(hex)!;
    if (!values.has(gcsHash(key, r.script, set.n))) return `the filter of block ${id} lacks ${r.where} (${hex})`;
  }
  return undefined;
}
