// Core's "Util" category: validateaddress (address checks that need no wallet).
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { decodeAddress, destinationToScript, AddressError } from '../../chain/address.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Core's DescribeAddress fields for a valid address (isscript, iswitness, witness_*). */
export function describeAddress(address: string, ctx: NodeContext): Record<string, unknown> {
  const dest = decodeAddress(address, ctx.params);
  const script = destinationToScript(dest);
  const out: Record<string, unknown> = { isvalid: true, address, scriptPubKey: hex(script) };
  if (dest.type === 'witness') {
    // Core reports P2WSH and P2TR as isscript: true (they commit to scripts), P2WPKH false.
    out.isscript = !(dest.version === 0 && dest.program.length === 20);
    out.iswitness = true;
    out.witness_version = dest.version;
    out.witness_program = hex(dest.program);
  } else {
    out.isscript = dest.type === 'scripthash';
    out.iswitness = false;
  }
  return out;
}

export const utilMethods: RpcMethod<NodeContext>[] = [
  {
    name: 'validateaddress', category: 'Util',
    params: [{ name: 'address', type: 'string', description: 'The ODA address to validate' }],
    help: 'Return information about the given ODA address.',
    handler([address], ctx) {
      try {
        return describeAddress(address as string, ctx);
      } catch (e) {
        if (!(e instanceof AddressError)) throw e;
        return { isvalid: false, error_locations: e.errorLocations, error: e.message };
      }
    },
  },
];
