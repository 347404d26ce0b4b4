// Core's "Blockchain" category: chain, block, UTXO and mempool queries, invalidate/reconsider.
import { Block } from '../../chain/block.js';
import type { RpcMethod } from '../types.js';
import { decorateTx } from '../oda-json.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { parseHash, parseIntParam } from '../params.js';
import { amount } from '../amount.js';
import { txToJSON, scriptPubKeyToJSON } from '../tx-json.js';
import { compactToTarget } from '../../chain/header.js';
import { blockCostFields } from '../cost-aware-json.js';
import { findRegistryCommitment, isRegistryCommitmentActive } from '../../oda/registry-commitment.js';

type Ctx = NodeContext;

/** Core's GetDifficulty: powLimit-of-Bitcoin-mainnet-relative difficulty as a double. */
export function getDifficulty(bits: number): number {
  let shift = (bits >>> 24) & 0xff;
  let diff = 0x0000ffff / (bits & 0x00ffffff);
  while (shift < 29) { diff *= 256; shift++; }
  while (shift > 29) { diff /= 256; shift--; }
  return diff;
}

const hex64 = (n: bigint) => n.toString(16).padStart(64, '0');

function entryOr404(ctx: Ctx, hash: string) {
  const entry = ctx.chain.getEntry(hash);
  if (!entry) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
  return entry;
}

function confirmations(ctx: Ctx, entry: any): number {
  return ctx.chain.isMainChain(entry) ? ctx.chain.height - entry.height + 1 : -1;
}

export function headerToJSON(ctx: Ctx, entry: any): Record<string, unknown> {
  const next = ctx.chain.isMainChain(entry) ? ctx.chain.getEntryByHeight(entry.height + 1) : undefined;
  const out: Record<string, unknown> = {
    hash: entry.hash,
    confirmations: confirmations(ctx, entry),
    height: entry.height,
    version: entry.version,
    versionHex: (entry.version >>> 0).toString(16).padStart(8, '0'),
    merkleroot: entry.merkleRoot,
    time: entry.time,
    mediantime: ctx.chain.medianTimePast(entry),
    nonce: entry.nonce,
    bits: (entry.bits >>> 0).toString(16).padStart(8, '0'),
    target: hex64(compactToTarget(entry.bits).target),
    difficulty: getDifficulty(entry.bits),
    chainwork: hex64(entry.chainwork),
    nTx: ctx.chain.getTxCount(entry.hash) ?? 0,
  };
  if (entry.height > 0) out.previousblockhash = entry.prevHash;
  if (next) out.nextblockhash = next.hash;
  // ODA-BIP-0005: the block's CU, burn, base fee and discount (after activation).
  Object.assign(out, blockCostFields(ctx.chain, entry));
  // ODA-BIP-0006: the header's storage digest (hex, internal order) and live slots skipped.
  if (entry.storage) out.storage = { digest: Buffer.from(entry.storage.digest).toString('hex'), skips: entry.storage.skips };
  return out;
}

async function blockFees(ctx: Ctx, hash: string, block: Block): Promise<(bigint | undefined)[]> {
  // Fees come from the block's undo data (spent coins), as Core does for verbosity 2.
  const undo: { value: bigint }[][] | undefined = await ctx.chain.getBlockUndo?.(hash);
  return block.transactions!.map((tx, i) => {
    if (i === 0 || !undo) return undefined;
    const spent = undo[i - 1];
    if (!spent) return undefined;
    const inSum = spent.reduce((a, c) => a + c.value, 0n);
    const outSum = tx.outs.reduce((a, o) => a + o.value, 0n);
    return inSum - outSum;
  });
}

function mempoolEntryToJSON(ctx: Ctx, e: any): Record<string, unknown> {
  const spentby = ctx.mempool.getChildren ? ctx.mempool.getChildren(e.txid) : [];
  return {
    vsize: e.vsize,
    weight: e.weight,
    time: e.time,
    height: e.height,
    descendantcount: e.descendantCount,
    descendantsize: e.descendantSize,
    ancestorcount: e.ancestorCount,
    ancestorsize: e.ancestorSize,
    wtxid: e.wtxid,
    fees: {
      base: amount(e.fee),
      modified: amount(e.modifiedFee ?? e.fee),
      ancestor: amount(e.ancestorFees),
      descendant: amount(e.descendantFees),
    },
    depends: [...e.depends].sort(),
    spentby: [...spentby].sort(),
    'bip125-replaceable': e.tx.ins.some((i: any) => i.sequence < 0xfffffffe),
    unbroadcast: false,
  };
}

