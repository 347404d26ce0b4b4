// Core's "Rawtransactions" category.
import { Transaction, hexToHash, wtxidOf } from '../../chain/block.js';
import type { RpcMethod } from '../types.js';
import { decorateTx } from '../oda-json.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { decodeTx, parseHash, parseHex, jsonType } from '../params.js';
import { amountToSats, amount } from '../amount.js';
import { txToJSON } from '../tx-json.js';
import { addressToScript } from '../../chain/address.js';
import { isVerifyError } from '../../chain/errors.js';

type Ctx = NodeContext;
const COIN = 100_000_000n;
/** Core's DEFAULT_MAX_RAW_TX_FEE_RATE: 0.10 BTC/kvB. */
const DEFAULT_MAX_FEE_RATE = 10_000_000n;

function decorate(ctx: Ctx, tx: Transaction, j: Record<string, unknown>) {
  return ctx.oda ? decorateTx(tx, j) : j;
}

/** maxfeerate in BTC/kvB → sat/kvB; 0 disables the check. */
function parseMaxFeeRate(v: unknown): bigint {
  if (v === undefined || v === null) return DEFAULT_MAX_FEE_RATE;
  return amountToSats(v);
}

/** fee/vsize above maxfeerate (sat/kvB)? Core compares fee > feerate.GetFee(vsize). */
function exceedsMaxFee(fee: bigint, vsize: number, maxRate: bigint): boolean {
  if (maxRate === 0n) return false;
  const maxFee = (maxRate * BigInt(vsize)) / 1000n;
  return fee > maxFee;
}

function rejectToRpc(e: unknown): never {
  if (isVerifyError(e)) {
    if (e.reason === 'missing-inputs') throw new RpcError(RPC.VERIFY_ERROR, 'bad-txns-inputs-missingorspent');
    if (e.reason === 'txn-already-known') throw new RpcError(RPC.VERIFY_ALREADY_IN_UTXO_SET, 'Transaction outputs already in utxo set');
    throw new RpcError(RPC.VERIFY_REJECTED, e.details ? `${e.reason}, ${e.details}` : e.reason);
  }
  throw e;
}

