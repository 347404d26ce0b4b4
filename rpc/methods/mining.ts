// Core's "Mining" and "Generating" categories (rpc/mining.cpp): regtest block generation,
// getblocktemplate (BIP22/23, segwit rule required), submitblock with BIP22 results,
// getmininginfo, getnetworkhashps and prioritisetransaction.
import { Block, Transaction, hashToHex, wtxidOf, decodeBlock as decodeBlockBytes } from '../../chain/block.js';
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { decodeBlock, jsonType, parseHash } from '../params.js';
import { getDifficulty } from './blockchain.js';
import { addressToScript } from '../../chain/address.js';
import { FAILED_MASK, type BlockEntry } from '../../chain/entry.js';
import { compactToTarget } from '../../chain/header.js';
import { difficultyAdjustmentInterval } from '../../chain/difficulty.js';
import { VerifyError } from '../../chain/errors.js';
import { getTransactionSigOpCost, STANDARD_SCRIPT_VERIFY_FLAGS } from '../../chain/script/index.js';
import { isCoinbaseTx } from '../../chain/tx-checks.js';
import { descriptorChecksum } from '../../wallet/descriptor.js';
import type { Mempool } from '../../mempool/mempool.js';
import { DEFAULT_MAX_TRIES, generateBlocks, type MinerChain } from '../../miner/generate.js';
import { grind, sealBlock } from '../../miner/grind.js';
import { findRegistryCommitment, encodeRegistryCommitmentScript } from '../../oda/registry-commitment.js';
import { createBlockTemplate, lastTemplateStats, type TemplateTx } from '../../miner/template.js';
import { findCuCommitment } from '../../chain/cu-commitment.js';
import { loadIndex, STORAGE_EXTENSION } from '../../oda/storage-index.js';
import { eligibleCount, STORAGE } from '../../oda/storage-proof.js';
import { estimateCuFee, feeForCu, nextCostFields } from '../cost-aware-json.js';
import { amount } from '../amount.js';
import { COST_AWARE } from '../../chain/cost-aware.js';

type Ctx = NodeContext;

const hex64 = (n: bigint) => n.toString(16).padStart(64, '0');
const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/** The chain as mining sees it (chain/chain.ts's Chain). */
interface MiningChain extends MinerChain {
  height: number;
  getEntry(hash: string): BlockEntry | undefined;
  getEntryByHeight(h: number): BlockEntry | undefined;
  isMainChain(e: BlockEntry): boolean;
  getCoin(txid: string, vout: number): Promise<{ script: Uint8Array; value: bigint } | undefined>;
  once(event: 'tip', fn: () => void): unknown;
  off(event: 'tip', fn: () => void): unknown;
  /** Full validation on the tip without storing or PoW (Core's TestBlockValidity). */
  testBlockValidity(block: Block): Promise<void>;
}

function chainOf(ctx: Ctx): MiningChain {
  return ctx.chain;
}

/** Core's ValidationState::ToString: "reason, debug message". */
function stateString(e: VerifyError): string {
  return e.details ? `${e.reason}, ${e.details}` : e.reason;
}

function isFailed(entry: { status: number }): boolean {
  return (entry.status & FAILED_MASK) !== 0;
}

function mempoolOf(ctx: Ctx): Mempool {
  return ctx.mempool;
}

