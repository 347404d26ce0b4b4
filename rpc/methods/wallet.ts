// Core's "Wallet" category. Handlers resolve the wallet as Core's GetWalletForJSONRPCRequest
// (the /wallet/<name> path, else the only loaded wallet) with one ODA difference: when
// several wallets are loaded and no path is given, the default wallet "" is used instead of
// failing with -19. The wallet never broadcasts; handlers submit to the mempool and relay.
import { ByteReader } from '../../util/bytes.js';
import { Transaction, hashToHex, wtxidOf } from '../../chain/block.js';
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { amountToSats, amount } from '../amount.js';
import { decodeTx, parseHash, parseHex, jsonType } from '../params.js';
import { txToJSON } from '../tx-json.js';
import { addressToScript, scriptToAddress, AddressError } from '../../chain/address.js';
import { isVerifyError } from '../../chain/errors.js';
import { Wallet, WalletError, type FundOptions, type Recipient } from '../../wallet/wallet.js';
import { type WalletManager, WalletLoadError } from '../../wallet/manager.js';
import { ADDRESS_TYPES, type AddressType } from '../../wallet/keys.js';
import { SIGHASH_BY_NAME, type Prevout } from '../../wallet/signer.js';
import { describeAddress } from './util.js';

type Ctx = NodeContext;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function manager(ctx: Ctx): WalletManager {
  const m = ctx.wallets;
  if (!m) throw new RpcError(RPC.METHOD_NOT_FOUND, 'Method not found'); // as Core with -disablewallet
  return m;
}

/** Core's GetWalletForJSONRPCRequest, after the wallet's pending events are applied. */
export async function getWallet(ctx: Ctx): Promise<Wallet> {
  const m = manager(ctx);
  let w: Wallet | undefined;
  if (ctx.walletName !== undefined) {
    w = m.get(ctx.walletName);
    if (!w) throw new RpcError(RPC.WALLET_NOT_FOUND, 'Requested wallet does not exist or is not loaded');
  } else {
    const names = m.list();
    if (names.length === 0) throw new RpcError(RPC.WALLET_NOT_FOUND, 'No wallet is loaded. Load a wallet using loadwallet or create a new one with createwallet. (Note: A default wallet is no longer automatically created)');
    w = names.length === 1 ? m.get(names[0]) : m.get('');
    if (!w) throw new RpcError(RPC.WALLET_NOT_SPECIFIED, 'Wallet file not specified (must request wallet RPC through /wallet/<filename> uri-path).');
  }
  await w.sync();
  return w;
}

function parseAddressType(v: unknown): AddressType {
  if (v === undefined) return 'bech32';
  if (!ADDRESS_TYPES.includes(v as AddressType)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Unknown address type '${v}'`);
  return v as AddressType;
}

function parseLabel(v: unknown): string {
  if (v === undefined) return '';
  if (v === '*') throw new RpcError(RPC.WALLET_INVALID_LABEL_NAME, "Invalid label name");
  return v as string;
}

function intArg(v: unknown, def: number, name: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(v)} for field ${name} is not of expected type number`);
  return v;
}

/** Core's fee arguments: fee_rate (sat/vB), conf_target/estimate_mode (no estimator: fallback). */
function parseFeeArgs(feeRate: unknown, confTarget: unknown, estimateMode: unknown): bigint | undefined {
  if (estimateMode !== undefined) {
    const mode = String(estimateMode).toLowerCase();
    if (!['unset', 'economical', 'conservative'].includes(mode)) {
      throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative"');
    }
  }
  if (feeRate === undefined) return undefined;
  if (confTarget !== undefined) {
    throw new RpcError(RPC.INVALID_PARAMETER, 'Cannot specify both conf_target and fee_rate. Please provide either a confirmation target in blocks for automatic fee estimation, or an explicit fee rate.');
  }
  if (estimateMode !== undefined && String(estimateMode).toLowerCase() !== 'unset') {
    throw new RpcError(RPC.INVALID_PARAMETER, 'Cannot specify both estimate_mode and fee_rate');
  }
  // sat/vB with up to 3 decimals = sat/kvB as an integer.
  return amountToSats(feeRate, 3);
}

function walletErrorToRpc(e: unknown, fundingCode: number): never {
  if (e instanceof WalletError) {
    if (e.kind === 'param') throw new RpcError(RPC.INVALID_PARAMETER, e.message);
    throw new RpcError(fundingCode, e.message);
  }
  throw e;
}

