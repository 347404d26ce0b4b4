// Lite-node header sync (ODA-BIP-0007 "Lite node"): 5,000 regtest headers arriving as three
// `headers` frames (2,000 + 2,000 + 1,000) are decoded, validated (PoW, difficulty, time rules)
// and stored by the lite chain; the baseline is odad's own header path (Chain.processHeader,
// LevelDB index) over the same headers in the same run. Also: reopening the lite store (every
// header re-validated). Headers are ground once, before timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../chain/chain.js';
import { decodeBlockHeader } from '../chain/block.js';
import { hashToHex, headerHash } from '../chain/header.js';
import { regtest } from '../chain/params.js';
import { LiteChain } from '../lite/header-chain.js';
import { decodeFrame, encodeFrame } from '../p2p/wire/frame.js';
import { MAX_HEADERS } from '../p2p/wire/messages.js';
import { mineChain } from '../test/lite/util.js';

const N = Number(process.env.HEADERS ?? 5000);
const NOW = () => regtest.genesis.time + N * 600 + 3600;

function frames(headers: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < headers.length; i += MAX_HEADERS) out.push(encodeFrame(regtest.magic, { cmd: 'headers', headers: headers.slice(i, i + MAX_HEADERS).map((h) => decodeBlockHeader(h)) }));
  return out;
}

const genesis = { hash: regtest.genesis.hash, time: regtest.genesis.time };
const headers = mineChain(genesis, N, 'bench');
const wire = frames(headers);
const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'oda-bench-lite-')); dirs.push(d); return d; };

async function liteSync(): Promise<{ ms: number; dir: string }> {
  const dir = tmp();
  const t = process.hrtime.bigint();
  const c = LiteChain.open({ params: regtest, dir, now: NOW });
  for (const f of wire) {
    const m = decodeFrame(regtest.magic, f);
    if (m.cmd !== 'headers') throw new Error('frame');
    c.acceptHeaders(m.headers.map((b) => new Uint8Array(b.toBuffer(true))));
  }
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (c.height !== N) throw new Error(`lite synced ${c.height}`);
  c.close();
  return { ms, dir };
}

async function fullSync(): Promise<number> {
  const dir = tmp();
  const chain = await Chain.open({ params: { ...regtest }, dir });
  chain.setMockTime(NOW());
  const t = process.hrtime.bigint();
  for (const f of wire) {
    const m = decodeFrame(regtest.magic, f);
    if (m.cmd !== 'headers') throw new Error('frame');
    for (const b of m.headers) await chain.processHeader(new Uint8Array(b.toBuffer(true)));
  }
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const last = hashToHex(headerHash(headers[N - 1]));
  if (!chain.getEntry(last)) throw new Error('full node missed headers');
  await chain.close();
  return ms;
}

const lite: number[] = [];
const full: number[] = [];
const reopen: number[] = [];
await liteSync(); await fullSync(); // warm-up
for (let i = 0; i < 3; i++) {
  const r = await liteSync();
  lite.push(r.ms);
  full.push(await fullSync());
  const t = process.hrtime.bigint();
  const c = LiteChain.open({ params: regtest, dir: r.dir, now: NOW });
  reopen.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (c.height !== N) throw new Error('reopen');
  c.close();
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
const result = {
  headers: N,
  lite_sync_s: +(med(lite) / 1000).toFixed(3),
  full_node_headers_s: +(med(full) / 1000).toFixed(3),
  ratio_lite_to_full: +(med(lite) / med(full)).toFixed(3),
  lite_reopen_s: +(med(reopen) / 1000).toFixed(3),
  store_bytes: N * 80,
};
for (const d of dirs) rmSync(d, { recursive: true, force: true });
console.log(`lite sync of ${N} headers: ${result.lite_sync_s} s (odad's header path: ${result.full_node_headers_s} s, ratio ${result.ratio_lite_to_full}); reopen ${result.lite_reopen_s} s; ${result.store_bytes} bytes stored`);
console.log(JSON.stringify(result));