export const rawTransactionMethods: RpcMethod<Ctx>[] = [
  {
    name: 'getrawtransaction', category: 'Rawtransactions',
    params: [{ name: 'txid', type: 'string' }, { name: 'verbosity', type: ['number', 'boolean'], optional: true }, { name: 'blockhash', type: 'string', optional: true }],
    help: 'By default, this call only returns a transaction if it is in the mempool. ODA keeps a transaction index (as Core with -txindex), so confirmed transactions are found too.\nIf verbosity is 0 or false, returns the serialized transaction as hex; 1 or true, a JSON object.',
    async handler([txidArg, verbosityArg, blockhashArg], ctx) {
      const txid = parseHash(txidArg, 'parameter 1');
      const verbosity = verbosityArg === undefined || verbosityArg === null ? 0 : verbosityArg === true ? 1 : verbosityArg === false ? 0 : (verbosityArg as number);
      let tx: Transaction | undefined;
      let blockHash: string | undefined;
      if (blockhashArg !== undefined && blockhashArg !== null) {
        blockHash = parseHash(blockhashArg, 'parameter 3');
        if (!ctx.chain.getEntry(blockHash)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block hash not found');
        const block = await ctx.chain.getBlock(blockHash);
        tx = block?.transactions?.find((t: Transaction) => t.getId() === txid);
        if (!tx) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'No such transaction found in the provided block. Use gettransaction for wallet transactions.');
      } else {
        const entry = ctx.mempool.get(txid);
        if (entry) tx = entry.tx;
        else {
          const loc = await ctx.chain.getTxLocation(txid);
          if (loc) {
            const block = await ctx.chain.getBlock(loc.blockHash);
            tx = block?.transactions?.[loc.index];
            blockHash = loc.blockHash;
          }
        }
        if (!tx) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
      }
      if (verbosity <= 0) return tx.toHex();
      const opts: Record<string, unknown> = { includeHex: true };
      if (blockHash) {
        const entry = ctx.chain.getEntry(blockHash)!;
        const main = ctx.chain.isMainChain(entry);
        opts.blockhash = blockHash;
        opts.confirmations = main ? ctx.chain.height - entry.height + 1 : 0;
        opts.time = entry.time;
        const j = txToJSON(tx, ctx.params, opts);
        (j as any).in_active_chain = main;
        return decorate(ctx, tx, j);
      }
      return decorate(ctx, tx, txToJSON(tx, ctx.params, opts));
    },
  },
  {
    name: 'decoderawtransaction', category: 'Rawtransactions',
    params: [{ name: 'hexstring', type: 'string' }, { name: 'iswitness', type: 'boolean', optional: true }],
    help: 'Return a JSON object representing the serialized, hex-encoded transaction.',
    handler([hex], ctx) {
      const tx = decodeTx(hex);
      return decorate(ctx, tx, txToJSON(tx, ctx.params));
    },
  },
  {
    name: 'createrawtransaction', category: 'Rawtransactions',
    params: [
      { name: 'inputs', type: 'array' },
      { name: 'outputs', type: ['array', 'object'] },
      { name: 'locktime', type: 'number', optional: true },
      { name: 'replaceable', type: 'boolean', optional: true },
    ],
    help: 'Create a transaction spending the given inputs and creating new outputs.\nOutputs can be addresses or data.\nReturns hex-encoded raw transaction.\nNote that the transaction\'s inputs are not signed, and it is not stored in the wallet or transmitted to the network.',
    handler([inputs, outputs, locktime, replaceable], ctx) {
      return buildRawTransaction(ctx, inputs, outputs, locktime, replaceable).toHex();
    },
  },
  {
    name: 'sendrawtransaction', category: 'Rawtransactions',
    params: [{ name: 'hexstring', type: 'string' }, { name: 'maxfeerate', type: ['amount', 'number', 'string'], optional: true }, { name: 'maxburnamount', type: ['amount', 'number', 'string'], optional: true }],
    help: 'Submit a raw transaction (serialized, hex-encoded) to local node and network.\nThe transaction will be sent unconditionally to all peers, so using sendrawtransaction\nfor manual rebroadcast may degrade privacy by leaking the transaction\'s origin.',
    async handler([hex, maxfeerate, maxburn], ctx) {
      const tx = decodeTx(hex);
      const maxRate = parseMaxFeeRate(maxfeerate);
      const maxBurn = maxburn === undefined || maxburn === null ? 0n : amountToSats(maxburn);
      for (const o of tx.outs) {
        const unspendable = o.script.length > 0 && o.script[0] === 0x6a;
        if (unspendable && o.value > maxBurn) throw new RpcError(RPC.VERIFY_ERROR, 'Unspendable output exceeds maximum configured by user (maxburnamount)');
      }
      const txid = tx.getId();
      if (ctx.mempool.has(txid)) {
        ctx.p2p?.relayTransaction?.(tx);
        return txid;
      }
      for (let i = 0; i < tx.outs.length; i++) {
        if (await ctx.chain.getCoin(txid, i)) throw new RpcError(RPC.VERIFY_ALREADY_IN_UTXO_SET, 'Transaction outputs already in utxo set');
      }
      if (maxRate !== 0n) {
        const [res] = await ctx.mempool.testAccept([tx]);
        if (res && res.allowed && exceedsMaxFee(res.fee!, res.vsize!, maxRate)) {
          throw new RpcError(RPC.VERIFY_ERROR, 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)');
        }
      }
      try {
        await ctx.mempool.addTransaction(tx);
      } catch (e) {
        rejectToRpc(e);
      }
      ctx.p2p?.relayTransaction?.(tx);
      return txid;
    },
  },
  {
    name: 'testmempoolaccept', category: 'Rawtransactions',
    params: [{ name: 'rawtxs', type: 'array' }, { name: 'maxfeerate', type: ['amount', 'number', 'string'], optional: true }],
    help: 'Returns result of mempool acceptance tests indicating if raw transaction(s) (serialized, hex-encoded) would be accepted by mempool.\nThis checks if transactions violate the consensus or policy rules.\nNo transaction is added to the memory pool.',
    async handler([rawtxs, maxfeerate], ctx) {
      const list = rawtxs as unknown[];
      if (list.length === 0 || list.length > 25) throw new RpcError(RPC.INVALID_PARAMETER, 'Array must contain between 1 and 25 transactions.');
      const txs = list.map((h) => decodeTx(h));
      const maxRate = parseMaxFeeRate(maxfeerate);
      const results: any[] = await ctx.mempool.testAccept(txs);
      return results.map((r, i) => {
        const tx = txs[i];
        const out: Record<string, unknown> = { txid: tx.getId(), wtxid: wtxidOf(tx) };
        if (r.packageError) out['package-error'] = r.packageError;
        if (r.allowed === undefined) return out; // a package member Core leaves unjudged
        if (r.allowed && exceedsMaxFee(r.fee, r.vsize, maxRate)) {
          out.allowed = false;
          out['reject-reason'] = 'max-fee-exceeded';
          return out;
        }
        out.allowed = r.allowed;
        if (r.allowed) {
          out.vsize = r.vsize;
          out.fees = { base: amount(r.fee), 'effective-feerate': amount((r.fee * 1000n) / BigInt(r.vsize)), 'effective-includes': [out.wtxid] };
        } else {
          out['reject-reason'] = r.reason;
          // Core prints the details ("reason, details") for every reject except missing inputs.
          if (r.reason !== 'missing-inputs') out['reject-details'] = r.details ? (r.details.startsWith(r.reason) ? r.details : `${r.reason}, ${r.details}`) : r.reason;
        }
        return out;
      });
    },
  },
];

