// The lite wallet scan cross-checks filter headers across peers (ODA-BIP-0004 §11
// "Cross-checking filter headers", BIP 157 "Client Operation"). odad pays a fresh address;
// a proxy in front of it serves, for the payment block, a filter without the payment's
// script (and a stranger in its place) and rewrites `cfheaders` so its filter header chain
// commits to that filter: a consistent liar. Alone, it hides the payment (the documented
// limit, cross_checked_peers 1 and a warning); next to the honest node, the chains disagree
// at the payment block, the block proves the liar's filter wrong, the liar gets ban score 100
// and the scan finds the payment. A second liar omits only the script an input spends from
// outside the block, which the block cannot disprove: the scan stops with an error naming
// the height and both peers. 1 odad, 104 blocks (101 for a spendable coinbase).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runFunctionalTest, within } from './framework.js';
import { startTamperProxy, type TamperProxy } from './tamper-proxy.js';
import { LiteNode, LiteError } from '../../lite/node.js';
import { scanScripts, type ScanResult } from '../../lite/scan.js';
import { regtest } from '../../chain/params.js';
import { decodeBlock } from '../../chain/block.js';
import { addressToScript } from '../../chain/address.js';
import { basicFilter, basicFilterElements, buildGcs, filterKey } from '../../chain/blockfilter.js';
import { FileLogger } from '../../util/logger.js';
import type { Peer } from '../../p2p/peer.js';

