// Core's "Network" category over the P2P subsystem (p2p/node.ts), with Core's result shapes,
// error codes and messages. When P2P is not running at all (no ctx.p2p), the methods that
// need it fail with RPC_CLIENT_P2P_DISABLED as Core does without a connection manager;
// getnetworkinfo still answers.
import type { RpcMethod } from '../types.js';
import type { NodeContext, P2PHandle } from '../context.js';
import { RPC, RpcError } from '../errors.js';
import { amount } from '../amount.js';
import { PROTOCOL_VERSION, serviceNames } from '../../p2p/wire/messages.js';
import { USER_AGENT } from '../../p2p/node.js';
import { parseSubnet } from '../../p2p/banman.js';

function p2p(ctx: NodeContext): P2PHandle {
  if (!ctx.p2p) throw new RpcError(RPC.CLIENT_P2P_DISABLED, 'Error: Peer-to-peer functionality missing or disabled');
  return ctx.p2p;
}

export const networkMethods: RpcMethod<NodeContext>[] = [
  {
    name: 'getconnectioncount', category: 'Network', params: [],
    help: 'Returns the number of connections to other nodes.',
    handler: (_a, ctx) => p2p(ctx).connectionCount().total,
  },
  {
    name: 'ping', category: 'Network', params: [],
    help: 'Requests that a ping be sent to all other nodes, to measure ping time. Results are in getpeerinfo pingtime and pingwait.',
    handler(_a, ctx) { p2p(ctx).pingAll(); return null; },
  },
  {
    name: 'getpeerinfo', category: 'Network', params: [],
    help: 'Returns data about each connected network peer as a json array of objects.',
    handler: (_a, ctx) => p2p(ctx).getPeerInfo(),
  },
  {
    name: 'addnode', category: 'Network',
    params: [{ name: 'node', type: 'string' }, { name: 'command', type: 'string' }, { name: 'v2transport', type: 'boolean', optional: true }],
    help: 'Attempts to add or remove a node from the addnode list, or try a connection to a node once. command: "add" to add a node to the list, "remove" to remove a node from the list, "onetry" to try a connection to the node once.',
    handler([node, command], ctx) {
      const cmd = command as string;
      if (cmd !== 'add' && cmd !== 'remove' && cmd !== 'onetry') throw new RpcError(RPC.MISC_ERROR, 'addnode "node" "command"\n\ncommand must be one of "add", "remove", "onetry"');
      const r = p2p(ctx).addNode(node as string, cmd);
      if (r === 'already-added') throw new RpcError(RPC.CLIENT_NODE_ALREADY_ADDED, 'Error: Node already added');
      if (r === 'not-added') throw new RpcError(RPC.CLIENT_NODE_NOT_ADDED, 'Error: Node could not be removed. It has not been added previously.');
      return null;
    },
  },
  {
    name: 'getaddednodeinfo', category: 'Network', params: [{ name: 'node', type: 'string', optional: true }],
    help: 'Returns information about the given added node, or all added nodes (onetry nodes are not listed).',
    handler([node], ctx) {
      const all = p2p(ctx).getAddedNodeInfo();
      if (node === undefined) return all;
      const one = all.filter((n) => n.addednode === node);
      if (one.length === 0) throw new RpcError(RPC.CLIENT_NODE_NOT_ADDED, 'Error: Node has not been added.');
      return one;
    },
  },
  {
    name: 'disconnectnode', category: 'Network',
    params: [{ name: 'address', type: 'string', optional: true }, { name: 'nodeid', type: 'number', optional: true }],
    help: 'Immediately disconnects from the specified peer node. Strictly one out of "address" and "nodeid" can be provided to identify the node.',
    handler([address, nodeid], ctx) {
      const net = p2p(ctx);
      const hasAddr = address !== undefined && address !== '';
      if (hasAddr === (nodeid !== undefined)) throw new RpcError(RPC.INVALID_PARAMS, 'Only one of address and nodeid should be provided.');
      if (!net.disconnectNode(hasAddr ? (address as string) : undefined, nodeid as number | undefined)) {
        throw new RpcError(RPC.CLIENT_NODE_NOT_CONNECTED, 'Node not found in connected nodes');
      }
      return null;
    },
  },
  {
    name: 'setban', category: 'Network',
    params: [{ name: 'subnet', type: 'string' }, { name: 'command', type: 'string' }, { name: 'bantime', type: 'number', optional: true }, { name: 'absolute', type: 'boolean', optional: true }],
    help: 'Attempts to add or remove an IP/Subnet from the banned list. bantime is seconds (0 or absent: 24h), or an absolute unix time when absolute is true.',
    handler([subnet, command, bantime, absolute], ctx) {
      const net = p2p(ctx);
      if (command !== 'add' && command !== 'remove') throw new RpcError(RPC.MISC_ERROR, 'setban "subnet" "command" ( bantime absolute )\n\ncommand must be "add" or "remove"');
      try { parseSubnet(subnet as string); } catch { throw new RpcError(RPC.CLIENT_INVALID_IP_OR_SUBNET, 'Error: Invalid IP/Subnet'); }
      if (command === 'add') {
        if (!net.pool.ban(subnet as string, (bantime as number | undefined) ?? 0, (absolute as boolean | undefined) ?? false)) {
          throw new RpcError(RPC.CLIENT_NODE_ALREADY_ADDED, 'Error: IP/Subnet already banned');
        }
      } else if (!net.pool.banman.unban(subnet as string)) {
        throw new RpcError(RPC.CLIENT_INVALID_IP_OR_SUBNET, 'Error: Unban failed. Requested address/subnet was not previously manually banned.');
      }
      return null;
    },
  },
  {
    name: 'listbanned', category: 'Network', params: [],
    help: 'List all manually banned IPs/Subnets.',
    handler: (_a, ctx) => p2p(ctx).pool.banman.rpcList(),
  },
  {
    name: 'clearbanned', category: 'Network', params: [],
    help: 'Clear all banned IPs.',
    handler(_a, ctx) { p2p(ctx).pool.banman.clear(); return null; },
  },
  {
    name: 'setnetworkactive', category: 'Network', params: [{ name: 'state', type: 'boolean' }],
    help: 'Disable/enable all p2p network activity.',
    handler([state], ctx) { const net = p2p(ctx); net.pool.setNetworkActive(state as boolean); return net.pool.networkActive; },
  },
  {
    name: 'getnettotals', category: 'Network', params: [],
    help: 'Returns information about network traffic, including bytes in, bytes out, and current system time.',
    handler(_a, ctx) {
      return {
        ...p2p(ctx).netTotals(),
        uploadtarget: { timeframe: 86400, target: 0, target_reached: false, serve_historical_blocks: true, bytes_left_in_cycle: 0, time_left_in_cycle: 0 },
      };
    },
  },
  {
    name: 'getnodeaddresses', category: 'Network', params: [{ name: 'count', type: 'number', optional: true }, { name: 'network', type: 'string', optional: true }],
    help: 'Return known addresses, after filtering for quality and recency. count=0 returns all known addresses.',
    handler([count, network], ctx) {
      const n = (count as number | undefined) ?? 1;
      if (n < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'Address count out of range');
      const all = p2p(ctx).pool.addrman.sample(Number.MAX_SAFE_INTEGER);
      const rows = all.map((a) => ({ time: a.time, services: Number(a.services), address: a.host, port: a.port, network: a.host.includes(':') ? 'ipv6' : 'ipv4' }));
      const filtered = network === undefined ? rows : rows.filter((r) => r.network === network);
      return n === 0 ? filtered : filtered.slice(0, n);
    },
  },
  {
    name: 'getnetworkinfo', category: 'Network', params: [],
    help: 'Returns an object containing various state info regarding P2P networking.',
    handler(_a, ctx) {
      const net = ctx.p2p;
      const core = net ? net.networkInfoCore() : {
        version: 100, subversion: USER_AGENT, protocolversion: PROTOCOL_VERSION, localservices: '0000000000000000', localservicesnames: serviceNames(0n),
        localrelay: true, networkactive: false, connections: 0, connections_in: 0, connections_out: 0, localaddresses: [],
      };
      const mp = ctx.mempool as { minRelayFee?: bigint; incrementalRelayFee?: bigint } | undefined;
      const reach = (name: string) => ({ name, limited: name !== 'ipv4' && name !== 'ipv6', reachable: name === 'ipv4' || name === 'ipv6', proxy: '', proxy_randomize_credentials: false });
      return {
        version: core.version, subversion: core.subversion, protocolversion: core.protocolversion,
        localservices: core.localservices, localservicesnames: core.localservicesnames, localrelay: core.localrelay,
        timeoffset: 0, networkactive: core.networkactive, connections: core.connections, connections_in: core.connections_in, connections_out: core.connections_out,
        networks: ['ipv4', 'ipv6', 'onion', 'i2p', 'cjdns'].map(reach),
        relayfee: amount(mp?.minRelayFee ?? 1000n), incrementalfee: amount(mp?.incrementalRelayFee ?? 1000n),
        localaddresses: core.localaddresses, warnings: [],
        ...(ctx.oda ? { capabilityclass: { name: ctx.oda.capability.name, maxvalidationcost: ctx.oda.capability.maxValidationCost === null ? null : Number(ctx.oda.capability.maxValidationCost) } } : {}),
      };
    },
  },
];
