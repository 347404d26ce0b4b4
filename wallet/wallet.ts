// An HD wallet kept in step with the chain and mempool (bcoin's wallet plugin, Core's
// CWallet reduced to what ODA's RPC needs). Only wallet transactions and a small state
// record are persisted; the coin set is derived from them at load, so coins, spends and
// confirmations can never disagree with the transactions that made them.
//
// Consistency rules:
// - a transaction counts when it is confirmed on our tip or sits in the mempool (checked
//   live, so a conflicted or evicted spend frees its coins without bookkeeping);
// - each block is applied in one DB batch with the new wallet tip, so a killed node
//   resumes from the last applied block and catches up from the chain (rescan);
// - a disconnected block makes its transactions unconfirmed; its coinbase is dropped,
//   other transactions count again only if the mempool takes them back.
import { mkdirSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ClassicLevel } from 'classic-level';
import { Transaction, type Block, hexToHash, hashToHex } from '../chain/block.js';
import type { NetworkParams } from '../chain/params.js';
import { scriptToAddress } from '../chain/address.js';
import { KeyChain, ADDRESS_TYPES, type AddressType, type DerivedKey } from './keys.js';
import { selectCoins, SelectionError, type Candidate } from './coin-selection.js';
import { signInput, type Prevout } from './signer.js';
import { keyDescriptor, branchDescriptor } from './descriptor.js';
import { Ledger, outpoint, type TxRecord, type CoinView, type Balances, type TxView, type WalletCoin, type UnspentFilter } from './ledger.js';
import { getDustThreshold, DEFAULT_MIN_RELAY_TX_FEE } from '../mempool/policy.js';
import { verifyInput, isScriptError, STANDARD_SCRIPT_VERIFY_FLAGS } from '../chain/script/index.js';

export type { Balances, CoinView, TxView, WalletCoin } from './ledger.js';

/** What the wallet needs of the chain (satisfied by chain/chain.ts's Chain). */
export interface WalletChain {
  on(event: 'connect' | 'disconnect', fn: (entry: any, block: Block) => void): unknown;
  off(event: 'connect' | 'disconnect', fn: (entry: any, block: Block) => void): unknown;
  readonly height: number;
  readonly tip: { hash: string; height: number; time: number };
  getEntry(hash: string): { hash: string; prevHash: string; height: number; time: number } | undefined;
  getEntryByHeight(height: number): { hash: string; prevHash: string; height: number; time: number } | undefined;
  isMainChain(entry: any): boolean;
  getBlock(hash: string): Promise<Block | undefined>;
  getCoin?(txid: string, vout: number): Promise<{ value: bigint; script: Uint8Array } | undefined>;
}

/** What the wallet needs of the mempool (satisfied by mempool/mempool.ts's Mempool). */
export interface WalletMempool {
  on(event: 'tx', fn: (entry: { tx: Transaction }) => void): unknown;
  off(event: 'tx', fn: (entry: { tx: Transaction }) => void): unknown;
  has(txid: string): boolean;
  getCoin?(txid: string, vout: number): { value: bigint; script: Uint8Array } | undefined;
}

export interface WalletOptions {
  name: string;
  /** The wallet's own directory, e.g. <networkDir>/wallets/<name>. */
  dir: string;
  params: NetworkParams;
  chain: WalletChain;
  mempool?: WalletMempool;
  /** Keys derived ahead of the last used one, per branch (Core's -keypool). */
  lookahead?: number;
  /** sat/kvB used when no fee_rate is given; 0 disables (Core's -fallbackfee). */
  fallbackFee?: bigint;
  /** sat; Core's -maxtxfee (0.1 BTC). */
  maxTxFee?: bigint;
  /** Core's -walletrbf: BIP125 signalling by default (true since Core 24). */
  walletRbf?: boolean;
  log?: (msg: string) => void;
}

/** Core's -fallbackfee most regtest users set: 0.0002 BTC/kvB. */
export const REGTEST_FALLBACK_FEE = 20_000n;
export const DEFAULT_MAX_TX_FEE = 10_000_000n;
export const DEFAULT_KEYPOOL = 1000;

/** A wallet error with the message Core prints; the RPC layer picks the code. */
export class WalletError extends Error {
  constructor(message: string, readonly kind: 'funds' | 'fee' | 'param' | 'other' = 'other') {
    super(message);
    this.name = 'WalletError';
  }
}