function intArg(value: unknown, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new RpcError(RPC.TYPE_ERROR, 'Expected type number, got null');
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(value)} is not of expected type number`);
  }
  return value;
}

/** addr(ADDRESS) and raw(HEX) descriptors, with an optional checksum checked as Core does. */
function descriptorToScript(desc: string, ctx: Ctx): Uint8Array {
  let body = desc;
  const hash = desc.indexOf('#');
  if (hash >= 0) {
    body = desc.slice(0, hash);
    const given = desc.slice(hash + 1);
    if (given.length !== 8) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Expected 8 character checksum, not ${given.length} characters`);
    let computed: string;
    try {
      computed = descriptorChecksum(body);
    } catch (e) {
      throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, (e as Error).message);
    }
    if (computed !== given) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Provided checksum '${given}' does not match computed checksum '${computed}'`);
  }
  const m = /^(addr|raw)\((.*)\)$/.exec(body);
  if (!m) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `'${body}' is not a supported descriptor here (addr() or raw())`);
  if (m[1] === 'raw') {
    if (!/^([0-9a-fA-F]{2})+$/.test(m[2])) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Raw script is not hex');
    return Buffer.from(m[2], 'hex');
  }
  try {
    return addressToScript(m[2], ctx.params);
  } catch (e) {
    throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, (e as Error).message);
  }
}

async function generate(ctx: Ctx, nblocks: number, script: Uint8Array, maxTries: number): Promise<string[]> {
  try {
    return await generateBlocks({ chain: chainOf(ctx), mempool: mempoolOf(ctx), outputScript: script, nblocks, maxTries });
  } catch (e) {
    if (e instanceof VerifyError) throw new RpcError(RPC.INTERNAL_ERROR, `ProcessNewBlock, block not accepted: ${stateString(e)}`);
    throw e;
  }
}

/** Core's GetNetworkHashPS: chain work over the time spanned by the last `lookup` blocks. */
export function networkHashPS(chain: MiningChain, params: Ctx['params'], lookup: number, height: number): number {
  if (height < -1 || height > chain.height) throw new RpcError(RPC.INVALID_PARAMETER, 'Block does not exist at specified height');
  const pb = height >= 0 ? chain.getEntryByHeight(height) : chain.tip;
  if (!pb || pb.height === 0) return 0;
  if (lookup <= 0) lookup = (pb.height % difficultyAdjustmentInterval(params)) + 1;
  if (lookup > pb.height) lookup = pb.height;
  let pb0 = pb;
  let minTime = pb.time;
  let maxTime = pb.time;
  for (let i = 0; i < lookup; i++) {
    pb0 = chain.getEntryByHeight(pb0.height - 1)!;
    minTime = Math.min(minTime, pb0.time);
    maxTime = Math.max(maxTime, pb0.time);
  }
  if (minTime === maxTime) return 0;
  return Number(pb.chainwork - pb0.chainwork) / (maxTime - minTime);
}

/**
 * ODA-BIP-0006 (from activation): what an external miner needs to sample, digest and prove
 * each attempt: the constants and the storage index entries eligible at the template height
 * (byte offsets are cumulative, so `start` locates every sampled offset). The header it grinds
 * is 113 bytes: the 80 classic bytes (version top bits 011) ‖ digest ‖ skips; the proof section
 * goes into the coinbase witness after the 32-byte reserved value.
 */
async function storageTemplateField(ctx: Ctx, height: number) {
  const index = await loadIndex(ctx.chain.extensionState(STORAGE_EXTENSION));
  const n = eligibleCount(index, height);
  return {
    k: STORAGE.k, lookback: STORAGE.lookback, penaltybits: STORAGE.skipPenaltyBits, dormantskips: STORAGE.dormantSkips,
    entries: index.entries.slice(0, n).map((e) => ({ root: e.root, length: e.length, start: Number(e.start), height: e.height, skips: e.skips })),
  };
}

/** BIP22 result for a block the chain just processed or rejected. */
async function submitToChain(ctx: Ctx, block: Block): Promise<string | null> {
  const chain = chainOf(ctx);
  const hash = block.getId();
  const known = chain.getEntry(hash);
  if (known && known.status & 1 /* HAVE_DATA */) return isFailed(known) ? 'duplicate-invalid' : 'duplicate';
  try {
    const entry = await chain.processBlock(block);
    // Stored but not connected (less work than the tip): Core's "inconclusive".
    return chain.isMainChain(entry) ? null : 'inconclusive';
  } catch (e) {
    if (e instanceof VerifyError) return e.reason || 'rejected';
    throw e;
  }
}

/**
 * BIP22 long polling, as Core: wait until the tip moves away from the one the longpollid
 * names or, checked after a minute and then every 10 s, the mempool has changed.
 */
async function waitForLongPoll(chain: MiningChain, mempool: Mempool, longpollid: string): Promise<void> {
  const hash = longpollid.slice(0, 64);
  const updated = Number(longpollid.slice(64));
  let wait = 60_000;
  while (chain.tip.hash === hash) {
    const tipMoved = await new Promise<boolean>((resolve) => {
      const onTip = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        chain.off('tip', onTip);
        resolve(false);
      }, wait);
      chain.once('tip', onTip);
    });
    if (tipMoved) continue;
    if (mempool.transactionsUpdated !== updated) return;
    wait = 10_000;
  }
}

function parseTemplateRequest(req: unknown): { mode: string; rules: string[]; data?: unknown; longpollid?: string } {
  if (req === undefined || req === null) return { mode: 'template', rules: [] };
  if (typeof req !== 'object' || Array.isArray(req)) {
    throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(req)} is not of expected type object`);
  }
  const o = req as Record<string, unknown>;
  let mode = 'template';
  if (typeof o.mode === 'string') mode = o.mode;
  else if (o.mode !== undefined && o.mode !== null) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid mode');
  const rules = Array.isArray(o.rules) ? o.rules.filter((r): r is string => typeof r === 'string') : [];
  if (o.longpollid !== undefined && typeof o.longpollid !== 'string') throw new RpcError(RPC.TYPE_ERROR, 'Expected type string for longpollid');
  return { mode, rules, data: o.data, longpollid: o.longpollid as string | undefined };
}

