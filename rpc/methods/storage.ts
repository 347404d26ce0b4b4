// What this node keeps of the registered model data (ODA-BIP-0006 §8): the -storemodels
// policy, bytes registered (the storage index at the tip) against bytes held, per model.
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { RPC, RpcError } from '../errors.js';

export const storageMethods: RpcMethod<NodeContext>[] = [
  {
    name: 'getstorageinfo', category: 'Models', params: [],
    help: 'Returns how much of the registered model data (architectures, datasets and the weights of every version; ODA-BIP-0006) this node holds, in total and per model, and its -storemodels policy.\n\n'
      + 'Result:\n'
      + '{\n'
      + '  "storemodels" : "str",        (string) The policy: all, pinned or none\n'
      + '  "registered_bytes" : n,       (numeric) Bytes of every distinct registered blob (the storage index at the tip)\n'
      + '  "registered_blobs" : n,       (numeric) Number of distinct registered blobs\n'
      + '  "held_bytes" : n,             (numeric) Bytes of them this node holds (verified pieces of partial blobs count)\n'
      + '  "held_blobs" : n,             (numeric) Registered blobs held complete\n'
      + '  "held_share" : n,             (numeric) held_bytes / registered_bytes, 0..1 (1 when nothing is registered); getmininginfo\'s storageheld\n'
      + '  "models" : [                  (json array) One entry per registered model, in model-id order\n'
      + '    {\n'
      + '      "model_id" : "hex",       (string) The model id\n'
      + '      "name" : "str",           (string) The model\'s name\n'
      + '      "registered_bytes" : n,   (numeric) Bytes of its architecture, dataset and every version\'s weights\n'
      + '      "held_bytes" : n,         (numeric) Bytes of them held\n'
      + '      "blobs" : n,              (numeric) Its distinct blobs\n'
      + '      "held_blobs" : n,         (numeric) Its blobs held complete\n'
      + '      "private" : true|false    (boolean) A private model (ODA-BIP-0007b): its ciphertext is not registered data and not in the totals (ODA-BIP-0006 §1)\n'
      + '    },\n'
      + '    ...\n'
      + '  ]\n'
      + '}\n\n'
      + 'Examples:\n> oda-cli getstorageinfo',
    async handler(_a, ctx) {
      if (!ctx.oda) throw new RpcError(RPC.MISC_ERROR, 'ODA transactions are not enabled on this node');
      const s = await ctx.oda.storageInfo();
      return {
        storemodels: s.mode, registered_bytes: s.registeredBytes, registered_blobs: s.registeredBlobs,
        held_bytes: s.heldBytes, held_blobs: s.heldBlobs, held_share: s.heldShare,
        models: s.models.map((m) => ({ model_id: m.modelId, name: m.name, registered_bytes: m.registeredBytes, held_bytes: m.heldBytes, blobs: m.blobs, held_blobs: m.heldBlobs, private: m.private })),
      };
    },
  },
];
