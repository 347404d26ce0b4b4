// The unspent transaction output record (Core's Coin): what the UTXO set stores per outpoint
// and what undo data restores. Kept apart from the DB code so pure checks can import it.
export interface Coin {
  value: bigint;
  script: Uint8Array;
  /** Height of the block that created the output. */
  height: number;
  /** Created by a coinbase (subject to coinbase maturity). */
  coinbase: boolean;
}
