// The consensus engine pin and session handling.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as ort from 'onnxruntime-node';
import { ENGINE_VERSION, SESSION_OPTIONS, SessionCache, assertEngineVersion, runnableModelBytes } from '../../validator/runtime.js';
import { checkModel } from '../../validator/index.js';
import { bindWeights } from '../../validator/weights.js';
import { decodeModel } from '../../validator/onnx/decode.js';
import { encodeTensors } from '../../validator/blobs.js';
import { buildMlp, DIGITS_MLP, mlpWeightShapes } from '../../tools/models/mlp.js';
import { rng, randomWeights } from './helpers.js';

test('engine is exactly onnxruntime-node 1.30.0 with the BIP session options', () => {
  assert.is(ENGINE_VERSION, '1.30.0');
  assert.is(ort.env.versions.node, ENGINE_VERSION);
  assertEngineVersion();
  assert.equal(
    { ...SESSION_OPTIONS },
    { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', enableCpuMemArena: true, enableMemPattern: false, logSeverityLevel: 3 },
  );
});

test('runnable bytes: canonical encoding with every weight slot filled, constants untouched', () => {
  const ctx = checkModel(buildMlp(DIGITS_MLP));
  const weights = randomWeights(rng(2), mlpWeightShapes(DIGITS_MLP));
  const bytes = runnableModelBytes(ctx.arch, bindWeights(ctx.arch, encodeTensors(weights)));
  const m = decodeModel(bytes);
  for (const t of m.graph.initializers) {
    assert.ok(t.raw !== undefined, `${t.name} has data`);
    const w = weights.get(t.name);
    if (w) assert.equal(t.raw, new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
  }
  assert.equal(m.graph.nodes, ctx.arch.model.graph.nodes);
});

test('session cache: same key shares one session, least recently used is evicted', async () => {
  const cache = new SessionCache(2);
  let made = 0;
  const make = () => {
    made++;
    return Promise.resolve({ release: async () => undefined } as unknown as ort.InferenceSession);
  };
  const a = cache.get('a', make);
  assert.is(cache.get('a', make), a);
  cache.get('b', make);
  cache.get('a', make); // a becomes most recent
  cache.get('c', make); // evicts b
  assert.is(cache.size, 2);
  assert.is(made, 3);
  cache.get('b', make);
  assert.is(made, 4);
  cache.get('a', make); // a was evicted when b came back (c, b remained)
  assert.is(made, 5);
  await cache.clear();
  assert.is(cache.size, 0);
});

test.run();
