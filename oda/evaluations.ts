// The long evaluations a node runs while it validates ODA transactions (an add-model's
// dataset score, a reveal's update score, a block's inference claims): what `getevaluations`
// lists and the log's progress line. An observer only: the validator calls it with rows done
// and never reads anything back (validator/progress.ts), so verdicts and costs cannot depend
// on it. The wall clock here measures rates for people; it touches no consensus value.
import type { RowsObserver } from '../validator/index.js';

export type EvaluationType = 'add-model' | 'update-weights' | 'inference';

export interface EvaluationLabel {
  type: EvaluationType;
  modelId: string;
  /** The transaction evaluated (inference: the first claim of the batch). */
  txid?: string;
  /** Who asked: a block's validation, the mempool's acceptance, or an RPC's pre-check. */
  source: 'block' | 'mempool' | 'rpc';
  /** The block's height (source 'block'). */
  height?: number;
}

export interface EvaluationStatus extends EvaluationLabel {
  /** Start order, unique for the process. */
  id: number;
  rows: number;
  rowsDone: number;
  /** rowsDone / rows, 0..1. */
  progress: number;
  /** Unix seconds when the first row batch began. */
  started: number;
  /** Rows per second since started. */
  rate: number;
  /** Seconds left at that rate; absent until measurable. */
  eta?: number;
}

export interface EvaluationTrackerOptions {
  logger?: { info(msg: string): void };
  /** A running evaluation logs a progress line at most this often (ms); shorter ones log nothing. */
  logIntervalMs?: number;
  /** Milliseconds clock (tests). */
  now?: () => number;
}

interface Running {
  id: number;
  label: EvaluationLabel;
  rows: number;
  done: number;
  /** ms of the first observer call; -1 until then (a memo hit never evaluates). */
  t0: number;
  lastLog: number;
  logged: boolean;
}

/** Default spacing of the log's progress lines: users see a long evaluation move every few seconds. */
export const EVAL_LOG_MS = 5_000;

export class EvaluationTracker {
  private nextId = 1;
  private readonly running = new Map<number, Running>();
  private readonly logIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: EvaluationTrackerOptions = {}) {
    this.logIntervalMs = opts.logIntervalMs ?? EVAL_LOG_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Runs `fn` with an observer listed under `label` until it settles (resolved or thrown). */
  async track<T>(label: EvaluationLabel, fn: (observe: RowsObserver) => Promise<T>): Promise<T> {
    const r: Running = { id: this.nextId++, label, rows: 0, done: 0, t0: -1, lastLog: 0, logged: false };
    this.running.set(r.id, r);
    try {
      return await fn((done, total) => this.observe(r, done, total));
    } finally {
      this.running.delete(r.id);
      if (r.logged) this.opts.logger?.info(`${describe(r.label)}: ${r.done === r.rows ? 'done' : 'stopped'}, ${r.done}/${r.rows} rows in ${((this.now() - r.t0) / 1000).toFixed(1)} s`);
    }
  }

  /** Evaluations that have begun scoring rows, in start order (getevaluations). */
  list(now = this.now()): EvaluationStatus[] {
    const out: EvaluationStatus[] = [];
    const ids = [...this.running.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const r = this.running.get(id)!;
      if (r.t0 < 0) continue;
      out.push(status(r, now));
    }
    return out;
  }

  private observe(r: Running, done: number, total: number): void {
    const now = this.now();
    if (r.t0 < 0) r.t0 = r.lastLog = now;
    r.done = done;
    r.rows = total;
    if (this.opts.logger && now - r.lastLog >= this.logIntervalMs && done < total) {
      r.lastLog = now;
      r.logged = true;
      this.opts.logger.info(progressLine(status(r, now)));
    }
  }
}

function status(r: Running, now: number): EvaluationStatus {
  const secs = (now - r.t0) / 1000;
  const rate = secs > 0 ? r.done / secs : 0;
  return {
    id: r.id, ...r.label, rows: r.rows, rowsDone: r.done, progress: r.rows ? r.done / r.rows : 0,
    started: Math.floor(r.t0 / 1000), rate, ...(rate > 0 ? { eta: Math.ceil((r.rows - r.done) / rate) } : {}),
  };
}

function describe(l: EvaluationLabel): string {
  const where = l.source === 'block' && l.height !== undefined ? `block ${l.height}` : l.source;
  return `Evaluating ${l.type} of model ${l.modelId} (${l.txid ? `tx ${l.txid}, ` : ''}${where})`;
}

/** "Evaluating update-weights of model <id> (tx <txid>, block 120): rows 5120/20000 (25.6%), 1234 rows/s, ETA 12 s". */
export function progressLine(s: EvaluationStatus): string {
  return `${describe(s)}: rows ${s.rowsDone}/${s.rows} (${(s.progress * 100).toFixed(1)}%), ${Math.round(s.rate)} rows/s, ETA ${s.eta === undefined ? 'unknown' : `${s.eta} s`}`;
}
