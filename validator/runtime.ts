// The consensus engine: onnxruntime-node at exactly ENGINE_VERSION, CPU execution provider,
// graph optimizations disabled, one intra-op and one inter-op thread, sequential execution.
// Sessions are built from the canonical encoding (onnx/encode.ts) of the architecture with
// the weights injected as initializer raw_data, and cached per (architecture root, weights root).
import * as ort from 'onnxruntime-node';
import type { Architecture } from './check-graph.js';
import { encodeModel } from './onnx/encode.js';
import type { Model } from './onnx/proto.js';
import { bytesOf, type Tensor, type TypedData } from './tensor.js';

export const ENGINE_VERSION = '1.30.0';

export const SESSION_OPTIONS: Readonly<ort.InferenceSession.SessionOptions> = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'disabled',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  enableCpuMemArena: true,
  enableMemPattern: false,
  logSeverityLevel: 3,
};

/** Throws unless the loaded onnxruntime-node is the pinned consensus version. */
export function assertEngineVersion(): void {
  const v = ort.env.versions.node;
  if (v !== ENGINE_VERSION) throw new Error(`onnxruntime-node ${v ?? '(unknown)'} loaded, consensus requires exactly ${ENGINE_VERSION}`);
}
assertEngineVersion();

/** The exact bytes onnxruntime receives: canonical encoding with every weight slot filled. */
export function runnableModelBytes(arch: Architecture, weights: ReadonlyMap<string, Tensor>): Uint8Array {
  const g = arch.model.graph;
  const model: Model = {
    ...arch.model,
    graph: {
      ...g,
      initializers: g.initializers.map((t) => {
        if (t.raw !== undefined) return t;
        const w = weights.get(t.name);
        if (w === undefined) throw new Error(`weight ${t.name} not bound`);
        return { ...t, raw: bytesOf(w.data) };
      }),
    },
  };
  return encodeModel(model);
}

export type Session = ort.InferenceSession;

export function createSession(arch: Architecture, weights: ReadonlyMap<string, Tensor>): Promise<Session> {
  // A fresh copy each time: onnxruntime-node wraps the options object in a proxy.
  return ort.InferenceSession.create(runnableModelBytes(arch, weights), { ...SESSION_OPTIONS, executionProviders: ['cpu'] });
}

function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(t.type, t.data as Int8Array | Uint8Array | Int32Array | BigInt64Array, t.dims);
}

function fromOrt(v: ort.OnnxValue): Tensor {
  const t = v as ort.Tensor;
  if (t.type !== 'int8' && t.type !== 'uint8' && t.type !== 'int32' && t.type !== 'int64') throw new Error(`engine returned ${t.type}`);
  return { type: t.type, dims: [...t.dims], data: t.data as TypedData };
}

/** One engine run: inputs in graph-input order, outputs in graph-output order. */
export async function runSession(session: Session, arch: Architecture, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const feeds: Record<string, ort.Tensor> = {};
  arch.inputs.forEach((spec, i) => (feeds[spec.name] = toOrt(inputs[i])));
  const out = await session.run(feeds);
  return arch.outputs.map((o) => fromOrt(out[o.name]));
}

/** LRU of sessions keyed by "architectureRoot:weightsRoot". */
export class SessionCache {
  private map = new Map<string, Promise<Session>>();
  constructor(readonly maxEntries = 16) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string, make: () => Promise<Session>): Promise<Session> {
    let p = this.map.get(key);
    if (p !== undefined) {
      this.map.delete(key);
      this.map.set(key, p);
      return p;
    }
    p = make();
    this.map.set(key, p);
    p.catch(() => this.map.delete(key));
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      // Not released explicitly: a run may still hold it; the native session is freed when
      // the wrapper is garbage collected.
      this.map.delete(oldest);
    }
    return p;
  }

  async clear(): Promise<void> {
    const all = [...this.map.values()];
    this.map.clear();
    for (const p of all) await p.then((s) => s.release()).catch(() => undefined);
  }
}
