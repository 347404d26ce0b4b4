// Every RPC method table the node serves, by Core's categories.
import type { RpcMethod } from '../types.js';
import type { NodeContext } from '../context.js';
import { blockchainMethods } from './blockchain.js';
import { controlMethods } from './control.js';
import { miningMethods } from './mining.js';
import { networkMethods } from './network.js';
import { rawTransactionMethods } from './rawtransactions.js';
import { utilMethods } from './util.js';
import { walletMethods } from './wallet.js';
import { storeMethods } from './store.js';
import { modelMethods } from './models.js';
import { progressMethods } from './progress.js';
import { proofMethods } from './proofs.js';
import { storageMethods } from './storage.js';
import { privateModelMethods, withPrivateAddModel } from './private-models.js';
import { keyWrapMethods } from './keywrap.js';
import { blockFilterMethods } from './blockfilter.js';

export function allMethods(extra: RpcMethod<NodeContext>[] = []): RpcMethod<NodeContext>[] {
  return [
    ...blockchainMethods,
    ...blockFilterMethods,
    ...controlMethods,
    ...miningMethods,
    ...networkMethods,
    ...rawTransactionMethods,
    ...utilMethods,
    ...walletMethods,
    ...withPrivateAddModel(modelMethods),
    ...privateModelMethods,
    ...keyWrapMethods,
    ...progressMethods,
    ...proofMethods,
    ...storageMethods,
    // The store's handlers answer -1 "Model store is not available" when ctx.store is absent.
    ...(storeMethods as unknown as RpcMethod<NodeContext>[]),
    ...extra,
  ] as RpcMethod<NodeContext>[];
}
