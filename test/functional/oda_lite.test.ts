// The lite node against a real odad (ODA-BIP-0007 "Lite node"): odad mines past the registry
// commitment's activation (regtest 200), registers the digits model and records an inference.
// An oda-lite process syncs the headers, proves the model's current version, downloads and
// verifies its blobs and runs the model locally: the output equals the chain's inference.
// Then, in process, a lite node behind a proxy that corrupts one proof, and one behind a proxy
// that corrupts one piece: each lie is refused with a clear error, the liar gets ban score 100
// and is dropped (ODA-BIP-0004 §9/§8), and the same lite node goes on to succeed with the
// honest node. 1 odad, ~210 blocks; ~30-60 s on a loaded 2-core box.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFunctionalTest, within } from './framework.js';
import { startTamperProxy } from './tamper-proxy.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';
import { LiteNode, LiteError } from '../../lite/node.js';
import { regtest } from '../../chain/params.js';
import { FileLogger } from '../../util/logger.js';
import { scanScripts } from '../../lite/scan.js';
import { addressToScript } from '../../chain/address.js';

const LITE = new URL('../../bin/oda-lite.js', import.meta.url).pathname;
const CLI = new URL('../../bin/oda-cli.js', import.meta.url).pathname;

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function runLite(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [LITE, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('oda-lite syncs headers, proves, downloads and runs a model; a forged proof and a bad piece are refused', async () => {
  await runFunctionalTest({ numNodes: 1 }, async ([a], env) => {
    mkdirSync(join(env.tmpdir, 'files'));
    const files = await prepareDigitsModel(join(env.tmpdir, 'files'));
    const addr = await a.getnewaddress();
    await a.generatetoaddress(101, addr);
    const arch = await a.importblob(files.architecture, 'onnx');
    const weights = await a.importblob(files.baseWeights, 'safetensors-weights');
    const dataset = await a.importblob(files.dataset, 'safetensors-dataset');
    const added = await a.addmodel(arch.root, weights.root, dataset.root, 'accuracy', { name: 'digits-lite' });
    await a.generatetoaddress(100, addr); // past height 200: the registry commitment is active
    const inf = await a.infer(added.model_id, files.samples[0].hex);
    await a.generatetoaddress(1, addr);
    const height = await a.getblockcount();
    assert.ok(height > regtest.activation.registryCommitment);
    let best = await a.getbestblockhash();
    const target = `127.0.0.1:${a.p2pPort}`;
    const liteData = join(env.tmpdir, 'lite');
    mkdirSync(liteData);

    // --- the oda-lite program: sync, fetch, infer -----------------------------------------
    const sync = await runLite([`-datadir=${liteData}`, `-connect=${target}`, 'sync']);
    assert.is(sync.code, 0, sync.stderr);
    const st = JSON.parse(sync.stdout);
    assert.equal([st.headers, st.bestblockhash], [height, best]);
    assert.ok(existsSync(join(liteData, 'regtest', 'lite', 'headers.dat')));
    assert.not.ok(existsSync(join(liteData, 'regtest', 'blocks')), 'no block bodies');

    const out = join(env.tmpdir, 'model');
    const fetched = await runLite([`-datadir=${liteData}`, `-connect=${target}`, 'fetch', added.model_id, '--out', out]);
    assert.is(fetched.code, 0, fetched.stderr);
    const prov = JSON.parse(fetched.stdout);
    const model = await a.getmodel(added.model_id);
    assert.is(prov.block.hash, best);
    assert.is(prov.block.height, height);
    assert.is(prov.version, model.version);
    assert.is(prov.weights.root, weights.root);
    assert.is(prov.trainer, model.trainer);
    assert.equal(prov, JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8')));
    assert.match(fetched.stderr, /proof verified against block/);
    assert.match(fetched.stderr, /weights: 1\/1 pieces \(100\.0%\)/);
    assert.ok(readFileSync(join(out, 'weights.safetensors')).equals(readFileSync(files.baseWeights)));
    assert.ok(readFileSync(join(out, 'architecture.onnx')).equals(readFileSync(files.architecture)));

    const ran = await runLite(['infer', out, '--input', files.samples[0].hex]);
    assert.is(ran.code, 0, ran.stderr);
    const local = JSON.parse(ran.stdout);
    const chainInf = await a.getinference(inf.txid);
    assert.equal(local.output, chainInf.output, 'the lite node computes the output the chain recorded');
    assert.is(local.provenance.block.hash, best);

    // --- oda-lite serve: the same through JSON-RPC, called with oda-cli -------------------------
    const daemon = spawn(process.execPath, [LITE, `-datadir=${liteData}`, `-connect=${target}`, '-rpcport=0', 'serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Listen for the exit now: the daemon may be gone before `stop`'s oda-cli process has
    // even closed, and an 'exit' listener added after that would wait forever.
    const exited = new Promise<number | null>((r) => daemon.once('exit', (code) => r(code)));
    let daemonErr = '';
    daemon.stderr!.on('data', (d) => { daemonErr += d; }); // drained, so a chatty daemon never blocks on a full pipe
    try {
      let line = '';
      while (!line.includes('\n')) {
        const [chunk] = await Promise.race([once(daemon.stdout!, 'data'), exited.then(() => { throw new Error(`oda-lite serve exited: ${daemonErr}`); })]) as [Buffer];
        line += chunk.toString();
      }
      const { rpcport } = JSON.parse(line.split('\n')[0]);
      const cli = (...a: string[]) => run(CLI, [`-datadir=${liteData}`, `-rpcport=${rpcport}`, '-rpccookiefile=lite/.cookie', ...a]);
      const bb = await cli('getbestblockhash');
      assert.is(bb.code, 0, bb.stderr);
      assert.is(bb.stdout.trim(), best);
      const hdr = JSON.parse((await cli('getblockheader', best)).stdout);
      assert.equal([hdr.height, hdr.merkleroot], [height, (await a.getblockheader(best)).merkleroot]);
      const rp = await cli('getmodelproof', added.model_id);
      assert.is(rp.code, 0, rp.stderr);
      const proof = JSON.parse(rp.stdout);
      assert.equal([proof.verified, proof.block.hash, proof.weights.root], [true, best, weights.root]);
      const missing = await cli('getmodelproof', 'ab'.repeat(32));
      assert.is(missing.code, 1);
      assert.match(missing.stderr, /no verified proof/);
      // It keeps syncing: a new block on the full node reaches the lite node's RPC.
      const [next] = await a.generatetoaddress(1, addr);
      for (let i = 0; i < 200 && (await cli('getbestblockhash')).stdout.trim() !== next; i++) await new Promise((r) => setTimeout(r, 100));
      assert.is((await cli('getbestblockhash')).stdout.trim(), next);
      best = next;
      assert.is((await cli('stop')).code, 0);
      const code = await within(exited, 30_000, 'oda-lite serve exits after stop');
      assert.is(code, 0, `oda-lite serve did not exit cleanly after stop: ${daemonErr}`);
    } finally {
      if (daemon.exitCode === null) daemon.kill();
    }
    assert.not.ok(existsSync(join(liteData, 'regtest', 'lite', '.cookie')), 'cookie removed on stop');

    // Bad input to the program: a clear error and exit code, nothing written.
    const unknown = await runLite([`-datadir=${liteData}`, `-connect=${target}`, 'fetch', 'ab'.repeat(32), '--out', join(env.tmpdir, 'none')]);
    assert.is(unknown.code, 1);
    assert.match(unknown.stderr, /no verified proof of model abab/);
    assert.not.ok(existsSync(join(env.tmpdir, 'none')));
    const usage = await runLite(['fetch', 'xyz']);
    assert.is(usage.code, 2);
    assert.match(usage.stderr, /model_id must be 64 hex/);
    const proto = await runLite([`-datadir=${join(env.tmpdir, 'proto')}`, '-chain=constructor', 'status']);
    assert.is(proto.code, 2);
    assert.match(proto.stderr, /unknown chain 'constructor'/);
    assert.not.ok(existsSync(join(env.tmpdir, 'proto')), 'nothing created for an unknown chain');
    mkdirSync(join(env.tmpdir, 'notfetched'));
    writeFileSync(join(env.tmpdir, 'notfetched', 'provenance.json'), '{}');
    const foreign = await runLite(['infer', join(env.tmpdir, 'notfetched'), '--input', files.samples[0].hex]);
    assert.is(foreign.code, 1);
    assert.match(foreign.stderr, /not a provenance file written by oda-lite fetch \(missing or malformed: model_id, architecture, weights, files\)/);

    // --- in process: a forged proof ---------------------------------------------------------
    const logger = new FileLogger(join(env.tmpdir, 'lite-inproc.log'), false);
    const proofProxy = await startTamperProxy(target, 'modproof');
    const lite = await LiteNode.open({ params: regtest, dir: join(env.tmpdir, 'lite2'), logger });
    try {
      const liar = await lite.connect(`127.0.0.1:${proofProxy.port}`);
      await lite.syncHeaders(30_000);
      assert.is(lite.chain.tip.hash, best);
      let err: Error | undefined;
      await lite.proveModel(added.model_id).catch((e: Error) => { err = e; });
      assert.instance(err, LiteError);
      assert.match(err!.message, /forged or malformed proof/);
      assert.is(proofProxy.tampered, 1);
      assert.is(liar.banScore, 100, 'score 100 for a proof that does not verify (ODA-BIP-0004 §9)');
      assert.ok(liar.closed);
      assert.ok(lite.discouraged.has(`127.0.0.1:${proofProxy.port}`));
      await lite.connect(`127.0.0.1:${proofProxy.port}`).then(() => assert.unreachable('redialled a liar'), (e: Error) => assert.match(e.message, /misbehaved earlier/));
      // Still running: the honest node's proof verifies.
      const honest = await lite.connect(target);
      const ok = await lite.proveModel(added.model_id);
      assert.is(ok.verified.model.currentWeights.root, weights.root);
      assert.is(ok.entry.hash, best);
      // Concurrent questions to one peer (as oda-lite serve asks them) each get their own answer.
      const [cur, v0, none] = await within(Promise.all([
        lite.proveModel(added.model_id), lite.proveModel(added.model_id, 0), lite.proveModel('ab'.repeat(32)).catch((e: Error) => e),
      ]), 60_000, 'three concurrent proofs');
      assert.is(cur.verified.model.modelId, added.model_id);
      assert.is(v0.verified.version?.version, 0);
      assert.instance(none, LiteError);
      assert.is(honest.banScore, 0, 'the honest peer is not blamed for answers crossing');
    } finally {
      await lite.close();
      await proofProxy.close();
    }

    // --- in process: a tampered piece -----------------------------------------------------------
    const pieceProxy = await startTamperProxy(target, 'piece');
    const lite3 = await LiteNode.open({ params: regtest, dir: join(env.tmpdir, 'lite3'), logger });
    try {
      const liar = await lite3.connect(`127.0.0.1:${pieceProxy.port}`);
      const refused = new Promise<string>((r) => lite3.once('misbehaving', (_p, reason: string) => r(reason)));
      const download = lite3.fetchBlob(weights.root, { timeout: 60_000 });
      const reason = await within(refused, 60_000, 'the tampered piece is refused');
      assert.match(reason, /does not hash/);
      assert.is(liar.banScore, 100);
      assert.not.ok((await lite3.store.getStatus(weights.root))?.complete, 'nothing stored from the bad piece');
      // Still running: the download goes on with the honest node.
      await lite3.connect(target);
      const man = await download;
      assert.is(man.root, weights.root);
      assert.equal((await lite3.store.verify(weights.root)).ok, true);
    } finally {
      await lite3.close();
      await pieceProxy.close();
    }

    // --- oda-lite scan: a payment to a fresh address, found through compact filters ---------
    const fresh = await a.getnewaddress();
    const paid: string = await a.sendtoaddress(fresh, 1.5);
    await a.generatetoaddress(2, addr);
    const payHeight: number = (await a.gettransaction(paid)).blockheight;
    const tipNow = await a.getblockcount();
    const from = tipNow - 20;
    const scan = await runLite([`-datadir=${liteData}`, `-connect=${target}`, '-timeout=30', 'scan', fresh, '--from', String(from)]);
    assert.is(scan.code, 0, scan.stderr);
    const found = JSON.parse(scan.stdout);
    assert.equal([found.from, found.to, found.filters_checked], [from, tipNow, tipNow - from + 1]);
    assert.equal(found.transactions.map((t: { txid: string; category: string; value: string; height: number }) => [t.txid, t.category, t.value, t.height]), [[paid, 'receive', '1.50000000', payHeight]]);
    assert.is(found.blocks_downloaded, 1, 'only the block with the payment is downloaded');
    assert.is(found.false_positives, 0);
    const none = await runLite([`-datadir=${liteData}`, `-connect=${target}`, '-timeout=30', 'scan', '0014' + '11'.repeat(20), '--from', String(from)]);
    assert.is(none.code, 0, none.stderr);
    assert.equal([JSON.parse(none.stdout).blocks_downloaded, JSON.parse(none.stdout).transactions], [0, []]);
    // A peer serving a filter that does not hash to its own filter header chain: ban score 100,
    // and the same scan succeeds with the honest node.
    const filterProxy = await startTamperProxy(target, 'cfilter');
    const lite4 = await LiteNode.open({ params: regtest, dir: join(env.tmpdir, 'lite4'), logger });
    try {
      const liar = await lite4.connect(`127.0.0.1:${filterProxy.port}`);
      await lite4.syncHeaders(30_000);
      const script = addressToScript(fresh, regtest);
      let err: Error | undefined;
      await scanScripts(lite4, { scripts: [script], from, timeout: 30_000 }).catch((e: Error) => { err = e; });
      assert.instance(err, LiteError);
      assert.match(err!.message, /does not hash to its cfheaders entry/);
      assert.is(liar.banScore, 100);
      await lite4.connect(target);
      const ok = await scanScripts(lite4, { scripts: [script], from, timeout: 30_000 });
      assert.equal(ok.transactions.map((t) => t.txid), [paid]);
    } finally {
      await lite4.close();
      await filterProxy.close();
    }
    const badScan = await runLite([`-datadir=${liteData}`, `-connect=${target}`, '-timeout=30', 'scan', 'notanaddress']);
    assert.is(badScan.code, 2);
    assert.match(badScan.stderr, /neither an address/);
  });
});

// ODA-BIP-0006 on the wire: past the activation odad serves 113-byte headers. oda-lite given the
// node's -testactivationheight follows them (checking the skip-penalised PoW); one without it
// refuses the first extended header (bad-storage-header), keeps the ones before it and drops
// the peer. Each oda-lite run is bounded by -timeout and by execFile's own timeout.
test('oda-lite follows a chain with ODA-BIP-0006 storage headers (-testactivationheight)', async () => {
  const ACTIVATION = 5;
  const args = [`-testactivationheight=storageproofs@${ACTIVATION}`];
  await runFunctionalTest({ numNodes: 1, extraArgs: [args] }, async ([a], env) => {
    await a.generatetoaddress(ACTIVATION + 5, await a.getnewaddress());
    const best = await a.getbestblockhash();
    assert.is((await a.getblockheader(best, false) as string).length, 113 * 2, 'odad serves extended headers');
    const target = `127.0.0.1:${a.p2pPort}`;
    const bounded = (argv: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [LITE, ...argv], { maxBuffer: 16 << 20, timeout: 90_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
    const follows = await bounded([`-datadir=${join(env.tmpdir, 'lite-a')}`, `-connect=${target}`, '-timeout=30', ...args, 'sync']);
    assert.is(follows.code, 0, follows.stderr);
    assert.equal([JSON.parse(follows.stdout).headers, JSON.parse(follows.stdout).bestblockhash], [ACTIVATION + 5, best]);
    // Reopened from headers.dat (re-validated with the same heights): same tip, no network.
    const again = await bounded([`-datadir=${join(env.tmpdir, 'lite-a')}`, ...args, 'status']);
    assert.is(again.code, 0, again.stderr);
    assert.is(JSON.parse(again.stdout).bestblockhash, best);

    const blind = await bounded([`-datadir=${join(env.tmpdir, 'lite-b')}`, `-connect=${target}`, '-timeout=30', 'sync']);
    assert.is(blind.code, 1, blind.stdout);
    assert.match(blind.stderr, /disconnected/);
    const kept = await bounded([`-datadir=${join(env.tmpdir, 'lite-b')}`, 'status']);
    assert.is(JSON.parse(kept.stdout).headers, ACTIVATION - 1, 'the headers before activation are kept');
    assert.match(readFileSync(join(env.tmpdir, 'lite-b', 'regtest', 'lite', 'debug.log'), 'utf8'), /bad-storage-header/);

    const wrongNet = await bounded([`-datadir=${join(env.tmpdir, 'lite-c')}`, '-chain=main', ...args, 'status']);
    assert.is(wrongNet.code, 2);
    assert.match(wrongNet.stderr, /only allowed on regtest/);
  });
});

test.run();