interface State {
  version: 1;
  tipHash: string;
  tipHeight: number;
  /** Next index getnewaddress/getrawchangeaddress hands out, per "type/branch". */
  next: Record<string, number>;
  labels: Record<string, string>;
}

export interface Recipient { script: Uint8Array; value: bigint }

export interface FundOptions {
  /** sat/kvB; the fallback fee when absent. */
  feeRate?: bigint;
  subtractFeeFrom?: number[];
  changeScript?: Uint8Array;
  /** Address type of a new change key when no changeScript is given (default bech32). */
  changeType?: AddressType;
  /** Where the change output goes; random when absent (as Core). */
  changePosition?: number;
  lockUnspents?: boolean;
  replaceable?: boolean;
  includeUnsafe?: boolean;
}

export interface FundResult { tx: Transaction; fee: bigint; changePos: number }

export interface SignError { txid: string; vout: number; witness: string[]; scriptSig: string; sequence: number; error: string }

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const now = () => Math.floor(Date.now() / 1000);

function splitOutpoint(op: string): [string, number] {
  const [txid, vout] = op.split(':');
  return [txid, Number(vout)];
}

/** A spendable coin as listunspent shows it. */
export interface UnspentCoin extends CoinView { address: string }

export class Wallet {
  readonly name: string;
  readonly params: NetworkParams;
  private readonly db: ClassicLevel<string, any>;
  private readonly chain: WalletChain;
  private readonly mempool?: WalletMempool;
  private keys!: KeyChain;
  private fingerprint!: Uint8Array;
  private state!: State;
  private ledger!: Ledger;
  private queue: Promise<void> = Promise.resolve();
  private sendLock: Promise<void> = Promise.resolve();
  private closed = false;
  readonly fallbackFee: bigint;
  readonly maxTxFee: bigint;
  readonly walletRbf: boolean;
  private readonly lookahead: number;
  private readonly log: (msg: string) => void;
  private readonly onConnect = (entry: any, block: Block) => this.enqueue(() => this.connectBlock(entry, block));
  private readonly onDisconnect = (entry: any, block: Block) => this.enqueue(() => this.disconnectBlock(entry, block));
  private readonly onTx = (entry: { tx: Transaction }) => this.enqueue(() => this.addMempoolTx(entry.tx));

  private constructor(opts: WalletOptions) {
    this.name = opts.name;
    this.params = opts.params;
    this.chain = opts.chain;
    this.mempool = opts.mempool;
    this.lookahead = opts.lookahead ?? DEFAULT_KEYPOOL;
    this.fallbackFee = opts.fallbackFee ?? (opts.params.isTestChain ? REGTEST_FALLBACK_FEE : 0n);
    this.maxTxFee = opts.maxTxFee ?? DEFAULT_MAX_TX_FEE;
    this.walletRbf = opts.walletRbf ?? true;
    this.log = opts.log ?? (() => {});
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    chmodSync(opts.dir, 0o700);
    this.db = new ClassicLevel<string, any>(opts.dir, { valueEncoding: 'json' });
  }

  /** Opens (or creates) the wallet in `opts.dir`, catches up with the chain, then follows it. */
  static async open(opts: WalletOptions): Promise<Wallet> {
    const w = new Wallet(opts);
    await w.db.open();
    try {
      await w.load();
    } catch (e) {
      await w.db.close();
      throw e;
    }
    return w;
  }

