// oda-model: bring your own model. Converts a float ONNX MLP, linear model or small CNN (PyTorch,
// tf2onnx, …; classifiers, or regression MLPs with --objective neg-sse) into the exact class, packs datasets, and runs the node's own admission and
// scoring code offline, so nothing is paid for before it is known to pass. Library: tools/model.
import { resolve } from 'node:path';
import { convert, type Accuracy, type ConvertReport } from '../tools/model/convert.js';
import { checkDir, scoreDir } from '../tools/model/check.js';
import { exportWeights } from '../tools/model/export-weights.js';
import { packDatasetFile, quantizeRowsFile } from '../tools/model/pack-dataset.js';
import { ModelError } from '../tools/model/errors.js';
import type { Fit } from '../tools/model/regression.js';

const USAGE = `Usage: oda-model <command> [args] [--json]

  convert MODEL.onnx --calibration DATA --out DIR [--label COL] [--dataset EVAL] [--features a,b,…]
          [--objective accuracy|neg-sse]
      Post-training quantization of a float MLP, linear model or small CNN (Conv/Relu/MaxPool/
      Flatten/Gemm) into the exact class (ODA-BIP-0002): DIR/model.onnx, weights.safetensors,
      dataset.safetensors (with labels), oda-model.json. Prints float vs integer accuracy and
      the CU of one row. --objective neg-sse: a regression model with one output; --label names
      the real-valued target, quantized with the model's output step (in oda-model.json), and
      float vs integer RMSE and R² are printed instead of accuracy.
  pack-dataset DATA --label COL (--like DIR | --input NAME --out FILE) [--out FILE]
      The dataset blob (uint8 inputs quantized like DIR's model, I32 labels). With --like and no
      --out it becomes DIR's dataset. For a regression DIR (neg-sse), COL is the real-valued
      target, quantized with DIR's output step (--like is then required).
  quantize-rows DIR DATA --out ROWS.bin
      Rows of a table (label column ignored) as DIR's uint8 model input, for oda-cli infer.
  check DIR
      The node's add-model admission check offline: baseline score (a regression model's also as
      RMSE and R²), CU of add-model, inference and update, and the policy fee floor for each.
  score DIR --weights W.safetensors
      The score the chain gives W on DIR's dataset, and whether it beats DIR's weights.
  export-weights MODEL.onnx --like DIR --out W.safetensors
      A retrained float model (same layers) quantized into DIR's weight slots.

DATA and EVAL are tables: .csv with a header row (--label names the label column), .npy
[rows, features…] from numpy.save (labels in a second .npy: --labels Y.npy for DATA,
--dataset-labels Y.npy for EVAL), or .safetensors with a features tensor [rows, …] (named
like the model input, or the only one) and --label naming the label tensor [rows].

Exit codes: 0 ok, 1 usage, 2 the input cannot be used (message says why).`;

class UsageError extends Error {}

interface Parsed {
  args: string[];
  opts: Map<string, string | true>;
}

const FLAGS = new Set(['json', 'no-cross-check', 'help']);

function parse(argv: string[]): Parsed {
  const args: string[] = [];
  const opts = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--?([a-z][a-z-]*)(?:=(.*))?$/.exec(a);
    if (!m) {
      args.push(a);
      continue;
    }
    if (m[2] !== undefined) opts.set(m[1], m[2]);
    else if (FLAGS.has(m[1])) opts.set(m[1], true);
    else {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`--${m[1]} needs a value`);
      opts.set(m[1], v);
    }
  }
  return { args, opts };
}

function opt(p: Parsed, name: string, required: true): string;
function opt(p: Parsed, name: string, required?: false): string | undefined;
function opt(p: Parsed, name: string, required = false): string | undefined {
  const v = p.opts.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  if (v === undefined && required) throw new UsageError(`missing --${name}`);
  return v;
}

function onlyOpts(p: Parsed, allowed: string[]): void {
  for (const k of p.opts.keys()) if (!allowed.includes(k) && k !== 'json') throw new UsageError(`unknown option --${k}`);
}

