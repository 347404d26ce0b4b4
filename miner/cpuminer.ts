// Continuous mining for a regtest miner node (-mine -mineaddress=... -mineinterval=SECONDS):
// one block every `interval` seconds on the current tip. Grinding runs in batches of nonces
// with a macrotask yield between them, so RPC and P2P stay responsive even on a chain
// whose difficulty is above regtest's minimum. A template whose tip went stale (another
// block arrived) is dropped and rebuilt.
import { EventEmitter } from 'node:events';
import type { Block } from '../chain/block.js';
import type { Mempool } from '../mempool/mempool.js';
import type { MinerChain } from './generate.js';
import { grind, sealBlock } from './grind.js';
import { type BlockResource, createBlockTemplate } from './template.js';

export const DEFAULT_MINE_INTERVAL = 10;
const NONCES_PER_BATCH = 20_000;

export interface CpuMinerOptions {
  chain: MinerChain;
  mempool?: Mempool;
  /** The payout script, or a function giving one per block (e.g. a fresh wallet address). */
  outputScript: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
  /** Extra per-block budgets (consensus extensions). */
  resources?: BlockResource[];
  /** Seconds between blocks (default 10). Fractions allowed (tests). */
  interval?: number;
  log?: (msg: string) => void;
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class CpuMiner extends EventEmitter {
  readonly interval: number;
  blocksMined = 0;
  private running = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;

  constructor(private readonly opts: CpuMinerOptions) {
    super();
    this.interval = opts.interval ?? DEFAULT_MINE_INTERVAL;
    if (!(this.interval >= 0)) throw new RangeError('mine interval must be a non-negative number of seconds');
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the current batch; resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, seconds * 1000);
    });
  }

  private async outputScript(): Promise<Uint8Array> {
    const s = this.opts.outputScript;
    return typeof s === 'function' ? await s() : s;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.sleep(this.interval);
      if (!this.running) break;
      try {
        const block = await this.mineOne();
        if (block) {
          const entry = await this.opts.chain.processBlock(block);
          this.blocksMined++;
          this.opts.log?.(`miner: mined block ${entry.hash} at height ${this.opts.chain.tip.height}`);
          this.emit('block', entry, block);
        }
      } catch (e) {
        this.opts.log?.(`miner: ${(e as Error).message}`);
        this.emit('failure', e); // not 'error': an unhandled 'error' event would crash the node
      }
    }
  }

  /** Grinds one template; undefined if stopped or the tip moved underneath it. */
  private async mineOne(): Promise<Block | undefined> {
    const { chain, mempool } = this.opts;
    await mempool?.flush();
    const template = await createBlockTemplate({ chain, mempool, outputScript: await this.outputScript(), resources: this.opts.resources });
    while (this.running) {
      if (chain.tip.hash !== template.prevHash) return undefined;
      const found = grind(template.block, NONCES_PER_BATCH, template.storage);
      if (found) return sealBlock(found, template.storage);
      await yieldToLoop();
    }
    return undefined;
  }
}
