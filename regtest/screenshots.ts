// `npm run screenshots`: a regtest node with -explorer on a temporary data dir, the explorer
// activity (regtest/explorer-activity.ts), then headless Chromium saves the home, model,
// transaction and block pages as PNGs in docs/img/ for the README.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, freePort } from './daemon.js';
import { ensureChromium, screenshot } from './chromium.js';
import { explorerActivity } from './explorer-activity.js';

const OUT = fileURLToPath(new URL('../docs/img/', import.meta.url));

const browser = ensureChromium((m) => console.log(m));
if (!('bin' in browser)) {
  console.error(`Cannot take screenshots: ${browser.reason}`);
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'oda-screenshots-'));
const port = await freePort();
const node = await Daemon.start(dir, ['-explorer', `-explorerport=${port}`]);
try {
  console.log('Registering, using and updating the digits model…');
  const files = join(dir, 'files');
  mkdirSync(files);
  const a = await explorerActivity((m, ...p) => node.call(m, ...p), files);
  const revealBlock = (await node.call('getrawtransaction', a.revealTxid, 1)).blockhash;
  mkdirSync(OUT, { recursive: true });
  const base = `http://127.0.0.1:${port}`;
  for (const [name, path, height] of [
    ['explorer-home', '/', 1100], ['explorer-model', `/model/${a.modelId}`, 1000],
    ['explorer-tx', `/tx/${a.inferences[0]}`, 1000], ['explorer-block', `/block/${revealBlock}`, 1300],
  ] as const) {
    const file = join(OUT, `${name}.png`);
    await screenshot(browser.bin, base + path, file, { width: 1280, height });
    console.log(`saved ${file}`);
  }
} finally {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