function arg(p: Parsed, i: number, what: string): string {
  const v = p.args[i];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

const fitText = (f: Fit) => `RMSE ${f.rmse.toFixed(3)}, R² ${f.r2.toFixed(4)}`;

function accLine(what: string, a: Accuracy): string {
  if (a.metric === 'r2') {
    return `${what} (${a.rows} rows): float RMSE ${a.rmse!.float.toFixed(3)}, R² ${a.float.toFixed(4)}; integer RMSE ${a.rmse!.integer.toFixed(3)}, R² ${a.integer.toFixed(4)} (chain score ${a.score} = −SSE in output steps²)`;
  }
  const d = 100 * (a.integer - a.float);
  return `${what} (${a.rows} rows): float ${pct(a.float)}, integer ${pct(a.integer)} (${d >= 0 ? '+' : ''}${d.toFixed(2)} points; chain score ${a.score})`;
}

function printConvert(r: ConvertReport): string[] {
  const out = [`wrote ${r.dir}: ${Object.values(r.files).map((f) => f.replace(/^.*\//, '')).join(', ')}`];
  for (const L of r.layers) {
    const c = L.conv;
    const io = c
      ? `${c.c}x${c.h}x${c.w} -> conv ${c.kh}x${c.kw}${c.strides.some((v) => v !== 1) ? ` stride ${c.strides.join('x')}` : ''} -> ${c.m}x${c.oh}x${c.ow}${L.zeroPoint !== undefined ? ` (input zero point ${L.zeroPoint})` : ''}`
      : `${L.inSize} -> ${L.outSize}`;
    const pool = L.pool ? `, maxpool ${L.pool.kh}x${L.pool.kw} -> ${c!.m}x${L.pool.oh}x${L.pool.ow}` : '';
    out.push(`  ${L.name} (${L.source}): ${io}${L.relu ? ', relu' : ''}${pool}${L.shift !== undefined ? `, requantize by 2^${L.shift}` : ', int32 logits'}`);
  }
  if (r.head !== 'none') out.push(`  final ${r.head} dropped (monotone: the predicted class is unchanged)`);
  out.push(`parameters: ${r.params}; CU of one inference row: ${r.cuPerRow}`);
  if (r.outputScale !== undefined) out.push(`regression output: one step = ${r.outputScale} target units (dataset labels are round(target / step))`);
  if ('agreement' in r.calibration) out.push(`calibration (${r.calibration.rows} rows, no labels): integer and float predictions agree on ${pct(r.calibration.agreement)}`);
  else out.push(accLine('calibration', r.calibration));
  if (r.dataset) out.push(accLine('dataset', r.dataset));
  return out;
}

function json(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? (x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x.toString()) : x), 2);
}

