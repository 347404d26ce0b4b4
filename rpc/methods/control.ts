// Core's "Control" category: stop, getmemoryinfo (help and uptime come with every RpcServer).
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';

export const controlMethods: RpcMethod<NodeContext>[] = [
  {
    name: 'stop', category: 'Control', params: [{ name: 'wait', type: 'number', optional: true }],
    help: 'Request a graceful shutdown of the ODA node.',
    handler(_a, ctx) {
      ctx.shutdown();
      return 'ODA node stopping';
    },
  },
  {
    name: 'getmemoryinfo', category: 'Control', params: [{ name: 'mode', type: 'string', optional: true }],
    help: 'Returns an object containing information about memory usage.',
    handler() {
      const m = process.memoryUsage();
      return { locked: { used: 0, free: 0, total: 0, locked: 0, chunks_used: 0, chunks_free: 0 }, process: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external } };
    },
  },
];