/** Submits a wallet transaction to the mempool and relays it (Core's BroadcastTransaction). */
export async function broadcast(ctx: Ctx, tx: Transaction): Promise<void> {
  try {
    await ctx.mempool.addTransaction(tx);
  } catch (e) {
    if (isVerifyError(e)) throw new RpcError(RPC.VERIFY_REJECTED, e.details ? `${e.reason}, ${e.details}` : e.reason);
    throw e;
  }
  ctx.p2p?.relayTransaction?.(tx);
}

async function sendRecipients(ctx: Ctx, w: Wallet, recipients: Recipient[], opts: FundOptions, meta: { comment?: string; commentTo?: string }): Promise<{ tx: Transaction; fee: bigint }> {
  // One send at a time per wallet (Core holds cs_wallet from coin selection to commit), so
  // two concurrent calls cannot pick the same coins.
  return w.exclusive(async () => {
    let created;
    try {
      created = await w.createTransaction(recipients, opts);
    } catch (e) {
      walletErrorToRpc(e, RPC.WALLET_INSUFFICIENT_FUNDS);
    }
    await broadcast(ctx, created.tx);
    await w.commitTransaction(created.tx, meta);
    return created;
  });
}

function parseAddress(address: unknown, ctx: Ctx): Uint8Array {
  try {
    return addressToScript(address as string, ctx.params);
  } catch (e) {
    if (e instanceof AddressError) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Invalid ODA address: ${address}`);
    throw e;
  }
}

function sendAmount(v: unknown): bigint {
  const sats = amountToSats(v);
  if (sats <= 0n) throw new RpcError(RPC.TYPE_ERROR, 'Invalid amount for send');
  return sats;
}

function feeReason(feeRate: bigint | undefined): string {
  return feeRate === undefined ? 'Fallback fee' : 'PayTxFee set';
}

/** Core's WalletTxToJSON + ListTransactions details for one wallet transaction. */
function txEntries(w: Wallet, ctx: Ctx, txid: string): { common: Record<string, unknown>; details: Record<string, unknown>[]; amount: bigint; fee?: bigint } {
  const info = w.getTransaction(txid)!;
  const tx = info.tx;
  const amounts = w.amounts(txid)!;
  const confirmations = info.height >= 0 ? w.tipHeight - info.height + 1 : 0;
  const coinbase = tx.ins.length === 1 && tx.ins[0].index === 0xffffffff;
  const common: Record<string, unknown> = { confirmations };
  if (coinbase) common.generated = true;
  if (info.blockHash) {
    common.blockhash = info.blockHash;
    common.blockheight = info.height;
    common.blockindex = info.blockIndex;
    common.blocktime = info.blockTime;
  } else {
    common.trusted = info.trusted;
  }
  common.txid = txid;
  common.wtxid = wtxidOf(tx);
  common.walletconflicts = [];
  common.time = info.time;
  common.timereceived = info.time;
  common['bip125-replaceable'] = info.height >= 0 ? 'no' : !info.active ? 'unknown' : tx.ins.some((i) => i.sequence < 0xfffffffe) ? 'yes' : 'no';
  if (info.comment) common.comment = info.comment;
  if (info.commentTo) common.to = info.commentTo;

  // Core's CachedTxGetAmounts: a transaction that debits us lists every non-change output
  // as "send"; every output of ours is also a "receive" (or generate/immature/orphan).
  const fromMe = amounts.debit > 0n;
  const outSum = tx.outs.reduce((a, o) => a + o.value, 0n);
  const fee = fromMe ? amounts.debit - outSum : undefined;
  const details: Record<string, unknown>[] = [];
  tx.outs.forEach((out, vout) => {
    const mine = w.ownedOutput(txid, vout) !== undefined;
    const address = scriptToAddress(out.script, ctx.params);
    const label = address !== undefined ? w.labelOf(address) : undefined;
    // Core's OutputIsChange: ours and not in the address book.
    if (fromMe && mine && label === undefined) return;
    if (fromMe) {
      const d: Record<string, unknown> = {};
      if (address) d.address = address;
      d.category = 'send';
      d.amount = amount(-out.value);
      if (label !== undefined) d.label = label;
      d.vout = vout;
      d.fee = amount(-(fee ?? 0n));
      d.abandoned = false;
      details.push(d);
    }
    if (mine) {
      const d: Record<string, unknown> = {};
      if (address) d.address = address;
      if (coinbase) {
        d.category = !info.active ? 'orphan' : confirmations < ctx.params.coinbaseMaturity + 1 ? 'immature' : 'generate';
      } else d.category = 'receive';
      d.amount = amount(out.value);
      if (label !== undefined) d.label = label;
      d.vout = vout;
      details.push(d);
    }
  });
  const net = amounts.credit - amounts.debit;
  // Core: amount = nNet - nFee with nFee = value out - debit (so fees are not counted twice).
  return { common, details, amount: fee !== undefined ? net + fee : net, fee };
}

/**
 * Core's DecodeHexTx for fundrawtransaction: a transaction without inputs is legal here
 * (createrawtransaction makes them), but its 0x00 input count looks like the segwit marker,
 * so it is read in the legacy (no-witness) format when the normal decoding fails.
 */
function decodeFundTx(value: unknown): Transaction {
  try {
    return decodeTx(value);
  } catch (e) {
    const b = typeof value === 'string' && /^([0-9a-fA-F]{2})+$/.test(value) ? Buffer.from(value, 'hex') : undefined;
    if (!b || b.length < 10 || b[4] !== 0x00) throw e;
    try {
      const r = new ByteReader(b);
      const tx = new Transaction();
      tx.version = r.i32();
      r.u8(); // the 0x00 input count
      const nOut = r.compactSize(b.length);
      for (let i = 0; i < nOut; i++) {
        const value = r.u64();
        tx.addOutput(Uint8Array.from(r.varBytes(b.length)), value);
      }
      tx.locktime = r.u32();
      r.end();
      return tx;
    } catch {
      throw e;
    }
  }
}

function parseOptionsObject(v: unknown, allowed: string[]): Record<string, unknown> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(v)} is not of expected type object`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new RpcError(RPC.TYPE_ERROR, `Unexpected key ${k}`);
  return v as Record<string, unknown>;
}

export const walletMethods: RpcMethod<Ctx>[] = [
  {
    name: 'getwalletinfo', category: 'Wallet', wallet: true, params: [],
    help: 'Returns an object containing various wallet state info.',
    async handler(_args, ctx) {
      const w = await getWallet(ctx);
      const b = w.getBalances();
      return {
        walletname: w.name,
        walletversion: 169900,
        format: 'leveldb',
        balance: amount(b.trusted),
        unconfirmed_balance: amount(b.untrustedPending),
        immature_balance: amount(b.immature),
        txcount: w.txCount,
        keypoolsize: w.keypoolSize(0),
        keypoolsize_hd_internal: w.keypoolSize(1),
        paytxfee: amount(0n),
        private_keys_enabled: true,
        avoid_reuse: false,
        scanning: false,
        descriptors: true,
        external_signer: false,
        blank: false,
        lastprocessedblock: { hash: w.tipHash, height: w.tipHeight },
      };
    },
  },
  {
    name: 'getnewaddress', category: 'Wallet', wallet: true,
    params: [{ name: 'label', type: 'string', optional: true }, { name: 'address_type', type: 'string', optional: true }],
    help: 'Returns a new ODA address for receiving payments (BIP84 bech32 by default; "legacy", "p2sh-segwit" and "bech32m" too).',
    async handler([label, type], ctx) {
      const w = await getWallet(ctx);
      return w.getNewAddress(parseLabel(label), parseAddressType(type));
    },
  },
  {
    name: 'getrawchangeaddress', category: 'Wallet', wallet: true,
    params: [{ name: 'address_type', type: 'string', optional: true }],
    help: 'Returns a new ODA address, for receiving change. This is for use with raw transactions, NOT normal use.',
    async handler([type], ctx) {
      const w = await getWallet(ctx);
      return w.getRawChangeAddress(parseAddressType(type));
    },
  },
  {
    name: 'setlabel', category: 'Wallet', wallet: true,
    params: [{ name: 'address', type: 'string' }, { name: 'label', type: 'string' }],
    help: 'Sets the label associated with the given address.',
    async handler([address, label], ctx) {
      const w = await getWallet(ctx);
      parseAddress(address, ctx);
      await w.setLabel(address as string, parseLabel(label));
      return null;
    },
  },
  {
    name: 'getbalance', category: 'Wallet', wallet: true,
    params: [
      { name: 'dummy', type: 'string', optional: true }, { name: 'minconf', type: 'number', optional: true },
      { name: 'include_watchonly', type: 'boolean', optional: true }, { name: 'avoid_reuse', type: 'boolean', optional: true },
    ],
    help: 'Returns the total available balance: trusted coins with at least minconf confirmations (default 0).',
    async handler([dummy, minconf], ctx) {
      const w = await getWallet(ctx);
      if (dummy !== undefined && dummy !== '*') throw new RpcError(RPC.METHOD_DEPRECATED, 'dummy first argument must be excluded or set to "*".');
      return amount(w.getBalances(intArg(minconf, 0, 'minconf')).trusted);
    },
  },
  {
    name: 'getbalances', category: 'Wallet', wallet: true, params: [],
    help: 'Returns an object with all balances in BTC: mine.trusted, mine.untrusted_pending, mine.immature (coinbase outputs with fewer than 101 confirmations).',
    async handler(_args, ctx) {
      const w = await getWallet(ctx);
      const b = w.getBalances();
      return {
        mine: { trusted: amount(b.trusted), untrusted_pending: amount(b.untrustedPending), immature: amount(b.immature) },
        lastprocessedblock: { hash: w.tipHash, height: w.tipHeight },
      };
    },
  },
  {
    name: 'listunspent', category: 'Wallet', wallet: true,
    params: [
      { name: 'minconf', type: 'number', optional: true }, { name: 'maxconf', type: 'number', optional: true },
      { name: 'addresses', type: 'array', optional: true }, { name: 'include_unsafe', type: 'boolean', optional: true },
      { name: 'query_options', type: 'object', optional: true },
    ],
    help: 'Returns array of unspent transaction outputs with between minconf and maxconf (inclusive) confirmations.',
    async handler([minconf, maxconf, addresses, includeUnsafe, queryOptions], ctx) {
      const w = await getWallet(ctx);
      let scripts: Set<string> | undefined;
      // Core: an empty address list is no filter at all.
      if (addresses !== undefined && addresses !== null && (addresses as unknown[]).length > 0) {
        scripts = new Set();
        for (const a of addresses as unknown[]) {
          let s: Uint8Array;
          try {
            s = addressToScript(String(a), ctx.params);
          } catch {
            throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Invalid ODA address: ${a}`);
          }
          if (scripts.has(hex(s))) throw new RpcError(RPC.INVALID_PARAMETER, `Invalid parameter, duplicated address: ${a}`);
          scripts.add(hex(s));
        }
      }
      const q = parseOptionsObject(queryOptions, ['minimumAmount', 'maximumAmount', 'maximumCount', 'minimumSumAmount', 'include_immature_coinbase']);
      const minAmount = q.minimumAmount !== undefined ? amountToSats(q.minimumAmount) : 0n;
      const maxAmount = q.maximumAmount !== undefined ? amountToSats(q.maximumAmount) : undefined;
      const maxCount = q.maximumCount !== undefined ? intArg(q.maximumCount, 0, 'maximumCount') : 0;
      const minSum = q.minimumSumAmount !== undefined ? amountToSats(q.minimumSumAmount) : undefined;
      const coins = w.listUnspent({
        minConf: intArg(minconf, 1, 'minconf'), maxConf: intArg(maxconf, 9_999_999, 'maxconf'), scripts,
        includeUnsafe: includeUnsafe === undefined ? true : includeUnsafe as boolean, includeImmature: q.include_immature_coinbase === true,
      });
      const out: Record<string, unknown>[] = [];
      let sum = 0n;
      for (const c of coins) {
        if (c.value < minAmount || (maxAmount !== undefined && c.value > maxAmount)) continue;
        const e: Record<string, unknown> = { txid: c.txid, vout: c.vout, address: c.address };
        const label = w.labelOf(c.address);
        if (label !== undefined) e.label = label;
        e.scriptPubKey = hex(c.script);
        if (c.key.redeemScript) e.redeemScript = hex(c.key.redeemScript);
        e.amount = amount(c.value);
        e.confirmations = c.confirmations;
        e.spendable = true;
        e.solvable = true;
        e.desc = w.descriptorFor(c.key);
        e.parent_descs = [w.parentDescriptorFor(c.key)];
        e.safe = c.confirmations > 0 || c.trusted;
        out.push(e);
        sum += c.value;
        if (maxCount > 0 && out.length >= maxCount) break;
        if (minSum !== undefined && sum >= minSum) break;
      }
      return out;
    },
  },
  {
    name: 'sendtoaddress', category: 'Wallet', wallet: true,
    params: [
      { name: 'address', type: 'string' }, { name: 'amount', type: 'amount' },
      { name: 'comment', type: 'string', optional: true }, { name: 'comment_to', type: 'string', optional: true },
      { name: 'subtractfeefromamount', type: 'boolean', optional: true }, { name: 'replaceable', type: 'boolean', optional: true },
      { name: 'conf_target', type: 'number', optional: true }, { name: 'estimate_mode', type: 'string', optional: true },
      { name: 'avoid_reuse', type: 'boolean', optional: true }, { name: 'fee_rate', type: 'amount', optional: true },
      { name: 'verbose', type: 'boolean', optional: true },
    ],
    help: 'Send an amount to a given address. Fee: fee_rate (sat/vB) if given, else -fallbackfee (0.0002 BTC/kvB on regtest). BIP125-replaceable by default.',
    async handler([address, amt, comment, commentTo, sffo, replaceable, confTarget, estimateMode, _avoidReuse, feeRateArg, verbose], ctx) {
      const w = await getWallet(ctx);
      const script = parseAddress(address, ctx);
      const value = sendAmount(amt);
      const feeRate = parseFeeArgs(feeRateArg, confTarget, estimateMode);
      const { tx } = await sendRecipients(ctx, w, [{ script, value }], { feeRate, subtractFeeFrom: sffo ? [0] : [], replaceable: replaceable as boolean | undefined }, { comment: comment as string | undefined, commentTo: commentTo as string | undefined });
      return verbose ? { txid: tx.getId(), fee_reason: feeReason(feeRate) } : tx.getId();
    },
  },
  {
    name: 'sendmany', category: 'Wallet', wallet: true,
    params: [
      { name: 'dummy', type: 'string', optional: true }, { name: 'amounts', type: 'object' },
      { name: 'minconf', type: 'number', optional: true }, { name: 'comment', type: 'string', optional: true },
      { name: 'subtractfeefrom', type: 'array', optional: true }, { name: 'replaceable', type: 'boolean', optional: true },
      { name: 'conf_target', type: 'number', optional: true }, { name: 'estimate_mode', type: 'string', optional: true },
      { name: 'fee_rate', type: 'amount', optional: true }, { name: 'verbose', type: 'boolean', optional: true },
    ],
    help: 'Send multiple times. Amounts are double-precision floating point numbers.',
    async handler([dummy, amounts, _minconf, comment, subtractFrom, replaceable, confTarget, estimateMode, feeRateArg, verbose], ctx) {
      const w = await getWallet(ctx);
      if (dummy !== undefined && dummy !== '') throw new RpcError(RPC.INVALID_PARAMETER, 'Dummy value must be set to ""');
      const entries = Object.entries(amounts as Record<string, unknown>);
      if (entries.length === 0) throw new RpcError(RPC.INVALID_PARAMETER, 'Transaction must have at least one recipient');
      const recipients = entries.map(([a, v]) => ({ script: parseAddress(a, ctx), value: sendAmount(v) }));
      const sffo: number[] = [];
      for (const a of (subtractFrom as unknown[] | undefined) ?? []) {
        const i = entries.findIndex(([addr]) => addr === a);
        if (i < 0) throw new RpcError(RPC.INVALID_PARAMETER, `Invalid parameter 'subtract fee from output', destination ${a} not found in tx outputs`);
        sffo.push(i);
      }
      const feeRate = parseFeeArgs(feeRateArg, confTarget, estimateMode);
      const { tx } = await sendRecipients(ctx, w, recipients, { feeRate, subtractFeeFrom: sffo, replaceable: replaceable as boolean | undefined }, { comment: comment as string | undefined });
      return verbose ? { txid: tx.getId(), fee_reason: feeReason(feeRate) } : tx.getId();
    },
  },
  {
    name: 'fundrawtransaction', category: 'Wallet', wallet: true,
    params: [{ name: 'hexstring', type: 'string' }, { name: 'options', type: ['object', 'boolean'], optional: true }, { name: 'iswitness', type: 'boolean', optional: true }],
    help: 'Adds inputs to a transaction until it has enough in value to meet its out value, and one change output if the change is not dust. Returns {hex, fee, changepos}.',
    async handler([hexArg, optionsArg], ctx) {
      const w = await getWallet(ctx);
      const tx = decodeFundTx(hexArg);
      const o = typeof optionsArg === 'boolean' ? { includeWatching: optionsArg } : parseOptionsObject(optionsArg, [
        'add_inputs', 'include_unsafe', 'changeAddress', 'changePosition', 'change_type', 'includeWatching', 'lockUnspents',
        'fee_rate', 'feeRate', 'subtractFeeFromOutputs', 'replaceable', 'conf_target', 'estimate_mode', 'input_weights', 'solving_data',
      ]);
      if (tx.outs.length === 0) throw new RpcError(RPC.INVALID_PARAMETER, 'TX must have at least one output');
      if (o.fee_rate !== undefined && o.feeRate !== undefined) throw new RpcError(RPC.INVALID_PARAMETER, 'Cannot specify both fee_rate (sat/vB) and feeRate (BTC/kvB)');
      let feeRate = parseFeeArgs(o.fee_rate, o.conf_target, o.estimate_mode);
      if (o.feeRate !== undefined) {
        if (o.conf_target !== undefined) throw new RpcError(RPC.INVALID_PARAMETER, 'Cannot specify both conf_target and feeRate');
        feeRate = amountToSats(o.feeRate);
      }
      let changeScript: Uint8Array | undefined;
      if (o.changeAddress !== undefined) {
        try {
          changeScript = addressToScript(String(o.changeAddress), ctx.params);
        } catch {
          throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Change address must be a valid ODA address');
        }
      }
      if (o.changeAddress !== undefined && o.change_type !== undefined) throw new RpcError(RPC.INVALID_PARAMETER, 'Cannot specify both changeAddress and address_type options');
      const changeType = o.change_type === undefined ? undefined : parseAddressType(o.change_type);
      let changePosition: number | undefined;
      if (o.changePosition !== undefined) {
        changePosition = intArg(o.changePosition, 0, 'changePosition');
        if (changePosition < 0 || changePosition > tx.outs.length) throw new RpcError(RPC.INVALID_PARAMETER, 'changePosition out of bounds');
      }
      const sffo = ((o.subtractFeeFromOutputs as unknown[] | undefined) ?? []).map((v) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw new RpcError(RPC.TYPE_ERROR, 'Invalid parameter, subtractFeeFromOutputs must be integers');
        if (v < 0 || v >= tx.outs.length) throw new RpcError(RPC.INVALID_PARAMETER, `Invalid parameter, value out of range: ${v}`);
        return v;
      });
      if (new Set(sffo).size !== sffo.length) throw new RpcError(RPC.INVALID_PARAMETER, `Invalid parameter, duplicated position: ${sffo.find((v, i) => sffo.indexOf(v) !== i)}`);
      let res;
      try {
        res = await w.fund(tx, {
          feeRate, changeScript, changeType, changePosition, subtractFeeFrom: sffo,
          lockUnspents: o.lockUnspents === true, replaceable: o.replaceable as boolean | undefined,
          includeUnsafe: o.include_unsafe === true,
        });
      } catch (e) {
        walletErrorToRpc(e, RPC.WALLET_ERROR);
      }
      return { hex: res.tx.toHex(), fee: amount(res.fee), changepos: res.changePos };
    },
  },
  {
    name: 'signrawtransactionwithwallet', category: 'Wallet', wallet: true,
    params: [{ name: 'hexstring', type: 'string' }, { name: 'prevtxs', type: 'array', optional: true }, { name: 'sighashtype', type: 'string', optional: true }],
    help: 'Sign inputs for raw transaction (serialized, hex-encoded) with the wallet\'s keys. Returns {hex, complete, errors?}.',
    async handler([hexArg, prevtxs, sighashArg], ctx) {
      const w = await getWallet(ctx);
      const tx = decodeTx(hexArg);
      const hashType = sighashArg === undefined ? Transaction.SIGHASH_DEFAULT : SIGHASH_BY_NAME[sighashArg as string];
      if (hashType === undefined) throw new RpcError(RPC.INVALID_PARAMETER, `'${sighashArg}' is not a valid sighash parameter.`);
      const prevouts = new Map<string, Prevout>();
      for (const p of (prevtxs as unknown[] | undefined) ?? []) {
        if (typeof p !== 'object' || p === null) throw new RpcError(RPC.TYPE_ERROR, 'expected object with {"txid\'","vout","scriptPubKey"}');
        const o = p as Record<string, unknown>;
        const txid = parseHash(o.txid, 'txid');
        const vout = intArg(o.vout, -1, 'vout');
        if (vout < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'vout cannot be negative');
        const script = parseHex(o.scriptPubKey, 'scriptPubKey');
        const value = o.amount !== undefined ? amountToSats(o.amount) : 0n;
        prevouts.set(`${txid}:${vout}`, { script, value });
      }
      const { complete, errors } = await w.sign(tx, { prevouts, hashType });
      const out: Record<string, unknown> = { hex: tx.toHex(), complete };
      if (errors.length) out.errors = errors;
      return out;
    },
  },
  {
    name: 'getaddressinfo', category: 'Wallet', wallet: true,
    params: [{ name: 'address', type: 'string' }],
    help: 'Return information about the given ODA address.',
    async handler([address], ctx) {
      const w = await getWallet(ctx);
      let script: Uint8Array;
      try {
        script = addressToScript(address as string, ctx.params);
      } catch (e) {
        if (e instanceof AddressError) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, e.message);
        throw e;
      }
      const d = describeAddress(address as string, ctx);
      const key = w.keyFor(script);
      const out: Record<string, unknown> = { address, scriptPubKey: hex(script), ismine: key !== undefined, solvable: key !== undefined };
      if (key) {
        out.desc = w.descriptorFor(key);
        out.parent_desc = w.parentDescriptorFor(key);
      }
      out.iswatchonly = false;
      out.isscript = d.isscript;
      out.iswitness = d.iswitness;
      if (d.iswitness) {
        out.witness_version = d.witness_version;
        out.witness_program = d.witness_program;
      }
      if (key?.redeemScript) {
        out.script = 'witness_v0_keyhash';
        out.hex = hex(key.redeemScript);
        out.embedded = { isscript: false, iswitness: true, witness_version: 0, witness_program: hex(key.redeemScript.subarray(2)), pubkey: hex(key.publicKey), address: scriptToAddress(key.redeemScript, ctx.params), scriptPubKey: hex(key.redeemScript) };
      }
      if (key) {
        out.pubkey = hex(key.publicKey);
        out.iscompressed = true;
        out.ischange = key.branch === 1;
        out.hdkeypath = key.path;
        out.hdmasterfingerprint = w.masterFingerprint;
      } else {
        out.ischange = false;
      }
      const label = w.labelOf(address as string);
      out.labels = label !== undefined ? [label] : [];
      return out;
    },
  },
  {
    name: 'gettransaction', category: 'Wallet', wallet: true,
    params: [{ name: 'txid', type: 'string' }, { name: 'include_watchonly', type: 'boolean', optional: true }, { name: 'verbose', type: 'boolean', optional: true }],
    help: 'Get detailed information about in-wallet transaction <txid>.',
    async handler([txidArg, _watch, verbose], ctx) {
      const w = await getWallet(ctx);
      const txid = parseHash(txidArg, 'txid');
      if (!w.getTransaction(txid)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Invalid or non-wallet transaction id');
      const { common, details, amount: net, fee } = txEntries(w, ctx, txid);
      const out: Record<string, unknown> = { amount: amount(net) };
      if (fee !== undefined) out.fee = amount(-fee);
      Object.assign(out, common);
      out.details = details;
      const tx = w.getTransaction(txid)!.tx;
      out.hex = tx.toHex();
      if (verbose) out.decoded = txToJSON(tx, ctx.params);
      return out;
    },
  },
  {
    name: 'listtransactions', category: 'Wallet', wallet: true,
    params: [
      { name: 'label', type: 'string', optional: true }, { name: 'count', type: 'number', optional: true },
      { name: 'skip', type: 'number', optional: true }, { name: 'include_watchonly', type: 'boolean', optional: true },
    ],
    help: 'If a label name is provided, this will return only incoming transactions paying to addresses with the specified label. Returns up to \'count\' most recent transactions skipping the first \'from\' transactions.',
    async handler([labelArg, countArg, skipArg], ctx) {
      const w = await getWallet(ctx);
      const label = labelArg === undefined ? '*' : (labelArg as string);
      const count = intArg(countArg, 10, 'count');
      const skip = intArg(skipArg, 0, 'skip');
      if (count < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'Negative count');
      if (skip < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'Negative from');
      const rows: Record<string, unknown>[] = [];
      for (const t of w.transactions()) {
        const { common, details } = txEntries(w, ctx, t.txid);
        for (const d of details) {
          if (label !== '*' && (d.category === 'send' || d.label !== label)) continue;
          rows.push({ ...d, ...common });
        }
      }
      const end = rows.length - skip;
      return end <= 0 ? [] : rows.slice(Math.max(0, end - count), end);
    },
  },
  {
    name: 'rescanblockchain', category: 'Wallet', wallet: true,
    params: [{ name: 'start_height', type: 'number', optional: true }, { name: 'stop_height', type: 'number', optional: true }],
    help: 'Rescan the local blockchain for wallet related transactions, from start_height (default 0) to the tip.',
    async handler([startArg, stopArg], ctx) {
      const w = await getWallet(ctx);
      const start = intArg(startArg, 0, 'start_height');
      if (start < 0 || start > ctx.chain.height) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid start_height');
      if (stopArg !== undefined) {
        const stop = intArg(stopArg, 0, 'stop_height');
        if (stop < 0 || stop > ctx.chain.height) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid stop_height');
        if (stop < start) throw new RpcError(RPC.INVALID_PARAMETER, 'stop_height must be greater than start_height');
      }
      // ODA always scans to the tip: the wallet's record of blocks stays contiguous.
      const r = await w.rescan(start);
      return { start_height: r.start, stop_height: r.stop };
    },
  },
  {
    name: 'lockunspent', category: 'Wallet', wallet: true,
    params: [{ name: 'unlock', type: 'boolean' }, { name: 'transactions', type: 'array', optional: true }, { name: 'persistent', type: 'boolean', optional: true }],
    help: 'Updates list of temporarily unspendable outputs (in memory only).',
    async handler([unlock, transactions], ctx) {
      const w = await getWallet(ctx);
      if (transactions === undefined) {
        if (unlock) for (const l of w.listLocked()) w.unlockCoin(l.txid, l.vout);
        return true;
      }
      const outs = (transactions as unknown[]).map((o) => {
        const r = o as Record<string, unknown>;
        const txid = parseHash(r.txid, 'txid');
        const vout = intArg(r.vout, -1, 'vout');
        if (vout < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, vout cannot be negative');
        return { txid, vout };
      });
      for (const { txid, vout } of outs) {
        const coin = w.ownedOutput(txid, vout);
        if (!w.getTransaction(txid)) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, unknown transaction');
        if (!coin) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, vout index out of bounds');
        const locked = w.isLocked(txid, vout);
        if (unlock && !locked) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, expected locked output');
        if (!unlock && locked) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, output already locked');
      }
      for (const { txid, vout } of outs) (unlock ? w.unlockCoin(txid, vout) : w.lockCoin(txid, vout));
      return true;
    },
  },
  {
    name: 'listlockunspent', category: 'Wallet', wallet: true, params: [],
    help: 'Returns list of temporarily unspendable outputs.',
    async handler(_args, ctx) {
      return (await getWallet(ctx)).listLocked();
    },
  },
  {
    name: 'listwallets', category: 'Wallet', params: [],
    help: 'Returns a list of currently loaded wallets.',
    handler(_args, ctx) {
      return manager(ctx).list();
    },
  },
  {
    name: 'listwalletdir', category: 'Wallet', params: [],
    help: 'Returns a list of wallets in the wallet directory.',
    handler(_args, ctx) {
      return { wallets: manager(ctx).listDir().map((name) => ({ name })) };
    },
  },
  {
    name: 'createwallet', category: 'Wallet',
    params: [
      { name: 'wallet_name', type: 'string' }, { name: 'disable_private_keys', type: 'boolean', optional: true },
      { name: 'blank', type: 'boolean', optional: true }, { name: 'passphrase', type: 'string', optional: true },
      { name: 'avoid_reuse', type: 'boolean', optional: true }, { name: 'descriptors', type: 'boolean', optional: true },
      { name: 'load_on_startup', type: 'boolean', optional: true }, { name: 'external_signer', type: 'boolean', optional: true },
    ],
    help: 'Creates and loads a new HD wallet (BIP44/49/84/86 keys from a fresh random seed).',
    async handler([name, disablePrivateKeys, blank, passphrase, _avoidReuse, descriptors, _loadOnStartup, externalSigner], ctx) {
      if (disablePrivateKeys || blank) throw new RpcError(RPC.WALLET_ERROR, 'ODA wallets always hold private keys: disable_private_keys and blank are not supported');
      if (passphrase) throw new RpcError(RPC.WALLET_ENCRYPTION_FAILED, 'Wallet encryption is not supported by ODA');
      if (descriptors === false) throw new RpcError(RPC.WALLET_ERROR, 'Legacy (non-descriptor) wallets are not supported');
      if (externalSigner) throw new RpcError(RPC.WALLET_ERROR, 'Compiled without external signing support (required for external signing)');
      try {
        const w = await manager(ctx).create(name as string);
        return { name: w.name };
      } catch (e) {
        if (e instanceof WalletLoadError) throw new RpcError(e.code, e.message);
        throw e;
      }
    },
  },
  {
    name: 'loadwallet', category: 'Wallet',
    params: [{ name: 'filename', type: 'string' }, { name: 'load_on_startup', type: 'boolean', optional: true }],
    help: 'Loads a wallet from its wallet directory.',
    async handler([name], ctx) {
      try {
        const w = await manager(ctx).load(name as string);
        return { name: w.name };
      } catch (e) {
        if (e instanceof WalletLoadError) throw new RpcError(e.code, e.message);
        throw e;
      }
    },
  },
  {
    name: 'unloadwallet', category: 'Wallet',
    params: [{ name: 'wallet_name', type: 'string', optional: true }, { name: 'load_on_startup', type: 'boolean', optional: true }],
    help: 'Unloads the wallet referenced by the request endpoint, otherwise unloads the wallet specified in the argument.',
    async handler([nameArg], ctx) {
      let name = nameArg as string | undefined;
      if (ctx.walletName !== undefined) {
        if (name !== undefined && name !== ctx.walletName) throw new RpcError(RPC.INVALID_PARAMETER, 'RPC endpoint wallet and wallet_name parameter specify different wallets');
        name = ctx.walletName;
      }
      if (name === undefined) throw new RpcError(RPC.INVALID_PARAMETER, 'Either the RPC endpoint wallet or the wallet name parameter must be provided');
      try {
        await manager(ctx).unload(name);
      } catch (e) {
        if (e instanceof WalletLoadError) throw new RpcError(e.code, e.message);
        throw e;
      }
      return {};
    },
  },
];

