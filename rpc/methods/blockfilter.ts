// getblockfilter (Core's, BIP 157/158 basic filters). ODA builds the basic filter of every
// connected block without -blockfilterindex (chain/filter-index.ts), so lite clients can ask any
// full node.
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { parseHash } from '../params.js';
import { hashToHex } from '../../chain/block.js';

type Ctx = NodeContext;


export const blockFilterMethods: RpcMethod<Ctx>[] = [
  {
    name: 'getblockfilter', category: 'Blockchain',
    params: [
      { name: 'blockhash', type: 'string', description: 'The hash of the block' },
      { name: 'filtertype', type: 'string', optional: true, description: 'The type name of the filter (default: basic)' },
    ],
    help: 'Retrieve a BIP 157 content filter for a particular block (BIP 158 basic filter: the block\'s output scripts and the scripts it spends, Golomb-coded).\n\nResult:\n{ "filter": "hex", "header": "hex" (the filter header, display order) }',
    async handler([hashArg, typeArg], ctx) {
      const hash = parseHash(hashArg, 'blockhash');
      if (typeArg !== undefined && typeArg !== 'basic') throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Unknown filtertype');
      const entry = ctx.chain.getEntry(hash);
      if (!entry) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
      if (!ctx.filters) throw new RpcError(RPC.MISC_ERROR, 'Index is not enabled for filtertype basic');
      const [filter, header] = [await ctx.filters.filter(entry), await ctx.filters.header(entry)];
      if (!filter || !header) throw new RpcError(RPC.MISC_ERROR, 'Filter not found. Block was not connected to the active chain.');
      return { filter: Buffer.from(filter).toString('hex'), header: hashToHex(header) };
    },
  },
];
