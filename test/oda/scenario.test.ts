// Replays the ODA-BIP-0003 chain scenario (spec/BIPs/vectors/oda-bip-0003/chain.json) on a
// fresh chain and model-store: every step's verdict, ODA CU and registry state must match.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Block } from '../../chain/block.js';
import { Chain } from '../../chain/chain.js';
import { VerifyError } from '../../chain/errors.js';
import { PRE_BIP5_REGTEST as regtest } from './util.js';
import { BlobStore } from '../../model-store/store.js';
import type { MediaType } from '../../model-store/manifest.js';
import { checkOdaBlock, createOdaExtension } from '../../oda/index.js';

const V = JSON.parse(readFileSync(new URL('../../spec/BIPs/vectors/oda-bip-0003/chain.json', import.meta.url), 'utf8'));

test('chain scenario: verdicts, CU and registry states', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oda-scenario-'));
  const store = await BlobStore.open(join(dir, 'models'));
  const ext = createOdaExtension({ store, params: regtest });
  const chain = await Chain.open({ params: regtest, dir: join(dir, 'chain'), fsync: false, extensions: [ext] });
  for (const b of V.blobs) {
    const m = await store.importBytes(Buffer.from(b.hex, 'hex'), { mediaType: b.mediaType as MediaType, durable: false });
    assert.is(m.root, b.root, b.name);
    assert.is(m.length, b.length, b.name);
  }
  for (const h of V.prelude) await chain.processBlock(Block.fromHex(h));
  const r = ext.registry(chain);
  let valid = 0;
  for (const s of V.steps) {
    const block = Block.fromHex(s.block);
    let verdict = 'valid';
    let cu: bigint | undefined;
    try {
      cu = (await checkOdaBlock(ext.context, chain, block, chain.height + 1)).cu;
      await chain.processBlock(block);
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      verdict = e.reason;
    }
    assert.is(verdict, s.verdict, s.description);
    if (verdict !== 'valid') continue;
    valid++;
    assert.is(cu!.toString(), s.cu, s.description);
    for (const [id, want] of Object.entries(s.state as Record<string, { currentVersion: number; currentScore: string; trainer: string; weights: string; versions: Array<{ weights: string; score: string; trainer: string }> }>)) {
      const m = (await r.getModel(id))!;
      assert.is(m.currentVersion, want.currentVersion, s.description);
      assert.is(m.currentScore.toString(), want.currentScore);
      assert.is(m.trainerScript, want.trainer);
      assert.is(m.currentWeights.root, want.weights);
      assert.equal((await r.getHistory(id))!.map((v) => ({ weights: v.weights.root, score: v.score.toString(), trainer: v.trainerScript })), want.versions);
    }
  }
  assert.ok(valid >= 10);
  await chain.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
