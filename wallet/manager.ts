// The set of loaded wallets (Core's WalletContext). The default wallet "" is created and
// loaded at startup, so `getnewaddress` works on a fresh regtest node without the
// "No wallet is loaded" step Core has required since 0.21. Each wallet lives in its own
// directory under <networkDir>/wallets/: "" in `default/`, others under their name.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkParams } from '../chain/params.js';
import type { Logger } from '../util/logger.js';
import { Wallet, type WalletChain, type WalletMempool } from './wallet.js';

export interface WalletManagerOptions {
  /** <networkDir>/wallets */
  dir: string;
  chain: WalletChain;
  mempool?: WalletMempool;
  params: NetworkParams;
  /** sat/kvB (Core's -fallbackfee); default 20000 (0.0002 BTC/kvB) on test chains, 0 on main. */
  fallbackFee?: bigint;
  logger?: Logger;
  /** Keys derived ahead per branch (Core's -keypool, 1000). */
  lookahead?: number;
  /** Create and load the default wallet "" (false for -disablewallet style tests). */
  loadDefault?: boolean;
}

/** Failures with Core's wallet-loading messages; `code` is the RPC code Core uses. */
export class WalletLoadError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'WalletLoadError';
  }
}

const DEFAULT_DIR = 'default';

export class WalletManager {
  private readonly wallets = new Map<string, Wallet>();
  private readonly pending = new Set<string>();

  private constructor(private readonly opts: WalletManagerOptions) {}

  static async open(opts: WalletManagerOptions): Promise<WalletManager> {
    const m = new WalletManager(opts);
    if (opts.loadDefault ?? true) await m.openWallet('');
    return m;
  }

  /** Directory of a wallet name. Names are path-safe by construction (checked in `check`). */
  walletDir(name: string): string {
    return join(this.opts.dir, name === '' ? DEFAULT_DIR : name);
  }

  private check(name: string): void {
    if (name === DEFAULT_DIR) throw new WalletLoadError(-4, `Wallet name "${DEFAULT_DIR}" is reserved for the default wallet ""`);
    if (/[\/\\\0]/.test(name) || name === '.' || name === '..') throw new WalletLoadError(-4, `Invalid wallet name "${name}"`);
  }

  private async openWallet(name: string): Promise<Wallet> {
    this.pending.add(name);
    try {
      const w = await Wallet.open({
        name,
        dir: this.walletDir(name),
        params: this.opts.params,
        chain: this.opts.chain,
        mempool: this.opts.mempool,
        fallbackFee: this.opts.fallbackFee,
        lookahead: this.opts.lookahead,
        log: (msg) => this.opts.logger?.info(msg),
      });
      this.wallets.set(name, w);
      return w;
    } finally {
      this.pending.delete(name);
    }
  }

  get(name: string): Wallet | undefined {
    return this.wallets.get(name);
  }

  /** Loaded wallet names, sorted as Core's listwallets. */
  list(): string[] {
    return [...this.wallets.keys()].sort();
  }

  /** Wallet directories on disk (Core's listwalletdir). */
  listDir(): string[] {
    if (!existsSync(this.opts.dir)) return [];
    return readdirSync(this.opts.dir)
      .filter((n) => statSync(join(this.opts.dir, n)).isDirectory() && existsSync(join(this.opts.dir, n, 'CURRENT')))
      .map((n) => (n === DEFAULT_DIR ? '' : n))
      .sort();
  }

  async create(name: string): Promise<Wallet> {
    if (name !== '') this.check(name);
    const dir = this.walletDir(name);
    if (this.wallets.has(name) || this.pending.has(name) || existsSync(join(dir, 'CURRENT'))) {
      throw new WalletLoadError(-4, `Wallet file verification failed. Failed to create database path '${dir}'. Database already exists.`);
    }
    return this.openWallet(name);
  }

  async load(name: string): Promise<Wallet> {
    if (name !== '') this.check(name);
    const dir = this.walletDir(name);
    if (this.wallets.has(name) || this.pending.has(name)) {
      throw new WalletLoadError(-35, `Wallet file verification failed. Refusing to load database. Data file '${dir}' is already loaded.`);
    }
    if (!existsSync(join(dir, 'CURRENT'))) {
      throw new WalletLoadError(-18, `Wallet file verification failed. Failed to load database path '${dir}'. Path does not exist.`);
    }
    return this.openWallet(name);
  }

  async unload(name: string): Promise<void> {
    const w = this.wallets.get(name);
    if (!w) throw new WalletLoadError(-18, 'Requested wallet does not exist or is not loaded');
    this.wallets.delete(name);
    await w.close();
  }

  async close(): Promise<void> {
    for (const name of this.list()) await this.unload(name);
  }
}
