// Progress of the node's long-running work that users wait on: model-data downloads from
// peers (p2p/blobs.ts; the same numbers go to debug.log every 10 s per download) and long
// evaluations of ODA transactions (oda/evaluations.ts; a log line every 5 s while one runs).
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
  {
    name: 'getevaluations', category: 'Models', params: [],
    help: 'Lists the model evaluations this node is running, in start order, with their progress: scoring an add-model\'s dataset, scoring the weights of a reveal (update-weights), re-executing a block\'s inference claims, for a block being validated, the mempool or an RPC pre-check (addmodel, commitweights, updateweights). An evaluation is listed once it has begun scoring rows; one answered from the validation cache never is. Empty when none is running.\n\nResult:\n[ { "id": n (start order), "type": "add-model"|"update-weights"|"inference", "modelid": "hex", "txid": "hex" (absent for an RPC pre-check), "source": "block"|"mempool"|"rpc", "height": n (source block), "rows": n (rows to evaluate), "rows_done": n, "progress": n (0..1), "started": unix time, "rate": n (rows/s since started), "eta": n (seconds at that rate, absent until measurable) } ]',
    handler(_a, ctx) {
      const running = ctx.oda?.context.evaluations.list() ?? [];
      return running.map((e) => ({
        id: e.id, type: e.type, modelid: e.modelId, ...(e.txid !== undefined ? { txid: e.txid } : {}), source: e.source,
        ...(e.height !== undefined ? { height: e.height } : {}), rows: e.rows, rows_done: e.rowsDone, progress: e.progress,
        started: e.started, rate: Math.round(e.rate), ...(e.eta !== undefined ? { eta: e.eta } : {}),
      }));
    },
  },
];
