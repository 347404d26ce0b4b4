// Network parameters. ODA's own networks: own magic, ports, address prefixes and genesis,
// so that ODA and Bitcoin addresses, peers and data dirs can never be confused.
// Regtest follows Core's CRegTestParams (halving 150, maturity 100, powLimit 0x207fffff,
// no retargeting, every soft fork active from the start).
import { Block, Transaction } from './block.js';
import { COIN } from '../util/amount.js';

export type NetworkName = 'main' | 'regtest';

export interface NetworkParams {
  name: NetworkName;
  /** Core's chain name as printed by getblockchaininfo ("main", "regtest"). */
  chain: string;
  /** P2P message start bytes. */
  magic: number;
  port: number;
  rpcPort: number;
  bech32: string;
  pubKeyHash: number;
  scriptHash: number;
  wif: number;
  bip32: { public: number; private: number };
  /** Coin type for BIP84 paths m/84'/coinType'/0'. */
  coinType: number;
  powLimit: bigint;
  powLimitBits: number;
  powTargetTimespan: number;
  powTargetSpacing: number;
  powNoRetargeting: boolean;
  powAllowMinDifficultyBlocks: boolean;
  subsidyHalvingInterval: number;
  coinbaseMaturity: number;
  /** Heights from which BIP34/65/66/CSV(68,112,113) are enforced; segwit from genesis. */
  bip34Height: number;
  bip65Height: number;
  bip66Height: number;
  csvHeight: number;
  segwitHeight: number;
  maxBlockWeight: number;
  maxBlockSigOpsCost: number;
  /** Max seconds a block time may run ahead of the node's adjusted time. */
  maxFutureBlockTime: number;
  genesis: { time: number; bits: number; nonce: number; version: number; hash: string };
  /** Is this a test chain (skips getblocktemplate's connection/IBD checks, as Core). */
  isTestChain: boolean;
  /** Core's nMaxTipAge: a tip older than this (seconds) keeps the node in initial block download. */
  maxTipAge: number;
  /** Core's nMinimumChainWork: below it the node is in initial block download whatever the tip's time. */
  minimumChainWork: bigint;
  /** ODA-BIP-0003: the sum of a block's ODA compute units may not exceed this (validator/cost.ts MAX_BLOCK_CU). */
  maxBlockCu: bigint;
  /** ODA-BIP-0003: a reveal is valid only at height >= its commit's height + commitRevealDelay. */
  commitRevealDelay: number;
  /**
   * Heights from which wave-2 rules apply. NEVER_ACTIVE until a rule is specified: a network
   * (or a test) activates one by lowering its height, so the mempool, miner and block
   * validation all see the same switch.
   */
  activation: { costAwareDifficulty: number; storageProofs: number; registryCommitment: number; privateModels: number };
}

/** Activation height of a rule that is not deployed (a height no chain reaches). */
export const NEVER_ACTIVE = 0x7fffffff;

export { COIN };

/** Regtest's ODA-BIP-0005 activation height: below coinbase maturity, so every spend-based test runs after it. */
export const REGTEST_COST_AWARE_HEIGHT = 20;

export const GENESIS_MESSAGE = 'ODA genesis 2026-01-01: open, decentralized AI on Bitcoin';
/** The genesis output is OP_RETURN: provably unspendable, and never enters the UTXO set (as in Core). */
export const GENESIS_REWARD = 50n * COIN;

