// Progress of the node's long-running work that users wait on: model-data downloads from
// peers (p2p/blobs.ts). The same numbers go to debug.log every 10 s per download.
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';

export const progressMethods: RpcMethod<NodeContext>[] = [
  {
    name: 'getmodeldownloads', category: 'Models', params: [],
    help: 'Lists the model-store blobs this node is fetching from peers (model architectures, weights, datasets, inference data), in root order, with their progress. Empty when nothing is being fetched or P2P is off.\n\nResult:\n[ { "root": "hex", "length": n (bytes, 0 until the manifest arrived), "pieces": n, "pieces_have": n, "progress": n (0..1), "bytes_received": n, "started": unix time, "rate": n (bytes/s since started), "eta": n (seconds at that rate, absent until measurable), "peers": n (peers offering it) } ]',
    handler(_a, ctx) {
      const downloads = ctx.p2p?.blobs?.progress() ?? [];
      return downloads.map((d) => ({
        root: d.root, length: d.length, pieces: d.pieces, pieces_have: d.piecesHave, progress: d.progress,
        bytes_received: d.bytesReceived, started: d.started, rate: Math.round(d.rate), ...(d.eta !== undefined ? { eta: d.eta } : {}), peers: d.peers,
      }));
    },
  },
];
