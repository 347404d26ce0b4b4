// A local CheckTransaction (Core's consensus/tx_check.cpp) for the BADTX rows of
// tx_invalid.json: context-free sanity rules, returning Core's reject reason or undefined.
// The chain's own checkTransaction lives in chain/tx-checks.ts (owned by the chain module).
import { Transaction } from 'bitcoinjs-lib';

const MAX_MONEY = 21_000_000n * 100_000_000n;
const MAX_BLOCK_WEIGHT = 4_000_000;

export function checkTransactionSanity(tx: Transaction): string | undefined {
  if (tx.ins.length === 0) return 'bad-txns-vin-empty';
  if (tx.outs.length === 0) return 'bad-txns-vout-empty';
  if (tx.byteLength(false) * 4 > MAX_BLOCK_WEIGHT) return 'bad-txns-oversize';
  let total = 0n;
  for (const out of tx.outs) {
    if (out.value < 0n) return 'bad-txns-vout-negative';
    if (out.value > MAX_MONEY) return 'bad-txns-vout-toolarge';
    total += out.value;
    if (total > MAX_MONEY) return 'bad-txns-txouttotal-toolarge';
  }
  const seen = new Set<string>();
  for (const input of tx.ins) {
    const key = `${Buffer.from(input.hash).toString('hex')}:${input.index}`;
    if (seen.has(key)) return 'bad-txns-inputs-duplicate';
    seen.add(key);
  }
  const isNull = (i: (typeof tx.ins)[number]) => i.index === 0xffffffff && i.hash.every((b) => b === 0);
  if (tx.ins.length === 1 && isNull(tx.ins[0])) {
    if (tx.ins[0].script.length < 2 || tx.ins[0].script.length > 100) return 'bad-cb-length';
  } else if (tx.ins.some(isNull)) {
    return 'bad-txns-prevout-null';
  }
  return undefined;
}
