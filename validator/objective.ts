// Integer objectives (ODA-BIP-0002 "Objectives"). A score is a bigint; higher is better.
// Both are sums of per-row terms, so a score does not depend on how rows are batched.
//   accuracy: number of rows whose predicted class equals the label. With output 0 of row
//             shape [C], C >= 2, the prediction is the smallest index of the maximum value;
//             with row shape [] or [1] the output value itself is the prediction.
//   neg-sse:  -sum over rows and elements of (output - label)^2, exact (bigint).
import type { Architecture, IoSpec } from './check-graph.js';
import { getNumber, numel, type Tensor } from './tensor.js';
import { reject } from './errors.js';
import { Reason } from './reasons.js';

export type Objective = 'accuracy' | 'neg-sse';
export const OBJECTIVES: readonly Objective[] = ['accuracy', 'neg-sse'];

/** Row shape the label tensor must have for the objective. */
export function labelRowDims(arch: Architecture, objective: Objective): number[] {
  checkObjective(arch, objective);
  return objective === 'accuracy' ? [] : [...arch.outputs[0].rowDims];
}

export function checkObjective(arch: Architecture, objective: string): asserts objective is Objective {
  if (!OBJECTIVES.includes(objective as Objective)) reject(Reason.OBJECTIVE, `unknown objective ${objective}`);
  const out: IoSpec = arch.outputs[0];
  if (objective === 'accuracy') {
    const d = out.rowDims;
    if (!(d.length === 0 || (d.length === 1 && d[0] >= 1))) reject(Reason.OBJECTIVE, `accuracy needs output 0 of row shape [C], [1] or [], got [${d}]`);
  }
}

/** Objective over a batch: output 0 of the model and the matching label rows. */
export function scoreBatch(objective: Objective, output: Tensor, label: Tensor): bigint {
  const rows = output.dims[0];
  if (objective === 'accuracy') {
    const c = numel(output.dims.slice(1));
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      let pred: number;
      if (c === 1) pred = getNumber(output, r);
      else {
        pred = 0;
        let best = getNumber(output, r * c);
        for (let k = 1; k < c; k++) {
          const v = getNumber(output, r * c + k);
          if (v > best) {
            best = v;
            pred = k;
          }
        }
      }
      if (pred === getNumber(label, r)) correct++;
    }
    return BigInt(correct);
  }
  let sse = 0n;
  const n = output.data.length;
  // Chunks of at most 2^20 squares below 2^22 each stay exact in a double; larger ones go through bigint.
  let small = 0;
  for (let i = 0; i < n; i++) {
    const d = getNumber(output, i) - getNumber(label, i);
    const a = Math.abs(d);
    if (a < 2048) {
      small += a * a;
      if (small > 2 ** 52) {
        sse += BigInt(small);
        small = 0;
      }
    } else {
      const b = BigInt(d);
      sse += b * b;
    }
  }
  return -(sse + BigInt(small));
}