function compactToTarget(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

export const regtest: NetworkParams = {
  name: 'regtest',
  chain: 'regtest',
  magic: 0x0da7e57a,
  port: 28444,
  rpcPort: 28443,
  bech32: 'odart',
  pubKeyHash: 0x41, // addresses start with 'T'
  scriptHash: 0x7a, // addresses start with 'r'
  wif: 0xf1,
  bip32: { public: 0x0436f6e1, private: 0x0436ef7d },
  coinType: 1,
  powLimit: compactToTarget(0x207fffff),
  powLimitBits: 0x207fffff,
  powTargetTimespan: 14 * 24 * 60 * 60,
  powTargetSpacing: 10 * 60,
  powNoRetargeting: true,
  powAllowMinDifficultyBlocks: true,
  subsidyHalvingInterval: 150,
  coinbaseMaturity: 100,
  bip34Height: 1,
  bip65Height: 1,
  bip66Height: 1,
  csvHeight: 1,
  segwitHeight: 0,
  maxBlockWeight: 4_000_000,
  maxBlockSigOpsCost: 80_000,
  maxFutureBlockTime: 2 * 60 * 60,
  genesis: { time: 1767225600, bits: 0x207fffff, nonce: 0, version: 1, hash: '1ebac10f6af800d779d0d4fbb920a2e5eb5e7ef81370ddf9520a740839a8c07c' },
  isTestChain: true,
  maxTipAge: 24 * 60 * 60,
  minimumChainWork: 0n,
  // Equal to validator/cost.ts MAX_BLOCK_CU (a test pins it): chain/ sits below validator/.
  maxBlockCu: 15_000_000_000n,
  commitRevealDelay: 2,
  // ODA-BIP-0005 from a low height, so that regtest chains (and tests) cross the activation;
  // registryCommitment (ODA-BIP-0007) above the heights of ODA-BIP-0003's chain vectors and of
  // the tests that hand-build blocks, low enough for a functional test to reach; private models
  // (ODA-BIP-0007b) from the same height.
  activation: { costAwareDifficulty: REGTEST_COST_AWARE_HEIGHT, storageProofs: NEVER_ACTIVE, registryCommitment: 200, privateModels: 200 },
};

/** A mainnet-style network: real retargeting every 2016 blocks. Its powLimit is low enough for CPU tests. */
export const main: NetworkParams = {
  ...regtest,
  name: 'main',
  chain: 'main',
  magic: 0x0da1a1ed,
  port: 8744,
  rpcPort: 8743,
  bech32: 'oda',
  pubKeyHash: 0x17, // 'A'
  scriptHash: 0x1e, // 'D'
  wif: 0x97,
  bip32: { public: 0x0488b21f, private: 0x0488ade5 },
  coinType: 0,
  powLimit: compactToTarget(0x1e0fffff),
  powLimitBits: 0x1e0fffff,
  powNoRetargeting: false,
  powAllowMinDifficultyBlocks: false,
  subsidyHalvingInterval: 210_000,
  genesis: { time: 1767225600, bits: 0x1e0fffff, nonce: 478552, version: 1, hash: '0000040b135ca97066d626fc855dbab9972c779cfc61187d611994c680f0fe8f' },
  isTestChain: false,
  activation: { costAwareDifficulty: NEVER_ACTIVE, storageProofs: NEVER_ACTIVE, registryCommitment: NEVER_ACTIVE, privateModels: NEVER_ACTIVE },
};

export const networks: Record<NetworkName, NetworkParams> = { main, regtest };

/** The genesis coinbase: BIP34-style height push is absent (as in Bitcoin), message in scriptSig, OP_RETURN output. */
export function genesisBlock(params: NetworkParams): Block {
  const cb = new Transaction();
  cb.version = 1;
  const msg = Buffer.from(GENESIS_MESSAGE, 'utf8');
  const scriptSig = Buffer.concat([Buffer.from([0x04, 0xff, 0xff, 0x00, 0x1d, 0x01, 0x04, msg.length]), msg]);
  cb.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, scriptSig);
  cb.addOutput(Buffer.from([0x6a]), GENESIS_REWARD);
  const block = new Block();
  block.version = params.genesis.version;
  block.prevHash = Buffer.alloc(32);
  block.timestamp = params.genesis.time;
  block.bits = params.genesis.bits;
  block.nonce = params.genesis.nonce;
  block.transactions = [cb];
  block.merkleRoot = Block.calculateMerkleRoot([cb]);
  return block;
}

/** Names Core's -testactivationheight takes (its own five, then ODA's wave-2 rules). */
const TEST_ACTIVATION_NAMES = {
  segwit: (p: NetworkParams, h: number) => { p.segwitHeight = h; },
  bip34: (p: NetworkParams, h: number) => { p.bip34Height = h; },
  dersig: (p: NetworkParams, h: number) => { p.bip66Height = h; },
  cltv: (p: NetworkParams, h: number) => { p.bip65Height = h; },
  csv: (p: NetworkParams, h: number) => { p.csvHeight = h; },
  costawaredifficulty: (p: NetworkParams, h: number) => { p.activation.costAwareDifficulty = h; },
  storageproofs: (p: NetworkParams, h: number) => { p.activation.storageProofs = h; },
  registrycommitment: (p: NetworkParams, h: number) => { p.activation.registryCommitment = h; },
  privatemodels: (p: NetworkParams, h: number) => { p.activation.privateModels = h; },
} as const;

/**
 * Core's -testactivationheight=name@height (regtest only): a copy of `params` with those
 * heights, so one node (a functional test) moves a rule without touching the shared object.
 * Throws Error with Core's messages.
 */
export function withTestActivationHeights(params: NetworkParams, specs: readonly string[]): NetworkParams {
  if (specs.length === 0) return params;
  if (params.name !== 'regtest') throw new Error('-testactivationheight is only allowed on regtest');
  const out: NetworkParams = { ...params, activation: { ...params.activation } };
  for (const spec of specs) {
    const at = spec.indexOf('@');
    if (at < 0) throw new Error(`Invalid format (${spec}) for -testactivationheight=name@height.`);
    const name = spec.slice(0, at);
    const value = spec.slice(at + 1);
    const height = /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(height >= 0 && height < NEVER_ACTIVE)) throw new Error(`Invalid height value (${spec}) for -testactivationheight=name@height.`);
    const set = (TEST_ACTIVATION_NAMES as Record<string, (p: NetworkParams, h: number) => void>)[name];
    if (!set || !Object.prototype.hasOwnProperty.call(TEST_ACTIVATION_NAMES, name)) throw new Error(`Invalid name (${spec}) for -testactivationheight=name@height.`);
    set(out, height);
  }
  return out;
}
