// The lite node follows a private model (ODA-BIP-0007b, ODA-BIP-0007 "Lite node"): odad mines
// past height 200 (registry commitment and private models active) and registers the digits
// model encrypted, owned 2-of-3 by three of its wallet's keys. An owner wraps the content key
// for a device key (wrapkey); oda-lite fetches v0, keeps it encrypted without a key (infer
// says a key is needed), decrypts it with the wrapped key and runs it. The owners approve v1
// (other weights: the answer changes) and the lite node fetches v1; they roll back to v0 and
// the lite node fetches v0 again. A wrong key is refused with nothing written; a proof from
// before the rollback (stale) and a forged one are refused. 1 odad, ~205 blocks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ecc from 'tiny-secp256k1';
import { runFunctionalTest } from './framework.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';
import { encryptBytes, generateKey } from '../../model-store/encryption.js';
import { LiteNode } from '../../lite/node.js';
import { verifyPeerProof, ProofRefused } from '../../lite/proof.js';
import { NO_VERSION } from '../../p2p/wire/messages.js';
import { regtest } from '../../chain/params.js';
import { FileLogger } from '../../util/logger.js';

const LITE = new URL('../../bin/oda-lite.js', import.meta.url).pathname;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function runLite(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [LITE, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('oda-lite follows a private model: decrypt with a wrapped key, approve v1, roll back to v0; wrong key, stale and forged proofs refused', async () => {
  await runFunctionalTest({ numNodes: 1 }, async ([a], env) => {
    const files = join(env.tmpdir, 'files');
    mkdirSync(files);
    const digits = await prepareDigitsModel(files);
    // A row the two weight sets answer differently: the output shows which version ran.
    const sample = digits.samples.find((s) => s.base !== s.improved);
    assert.ok(sample, 'a sample the versions disagree on');
    const key = generateKey();
    const enc = async (src: string, name: string) => {
      const path = join(files, name);
      writeFileSync(path, await encryptBytes(new Uint8Array(readFileSync(src)), key));
      return path;
    };
    const archEnc = await enc(digits.architecture, 'arch.enc');
    const w0Enc = await enc(digits.baseWeights, 'w0.enc');
    const w1Enc = await enc(digits.improvedWeights, 'w1.enc');

    const addr = await a.getnewaddress();
    await a.generatetoaddress(regtest.activation.privateModels - 1, addr); // the add-model is mined at 200
    const owners = [await a.getnewaddress(), await a.getnewaddress(), await a.getnewaddress()];
    const added = await a.addmodel(archEnc, w0Enc, null, null, { name: 'digits-private', private: { owners, threshold: 2 } });
    await a.generatetoaddress(1, addr);
    assert.is((await a.getmodel(added.model_id)).private, true);
    const target = `127.0.0.1:${a.p2pPort}`;
    const liteData = join(env.tmpdir, 'lite');
    const lite = (args: string[]) => runLite([`-datadir=${liteData}`, `-connect=${target}`, ...args]);

    // The device: its own key pair; an owner wraps the content key for it (architecture root).
    const devicePriv = new Uint8Array(32).fill(0x07);
    const deviceKeyFile = join(env.tmpdir, 'device.key');
    writeFileSync(deviceKeyFile, hex(devicePriv) + '\n', { mode: 0o600 });
    const wrapped = await a.wrapkey(hex(key), hex(ecc.pointFromScalar(devicePriv, true)!), added.architecture.root);

    // --- without a key: verified ciphertext kept, infer asks for a key ----------------------
    const encDir = join(env.tmpdir, 'enc');
    const plain = await lite(['fetch', added.model_id, '--out', encDir]);
    assert.is(plain.code, 0, plain.stderr);
    let prov = JSON.parse(plain.stdout);
    assert.equal([prov.version, prov.private.decrypted, prov.private.threshold, prov.private.owners.length], [0, false, 2, 3]);
    assert.match(plain.stderr, /kept encrypted/);
    assert.equal(readdirSync(encDir).sort(), ['architecture.onnx.enc', 'provenance.json', 'weights.safetensors.enc']);
    assert.ok(readFileSync(join(encDir, 'weights.safetensors.enc')).equals(readFileSync(w0Enc)));
    const noKey = await runLite(['infer', encDir, '--input', sample.hex]);
    assert.is(noKey.code, 1);
    assert.match(noKey.stderr, /private and the files .* are encrypted: a key is needed/);

    // --- v0 with the wrapped key (into the same directory: the ciphertext files go) -----------
    const out = encDir;
    const withWrapped = ['--wrapped', wrapped.wrapped, '--devicekey', deviceKeyFile];
    const v0 = await lite(['fetch', added.model_id, '--out', out, ...withWrapped]);
    assert.is(v0.code, 0, v0.stderr);
    prov = JSON.parse(v0.stdout);
    assert.equal([prov.version, prov.current_version, prov.weights.root], [0, 0, added.weights.root]);
    assert.equal(prov.private, { owners: prov.private.owners, threshold: 2, approvals: 0, versions: 1, approved_version: 0, decrypted: true, key_wrapped_for: added.architecture.root });
    assert.match(prov.verification, /owner-approved, not scored/);
    assert.match(v0.stderr, /proof verified against block .*: current version 0, owner-approved/);
    assert.ok(readFileSync(join(out, 'weights.safetensors')).equals(readFileSync(digits.baseWeights)), 'decrypted to the plaintext weights');
    assert.equal(readdirSync(out).sort(), ['architecture.onnx', 'provenance.json', 'weights.safetensors']);
    const run0 = await runLite(['infer', out, '--input', sample.hex]);
    assert.is(run0.code, 0, run0.stderr);
    const out0 = JSON.parse(run0.stdout);
    assert.equal(out0.argmax, [sample.base]);
    assert.match(out0.provenance.verification, /owner-approved/);
    assert.is(out0.provenance.private.approved_version, 0);

    // --- a wrong key: a clear error, nothing written ----------------------------------------
    const badDir = join(env.tmpdir, 'bad');
    const wrong = await lite(['fetch', added.model_id, '--out', badDir, '--key', hex(generateKey())]);
    assert.is(wrong.code, 1);
    assert.match(wrong.stderr, /does not decrypt: wrong decryption key/);
    assert.not.ok(existsSync(badDir), 'nothing written for a wrong key');
    const noDeviceKey = await lite(['fetch', added.model_id, '--out', badDir, '--wrapped', wrapped.wrapped, '--devicekey', join(env.tmpdir, 'none.key')]);
    assert.is(noDeviceKey.code, 2);
    assert.match(noDeviceKey.stderr, /device key file .* not found/);
    const strangerKey = join(env.tmpdir, 'stranger.key');
    writeFileSync(strangerKey, '11'.repeat(32));
    const stranger = await lite(['fetch', added.model_id, '--out', badDir, '--wrapped', wrapped.wrapped, '--devicekey', strangerKey]);
    assert.is(stranger.code, 1);
    assert.match(stranger.stderr, /wrapped key does not open with this device key/);
    assert.not.ok(existsSync(badDir));

    // --- the owners approve v1: the lite node follows -----------------------------------------
    const before = await a.getmodelproof(added.model_id); // v0 current: stale after the next moves
    const approved = await a.approvemodelversion(added.model_id, w1Enc, { version_label: 'v1' });
    assert.is(approved.complete, true);
    await a.generatetoaddress(1, addr);
    const keyFile = join(env.tmpdir, 'content.key');
    writeFileSync(keyFile, hex(key) + '\n', { mode: 0o600 });
    const v1 = await lite(['fetch', added.model_id, '--out', out, '--keyfile', keyFile]);
    assert.is(v1.code, 0, v1.stderr);
    prov = JSON.parse(v1.stdout);
    assert.equal([prov.version, prov.private.approved_version, prov.private.approvals, prov.private.versions], [1, 1, 1, 2]);
    assert.is(prov.weights.root, approved.weights.root);
    assert.not.equal(prov.weights.root, added.weights.root);
    const run1 = JSON.parse((await runLite(['infer', out, '--input', sample.hex])).stdout);
    assert.equal(run1.argmax, [sample.improved], 'v1 answers differently');
    assert.not.equal(run1.output, out0.output);

    // --- they roll back to v0: the lite node follows (the same wrapped key still opens) -----
    const rb = await a.rollbackmodel(added.model_id, 0);
    assert.is(rb.complete, true);
    await a.generatetoaddress(1, addr);
    const back = await lite(['fetch', added.model_id, '--out', out, ...withWrapped]);
    assert.is(back.code, 0, back.stderr);
    prov = JSON.parse(back.stdout);
    assert.equal([prov.version, prov.current_version, prov.private.approvals, prov.private.versions], [0, 0, 2, 2]);
    assert.is(prov.weights.root, added.weights.root);
    const runBack = JSON.parse((await runLite(['infer', out, '--input', sample.hex])).stdout);
    assert.equal(runBack.output, out0.output, 'v0 again, the same output');
    const proved = await lite(['prove', added.model_id]);
    assert.is(proved.code, 0, proved.stderr);
    assert.equal([JSON.parse(proved.stdout).version, JSON.parse(proved.stdout).private.approvals], [0, 2]);

    // --- in process: a proof from before the approval (stale) and a forged one ---------------
    const node = await LiteNode.open({ params: regtest, dir: join(env.tmpdir, 'lite2'), logger: new FileLogger(join(env.tmpdir, 'lite2.log'), false) });
    try {
      await node.connect(target);
      await node.syncHeaders(30_000);
      const msg = (r: { header: string; proof: string; block: { height: number } }) => ({
        cmd: 'modproof' as const, modelId: added.model_id, version: NO_VERSION, height: r.block.height,
        header: new Uint8Array(Buffer.from(r.header, 'hex')), proof: new Uint8Array(Buffer.from(r.proof, 'hex')),
      });
      const refused = (m: ReturnType<typeof msg>) => {
        try {
          verifyPeerProof(node.chain, m, added.model_id, undefined);
        } catch (e) {
          if (e instanceof ProofRefused) return e;
          throw e;
        }
        return assert.unreachable('proof accepted') as never;
      };
      const stale = refused(msg(before));
      assert.match(stale.message, /stale proof/);
      assert.is(stale.score, 0);
      const now = msg(await a.getmodelproof(added.model_id));
      assert.is(verifyPeerProof(node.chain, now, added.model_id, undefined).verified.model.currentVersion, 0);
      now.proof[now.proof.length - 1] ^= 1;
      const forged = refused(now);
      assert.match(forged.message, /forged or malformed proof/);
      assert.is(forged.score, 100);
    } finally {
      await node.close();
    }
  });
});

test.run();
