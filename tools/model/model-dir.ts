// What the addmodel RPC needs from a directory made by `oda-model convert`: the three blob
// paths, the objective and a default name, read from oda-model.json (each file checked against
// the digest oda-model recorded, so a changed file is named before anything is paid for); and,
// for the most common mistake, submitting the float model itself, the nodes that read float
// tensors and the way out. Kept apart from the converter so the RPC layer imports no
// quantization code.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { VerifyError, isVerifyError } from '../../chain/errors.js';
import { DataType } from '../../validator/onnx/proto.js';
import { ModelError } from './errors.js';
import { readFloatOnnx } from './float-onnx.js';
import { modelFiles, readManifest, verifyFile, MANIFEST_FILE } from './manifest.js';

export interface ModelDirArgs {
  architecture: unknown;
  weights: unknown;
  dataset: unknown;
  objective: unknown;
  /** Default model name (the directory name) when the architecture argument was a directory. */
  name?: string;
}

/**
 * addmodel's first three arguments, with a model directory expanded: `addmodel DIR` (weights
 * and dataset omitted or null) means DIR's files and objective. Anything else passes through.
 * Throws ModelError for a directory that oda-model did not make or that lacks a dataset.
 */
export function expandModelDir(a: ModelDirArgs): ModelDirArgs {
  if (typeof a.architecture !== 'string' || a.architecture === '') return a;
  const path = isAbsolute(a.architecture) ? a.architecture : resolve(a.architecture);
  if (!existsSync(path) || !statSync(path).isDirectory()) return a;
  if ((a.weights !== undefined && a.weights !== null) || (a.dataset !== undefined && a.dataset !== null)) {
    throw new ModelError('architecture is a model directory: leave weights and dataset empty (null), they come from its oda-model.json');
  }
  const m = readManifest(path);
  const f = modelFiles(path, m);
  if (f.dataset === undefined) throw new ModelError(`${path} has no dataset: run oda-model pack-dataset DATA.csv --label COL --like ${path}`);
  if (a.objective !== undefined && a.objective !== null && a.objective !== m.objective) throw new ModelError(`the model directory was converted for objective '${m.objective}', not '${String(a.objective)}'`);
  for (const role of ['architecture', 'weights', 'dataset'] as const) {
    const p = f[role]!;
    if (!existsSync(p) || !statSync(p).isFile()) throw new ModelError(`${p} is missing (${MANIFEST_FILE} lists it as the ${role})`);
    verifyFile(path, m, role, new Uint8Array(readFileSync(p)));
  }
  return { architecture: f.architecture, weights: f.weights, dataset: f.dataset, objective: m.objective, name: basename(path) };
}

const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, 16 /* BFLOAT16 */]);
const WEIGHT_OPS = new Set(['Gemm', 'MatMul', 'Conv', 'ConvTranspose']);

/**
 * The nodes of an ONNX graph that read float tensors (initializers, Constant outputs or graph
 * inputs), weight-bearing ops first, each as "node 'NAME' (Op): float weights 'T' [dims]".
 * Empty when the bytes do not parse or nothing is float.
 */
export function floatNodes(architecture: Uint8Array): string[] {
  let m;
  try {
    m = readFloatOnnx(architecture);
  } catch {
    return [];
  }
  const float = new Map<string, { dims: number[] | undefined; input: boolean }>();
  for (const [name, t] of m.initializers) if (FLOAT_TYPES.has(t.dataType)) float.set(name, { dims: t.dims, input: false });
  for (const i of m.inputs) if (FLOAT_TYPES.has(i.elemType)) float.set(i.name, { dims: i.dims?.map((d) => d.value ?? -1), input: true });
  const found: { weight: boolean; text: string }[] = [];
  for (const n of m.nodes) {
    if (n.opType === 'Constant') {
      const t = n.attrs.get('value')?.t;
      if (t && FLOAT_TYPES.has(t.dataType)) float.set(n.outputs[0], { dims: t.dims, input: false });
      continue;
    }
    const k = n.inputs.findIndex((x) => float.has(x));
    if (k < 0) continue;
    const t = float.get(n.inputs[k])!;
    const weight = WEIGHT_OPS.has(n.opType) && k === 1 && !t.input;
    const what = t.input ? 'float input' : weight ? 'float weights' : 'float tensor';
    const dims = t.dims ? ` [${t.dims.map((d) => (d < 0 ? '?' : d)).join(', ')}]` : '';
    found.push({ weight, text: `node '${n.name || n.outputs[0]}' (${n.opType}): ${what} '${n.inputs[k]}'${dims}` });
  }
  return [...found.filter((f) => f.weight), ...found.filter((f) => !f.weight)].map((f) => f.text);
}

/**
 * A float model's rejection names the rule, the offending node and tensor, and the way out
 * (oda-model convert). `architecture` is the submitted graph; other errors pass unchanged.
 */
export function withConvertHint(e: unknown, architecture?: Uint8Array): unknown {
  if (!isVerifyError(e) || !e.reason.startsWith('bad-model-')) return e;
  const nodes = architecture ? floatNodes(architecture) : [];
  const isFloat = nodes.length > 0 || (e.reason === 'bad-model-dtype' && e.details.includes('float'));
  if (!isFloat) return e;
  const where = nodes.length === 0 ? '' : `${nodes[0]}${nodes.length > 1 ? ` (and ${nodes.length - 1} more node${nodes.length > 2 ? 's' : ''} reading float tensors)` : ''}; `;
  return new VerifyError(e.kind, e.reason, e.score, `${where}${e.details} (ODA-BIP-0002 section 5: float models are rejected; run oda-model convert, see docs/bring-your-own-model.md)`);
}