  private async load(): Promise<void> {
    let seedHex: string | undefined = await this.db.get('seed');
    let state: State | undefined = await this.db.get('state');
    if (seedHex === undefined) {
      seedHex = randomBytes(32).toString('hex');
      // A new wallet has never received anything: it starts at the current tip.
      state = { version: 1, tipHash: this.chain.tip.hash, tipHeight: this.chain.tip.height, next: {}, labels: {} };
      await this.db.batch([
        { type: 'put', key: 'seed', value: seedHex },
        { type: 'put', key: 'state', value: state },
      ]);
      this.log(`Wallet "${this.name}" created at height ${state.tipHeight}`);
    }
    if (!state) throw new Error(`wallet "${this.name}": missing state record`);
    this.state = state;
    this.keys = new KeyChain(Buffer.from(seedHex, 'hex'), this.params, this.lookahead);
    this.fingerprint = this.keys.rootFingerprint();
    const cached: Parameters<KeyChain['preload']>[0] = [];
    for await (const [key, value] of this.db.iterator({ gt: 'k', lt: 'l' })) {
      const [type, branch, index] = key.slice(1).split('/');
      cached.push({ type: type as AddressType, branch: Number(branch) as 0 | 1, index: Number(index), publicKey: Buffer.from(value[0], 'hex'), script: Buffer.from(value[1], 'hex') });
    }
    this.keys.preload(cached);
    this.ledger = new Ledger((script) => this.keys.lookup(script), (txid) => this.mempool?.has(txid) ?? false, this.params.coinbaseMaturity + 1);
    for (const type of ADDRESS_TYPES) {
      for (const branch of [0, 1] as const) {
        const n = this.state.next[`${type}/${branch}`];
        if (n !== undefined || type === 'bech32') this.keys.ensure(type, branch, n ?? 0);
      }
    }
    const records: TxRecord[] = [];
    for await (const [key, value] of this.db.iterator({ gt: 't', lt: 'u' })) {
      if (key.startsWith('t')) records.push(value as TxRecord);
    }
    // Order does not matter: coins and spends are both keyed by outpoint.
    for (const rec of records) this.addTx(rec, Transaction.fromHex(rec.hex));
    await this.persistState();
    this.queue = this.catchUp().catch((e) => this.log(`Wallet "${this.name}" catch-up failed: ${(e as Error).message}`));
    await this.queue;
    this.chain.on('connect', this.onConnect);
    this.chain.on('disconnect', this.onDisconnect);
    this.mempool?.on('tx', this.onTx);
  }

