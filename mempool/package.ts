// Core's IsWellFormedPackage (policy/packages.cpp): the package-level checks testAccept
// applies to more than one transaction before validating any member.
import { hashToHex } from '../chain/block.js';
import type { Transaction } from '../chain/block.js';

export const MAX_PACKAGE_COUNT = 25;
/** Core's MAX_PACKAGE_WEIGHT: 101 kvB of virtual size. */
export const MAX_PACKAGE_WEIGHT = 404_000;

/** Returns Core's package reject reason, or undefined when the package is well formed. */
export function checkPackage(txs: Transaction[]): string | undefined {
  if (txs.length > MAX_PACKAGE_COUNT) return 'package-too-many-transactions';
  const weight = txs.reduce((a, tx) => a + tx.weight(), 0);
  // A single transaction's size is better reported by the per-transaction rule.
  if (txs.length > 1 && weight > MAX_PACKAGE_WEIGHT) return 'package-too-large';
  const later = new Set(txs.map((tx) => tx.getId()));
  if (later.size !== txs.length) return 'package-contains-duplicates';
  // Topologically sorted: no transaction spends one that comes after it.
  for (const tx of txs) {
    later.delete(tx.getId());
    if (tx.ins.some((input) => later.has(hashToHex(input.hash)))) return 'package-not-sorted';
  }
  // No two members spend the same outpoint.
  const spent = new Set<string>();
  for (const tx of txs) {
    for (const input of tx.ins) {
      const key = `${hashToHex(input.hash)}:${input.index}`;
      if (spent.has(key)) return 'conflict-in-package';
      spent.add(key);
    }
  }
  return undefined;
}