/** Core's ConstructTransaction. */
export function buildRawTransaction(ctx: Ctx, inputs: unknown, outputs: unknown, locktime: unknown, replaceable: unknown): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  if (locktime !== undefined && locktime !== null) {
    if (typeof locktime !== 'number' || !Number.isInteger(locktime) || locktime < 0 || locktime > 0xffffffff) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, locktime out of range');
    tx.locktime = locktime;
  }
  const rbf = replaceable === true;
  for (const inp of inputs as unknown[]) {
    if (typeof inp !== 'object' || inp === null || Array.isArray(inp)) throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(inp)} is not of expected type object`);
    const o = inp as Record<string, unknown>;
    const txid = parseHash(o.txid, 'txid');
    if (o.vout === undefined) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, missing vout key');
    if (typeof o.vout !== 'number' || !Number.isInteger(o.vout)) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, vout must be a number');
    if (o.vout < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, vout cannot be negative');
    let sequence = rbf ? 0xfffffffd : tx.locktime ? 0xfffffffe : 0xffffffff;
    if (o.sequence !== undefined) {
      if (typeof o.sequence !== 'number' || !Number.isInteger(o.sequence) || o.sequence < 0 || o.sequence > 0xffffffff) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, sequence number is out of range');
      sequence = o.sequence;
    }
    tx.addInput(hexToHash(txid), o.vout, sequence);
  }
  // Outputs: an object {address: amount, data: hex} or an array of single-key objects.
  const pairs: [string, unknown][] = [];
  if (Array.isArray(outputs)) {
    for (const o of outputs) {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, key-value pair not an object as expected');
      const entries = Object.entries(o);
      if (entries.length !== 1) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, key-value pair must contain exactly one key');
      pairs.push(entries[0]);
    }
  } else if (typeof outputs === 'object' && outputs !== null) {
    pairs.push(...Object.entries(outputs));
  }
  const seen = new Set<string>();
  let hasData = false;
  for (const [key, value] of pairs) {
    if (key === 'data') {
      if (hasData) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, duplicate key: data');
      hasData = true;
      const data = parseHex(value, 'Data');
      tx.addOutput(Buffer.concat([Buffer.from([0x6a]), pushData(data)]), 0n);
      continue;
    }
    let script: Uint8Array;
    try {
      script = addressToScript(key, ctx.params);
    } catch {
      throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Invalid ODA address: ${key}`);
    }
    if (seen.has(key)) throw new RpcError(RPC.INVALID_PARAMETER, `Invalid parameter, duplicated address: ${key}`);
    seen.add(key);
    tx.addOutput(script, amountToSats(value));
  }
  return tx;
}

function pushData(data: Buffer): Buffer {
  if (data.length < 0x4c) return Buffer.concat([Buffer.from([data.length]), data]);
  if (data.length <= 0xff) return Buffer.concat([Buffer.from([0x4c, data.length]), data]);
  const len = Buffer.alloc(2);
  len.writeUInt16LE(data.length);
  return Buffer.concat([Buffer.from([0x4d]), len, data]);
}

export { COIN };