export const miningMethods: RpcMethod<Ctx>[] = [
  {
    name: 'generatetoaddress', category: 'Generating',
    params: [{ name: 'nblocks', type: 'number' }, { name: 'address', type: 'string' }, { name: 'maxtries', type: 'number', optional: true }],
    help: 'Mine to a specified address and return the block hashes.\n\nArguments:\n1. nblocks     (numeric, required) How many blocks are generated.\n2. address     (string, required) The address to send the newly generated coins to.\n3. maxtries    (numeric, optional, default=1000000) How many iterations to try.\n\nResult:\n[ "hex", ... ]  hashes of blocks generated',
    async handler([nblocks, address, maxtries], ctx) {
      const n = intArg(nblocks);
      const tries = intArg(maxtries, DEFAULT_MAX_TRIES);
      let script: Uint8Array;
      try {
        script = addressToScript(String(address), ctx.params);
      } catch {
        throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Error: Invalid address');
      }
      return generate(ctx, n, script, tries);
    },
  },
  {
    name: 'generatetodescriptor', category: 'Generating',
    params: [{ name: 'num_blocks', type: 'number' }, { name: 'descriptor', type: 'string' }, { name: 'maxtries', type: 'number', optional: true }],
    help: 'Mine to a specified descriptor and return the block hashes. Supports addr(ADDRESS) and raw(HEX) descriptors, with or without checksum.\n\nArguments:\n1. num_blocks    (numeric, required) How many blocks are generated.\n2. descriptor    (string, required) The descriptor to send the newly generated coins to.\n3. maxtries      (numeric, optional, default=1000000) How many iterations to try.',
    async handler([nblocks, desc, maxtries], ctx) {
      const n = intArg(nblocks);
      const tries = intArg(maxtries, DEFAULT_MAX_TRIES);
      return generate(ctx, n, descriptorToScript(String(desc), ctx), tries);
    },
  },
  {
    name: 'generateblock', category: 'Generating',
    params: [{ name: 'output', type: 'string' }, { name: 'transactions', type: 'array' }, { name: 'submit', type: 'boolean', optional: true }],
    help: 'Mine a set of ordered transactions to a specified address or descriptor and return the block hash.\n\nArguments:\n1. output          (string, required) The address or descriptor to send the newly generated coins to.\n2. transactions    (json array, required) An array of hex strings which are either txids or raw transactions.\n3. submit          (boolean, optional, default=true) Whether to submit the block before the RPC call returns or to return it as hex.\n\nResult:\n{ "hash" : "hex", "hex" : "str" (only if submit=false) }',
    async handler([output, transactions, submit], ctx) {
      const outStr = String(output);
      let script: Uint8Array;
      if (outStr.includes('(')) script = descriptorToScript(outStr, ctx);
      else {
        try {
          script = addressToScript(outStr, ctx.params);
        } catch {
          throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Error: Invalid address or descriptor');
        }
      }
      const mempool = mempoolOf(ctx);
      const chain = chainOf(ctx);
      const txs: TemplateTx[] = [];
      for (const item of transactions as unknown[]) {
        if (typeof item !== 'string') throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${jsonType(item)} is not of expected type string`);
        let tx: Transaction;
        if (/^[0-9a-fA-F]{64}$/.test(item)) {
          const e = mempool.get(item.toLowerCase());
          if (!e) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Transaction ${item} not in mempool.`);
          tx = e.tx;
        } else {
          try {
            tx = Transaction.fromHex(item);
          } catch {
            throw new RpcError(RPC.DESERIALIZATION_ERROR, `Transaction decode failed for ${item}. Make sure the tx has at least one input.`);
          }
        }
        const prevouts = [];
        for (const input of tx.ins) {
          const prevTxid = hashToHex(input.hash);
          const coin = (await chain.getCoin(prevTxid, input.index)) ??
            txs.find((t) => t.txid === prevTxid)?.tx.outs[input.index] ?? undefined;
          prevouts.push(coin ? { script: coin.script, value: coin.value } : { script: new Uint8Array(0), value: 0n });
        }
        // Core's generateblock pays only the subsidy (its template is built without fees),
        // so per-transaction fees are not needed here; sigops only feed template bookkeeping.
        txs.push({
          tx, txid: tx.getId(), wtxid: wtxidOf(tx), fee: 0n,
          sigOpCost: getTransactionSigOpCost(tx, prevouts, STANDARD_SCRIPT_VERIFY_FLAGS), weight: tx.weight(),
        });
      }
      const template = await createBlockTemplate({ chain, outputScript: script, txs });
      // As Core: the block must pass TestBlockValidity (everything but PoW) before grinding.
      try {
        await chain.testBlockValidity(template.block);
      } catch (e) {
        if (e instanceof VerifyError) throw new RpcError(RPC.VERIFY_ERROR, `TestBlockValidity failed: ${stateString(e)}`);
        throw e;
      }
      const found = grind(template.block, DEFAULT_MAX_TRIES, template.storage);
      if (!found) throw new RpcError(RPC.MISC_ERROR, 'Failed to make block.');
      const block = await sealBlock(found, template.storage);
      const hash = block.getId();
      if (submit === false) return { hash, hex: block.toHex() };
      try {
        await chain.processBlock(block);
      } catch (e) {
        if (e instanceof VerifyError) throw new RpcError(RPC.INTERNAL_ERROR, `ProcessNewBlock, block not accepted: ${stateString(e)}`);
        throw e;
      }
      return { hash };
    },
  },
  {
    name: 'getblocktemplate', category: 'Mining',
    params: [{ name: 'template_request', type: 'object', optional: true }],
    help: 'If the request parameters include a \'mode\' key, that is used to explicitly select between the default \'template\' request or a \'proposal\'.\nIt returns data needed to construct a block to work on.\nFor full specification, see BIPs 22, 23, 9, and 145:\n    https://github.com/bitcoin/bips/blob/master/bip-0022.mediawiki\n    https://github.com/bitcoin/bips/blob/master/bip-0023.mediawiki\n    https://github.com/bitcoin/bips/blob/master/bip-0009.mediawiki#getblocktemplate_changes\n    https://github.com/bitcoin/bips/blob/master/bip-0145.mediawiki\n\nArguments:\n1. template_request    (json object, optional) Format of the template\n     {\n       "mode": "str",       (string, optional) This must be set to "template", "proposal" (see BIP 23), or omitted\n       "rules": [ "segwit", ... ]  (json array, required) A list of strings\n     }\n\nFrom ODA-BIP-0006\'s activation the result also has "storage": {k, lookback, penaltybits, dormantskips, entries: [{root, length, start, height, skips}]}; the header to grind is then 113 bytes (80 bytes with version top bits 011, storage digest, skip count) and the coinbase witness is [reserved value, proof section].',
    async handler([request], ctx) {
      const req = parseTemplateRequest(request);
      const chain = chainOf(ctx);
      if (req.mode === 'proposal') {
        if (typeof req.data !== 'string') throw new RpcError(RPC.TYPE_ERROR, 'Missing data String key for proposal');
        let block: Block;
        try {
          block = decodeBlockBytes(Buffer.from(req.data, 'hex'));
        } catch {
          throw new RpcError(RPC.DESERIALIZATION_ERROR, 'Block decode failed');
        }
        const known = chain.getEntry(block.getId());
        if (known) return isFailed(known) ? 'duplicate-invalid' : known.status & 1 ? 'duplicate' : 'duplicate-inconclusive';
        if (block.prevHash && hashToHex(block.prevHash) !== chain.tip.hash) return 'inconclusive-not-best-prevblk';
        try {
          await chain.testBlockValidity(block);
          return null;
        } catch (e) {
          if (e instanceof VerifyError) return e.reason || 'rejected';
          throw e;
        }
      }
      if (req.mode !== 'template') throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid mode');
      if (!ctx.params.isTestChain) {
        if (!ctx.p2p || ctx.p2p.connectionCount().total === 0) throw new RpcError(RPC.CLIENT_NOT_CONNECTED, 'ODA is not connected!');
        if (ctx.chain.isInitialBlockDownload()) throw new RpcError(RPC.CLIENT_IN_INITIAL_DOWNLOAD, 'ODA is in initial sync and waiting for blocks...');
      }
      if (!req.rules.includes('segwit')) {
        throw new RpcError(RPC.INVALID_PARAMETER, 'getblocktemplate must be called with the segwit rule set (call with {"rules": ["segwit"]})');
      }
      const mempool = mempoolOf(ctx);
      if (req.longpollid !== undefined) await waitForLongPoll(chain, mempool, req.longpollid);
      await mempool.flush();
      const updated = mempool.transactionsUpdated;
      // The coinbase is the miner's to build; OP_TRUE is Core's placeholder payout.
      const t = await createBlockTemplate({ chain, mempool, outputScript: Uint8Array.of(0x51) });
      const index = new Map(t.txs.map((x, i) => [x.txid, i + 1]));
      const transactions = t.txs.map((x) => ({
        data: x.tx.toHex(),
        txid: x.txid,
        hash: x.wtxid,
        depends: x.tx.ins
          .map((input) => index.get(hashToHex(input.hash)))
          .filter((i): i is number => i !== undefined)
          .filter((v, i, a) => a.indexOf(v) === i)
          .sort((a, b) => a - b),
        fee: Number(x.fee),
        sigops: x.sigOpCost,
        weight: x.weight,
      }));
      const coinbase = t.block.transactions![0];
      const commitment = coinbase.outs[coinbase.outs.length - 1].script;
      // ODA-BIP-0005: an external miner's coinbase must carry this output (value = burn,
      // already taken out of coinbasevalue) for `bits` (the discounted bits) to be valid.
      const cu = findCuCommitment(coinbase.outs);
      const next = nextCostFields(ctx.chain);
      const costAware = next && {
        ...next,
        ...(cu.ok ? { cu: Number(cu.commitment.cu), cu_commitment: { script: Buffer.from(coinbase.outs[cu.index].script).toString('hex'), burn: Number(cu.burn) } } : { cu: 0 }),
        base_bits: hex8(chain.nextWorkRequired(chain.tip, t.block.timestamp)),
      };
      const storage = t.block.storage ? await storageTemplateField(ctx, t.height) : undefined;
      return {
        capabilities: ['proposal'],
        version: t.block.version,
        rules: ['csv', '!segwit', 'taproot'],
        vbavailable: {},
        vbrequired: 0,
        previousblockhash: t.prevHash,
        transactions,
        coinbaseaux: {},
        coinbasevalue: Number(t.coinbaseValue),
        longpollid: `${t.prevHash}${updated}`,
        target: hex64(compactToTarget(t.bits).target),
        mintime: t.minTime,
        mutable: ['time', 'transactions', 'prevblock'],
        noncerange: '00000000ffffffff',
        sigoplimit: ctx.params.maxBlockSigOpsCost,
        sizelimit: 4_000_000,
        weightlimit: ctx.params.maxBlockWeight,
        curtime: t.block.timestamp,
        bits: hex8(t.bits),
        height: t.height,
        default_witness_commitment: Buffer.from(commitment).toString('hex'),
        // ODA-BIP-0007: an external miner adds this output to its coinbase (before the witness commitment).
        ...registryCommitmentField(coinbase.outs),
        ...(costAware ? { cost_aware: costAware } : {}),
        ...(storage ? { storage } : {}),
      };
    },
  },
  {
    name: 'submitblock', category: 'Mining',
    params: [{ name: 'hexdata', type: 'string' }, { name: 'dummy', type: 'string', optional: true }],
    help: 'Attempts to submit new block to network.\nSee https://en.bitcoin.it/wiki/BIP_0022 for full specification.\n\nArguments:\n1. hexdata    (string, required) the hex-encoded block data to submit\n2. dummy      (string, optional, default=ignored) dummy value, for compatibility with BIP22. This value is ignored.\n\nResult:\nnull if the block was accepted, otherwise a string: "duplicate", "duplicate-invalid", "inconclusive", or the reject reason',
    async handler([hexdata], ctx) {
      const block = decodeBlock(hexdata);
      const txs = block.transactions!;
      if (txs.length === 0 || !isCoinbaseTx(txs[0])) throw new RpcError(RPC.VERIFY_ERROR, 'Block does not start with a coinbase');
      return submitToChain(ctx, block);
    },
  },
  {
    name: 'getmininginfo', category: 'Mining', params: [],
    help: 'Returns a json object containing mining-related information.',
    async handler(_args, ctx) {
      const chain = chainOf(ctx);
      const tip = chain.tip;
      const nextTime = Math.max(chain.medianTimePast(tip) + 1, Math.floor(Date.now() / 1000));
      const nextBits = chain.nextWorkRequired(tip, nextTime);
      const out: Record<string, unknown> = { blocks: tip.height };
      const last = lastTemplateStats();
      if (last) {
        out.currentblockweight = last.weight;
        out.currentblocktx = last.txCount;
      }
      Object.assign(out, {
        bits: hex8(tip.bits),
        difficulty: getDifficulty(tip.bits),
        target: hex64(compactToTarget(tip.bits).target),
        networkhashps: networkHashPS(chain, ctx.params, 120, -1),
        pooledtx: mempoolOf(ctx).size,
        chain: ctx.params.chain,
        next: {
          height: tip.height + 1,
          bits: hex8(nextBits),
          difficulty: getDifficulty(nextBits),
          target: hex64(compactToTarget(nextBits).target),
          ...nextCostFields(ctx.chain),
        },
        warnings: [],
      });
      // ODA-BIP-0006: the share of registered model bytes this node holds (0..1).
      if (ctx.oda) out.storageheld = await ctx.oda.storageHeld();
      return out;
    },
  },
  {
    name: 'estimatecufee', category: 'Mining',
    params: [{ name: 'conf_target', type: 'number', optional: true }, { name: 'cu', type: 'number', optional: true }],
    help: 'Estimates the fee per compute unit (ODA-BIP-0005) an ODA transaction needs to be mined within conf_target blocks: the highest base fee conf_target blocks can reach (it moves at most 1/8 per block) plus the priority fee of the marginal pending ODA transaction within conf_target blocks of target CU.\n\nArguments:\n1. conf_target    (numeric, optional, default=6) Confirmation target in blocks (1 - 1008)\n2. cu             (numeric, optional) Compute units of the transaction to price (see estimatecost)\n\nResult:\n{\n  "base_fee": n,          (numeric) base fee of the next block, satoshis per cu_per_fee_unit CU (burned)\n  "base_fee_max": n,      (numeric) highest base fee within conf_target blocks\n  "priority_fee": n,      (numeric) priority fee (to the miner), satoshis per cu_per_fee_unit CU\n  "fee_rate": n,          (numeric) base_fee_max + priority_fee\n  "cu_per_fee_unit": n,   (numeric) CU the fees above are per\n  "pending_cu": n,        (numeric) ODA CU waiting in the mempool\n  "fee": x.xxx,           (numeric, with cu) fee for a transaction of cu CU, in coins\n  "blocks": n             (numeric) the confirmation target used\n}\nBefore ODA-BIP-0005 is active: { "errors": [ "str" ], "blocks": n }',
    handler([target, cuArg], ctx) {
      const blocks = intArg(target, 6);
      if (blocks < 1 || blocks > 1008) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid conf_target, must be between 1 and 1008');
      let cu: bigint | undefined;
      if (cuArg !== undefined && cuArg !== null) {
        if (typeof cuArg !== 'number' || !Number.isSafeInteger(cuArg) || cuArg < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'cu must be a non-negative integer');
        cu = BigInt(cuArg);
      }
      const est = estimateCuFee(ctx.chain, mempoolOf(ctx), blocks);
      if (!est) return { errors: ['ODA-BIP-0005 (CU fee market) is not active at the next height'], blocks };
      return {
        base_fee: Number(est.baseFee), base_fee_max: Number(est.baseFeeMax), priority_fee: Number(est.priorityFee),
        fee_rate: Number(est.baseFeeMax + est.priorityFee), cu_per_fee_unit: Number(COST_AWARE.cuPerFeeUnit), pending_cu: Number(est.pendingCu),
        ...(cu !== undefined ? { fee: amount(feeForCu(est, cu)) } : {}),
        blocks,
      };
    },
  },
  {
    name: 'getnetworkhashps', category: 'Mining',
    params: [{ name: 'nblocks', type: 'number', optional: true }, { name: 'height', type: 'number', optional: true }],
    help: 'Returns the estimated network hashes per second based on the last n blocks.\nPass in [blocks] to override # of blocks, -1 specifies since last difficulty change.\nPass in [height] to estimate the network speed at the time when a certain block was found.\n\nArguments:\n1. nblocks    (numeric, optional, default=120) The number of previous blocks to calculate estimate from, or -1 for blocks since last difficulty change.\n2. height     (numeric, optional, default=-1) To estimate at the time of the given height.',
    handler([nblocks, height], ctx) {
      return networkHashPS(chainOf(ctx), ctx.params, intArg(nblocks, 120), intArg(height, -1));
    },
  },
  {
    name: 'prioritisetransaction', category: 'Mining',
    params: [{ name: 'txid', type: 'string' }, { name: 'dummy', type: 'number', optional: true }, { name: 'fee_delta', type: 'number' }],
    help: 'Accepts the transaction into mined blocks at a higher (or lower) priority\n\nArguments:\n1. txid         (string, required) The transaction id.\n2. dummy        (numeric, optional) API-Compatibility for previous API. Must be zero or null.\n3. fee_delta    (numeric, required) The fee value (in satoshis) to add (or subtract, if negative).\n\nResult:\ntrue    (boolean) Returns true',
    handler([txid, dummy, feeDelta], ctx) {
      const id = parseHash(txid, 'txid');
      if (dummy !== undefined && dummy !== null && dummy !== 0) {
        throw new RpcError(RPC.INVALID_PARAMETER, 'Priority is no longer supported, dummy argument to prioritisetransaction must set to 0.');
      }
      mempoolOf(ctx).prioritiseTransaction(id, BigInt(intArg(feeDelta)));
      return true;
    },
  },
  {
    name: 'getprioritisedtransactions', category: 'Mining', params: [],
    help: 'Returns a map of all user-created (see prioritisetransaction) fee deltas by txid, and whether the tx is present in mempool.',
    handler(_args, ctx) {
      const mempool = mempoolOf(ctx);
      const out: Record<string, unknown> = {};
      for (const [txid, delta] of mempool.prioritisedTransactions()) {
        const e = mempool.get(txid);
        out[txid] = e ? { fee_delta: Number(delta), in_mempool: true, modified_fee: Number(e.modifiedFee) } : { fee_delta: Number(delta), in_mempool: false };
      }
      return out;
    },
  },
];

function registryCommitmentField(outs: readonly { script: Uint8Array }[]): { default_registry_commitment?: string } {
  const c = findRegistryCommitment(outs);
  return 'root' in c ? { default_registry_commitment: Buffer.from(encodeRegistryCommitmentScript(c.root)).toString('hex') } : {};
}