export const blockchainMethods: RpcMethod<Ctx>[] = [
  {
    name: 'getblockchaininfo', category: 'Blockchain', params: [],
    help: 'Returns an object containing various state info regarding blockchain processing.',
    async handler(_a, ctx) {
      const tip = ctx.chain.tip;
      const headers = ctx.chain.bestHeader ? ctx.chain.bestHeader.height : tip.height;
      return {
        chain: ctx.params.chain,
        blocks: tip.height,
        headers,
        bestblockhash: tip.hash,
        bits: (tip.bits >>> 0).toString(16).padStart(8, '0'),
        target: hex64(compactToTarget(tip.bits).target),
        difficulty: getDifficulty(tip.bits),
        time: tip.time,
        mediantime: ctx.chain.medianTimePast(tip),
        // During IBD the P2P layer knows how far the download is (p2p/sync.ts); it also knows
        // the best header, so its IBD answer (Core's, plus "far behind the headers") wins.
        verificationprogress: ctx.p2p ? ctx.p2p.verificationProgress() : 1,
        initialblockdownload: ctx.p2p ? ctx.p2p.isInitialBlockDownload() : ctx.chain.isInitialBlockDownload(),
        chainwork: hex64(tip.chainwork),
        size_on_disk: await ctx.chain.sizeOnDisk(),
        pruned: false,
        warnings: [],
      };
    },
  },
  {
    name: 'getblockcount', category: 'Blockchain', params: [],
    help: 'Returns the height of the most-work fully-validated chain. The genesis block has height 0.',
    handler: (_a, ctx) => ctx.chain.height,
  },
  {
    name: 'getbestblockhash', category: 'Blockchain', params: [],
    help: 'Returns the hash of the best (tip) block in the most-work fully-validated chain.',
    handler: (_a, ctx) => ctx.chain.tip.hash,
  },
  {
    name: 'getblockhash', category: 'Blockchain', params: [{ name: 'height', type: 'number' }],
    help: 'Returns hash of block in best-block-chain at height provided.',
    handler([height], ctx) {
      const h = parseIntParam(height, 'height');
      if (h < 0 || h > ctx.chain.height) throw new RpcError(RPC.INVALID_PARAMETER, 'Block height out of range');
      return ctx.chain.getEntryByHeight(h)!.hash;
    },
  },
  {
    name: 'getdifficulty', category: 'Blockchain', params: [],
    help: 'Returns the proof-of-work difficulty as a multiple of the minimum difficulty.',
    handler: (_a, ctx) => getDifficulty(ctx.chain.tip.bits),
  },
  {
    name: 'getblockheader', category: 'Blockchain',
    params: [{ name: 'blockhash', type: 'string' }, { name: 'verbose', type: 'boolean', optional: true }],
    help: "If verbose is false, returns a string that is serialized, hex-encoded data for blockheader 'hash'.\nIf verbose is true, returns an Object with information about blockheader <hash>.",
    handler([hash, verbose], ctx) {
      const entry = entryOr404(ctx, parseHash(hash, 'hash'));
      if (verbose === false) return Buffer.from(entry.header).toString('hex');
      return headerToJSON(ctx, entry);
    },
  },
  {
    name: 'getblock', category: 'Blockchain',
    params: [{ name: 'blockhash', type: 'string' }, { name: 'verbosity', type: ['number', 'boolean'], optional: true }],
    help: 'If verbosity is 0, returns a string that is serialized, hex-encoded data for block \'hash\'.\nIf verbosity is 1, returns an Object with information about block <hash>.\nIf verbosity is 2, returns an Object with information about block <hash> and information about each transaction, including fee.\nOn a node with -maxvalidationcost (ODA-BIP-0007b), "unverified_by_this_node" lists the inference txids this node accepted without re-executing them (verbosity 2 also marks those transactions "verified_by_this_node": false).\nFrom the ODA-BIP-0007 activation height, "registry_root" is the model registry root the coinbase commits to (hex), the root every getmodelproof of that block leads to.',
    async handler([hash, verbosityArg], ctx) {
      const h = parseHash(hash, 'blockhash');
      const entry = entryOr404(ctx, h);
      const verbosity = verbosityArg === undefined ? 1 : verbosityArg === true ? 1 : verbosityArg === false ? 0 : (verbosityArg as number);
      const block: Block | undefined = await ctx.chain.getBlock(h);
      if (!block) throw new RpcError(RPC.MISC_ERROR, 'Block not available (pruned data)');
      if (verbosity <= 0) return block.toHex();
      const out = headerToJSON(ctx, entry);
      const txs = block.transactions!;
      out.size = block.byteLength();
      out.strippedsize = block.byteLength(false, false);
      out.weight = block.weight();
      out.nTx = txs.length;
      if (verbosity === 1) {
        out.tx = txs.map((t) => t.getId());
      } else {
        const fees = await blockFees(ctx, h, block);
        out.tx = txs.map((t, i) => {
          const j = txToJSON(t, ctx.params, { fee: fees[i], includeHex: true });
          return ctx.oda ? decorateTx(t, j) : j;
        });
      }
      // ODA-BIP-0007b: what this node's capability class accepted without re-executing it.
      const unverified = ctx.oda?.unverified(h) ?? [];
      if (unverified.length) {
        out.unverified_by_this_node = [...unverified];
        if (verbosity >= 2) for (const t of out.tx as Array<Record<string, unknown>>) if (unverified.includes(t.txid as string)) t.verified_by_this_node = false;
      }
      // ODA-BIP-0007: the registry root the coinbase commits to, what a lite node's proofs lead to.
      if (ctx.oda && isRegistryCommitmentActive(entry.height, ctx.params)) {
        const c = findRegistryCommitment(txs[0].outs);
        if ('root' in c) out.registry_root = Buffer.from(c.root).toString('hex');
      }
      // Reorder to Core's key order: tx sits after merkleroot.
      const { hash: bh, confirmations: c, size, strippedsize, weight, height, version, versionHex, merkleroot, tx, ...rest } = out as any;
      return { hash: bh, confirmations: c, size, strippedsize, weight, height, version, versionHex, merkleroot, tx, ...rest };
    },
  },
  {
    name: 'getchaintips', category: 'Blockchain', params: [],
    help: 'Return information about all known tips in the block tree, including the main chain as well as orphaned branches.',
    handler: (_a, ctx) => ctx.chain.getChainTips(),
  },
  {
    name: 'gettxout', category: 'Blockchain',
    params: [{ name: 'txid', type: 'string' }, { name: 'n', type: 'number' }, { name: 'include_mempool', type: 'boolean', optional: true }],
    help: 'Returns details about an unspent transaction output.',
    async handler([txid, n, includeMempool], ctx) {
      const id = parseHash(txid, 'txid');
      const vout = parseIntParam(n, 'n');
      let coin: any;
      if (includeMempool !== false) {
        if (ctx.mempool.isSpent?.(id, vout)) return null;
        coin = ctx.mempool.getCoin?.(id, vout);
      }
      if (!coin) coin = await ctx.chain.getCoin(id, vout);
      if (!coin) return null;
      const height = coin.height;
      return {
        bestblock: ctx.chain.tip.hash,
        confirmations: height < 0 || height === undefined || height > ctx.chain.height ? 0 : ctx.chain.height - height + 1,
        value: amount(coin.value),
        scriptPubKey: scriptPubKeyToJSON(coin.script, ctx.params),
        coinbase: coin.coinbase,
      };
    },
  },
  {
    name: 'gettxoutsetinfo', category: 'Blockchain', params: [{ name: 'hash_type', type: 'string', optional: true }],
    help: 'Returns statistics about the unspent transaction output set. Note this call may take some time.',
    async handler(_a, ctx) {
      const info = await ctx.chain.getTxOutSetInfo();
      return { ...info, total_amount: amount(info.total_amount) };
    },
  },
  {
    name: 'invalidateblock', category: 'Blockchain', params: [{ name: 'blockhash', type: 'string' }],
    help: 'Permanently marks a block as invalid, as if it violated a consensus rule.',
    async handler([hash], ctx) {
      const h = parseHash(hash, 'blockhash');
      entryOr404(ctx, h);
      await ctx.chain.invalidateBlock(h);
      return null;
    },
  },
  {
    name: 'reconsiderblock', category: 'Blockchain', params: [{ name: 'blockhash', type: 'string' }],
    help: 'Removes invalidity status of a block, its ancestors and its descendants, reconsider them for activation.\nThis can be used to undo the effects of invalidateblock.',
    async handler([hash], ctx) {
      const h = parseHash(hash, 'blockhash');
      entryOr404(ctx, h);
      await ctx.chain.reconsiderBlock(h);
      return null;
    },
  },
  {
    name: 'getmempoolinfo', category: 'Blockchain', params: [],
    help: 'Returns details on the active state of the TX memory pool.',
    handler: (_a, ctx) => {
      const i = ctx.mempool.info();
      return {
        loaded: i.loaded,
        size: i.size,
        bytes: i.bytes,
        usage: i.usage,
        total_fee: amount(i.totalFee),
        maxmempool: i.maxMempool,
        mempoolminfee: amount(i.mempoolMinFee),
        minrelaytxfee: amount(i.minRelayTxFee),
        incrementalrelayfee: amount(i.incrementalRelayFee),
        unbroadcastcount: 0,
        fullrbf: true,
      };
    },
  },
  {
    name: 'getrawmempool', category: 'Blockchain',
    params: [{ name: 'verbose', type: 'boolean', optional: true }, { name: 'mempool_sequence', type: 'boolean', optional: true }],
    help: 'Returns all transaction ids in memory pool as a json array of string transaction ids.',
    handler([verbose], ctx) {
      const entries: any[] = ctx.mempool.entries();
      if (!verbose) return entries.map((e) => e.txid);
      const out: Record<string, unknown> = {};
      for (const e of entries) out[e.txid] = mempoolEntryToJSON(ctx, e);
      return out;
    },
  },
  {
    name: 'getmempoolentry', category: 'Blockchain', params: [{ name: 'txid', type: 'string' }],
    help: 'Returns mempool data for given transaction',
    handler([txid], ctx) {
      const e = ctx.mempool.get(parseHash(txid, 'txid'));
      if (!e) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Transaction not in mempool');
      return mempoolEntryToJSON(ctx, e);
    },
  },
  {
    name: 'savemempool', category: 'Blockchain', params: [],
    help: 'Dumps the mempool to disk. It will fail until the previous dump is fully loaded.',
    async handler(_a, ctx) {
      await ctx.mempool.save();
      return { filename: `${ctx.networkDir}/mempool.dat` };
    },
  },
];
