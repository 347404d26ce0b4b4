// Deterministic block building for chain tests: coinbase with BIP34 height and witness
// commitment (chain/coinbase.ts), a nonce grind (regtest needs ~2 tries), and spends of
// anyone-can-spend P2WSH(OP_TRUE) outputs so tests exercise real script validation.
import { crypto as bcrypto } from 'bitcoinjs-lib';
import { Block, Transaction } from '../../../chain/block.js';
import type { Chain, BlockEntry } from '../../../chain/chain.js';
import { addWitnessCommitment, createCoinbase, merkleRoot } from '../../../chain/coinbase.js';
import { checkProofOfWork, hexToHash } from '../../../chain/header.js';
import { getBlockSubsidy } from '../../../chain/tx-checks.js';

export const OP_TRUE = Uint8Array.of(0x51);
/** P2WSH(OP_TRUE): spendable with the witness [OP_TRUE]. */
export const P2WSH_TRUE = Uint8Array.from([0x00, 0x20, ...bcrypto.sha256(OP_TRUE)]);

export interface BuildOptions {
  prev?: BlockEntry;
  txs?: Transaction[];
  time?: number;
  fees?: bigint;
  /** Coinbase value; default subsidy + fees. */
  value?: bigint;
  outputScript?: Uint8Array;
  extraNonce?: number;
  version?: number;
  bits?: number;
  /** Skip the witness commitment (for unexpected-witness tests). */
  noCommitment?: boolean;
  /** Leave the nonce un-ground (tests that want a specific header). */
  noGrind?: boolean;
}

export function buildBlock(chain: Chain, o: BuildOptions = {}): Block {
  const prev = o.prev ?? chain.tip;
  const height = prev.height + 1;
  const txs = o.txs ?? [];
  const cb = createCoinbase({
    height,
    outputScript: o.outputScript ?? P2WSH_TRUE,
    value: o.value ?? getBlockSubsidy(height, chain.params) + (o.fees ?? 0n),
    extraNonce: o.extraNonce ?? 0,
  });
  const block = new Block();
  block.version = o.version ?? 0x20000000;
  block.prevHash = hexToHash(prev.hash);
  block.timestamp = o.time ?? prev.time + 1;
  block.bits = o.bits ?? chain.nextWorkRequired(prev, block.timestamp);
  block.transactions = [cb, ...txs];
  if (o.noCommitment) block.merkleRoot = merkleRoot(block.transactions.map((t) => t.getHash())).root;
  else addWitnessCommitment(block);
  if (!o.noGrind) grind(block, chain);
  return block;
}

export function grind(block: Block, chain: Chain): void {
  block.nonce = 0;
  while (!checkProofOfWork(block.getHash(), block.bits, chain.params)) block.nonce++;
}

/** Spends P2WSH(OP_TRUE) outputs into the given outputs. */
export function spendTx(inputs: Array<{ txid: string; vout: number; sequence?: number }>, outputs: Array<{ script?: Uint8Array; value: bigint }>, opts: { version?: number; locktime?: number } = {}): Transaction {
  const tx = new Transaction();
  tx.version = opts.version ?? 2;
  tx.locktime = opts.locktime ?? 0;
  for (const i of inputs) tx.addInput(hexToHash(i.txid), i.vout, i.sequence ?? 0xffffffff);
  inputs.forEach((_, n) => tx.setWitness(n, [OP_TRUE]));
  for (const out of outputs) tx.addOutput(out.script ?? P2WSH_TRUE, out.value);
  return tx;
}

/** Mines `n` blocks on the tip (or on `prev`), returning them. */
export async function mine(chain: Chain, n: number, o: BuildOptions = {}): Promise<Block[]> {
  const out: Block[] = [];
  let prev = o.prev ?? chain.tip;
  for (let i = 0; i < n; i++) {
    const b = buildBlock(chain, { ...o, prev, txs: i === 0 ? o.txs : undefined });
    prev = await chain.processBlock(b);
    out.push(b);
  }
  return out;
}