/** Runs one command; returns the lines to print (human or JSON). */
export async function runOdaModel(argv: string[]): Promise<string[]> {
  const p = parse(argv);
  const cmd = p.args.shift();
  const asJson = p.opts.has('json');
  if (cmd === undefined || cmd === 'help' || p.opts.has('help')) return [USAGE];
  let result: unknown;
  let lines: string[];
  switch (cmd) {
    case 'convert': {
      onlyOpts(p, ['calibration', 'out', 'label', 'labels', 'dataset', 'dataset-labels', 'features', 'no-cross-check', 'objective']);
      const objective = opt(p, 'objective') ?? 'accuracy';
      if (objective !== 'accuracy' && objective !== 'neg-sse') throw new UsageError(`--objective is accuracy or neg-sse, not '${objective}'`);
      const path = (name: string) => (opt(p, name) === undefined ? undefined : resolve(opt(p, name)!));
      const features = opt(p, 'features')?.split(',').map((s) => s.trim());
      const r = await convert({
        model: resolve(arg(p, 0, 'MODEL.onnx')), calibration: resolve(opt(p, 'calibration', true)), out: resolve(opt(p, 'out', true)),
        label: opt(p, 'label'), labels: path('labels'), dataset: path('dataset'), datasetLabels: path('dataset-labels'), features, crossCheck: !p.opts.has('no-cross-check'), objective,
      });
      result = r;
      lines = printConvert(r);
      break;
    }
    case 'pack-dataset': {
      onlyOpts(p, ['label', 'labels', 'like', 'input', 'out', 'features']);
      const like = opt(p, 'like');
      const out = opt(p, 'out');
      const labels = opt(p, 'labels');
      if (opt(p, 'label') === undefined && labels === undefined) throw new UsageError('missing --label (or --labels for a .npy table)');
      const r = packDatasetFile({
        table: resolve(arg(p, 0, 'DATA')), label: opt(p, 'label'), labels: labels && resolve(labels), like: like && resolve(like), input: opt(p, 'input'),
        out: out && resolve(out), features: opt(p, 'features')?.split(',').map((s) => s.trim()),
      });
      result = r;
      lines = [`wrote ${r.out}: ${r.rows} rows, input '${r.spec.name}' uint8[${r.spec.columns.length}], label I32`];
      break;
    }
    case 'quantize-rows': {
      onlyOpts(p, ['out']);
      const r = quantizeRowsFile(resolve(arg(p, 0, 'DIR')), resolve(arg(p, 1, 'DATA')), resolve(opt(p, 'out', true)));
      result = r;
      lines = [`wrote ${r.out}: ${r.rows} rows, ${r.bytes} bytes`];
      break;
    }
    case 'check': {
      onlyOpts(p, []);
      const r = await checkDir(resolve(arg(p, 0, 'DIR')));
      result = r;
      lines = [
        `admission check passed (the node's own code, ODA-BIP-0002)`,
        `blobs: architecture ${r.architectureBytes} B, weights ${r.weightsBytes} B, dataset ${r.datasetBytes} B (${r.datasetRows} rows)`,
        r.baselineFit ? `baseline score: ${r.baselineScore} (neg-sse over ${r.datasetRows} rows: ${fitText(r.baselineFit)})` : `baseline score: ${r.baselineScore} / ${r.datasetRows}`,
        `CU: add-model ${r.cu.addModel}, inference ${r.cu.inferenceRow} per 1-row transaction, update-weights ${r.cu.update}`,
        `fee floor at ${r.fee.perKcu} sat per 1000 CU: add-model ${r.fee.addModel} sat, inference ${r.fee.inferenceRow} sat, update ${r.fee.update} sat (the wallet's fee rate may ask for more)`,
      ];
      break;
    }
    case 'score': {
      onlyOpts(p, ['weights']);
      const r = await scoreDir(resolve(arg(p, 0, 'DIR')), resolve(opt(p, 'weights', true)));
      result = r;
      lines = [`score ${r.score}${r.fit ? ` (${fitText(r.fit)})` : ` / ${r.rows}`} (the directory's weights: ${r.baselineScore}${r.baselineFit ? `, ${fitText(r.baselineFit)}` : ''}); ${r.improves ? 'an update would be accepted if no better version is on chain' : 'not an improvement: an update would be rejected (bad-weights-not-improving)'}`];
      break;
    }
    case 'export-weights': {
      onlyOpts(p, ['like', 'out']);
      const r = await exportWeights(resolve(arg(p, 0, 'MODEL.onnx')), resolve(opt(p, 'like', true)), resolve(opt(p, 'out', true)));
      result = r;
      lines = [`wrote ${r.out}: score ${r.score}${r.fit ? ` (${fitText(r.fit)})` : ` / ${r.rows}`} (registered weights: ${r.baselineScore}${r.baselineFit ? `, ${fitText(r.baselineFit)}` : ''}); ${r.improves ? 'improves: submit with updateweights' : 'does not improve: updateweights would be rejected'}`];
      break;
    }
    default:
      throw new UsageError(`unknown command '${cmd}'`);
  }
  return asJson ? [json(result)] : lines;
}

/** Entry point of bin/oda-model.js: prints, and sets the exit code (1 usage, 2 bad input). */
export async function odaModelMain(argv = process.argv.slice(2)): Promise<void> {
  try {
    for (const l of await runOdaModel(argv)) console.log(l);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`oda-model: ${e.message}\n\n${USAGE}`);
      process.exitCode = 1;
    } else if (e instanceof ModelError) {
      console.error(`oda-model: ${e.message}`);
      process.exitCode = 2;
    } else throw e;
  }
}
