// Shared fixtures for mempool and miner tests: a real Chain in a temp dir, a Mempool wired
// to its events, and transactions spending anyone-can-spend P2WSH(OP_TRUE) outputs (Core's
// MiniWallet approach), so tests need no keys and every script path is real.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crypto as bcrypto } from 'bitcoinjs-lib';
import { Transaction } from '../../chain/block.js';
import { Chain } from '../../chain/chain.js';
import { regtest } from '../../chain/params.js';
import { Mempool, type MempoolOptions } from '../../mempool/mempool.js';
import { generateBlocks } from '../../miner/generate.js';

export const OP_TRUE = Uint8Array.of(0x51);
/** P2WSH(OP_TRUE): spendable by anyone with witness [OP_TRUE]. */
export const P2WSH_TRUE = Uint8Array.from([0x00, 0x20, ...bcrypto.sha256(OP_TRUE)]);

export interface Outpoint { txid: string; vout: number; value: bigint; script?: Uint8Array }

export interface Fixture {
  dir: string;
  chain: Chain;
  mempool: Mempool;
  mine(n: number, script?: Uint8Array): Promise<string[]>;
  /** Mature coinbase outputs paying P2WSH_TRUE, oldest first (unspent ones). */
  matureCoinbases(): Promise<Outpoint[]>;
  close(opts?: { keep?: boolean }): Promise<void>;
}

export async function openFixture(opts: Partial<MempoolOptions> = {}, dir?: string): Promise<Fixture> {
  dir ??= await mkdtemp(join(tmpdir(), 'oda-mempool-'));
  const chain = await Chain.open({ params: regtest, dir, fsync: false });
  const mempool = new Mempool({ chain, params: regtest, file: join(dir, 'mempool.dat'), ...opts });
  chain.on('connect', (_e, block) => mempool.handleConnect(block));
  chain.on('disconnect', (_e, block) => void mempool.handleDisconnect(block));
  const fx: Fixture = {
    dir,
    chain,
    mempool,
    async mine(n, script = P2WSH_TRUE) {
      const hashes = await generateBlocks({ chain, mempool, outputScript: script, nblocks: n });
      await mempool.flush();
      return hashes;
    },
    async matureCoinbases() {
      const out: Outpoint[] = [];
      const tipHeight = chain.height;
      for (let h = 1; h <= tipHeight + 1 - regtest.coinbaseMaturity; h++) {
        const block = await chain.getBlock(chain.getEntryByHeight(h)!.hash);
        const cb = block!.transactions![0];
        const coin = await chain.getCoin(cb.getId(), 0);
        if (coin && Buffer.compare(coin.script, P2WSH_TRUE) === 0 && !mempool.isSpent(cb.getId(), 0)) {
          out.push({ txid: cb.getId(), vout: 0, value: coin.value });
        }
      }
      return out;
    },
    async close(o = {}) {
      await mempool.flush();
      await chain.close();
      if (!o.keep) await rm(dir, { recursive: true, force: true });
    },
  };
  return fx;
}

export interface SpendOptions {
  version?: number;
  locktime?: number;
  sequence?: number;
  /** scriptSig per input (default empty) and witness (default [OP_TRUE]). */
  scriptSig?: Uint8Array;
  witness?: Uint8Array[];
}

/** A transaction spending `inputs` (P2WSH_TRUE unless a witness says otherwise) to `outputs`. */
export function spend(inputs: Outpoint[], outputs: { script: Uint8Array; value: bigint }[], o: SpendOptions = {}): Transaction {
  const tx = new Transaction();
  tx.version = o.version ?? 2;
  tx.locktime = o.locktime ?? 0;
  for (const i of inputs) tx.addInput(Buffer.from(i.txid, 'hex').reverse(), i.vout, o.sequence ?? 0xfffffffd, o.scriptSig);
  for (const out of outputs) tx.addOutput(out.script, out.value);
  inputs.forEach((_, k) => tx.setWitness(k, o.witness ?? [OP_TRUE]));
  return tx;
}

/** Spends one outpoint to one P2WSH_TRUE output, paying `fee`. */
export function spendOne(from: Outpoint, fee: bigint, o: SpendOptions = {}): Transaction {
  return spend([from], [{ script: P2WSH_TRUE, value: from.value - fee }], o);
}

/** Output n of tx as an outpoint. */
export function outOf(tx: Transaction, vout = 0): Outpoint {
  return { txid: tx.getId(), vout, value: tx.outs[vout].value, script: tx.outs[vout].script };
}

/** Splits a coin into `n` equal P2WSH_TRUE outputs. */
export function fanOut(from: Outpoint, n: number, fee: bigint): Transaction {
  const each = (from.value - fee) / BigInt(n);
  return spend([from], Array.from({ length: n }, () => ({ script: P2WSH_TRUE, value: each })));
}

export async function rejectReason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { reason?: string }).reason ?? String(e);
  }
  return 'accepted';
}

/**
 * A fixture past coinbase maturity holding `n` confirmed P2WSH(OP_TRUE) coins (one mature
 * coinbase fanned out, 20,000 sat fee): `take()` hands them out one by one.
 */
export async function openFundedFixture(n: number): Promise<{ fx: Fixture; take: () => Outpoint }> {
  const fx = await openFixture();
  await fx.mine(101);
  const [cb] = await fx.matureCoinbases();
  const fan = fanOut(cb, n, 20_000n);
  await fx.mempool.addTransaction(fan);
  await fx.mine(1);
  const coins = fan.outs.map((_, i) => outOf(fan, i));
  return { fx, take: () => coins.shift()! };
}
