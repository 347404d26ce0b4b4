// Core's JSON shapes for transactions and scripts (TxToUniv / ScriptToUniv), shared by
// decoderawtransaction, getrawtransaction and getblock verbosity 2.
import { Transaction, hashToHex, wtxidOf } from '../chain/block.js';
import type { NetworkParams } from '../chain/params.js';
import { scriptToAddress, scriptToAsm, scriptType } from '../chain/address.js';
import { amount } from './amount.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function scriptPubKeyToJSON(script: Uint8Array, params: NetworkParams): Record<string, unknown> {
  const out: Record<string, unknown> = { asm: scriptToAsm(script), hex: hex(script) };
  const address = scriptToAddress(script, params);
  if (address) out.address = address;
  out.type = scriptType(script);
  return out;
}

export function isCoinbaseTx(tx: Transaction): boolean {
  return tx.ins.length === 1 && tx.ins[0].index === 0xffffffff && Buffer.from(tx.ins[0].hash).equals(Buffer.alloc(32));
}

export interface TxJsonOptions {
  /** Spent outputs' values, for `fee` (getblock verbosity 2, like Core's undo-based fee). */
  fee?: bigint;
  blockhash?: string;
  confirmations?: number;
  time?: number;
  includeHex?: boolean;
}

export function txToJSON(tx: Transaction, params: NetworkParams, opts: TxJsonOptions = {}): Record<string, unknown> {
  const coinbase = isCoinbaseTx(tx);
  const out: Record<string, unknown> = {
    txid: tx.getId(),
    hash: wtxidOf(tx),
    version: tx.version,
    size: tx.byteLength(),
    vsize: tx.virtualSize(),
    weight: tx.weight(),
    locktime: tx.locktime,
    vin: tx.ins.map((input) => {
      const v: Record<string, unknown> = {};
      if (coinbase) {
        v.coinbase = hex(input.script);
      } else {
        v.txid = hashToHex(input.hash);
        v.vout = input.index;
        v.scriptSig = { asm: scriptToAsm(input.script, true), hex: hex(input.script) };
      }
      if (input.witness.length > 0) v.txinwitness = input.witness.map(hex);
      v.sequence = input.sequence;
      return v;
    }),
    vout: tx.outs.map((o, n) => ({ value: amount(o.value), n, scriptPubKey: scriptPubKeyToJSON(o.script, params) })),
  };
  if (opts.fee !== undefined && !coinbase) out.fee = amount(opts.fee);
  if (opts.includeHex) out.hex = tx.toHex();
  if (opts.blockhash !== undefined) {
    out.blockhash = opts.blockhash;
    if (opts.confirmations !== undefined) out.confirmations = opts.confirmations;
    if (opts.time !== undefined) {
      out.time = opts.time;
      out.blocktime = opts.time;
    }
  }
  return out;
}
