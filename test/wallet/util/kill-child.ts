// Child process for the kill test: mines to its wallet and pays itself in a loop, printing
// the height after each block, until the parent kills it with SIGKILL.
import { TestNode } from './node.js';
import { addressToScript } from '../../../chain/address.js';
import { regtest, COIN } from '../../../chain/params.js';

const node = await TestNode.start(process.argv[2]);
const w = node.w;
const addr = await w.getNewAddress('mining');
await node.mine(101, addr);
for (;;) {
  const dest = await w.getNewAddress();
  const { tx } = await w.createTransaction([{ script: addressToScript(dest, regtest), value: COIN }]);
  await node.mempool.addTransaction(tx);
  await node.mine(1, addr);
  process.stdout.write(`height ${node.chain.height}\n`);
}
