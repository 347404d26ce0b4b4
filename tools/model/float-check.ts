// Cross-check of convert's reading of a float graph: onnxruntime runs the user's original file
// and its outputs must match float-net.ts's forward pass. A mismatch means the graph means
// something convert did not understand, so nothing is written. (Float execution is fine here:
// this is the user's machine, not consensus.)
import * as ort from 'onnxruntime-node';
import type { FloatNet } from './float-net.js';
import { floatForward } from './float-net.js';
import { ModelError } from './errors.js';

function applyHead(net: FloatNet, y: Float64Array, width: number, rows: number): Float64Array {
  if (net.head === 'none') return y;
  const out = new Float64Array(y.length);
  for (let r = 0; r < rows; r++) {
    const row = y.subarray(r * width, (r + 1) * width);
    if (net.head === 'sigmoid') {
      for (let j = 0; j < width; j++) out[r * width + j] = 1 / (1 + Math.exp(-row[j]));
      continue;
    }
    const mx = Math.max(...row);
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0)) + mx;
    for (let j = 0; j < width; j++) out[r * width + j] = net.head === 'softmax' ? Math.exp(row[j] - lse) : row[j] - lse;
  }
  return out;
}

/** Runs up to `maxRows` rows through onnxruntime and through `net`; throws on a mismatch. */
export async function crossCheckFloat(bytes: Uint8Array, net: FloatNet, x: Float64Array, rows: number, maxRows = 64): Promise<number> {
  const n = Math.min(rows, maxRows);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  } catch (e) {
    throw new ModelError(`onnxruntime cannot load the float model: ${(e as Error).message}`);
  }
  const ours = floatForward(net, x.subarray(0, n * net.inSize), n);
  const want = applyHead(net, ours.out, ours.width, n);
  let worst = 0;
  try {
    // One row per run: exporters without dynamic_axes fix the batch dimension at 1.
    for (let r = 0; r < n; r++) {
      const feed = { [net.inputName]: new ort.Tensor('float32', Float32Array.from(x.subarray(r * net.inSize, (r + 1) * net.inSize)), [1, ...net.inShape]) };
      const res = await session.run(feed);
      const got = res[net.outputName].data as Float32Array;
      if (got.length !== ours.width) throw new ModelError(`the float model gives ${got.length} outputs per row, convert read ${ours.width}`);
      for (let j = 0; j < ours.width; j++) {
        const w = want[r * ours.width + j];
        worst = Math.max(worst, Math.abs(got[j] - w) / (1 + Math.abs(w)));
      }
    }
  } finally {
    await session.release();
  }
  if (!(worst <= 1e-3)) throw new ModelError(`convert misread the float graph: onnxruntime's outputs differ by ${worst.toExponential(2)} (relative); please report this model`);
  return worst;
}
