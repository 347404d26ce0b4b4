// The explorer in a real browser: a regtest node with -explorer, the digits model registered,
// used and updated (regtest/explorer-activity.ts); headless Chromium loads each page and the
// test checks what it rendered (versions table, chart points, a decoded ODA payload), then
// the bad inputs (unknown hash, malformed id, long query, non-GET methods).
// 1 node, ~110 blocks, 2 trainings + 2 scorings, ~15 page loads (~60-90 s on a loaded 2-core machine).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFunctionalTest, skipTest } from './framework.js';
import { freePort } from '../../regtest/daemon.js';
import { ensureChromium, dumpDom } from '../../regtest/chromium.js';
import { explorerActivity } from '../../regtest/explorer-activity.js';

/** The inner HTML of the element with this id (first match; enough for our own markup). */
function byId(html: string, id: string): string {
  const m = new RegExp(`<(\\w+)[^>]* id="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  if (!m) throw new Error(`no element #${id} in:\n${html.slice(0, 3000)}`);
  return m[2];
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const text = (s: string) => s.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

test('explorer: every page rendered in headless Chromium; bad input gets a not-found page', async () => {
  const browser = ensureChromium((m) => console.log(m));
  if (!('bin' in browser)) skipTest(browser.reason);
  const port = await freePort();
  await runFunctionalTest({ numNodes: 1, extraArgs: [['-explorer', `-explorerport=${port}`]] }, async ([node], env) => {
    const base = `http://127.0.0.1:${port}`;
    const page = async (path: string) => {
      const html = await dumpDom(browser.bin, base + path);
      if (!/data-state="(ready|notfound)"/.test(html)) throw new Error(`${path} did not render:\n${text(html).slice(0, 2000)}`);
      return html;
    };
    const dir = join(env.tmpdir, 'files');
    mkdirSync(dir);
    const a = await explorerActivity((m, ...p) => node.rpc(m, ...p), dir);
    const tip = await node.getblockcount();

    // Home: tip, latest blocks with their ODA transactions, the model, the mempool.
    const home = await page('/');
    assert.match(text(byId(home, 'blocks')), new RegExp(`\\b${tip}\\b`));
    assert.is(count(byId(home, 'blocks').split('<tbody>')[1], /<tr>/g), 10);
    assert.match(byId(home, 'blocks'), />inference</);
    assert.match(byId(home, 'models'), />digits</);
    assert.match(byId(home, 'mempool'), new RegExp(a.pendingTxid.slice(0, 12)));

    // Model: versions table, one chart point per version, inferences per version, royalties.
    const model = await page(`/model/${a.modelId}`);
    const versions = byId(model, 'versions');
    assert.is(count(versions, /<tr data-version=/g), 2);
    assert.is(count(byId(model, 'score-chart'), /<circle class="point"/g), 2);
    const scores = [...model.matchAll(/data-score="(\d+)"/g)].map((m) => Number(m[1]));
    assert.equal(scores, [Number(a.files.baseScore), Number(a.files.improvedScore)]);
    assert.equal([...versions.matchAll(/class="num inferences">(\d+)</g)].map((m) => Number(m[1])), [1, 2]);
    assert.match(text(model), /Royalties paid 0\.003 BTC/);
    assert.match(text(versions), /\bv1\b/);

    // Transactions: decoded ODA payloads.
    const inf = await page(`/tx/${a.inferences[0]}`);
    const payload = text(byId(inf, 'oda-payload'));
    assert.match(payload, new RegExp(`Model ${a.modelId}`));
    assert.match(payload, /Version 0/);
    assert.match(payload, /Input inline, \d+ bytes, hash/);
    assert.is(text(byId(inf, 'argmax')).trim(), `${a.files.samples[0].base}, ${a.files.samples[1].base}`);
    const add = text(byId(await page(`/tx/${a.addTxid}`), 'oda-payload'));
    assert.match(add, /Name digits/);
    assert.match(add, /Royalty 0\.001 BTC/);
    assert.match(text(byId(await page(`/tx/${a.revealTxid}`), 'oda-payload')), /Version label v1/);

    // Block: what it carried, including the compute units of its ODA transaction.
    const revealBlock = (await node.getrawtransaction(a.revealTxid, 1)).blockhash;
    const block = await page(`/block/${revealBlock}`);
    assert.match(byId(block, 'txs'), />reveal-weights</);
    const cu = /Compute units ([\d,]+)/.exec(text(byId(block, 'block-summary')));
    assert.ok(cu && Number(cu[1].replace(/,/g, '')) > 0, 'block CU shown');
    // ODA-BIP-0005 (regtest activation 20): the block's committed CU and its difficulty discount.
    assert.match(text(byId(block, 'cost-aware')), /Block compute units [\d,]+ .*Difficulty discount [\d.]+ % \([\d,]+ ppm\)/);

    // Search: height, block hash, txid, model id, address.
    assert.match(byId(await page(`/search?q=${tip}`), 'block-hash'), new RegExp(await node.getbestblockhash()));
    assert.match(byId(await page(`/search?q=${a.modelId}`), 'model-id'), new RegExp(a.modelId));
    assert.match(byId(await page(`/search?q=${a.inferences[1]}`), 'txid'), new RegExp(a.inferences[1]));
    const trainer = (await node.getmodel(a.modelId)).trainer;
    assert.match(text(await page(`/search?q=${trainer}`)), /Versions trained.*digits 1/);

    // Bad input: a clear not-found page, never a stack trace.
    for (const [path, msg] of [
      [`/block/${'ab'.repeat(32)}`, 'not found'],
      ['/block/99999', 'No block at height 99999'],
      ['/model/xyz', "'xyz' is not a model id"],
      [`/tx/${'cd'.repeat(32)}`, 'not found'],
      [`/search?q=${'z'.repeat(300)}`, 'Query too long'],
      ['/search?q=%E2%9C%93nope', 'is not a block hash'],
      ['/no/such/page', 'No page'],
    ]) {
      const html = await page(path);
      assert.match(html, /id="not-found"/, path);
      assert.ok(text(html).includes(msg), `${path}: ${msg} in ${text(byId(html, 'not-found'))}`);
      assert.not.match(html, /at .*\.ts:\d+/, 'no stack trace');
    }

    // HTTP: GET and HEAD only, long targets refused, JSON errors without internals.
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await fetch(`${base}/api/home`, { method });
      assert.is(r.status, 405, method);
      assert.is(r.headers.get('allow'), 'GET, HEAD');
    }
    assert.is((await fetch(`${base}/api/search?q=${'q'.repeat(5000)}`)).status, 414);
    const nf = await fetch(`${base}/api/model/${'ee'.repeat(32)}`);
    assert.is(nf.status, 404);
    assert.equal(await nf.json(), { error: `Model ${'ee'.repeat(32)} not found` });
    assert.is((await fetch(`${base}/static/../node/config.ts`)).status, 404);
    // No RPC credential reaches a page or the API.
    const cookie = readFileSync(join(node.networkDir, '.cookie'), 'utf8').trim().split(':')[1];
    for (const p of ['/api/home', `/api/model/${a.modelId}`, `/api/tx/${a.addTxid}`, '/static/app.js']) {
      assert.not.ok((await (await fetch(base + p)).text()).includes(cookie), p);
    }
  });
});

test.run();
