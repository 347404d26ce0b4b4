// A real chain + mempool + wallets in a temp dir, wired as node/node.ts wires them, for
// wallet tests. Removed on success; kept (and printed) on failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../../chain/chain.js';
import { Mempool } from '../../../mempool/mempool.js';
import { regtest } from '../../../chain/params.js';
import { generateBlocks } from '../../../miner/generate.js';
import { WalletManager } from '../../../wallet/manager.js';
import { addressToScript } from '../../../chain/address.js';

/** Anyone-can-spend P2WSH(OP_TRUE): a mining destination outside every wallet. */
export const P2WSH_TRUE = Uint8Array.from(Buffer.from('00204ae81572f06e1b88fd5ced7a1a000945432e83e1551e6f721ee9c00b8cc33260', 'hex'));

export class TestNode {
  chain!: Chain;
  mempool!: Mempool;
  wallets!: WalletManager;
  /** The mempool's re-adding of disconnected transactions (async, as in the node). */
  private readding: Promise<void> = Promise.resolve();
  private constructor(readonly dir: string) {}

  /** Waits for the mempool to take back disconnected transactions, then for every wallet. */
  async settle(): Promise<void> {
    await this.readding;
    for (const name of this.wallets.list()) await this.wallets.get(name)!.sync();
  }

  static async start(dir = mkdtempSync(join(tmpdir(), 'oda-wallet-'))): Promise<TestNode> {
    const n = new TestNode(dir);
    await n.openChain();
    await n.openWallets();
    return n;
  }

  async openChain(): Promise<void> {
    this.chain = await Chain.open({ params: regtest, dir: this.dir, fsync: false });
    this.mempool = new Mempool({ chain: this.chain, params: regtest });
    this.chain.on('connect', (_e: unknown, block: any) => this.mempool.handleConnect(block));
    this.chain.on('disconnect', (_e: unknown, block: any) => {
      this.readding = this.readding.then(() => this.mempool.handleDisconnect(block)).then(() => undefined);
    });
  }

  async openWallets(): Promise<void> {
    this.wallets = await WalletManager.open({ dir: join(this.dir, 'wallets'), chain: this.chain, mempool: this.mempool, params: regtest, lookahead: 100 });
  }

  get w() {
    return this.wallets.get('')!;
  }

  async mine(n: number, to: string | Uint8Array = P2WSH_TRUE): Promise<string[]> {
    const outputScript = typeof to === 'string' ? addressToScript(to, regtest) : to;
    const hashes = await generateBlocks({ chain: this.chain, mempool: this.mempool, outputScript, nblocks: n });
    for (const name of this.wallets.list()) await this.wallets.get(name)!.sync();
    return hashes;
  }

  async closeWallets(): Promise<void> {
    await this.wallets.close();
  }

  async stop(remove = true): Promise<void> {
    await this.wallets.close().catch(() => undefined);
    await this.chain.close().catch(() => undefined);
    if (remove) rmSync(this.dir, { recursive: true, force: true });
  }
}
