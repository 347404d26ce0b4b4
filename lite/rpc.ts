// The lite node's JSON-RPC table (oda-lite serve): the same server and envelopes as odad
// (rpc/server.ts, cookie auth), but only what a header-only node can answer truthfully —
// header status, headers, model proofs it verified itself, verified downloads. No method
// returns anything a full node told it without a check against its own best header chain.
import { resolve } from 'node:path';
import { RPC, RpcError } from '../rpc/errors.js';
import type { RpcMethod } from '../rpc/types.js';
import { provenanceJson } from '../oda/proof-json.js';
import type { LiteNode } from './node.js';
import { fetchModel, privateProvenance, VERIFICATION } from './fetch.js';
import { keyFromHex } from './content-key.js';
import type { BlockEntry } from '../chain/entry.js';

export interface LiteRpcContext {
  node: LiteNode;
  /** Timeout (ms) for a proof or a download asked through RPC. */
  timeoutMs: number;
  /** Called by `stop`: the server answers first, then the program shuts down. */
  requestStop: () => void;
}

const hex64 = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be of length 64 (not ${typeof v === 'string' ? v.length : 0}, for '${String(v)}')`);
  return v.toLowerCase();
};

function version(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xfffffffe) throw new RpcError(RPC.INVALID_PARAMETER, 'version must be an integer in [0, 4294967294]');
  return v;
}

export function headerStatus(node: LiteNode): Record<string, unknown> {
  const t = node.chain.tip;
  return {
    chain: node.opts.params.chain ?? 'regtest', headers: t.height, blocks: 0, bestblockhash: t.hash,
    chainwork: t.chainwork.toString(16).padStart(64, '0'), time: t.time, peers: node.readyPeers().length,
    mode: 'lite', pruned: false, note: 'header-only: blocks are not stored or validated, only their headers',
  };
}

function headerJson(node: LiteNode, e: BlockEntry): Record<string, unknown> {
  const next = node.chain.getEntryByHeight(e.height + 1);
  const onBest = node.chain.getEntryByHeight(e.height)?.hash === e.hash;
  return {
    hash: e.hash, confirmations: onBest ? node.chain.height - e.height + 1 : -1, height: e.height,
    version: e.version, versionHex: (e.version >>> 0).toString(16).padStart(8, '0'), merkleroot: e.merkleRoot,
    time: e.time, nonce: e.nonce, bits: (e.bits >>> 0).toString(16).padStart(8, '0'),
    chainwork: e.chainwork.toString(16).padStart(64, '0'),
    ...(e.height > 0 ? { previousblockhash: e.prevHash } : {}),
    ...(onBest && next ? { nextblockhash: next.hash } : {}),
  };
}

export const liteMethods: RpcMethod<LiteRpcContext>[] = [
  {
    name: 'getblockchaininfo', category: 'Blockchain', params: [],
    help: 'Returns the lite node\'s header chain status: chain, headers (best header height), bestblockhash, chainwork, time, peers. "blocks" is 0: a lite node stores no block bodies.',
    handler: (_a, c) => headerStatus(c.node),
  },
  {
    name: 'getbestblockhash', category: 'Blockchain', params: [],
    help: 'Returns the hash of the best (most-work) header the lite node has validated.',
    handler: (_a, c) => c.node.chain.tip.hash,
  },
  {
    name: 'getblockcount', category: 'Blockchain', params: [],
    help: 'Returns the height of the best validated header.',
    handler: (_a, c) => c.node.chain.height,
  },
  {
    name: 'getblockheader', category: 'Blockchain',
    params: [{ name: 'blockhash', type: 'string', description: 'the block hash' }, { name: 'verbose', type: 'boolean', optional: true, description: 'true (default) for a JSON object, false for the header hex' }],
    help: 'Returns a validated header as Core\'s getblockheader (verbose) or its serialized hex (80 bytes, 113 with the ODA-BIP-0006 extension).',
    handler: (a, c) => {
      const e = c.node.chain.getEntry(hex64(a[0], 'blockhash'));
      if (!e) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
      return a[1] === false ? Buffer.from(e.header).toString('hex') : headerJson(c.node, e);
    },
  },
  {
    name: 'getmodelproof', category: 'Models',
    params: [{ name: 'model_id', type: 'string', description: 'the model id (64 hex)' }, { name: 'version', type: 'number', optional: true, description: 'a version to prove (default: the current one)' }],
    help: 'Asks the connected full nodes for a registry proof of the model (ODA-BIP-0007), verifies it against the lite node\'s best header chain and returns the provenance (block, version, score, weights, trainer) with verified: true. A forged proof bans its sender; with no verified proof the call fails.',
    handler: async (a, c) => {
      const proven = await c.node.proveModel(hex64(a[0], 'model_id'), version(a[1]), { timeout: c.timeoutMs });
      const priv = privateProvenance(proven.verified.model);
      return {
        ...provenanceJson(proven.verified, proven.entry.height, c.node.opts.params),
        verification: priv ? VERIFICATION.approved : VERIFICATION.scored, ...(priv ? { private: priv } : {}),
        proof_bytes: proven.size, verified: true,
      };
    },
  },
  {
    name: 'fetchmodel', category: 'Models',
    params: [
      { name: 'model_id', type: 'string', description: 'the model id (64 hex)' },
      { name: 'out', type: 'string', description: 'directory to write the files and provenance.json to (on the lite node\'s machine)' },
      { name: 'version', type: 'number', optional: true, description: 'a version (default: the current one)' },
      { name: 'key', type: 'string', optional: true, description: 'content key (64 hex) of a private model, to decrypt it' },
    ],
    help: 'Proves the model\'s current (or given) version, downloads its architecture and weights piece by piece from the peers (every 16 KiB block verified), writes them to out and returns the provenance, as oda-lite fetch.',
    handler: async (a, c) => {
      if (typeof a[1] !== 'string' || a[1] === '') throw new RpcError(RPC.INVALID_PARAMETER, 'out must be a directory path');
      let key;
      if (a[3] !== undefined && a[3] !== null) {
        try { key = { kind: 'key' as const, key: keyFromHex(String(a[3])) }; } catch (e) { throw new RpcError(RPC.INVALID_PARAMETER, (e as Error).message); }
      }
      return fetchModel(c.node, { modelId: hex64(a[0], 'model_id'), version: version(a[2]), outDir: resolve(a[1]), timeout: c.timeoutMs, key });
    },
  },
  {
    name: 'stop', category: 'Control', params: [],
    help: 'Stops the lite node.',
    handler: (_a, c) => { setImmediate(c.requestStop); return 'oda-lite stopping'; },
  },
];
