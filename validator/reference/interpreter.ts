// The second implementation: a pure-TypeScript interpreter of the exact class. It runs the
// checked plan node by node with the reference kernels in ops/*.ts. Consensus uses
// onnxruntime (runtime.ts); this interpreter is the specification made executable, and the
// differential tests require both to agree bit for bit.
import type { Architecture } from '../check-graph.js';
import type { Tensor } from '../tensor.js';

/** inputs in graph-input order (batched on axis 0); returns outputs in graph-output order. */
export function referenceRun(arch: Architecture, weights: ReadonlyMap<string, Tensor>, inputs: readonly Tensor[]): Tensor[] {
  const env = new Map<string, Tensor>();
  for (const [name, t] of arch.constants) env.set(name, t);
  for (const w of arch.weights) {
    const t = weights.get(w.name);
    if (t === undefined) throw new Error(`weight ${w.name} not bound`);
    env.set(w.name, t);
  }
  arch.inputs.forEach((spec, i) => env.set(spec.name, inputs[i]));
  for (const { node, rule, attrs } of arch.plan) {
    const args = node.inputs.map((n) => (n === '' ? undefined : env.get(n)));
    env.set(node.outputs[0], rule.run(node, args, attrs));
  }
  return arch.outputs.map((o) => env.get(o.name)!);
}