const LITE = new URL('../../bin/oda-lite.js', import.meta.url).pathname;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function runLite(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [LITE, ...args], { maxBuffer: 16 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('oda-lite scan: filter headers cross-checked; a consistent liar is proven wrong from the block and banned', async () => {
  await runFunctionalTest({ numNodes: 1 }, async ([a], env) => {
    const addr: string = await a.getnewaddress();
    await a.generatetoaddress(101, addr); // the coinbase at height 1 matures
    const fresh: string = await a.getnewaddress();
    const paid: string = await a.sendtoaddress(fresh, 1.5);
    // Mined to another address, so the script the payment spends (addr's) is not also an output of the block.
    const [payBlock] = await a.generatetoaddress(1, await a.getnewaddress());
    await a.generatetoaddress(2, addr);
    const payHeight: number = (await a.getblockheader(payBlock)).height;
    const tipHeight: number = await a.getblockcount();
    const tipFilterHeader: string = (await a.getblockfilter(await a.getbestblockhash())).header;
    const target = `127.0.0.1:${a.p2pPort}`;

    // The payment block's filter elements, as odad builds them (checked against its RPC).
    const block = decodeBlock(Buffer.from(await a.getblock(payBlock, 0), 'hex'));
    const payScript = addressToScript(fresh, regtest);
    const spentScript = addressToScript(addr, regtest);
    assert.is(hex(basicFilter(block, [spentScript])), (await a.getblockfilter(payBlock)).filter, 'the payment spends coinbase outputs paying addr');
    const key = filterKey(block.getHash());
    const elements = basicFilterElements(block, [spentScript]);
    const stranger = Uint8Array.from(Buffer.from('0014' + '5a'.repeat(20), 'hex'));
    // Liar 1: the payment's script swapped for a stranger (N unchanged), provably wrong.
    const hiding = buildGcs(key, [...elements.filter((e) => hex(e) !== hex(payScript)), stranger]);
    // Liar 2: only the outside spend's script left out, which the block alone cannot disprove.
    const unprovable = buildGcs(key, elements.filter((e) => hex(e) !== hex(spentScript)));

    const logger = new FileLogger(join(env.tmpdir, 'lite-crosscheck.log'), false);
    const proxies: TamperProxy[] = [];
    const lites: LiteNode[] = [];
    const liteWith = async (name: string, addrs: string[]): Promise<{ lite: LiteNode; peers: Peer[] }> => {
      const lite = await LiteNode.open({ params: regtest, dir: join(env.tmpdir, name), logger });
      lites.push(lite);
      const peers: Peer[] = [];
      for (const x of addrs) peers.push(await within(lite.connect(x), 30_000, `connect ${x}`));
      await lite.syncHeaders(30_000);
      assert.is(lite.chain.height, tipHeight);
      return { lite, peers };
    };
    try {
      const liar = await startTamperProxy(target, 'cfilter-consistent', { height: payHeight, blockHash: payBlock, filter: hiding });
      proxies.push(liar);
      const liarAddr = `127.0.0.1:${liar.port}`;
      const scan = (lite: LiteNode, warnings: string[] = []) => scanScripts(lite, { scripts: [payScript], from: 0, timeout: 30_000, onWarning: (w) => warnings.push(w) });

      // --- the liar alone: the payment is hidden, and the scan says it could not cross-check --
      {
        const { lite, peers: [p] } = await liteWith('alone', [liarAddr]);
        const warnings: string[] = [];
        const r: ScanResult = await scan(lite, warnings);
        assert.equal(r.transactions, [], 'one consistent liar hides the payment (documented limit)');
        assert.is(r.cross_checked_peers, 1);
        assert.is(r.misbehaving_peers, 0);
        assert.is.not(r.filter_header, tipFilterHeader, 'the liar\'s chain commits to its fake filter');
        assert.is(warnings.length, 1);
        assert.match(warnings[0], /one peer only .* not cross-checked/);
        assert.is(p.banScore, 0);
        assert.ok(liar.tampered >= 2, 'its cfheaders and its cfilter were rewritten');
      }

      // --- the liar next to the honest node: proven wrong at the payment block, banned -------
      {
        const { lite, peers: [p, honest] } = await liteWith('both', [liarAddr, target]); // the liar first: it would be asked first
        const warnings: string[] = [];
        const r = await scan(lite, warnings);
        assert.equal(r.transactions.map((t) => [t.txid, t.category, t.value, t.height]), [[paid, 'receive', '1.50000000', payHeight]]);
        assert.is(r.cross_checked_peers, 2);
        assert.is(r.misbehaving_peers, 1);
        assert.is(r.filter_header, tipFilterHeader);
        assert.equal(warnings, []);
        assert.is(p.banScore, 100, 'ban score 100 for a filter its block proves wrong (ODA-BIP-0004 §10/§11)');
        assert.ok(p.closed);
        assert.ok(lite.discouraged.has(liarAddr));
        assert.is(honest.banScore, 0);
        assert.not.ok(honest.closed);
      }

      // --- a liar the block cannot disprove: a clear error, nobody trusted, nobody banned -----
      {
        const liar2 = await startTamperProxy(target, 'cfilter-consistent', { height: payHeight, blockHash: payBlock, filter: unprovable });
        proxies.push(liar2);
        const { lite, peers: [p, honest] } = await liteWith('unprovable', [target, `127.0.0.1:${liar2.port}`]);
        let err: Error | undefined;
        await scan(lite).catch((e: Error) => { err = e; });
        assert.instance(err, LiteError);
        assert.match(err!.message, new RegExp(`filter headers disagree at height ${payHeight} \\(block ${payBlock}\\) and the block proves none of the filters wrong`));
        assert.match(err!.message, new RegExp(`peer=${p.id} .*peer=${honest.id} `));
        assert.equal([p.banScore, honest.banScore], [0, 0]);
      }

      // --- the program: two -connect peers, the JSON says so and the liar is named in the log ---
      const liteData = join(env.tmpdir, 'lite-cli');
      mkdirSync(liteData);
      const both = await runLite([`-datadir=${liteData}`, `-connect=${liarAddr}`, `-connect=${target}`, '-timeout=30', 'scan', fresh]);
      assert.is(both.code, 0, both.stderr);
      const out = JSON.parse(both.stdout);
      assert.equal([out.cross_checked_peers, out.misbehaving_peers, out.filters_checked, out.to], [2, 1, tipHeight + 1, tipHeight]);
      assert.equal(out.transactions.map((t: { txid: string }) => t.txid), [paid]);
      assert.not.match(both.stderr, /warning/);
      const one = await runLite([`-datadir=${liteData}`, `-connect=${target}`, '-timeout=30', 'scan', fresh]);
      assert.is(one.code, 0, one.stderr);
      assert.is(JSON.parse(one.stdout).cross_checked_peers, 1);
      assert.match(one.stderr, /warning: filter headers from one peer only/);
    } finally {
      for (const l of lites) await l.close();
      for (const p of proxies) await p.close();
    }
  });
});

test.run();