  /** Waits until every chain and mempool event seen so far has been applied. */
  async sync(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  private enqueue(fn: () => Promise<void> | void): void {
    if (this.closed) return;
    this.queue = this.queue.then(fn).catch((e) => this.log(`Wallet "${this.name}" error: ${(e as Error).stack ?? e}`));
  }

  /** Runs `fn` after every earlier `exclusive` call finished (create-and-commit sections). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.sendLock.then(fn);
    this.sendLock = run.then(() => undefined, () => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.chain.off('connect', this.onConnect);
    this.chain.off('disconnect', this.onDisconnect);
    this.mempool?.off('tx', this.onTx);
    await this.sync();
    this.closed = true;
    await this.db.close();
  }

  // --- tracking ---

  get tipHeight(): number {
    return this.state.tipHeight;
  }

  get tipHash(): string {
    return this.state.tipHash;
  }

  /** DB puts for keys derived since the last write, so they are stored with what used them. */
  private keyOps(): { type: 'put'; key: string; value: [string, string] }[] {
    return this.keys.drainNew().map((k) => ({ type: 'put', key: `k${k.type}/${k.branch}/${String(k.index).padStart(10, '0')}`, value: [hex(k.publicKey), hex(k.script)] }));
  }

  private addTx(rec: TxRecord, tx: Transaction): void {
    for (const key of this.ledger.add(rec, tx)) this.markUsed(key);
  }

  /** A key seen on chain: hand out only later ones and keep the lookahead ahead of it. */
  private markUsed(key: DerivedKey): void {
    const k = `${key.type}/${key.branch}`;
    if ((this.state.next[k] ?? 0) <= key.index) this.state.next[k] = key.index + 1;
    this.keys.ensure(key.type, key.branch, key.index + 1);
  }

  private async connectBlock(entry: { hash: string; prevHash: string; height: number; time: number }, block: Block): Promise<void> {
    if (entry.prevHash !== this.state.tipHash) {
      // Not the next block for us (missed events, or already applied by a catch-up).
      if (entry.hash !== this.state.tipHash) await this.catchUp();
      return;
    }
    const changed: TxRecord[] = [];
    (block.transactions ?? []).forEach((tx, blockIndex) => {
      const txid = tx.getId();
      const known = this.ledger.get(txid);
      if (known) {
        Object.assign(known.rec, { height: entry.height, blockHash: entry.hash, blockTime: entry.time, blockIndex });
        changed.push(known.rec);
      } else if (this.ledger.isRelevant(tx)) {
        const rec: TxRecord = { txid, hex: tx.toHex(), height: entry.height, blockHash: entry.hash, blockTime: entry.time, blockIndex, time: entry.time };
        this.addTx(rec, tx);
        changed.push(rec);
      }
    });
    this.state.tipHash = entry.hash;
    this.state.tipHeight = entry.height;
    await this.db.batch([
      ...changed.map((rec) => ({ type: 'put' as const, key: `t${rec.txid}`, value: rec })),
      ...this.keyOps(),
      { type: 'put', key: 'state', value: this.state },
    ]);
  }

  private async disconnectBlock(entry: { hash: string; prevHash: string; height: number }, _block?: Block): Promise<void> {
    if (entry.hash !== this.state.tipHash) {
      const ours = this.chain.getEntry(this.state.tipHash);
      if (!ours || !this.chain.isMainChain(ours)) await this.catchUp();
      return;
    }
    await this.rollBack(entry);
  }

  /** Makes the transactions of the given blocks unconfirmed and drops their coinbases; returns DB ops. */
  private unconfirm(blockHashes: Set<string>): any[] {
    const { changed, removed } = this.ledger.unconfirm(blockHashes);
    return [
      ...changed.map((rec) => ({ type: 'put', key: `t${rec.txid}`, value: rec })),
      ...removed.map((txid) => ({ type: 'del', key: `t${txid}` })),
    ];
  }

  /** Undoes one block (our tip): its transactions become unconfirmed, its coinbase disappears. */
  private async rollBack(entry: { hash: string; prevHash: string; height: number }): Promise<void> {
    const ops = this.unconfirm(new Set([entry.hash]));
    this.state.tipHash = entry.prevHash;
    this.state.tipHeight = entry.height - 1;
    ops.push({ type: 'put', key: 'state', value: this.state });
    await this.db.batch(ops);
  }

  /**
   * Brings the wallet to the chain tip: rolls back blocks of ours that left the main
   * chain (while the node was down, or events were missed), then scans forward.
   */
  private async catchUp(): Promise<void> {
    let ours = this.chain.getEntry(this.state.tipHash);
    if (!ours) {
      // The chain no longer knows our tip (new chain data): forget confirmations, rescan all.
      this.log(`Wallet "${this.name}": tip ${this.state.tipHash} unknown to the chain, rescanning from genesis`);
      const hashes = new Set(this.ledger.records().map((r) => r.blockHash).filter((h): h is string => h !== undefined));
      const ops = this.unconfirm(hashes);
      const genesis = this.chain.getEntryByHeight(0)!;
      this.state.tipHash = genesis.hash;
      this.state.tipHeight = 0;
      ops.push({ type: 'put', key: 'state', value: this.state });
      await this.db.batch(ops);
      ours = genesis;
    }
    while (!this.chain.isMainChain(ours)) {
      await this.rollBack(ours);
      ours = this.chain.getEntry(ours.prevHash)!;
    }
    const start = ours.height;
    for (let h = ours.height + 1; h <= this.chain.height; h++) {
      const entry = this.chain.getEntryByHeight(h);
      if (!entry || entry.prevHash !== this.state.tipHash) break; // the chain moved under us; events follow
      const block = await this.chain.getBlock(entry.hash);
      if (!block) throw new Error(`block ${entry.hash} at height ${h} is missing`);
      await this.connectBlock(entry, block);
    }
    if (this.state.tipHeight > start) this.log(`Wallet "${this.name}" rescanned blocks ${start + 1}..${this.state.tipHeight}`);
  }

  /**
   * Core's rescanblockchain: forgets what blocks from `fromHeight` up said about the wallet
   * and reads them again (recovers payments to keys beyond what was scanned, and proves the
   * incremental state equals a fresh scan). Returns the scanned height range.
   */
  rescan(fromHeight = 0): Promise<{ start: number; stop: number }> {
    return new Promise((resolve, reject) => {
      this.enqueue(async () => {
        try {
          const start = Math.max(0, Math.min(fromHeight, this.state.tipHeight + 1));
          let entry = this.chain.getEntry(this.state.tipHash);
          while (entry && entry.height >= Math.max(start, 1)) {
            await this.rollBack(entry);
            entry = this.chain.getEntry(entry.prevHash);
          }
          await this.catchUp();
          resolve({ start, stop: this.state.tipHeight });
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  private async addMempoolTx(tx: Transaction): Promise<void> {
    const txid = tx.getId();
    if (this.ledger.get(txid) || !this.ledger.isRelevant(tx)) return;
    const rec: TxRecord = { txid, hex: tx.toHex(), height: -1, time: now() };
    this.addTx(rec, tx);
    await this.db.batch([
      { type: 'put', key: `t${txid}`, value: rec },
      ...this.keyOps(),
      { type: 'put', key: 'state', value: this.state },
    ]);
  }

  /** Records a transaction the wallet created (Core's CommitTransaction), with comments. */
  async commitTransaction(tx: Transaction, meta: { comment?: string; commentTo?: string } = {}): Promise<void> {
    await this.sync();
    const txid = tx.getId();
    const known = this.ledger.get(txid);
    const rec: TxRecord = known?.rec ?? { txid, hex: tx.toHex(), height: -1, time: now() };
    if (meta.comment) rec.comment = meta.comment;
    if (meta.commentTo) rec.commentTo = meta.commentTo;
    if (!known) this.addTx(rec, tx);
    await this.db.batch([
      { type: 'put', key: `t${txid}`, value: rec },
      ...this.keyOps(),
      { type: 'put', key: 'state', value: this.state },
    ]);
  }

  // --- records of services built on the wallet (e.g. oda/wallet.ts), under "x<ns>/<key>" ---

  private recordKey(ns: string, key: string): string {
    if (!/^[a-z0-9-]+$/.test(ns)) throw new WalletError(`bad record namespace ${ns}`, 'param');
    return `x${ns}/${key}`;
  }

  /** Stores a JSON value that lives and dies with this wallet's database. */
  async putRecord(ns: string, key: string, value: unknown): Promise<void> {
    await this.db.put(this.recordKey(ns, key), value);
  }

  async deleteRecord(ns: string, key: string): Promise<void> {
    await this.db.del(this.recordKey(ns, key));
  }

  /** Every record of namespace `ns`, in key order. */
  async records<T>(ns: string): Promise<Array<{ key: string; value: T }>> {
    const prefix = this.recordKey(ns, '');
    const out: Array<{ key: string; value: T }> = [];
    for await (const [key, value] of this.db.iterator({ gte: prefix, lt: prefix + '\uffff' })) out.push({ key: key.slice(prefix.length), value: value as T });
    return out;
  }

  // --- queries (at the wallet's tip) ---

  depth(txid: string): number {
    return this.ledger.depth(txid, this.state.tipHeight);
  }

  /** Core's GetBalance: trusted (with min depth), untrusted pending, immature. */
  getBalances(minConf = 0): Balances {
    return this.ledger.balances(this.state.tipHeight, minConf);
  }

  /** Coins selectable for spending (Core's AvailableCoins): mature, unlocked. */
  listUnspent(f: UnspentFilter = {}): UnspentCoin[] {
    return this.ledger.unspent(this.state.tipHeight, f).map((c) => ({ ...c, address: scriptToAddress(c.script, this.params)! }));
  }

  lockCoin(txid: string, vout: number): void {
    this.ledger.lock(txid, vout);
  }

  unlockCoin(txid: string, vout: number): boolean {
    return this.ledger.unlock(txid, vout);
  }

  isLocked(txid: string, vout: number): boolean {
    return this.ledger.isLocked(txid, vout);
  }

  listLocked(): { txid: string; vout: number }[] {
    return this.ledger.listLocked();
  }

  /** The wallet's own key for an output script, if any. */
  keyFor(script: Uint8Array): DerivedKey | undefined {
    return this.keys.lookup(script);
  }

  /**
   * The 32-byte private key behind one of the wallet's output scripts, for signing something
   * other than a transaction input (a model approval, ODA-BIP-0007b). Never logged or stored.
   */
  privateKeyFor(script: Uint8Array): Uint8Array | undefined {
    const key = this.keys.lookup(script);
    const d = key && this.keys.privateNode(key).privateKey;
    return d ? new Uint8Array(d) : undefined;
  }

  descriptorFor(key: DerivedKey): string {
    return keyDescriptor(key.type, this.fingerprint, key.path, key.publicKey);
  }

  /** The ranged descriptor the key belongs to (listunspent's parent_descs). */
  parentDescriptorFor(key: DerivedKey): string {
    return branchDescriptor(key.type, this.fingerprint, this.keys.accountPath(key.type), this.keys.accountXpub(key.type), key.branch);
  }

  labelOf(address: string): string | undefined {
    return this.state.labels[address];
  }

  get txCount(): number {
    return this.ledger.size;
  }

  /** Derived but not yet handed out keys of a branch (Core's keypoolsize / keypoolsize_hd_internal). */
  keypoolSize(branch: 0 | 1 = 0, type: AddressType = 'bech32'): number {
    return this.keys.derivedCount(type, branch) - (this.state.next[`${type}/${branch}`] ?? 0);
  }

  getTransaction(txid: string): TxView | undefined {
    return this.ledger.view(txid);
  }

  /** Wallet transactions oldest first (listtransactions). */
  transactions(): TxView[] {
    return this.ledger.views();
  }

  /** A wallet-owned output, spent or not (debits, fees). */
  ownedOutput(txid: string, vout: number): WalletCoin | undefined {
    return this.ledger.coin(txid, vout);
  }

  /** Debit (our coins it spends) and credit (our outputs) of a wallet transaction. */
  amounts(txid: string): { debit: bigint; credit: bigint } | undefined {
    return this.ledger.amounts(txid);
  }

  // --- keys and addresses ---

  private async persistState(): Promise<void> {
    await this.db.batch([...this.keyOps(), { type: 'put', key: 'state', value: this.state }]);
  }

  /** Core's getnewaddress: the next unused receive key. */
  async getNewAddress(label = '', type: AddressType = 'bech32'): Promise<string> {
    const address = await this.nextKey(type, 0, label);
    return address;
  }

  /** Core's getrawchangeaddress. */
  async getRawChangeAddress(type: AddressType = 'bech32'): Promise<string> {
    return this.nextKey(type, 1);
  }

  private async nextKey(type: AddressType, branch: 0 | 1, label?: string): Promise<string> {
    await this.sync();
    const k = `${type}/${branch}`;
    const index = this.state.next[k] ?? 0;
    this.state.next[k] = index + 1;
    this.keys.ensure(type, branch, index + 1);
    const key = this.keys.derive({ type, branch, index });
    const address = scriptToAddress(key.script, this.params)!;
    if (label !== undefined) this.state.labels[address] = label;
    await this.persistState();
    return address;
  }

  private peekChangeScript(type: AddressType = 'bech32'): { script: Uint8Array; consume: () => void } {
    const k = `${type}/1`;
    const index = this.state.next[k] ?? 0;
    const key = this.keys.derive({ type, branch: 1, index });
    return {
      script: key.script,
      consume: () => {
        this.state.next[k] = index + 1;
        this.keys.ensure(type, 1, index + 1);
      },
    };
  }

  setLabel(address: string, label: string): Promise<void> {
    this.state.labels[address] = label;
    return this.persistState();
  }

  // --- funding and signing ---

  /** The fee rate to use (sat/kvB): the given one or the fallback, checked as Core. */
  resolveFeeRate(feeRate?: bigint): bigint {
    if (feeRate === undefined) {
      if (this.fallbackFee === 0n) {
        throw new WalletError('Fee estimation failed. Fallbackfee is disabled. Wait a few blocks or enable -fallbackfee.', 'fee');
      }
      return this.fallbackFee;
    }
    if (feeRate < DEFAULT_MIN_RELAY_TX_FEE) {
      const fmt = (r: bigint) => `${r / 1000n}.${(r % 1000n).toString().padStart(3, '0')} sat/vB`;
      throw new WalletError(`Fee rate (${fmt(feeRate)}) is lower than the minimum fee rate setting (${fmt(DEFAULT_MIN_RELAY_TX_FEE)})`, 'fee');
    }
    return feeRate;
  }

  /**
   * Core's FundTransaction: keeps the given inputs and outputs, adds wallet coins and a
   * change output (unless it would be dust) so the fee rate is met. Throws WalletError.
   */
  async fund(input: Transaction, opts: FundOptions = {}): Promise<FundResult> {
    await this.sync();
    const tx = input.clone();
    const feeRate = this.resolveFeeRate(opts.feeRate);
    const sffo = [...new Set(opts.subtractFeeFrom ?? [])].sort((a, b) => a - b);
    for (const i of sffo) {
      if (!Number.isInteger(i) || i < 0 || i >= tx.outs.length) throw new WalletError(`Invalid parameter, subtractfeefrom output ${i} does not exist`, 'param');
    }
    if (tx.outs.length === 0 && tx.ins.length === 0) throw new WalletError('Transaction must have at least one recipient', 'param');
    for (const [i, out] of tx.outs.entries()) {
      if (out.value < 0n) throw new WalletError('Transaction amounts must not be negative', 'param');
      if (!sffo.includes(i) && out.value < getDustThreshold(out.script)) throw new WalletError('Transaction amount too small', 'funds');
    }
    const presetTypes: AddressType[] = [];
    let presetValue = 0n;
    const preset = new Set<string>();
    for (const inp of tx.ins) {
      const op = outpoint(hashToHex(inp.hash), inp.index);
      const coin = this.ledger.coin(hashToHex(inp.hash), inp.index);
      if (!coin) throw new WalletError(`Not solvable pre-selected input ${op}`, 'other');
      presetTypes.push(coin.key.type);
      presetValue += coin.value;
      preset.add(op);
    }
    const change = opts.changeScript ? { script: opts.changeScript, consume: () => {} } : this.peekChangeScript(opts.changeType);
    const changeDust = getDustThreshold(change.script);
    const available = this.listUnspent({ minConf: 0, includeUnsafe: opts.includeUnsafe ?? false }).filter((c) => !preset.has(outpoint(c.txid, c.vout)));
    const byValue = (a: CoinView, b: CoinView) => (a.value > b.value ? -1 : a.value < b.value ? 1 : 0);
    const toCandidate = (c: CoinView): Candidate => ({ id: outpoint(c.txid, c.vout), value: c.value, type: c.key.type });
    const confirmed = available.filter((c) => c.confirmations > 0).sort(byValue).map(toCandidate);
    const pending = available.filter((c) => c.confirmations === 0).sort(byValue).map(toCandidate);
    const base = { tx, presetTypes, presetValue, feeRate, changeScript: change.script, changeDust, subtractFeeFrom: sffo };
    let result;
    try {
      // As Core: confirmed coins first, our own unconfirmed change only if needed.
      try {
        result = selectCoins({ ...base, candidates: confirmed });
      } catch (e) {
        if (!(e instanceof SelectionError) || e.message !== 'Insufficient funds' || pending.length === 0) throw e;
        result = selectCoins({ ...base, candidates: [...confirmed, ...pending] });
      }
    } catch (e) {
      if (e instanceof SelectionError) throw new WalletError(e.message, 'funds');
      throw e;
    }
    if (result.fee > this.maxTxFee) throw new WalletError('Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)', 'fee');
    const sequence = (opts.replaceable ?? this.walletRbf) ? 0xfffffffd : 0xfffffffe;
    for (const c of result.selected) {
      const [txid, vout] = splitOutpoint(c.id);
      tx.addInput(hexToHash(txid), vout, sequence);
    }
    sffo.forEach((i, k) => (tx.outs[i].value -= result.subtracted[k]));
    let changePos = -1;
    if (result.change > 0n) {
      const pos = opts.changePosition ?? Math.floor(Math.random() * (tx.outs.length + 1));
      if (pos < 0 || pos > tx.outs.length) throw new WalletError('changePosition out of bounds', 'param');
      tx.outs.splice(pos, 0, { script: change.script, value: result.change });
      changePos = pos;
      change.consume();
      await this.persistState();
    }
    if (opts.lockUnspents) for (const c of result.selected) this.ledger.lock(...splitOutpoint(c.id));
    return { tx, fee: result.fee, changePos };
  }

  /** Looks up the outputs an input spends: wallet, caller-supplied, mempool, chain. */
  private async findPrevout(txid: string, vout: number, extra?: Map<string, Prevout>): Promise<Prevout | undefined> {
    const mine = this.ledger.coin(txid, vout);
    if (mine) return { script: mine.script, value: mine.value };
    const given = extra?.get(outpoint(txid, vout));
    if (given) return given;
    const wtx = this.ledger.get(txid);
    if (wtx && wtx.tx.outs[vout]) return { script: wtx.tx.outs[vout].script, value: wtx.tx.outs[vout].value };
    const m = this.mempool?.getCoin?.(txid, vout);
    if (m) return m;
    return (await this.chain.getCoin?.(txid, vout)) ?? undefined;
  }

  /**
   * Core's SignTransaction for the inputs our keys control. Returns Core's per-input
   * errors for inputs that remain unsigned. The transaction is changed in place.
   */
  async sign(tx: Transaction, opts: { prevouts?: Map<string, Prevout>; hashType?: number } = {}): Promise<{ complete: boolean; errors: SignError[] }> {
    await this.sync();
    const hashType = opts.hashType ?? Transaction.SIGHASH_DEFAULT;
    const prevouts: (Prevout | undefined)[] = [];
    for (const input of tx.ins) prevouts.push(await this.findPrevout(hashToHex(input.hash), input.index, opts.prevouts));
    const errors: SignError[] = [];
    const errorFor = (i: number, error: string): SignError => ({
      txid: hashToHex(tx.ins[i].hash),
      vout: tx.ins[i].index,
      witness: tx.ins[i].witness.map(hex),
      scriptSig: hex(tx.ins[i].script),
      sequence: tx.ins[i].sequence,
      error,
    });
    const allKnown = prevouts.every((p) => p !== undefined);
    for (let i = 0; i < tx.ins.length; i++) {
      const prev = prevouts[i];
      if (!prev) {
        errors.push(errorFor(i, 'Input not found or already spent'));
        continue;
      }
      const key = this.keys.lookup(prev.script);
      if (key) {
        if (key.type === 'bech32m' && !allKnown) {
          errors.push(errorFor(i, 'Unable to sign input, missing spent outputs for taproot'));
          continue;
        }
        try {
          signInput(tx, i, key.type, this.keys.privateNode(key), prevouts as Prevout[], hashType);
        } catch (e) {
          errors.push(errorFor(i, `Unable to sign input: ${(e as Error).message}`));
        }
      }
    }
    // As Core's SignTransaction: whatever we could not sign must already verify.
    const known = prevouts.map((p) => p ?? { script: new Uint8Array(0), value: 0n });
    for (let i = 0; i < tx.ins.length; i++) {
      if (!prevouts[i] || errors.some((e) => e.txid === hashToHex(tx.ins[i].hash) && e.vout === tx.ins[i].index)) continue;
      try {
        verifyInput(tx, i, known, STANDARD_SCRIPT_VERIFY_FLAGS);
      } catch (e) {
        if (!isScriptError(e)) throw e;
        const msg = e.code === 'SCRIPT_ERR_INVALID_STACK_OPERATION'
          ? 'Unable to sign input, invalid stack size (possibly missing key)'
          : e.code === 'SCRIPT_ERR_SIG_NULLFAIL'
            ? 'CHECK(MULTI)SIG failing with non-zero signature (possibly need more signatures)'
            : e.message;
        errors.push(errorFor(i, msg));
      }
    }
    return { complete: errors.length === 0, errors };
  }

  /**
   * Core's CreateTransaction + sign for sendtoaddress: version 2, anti-fee-sniping
   * locktime at our tip, BIP125 signalling per `replaceable`. Returns the signed tx; the
   * caller submits it to the mempool and relays it (the wallet never broadcasts).
   */
  async createTransaction(recipients: Recipient[], opts: FundOptions = {}): Promise<{ tx: Transaction; fee: bigint; changePos: number }> {
    await this.sync();
    const tx = new Transaction();
    tx.version = 2;
    tx.locktime = this.state.tipHeight;
    for (const r of recipients) tx.addOutput(r.script, r.value);
    const funded = await this.fund(tx, { ...opts, includeUnsafe: false });
    const { complete, errors } = await this.sign(funded.tx);
    if (!complete) throw new WalletError(`Signing transaction failed: ${errors.map((e) => e.error).join(', ')}`, 'other');
    return funded;
  }

  /** The master key's fingerprint (getaddressinfo's hdmasterfingerprint). */
  get masterFingerprint(): string {
    return hex(this.fingerprint);
  }
}
