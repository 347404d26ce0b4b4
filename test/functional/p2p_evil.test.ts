// Hostile peers against a real odad (ODA-BIP-0004 §2, §8.5, §9), after Core's p2p_* tests
// with a P2PInterface: an in-test peer speaking the wire protocol through the real codec
// (p2p/wire) advertises NODE_MODEL_STORE and a model's blobs, hands out the true manifests,
// then answers every getpiece with the piece's bytes one bit off. The node must refuse each
// such piece, drop and punish the peer (loopback: disconnected and its host:port refused for
// the session, not IP-banned — Core's rule, §9), and still get every byte from an honest odad,
// verified against the committed roots, before it connects the block that needs them. Raw
// WebSocket clients sending garbage, a foreign magic, an oversized or over-limit frame or a
// text frame are disconnected; a handshaken peer's score adds up in getpeerinfo's banscore
// (unknown command 10, unsolicited piece 20) until a bad manifest crosses 100; through all of
// it the node keeps answering RPC and serves a fresh odad the chain and the model's data.
// 3 odad nodes, 102 blocks, ~10-20 s on a loaded 2-core machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { runFunctionalTest, syncBlocks, waitUntil, type TestNode } from './framework.js';
import { connectNodes, disconnectNodes, writeTiledDigitsDataset, dialWirePeer, versionMessage } from './p2p-util.js';
import { prepareDigitsModel } from '../../regtest/digits-model.js';
import { main as mainParams, regtest } from '../../chain/params.js';
import { BlobStore } from '../../model-store/store.js';
import { encodeManifest, type MediaType } from '../../model-store/manifest.js';
import { decodeFrame, encodeFrame, MAX_FRAME } from '../../p2p/wire/frame.js';
import { Services, type Message } from '../../p2p/wire/messages.js';

const debugLog = (n: TestNode) => readFileSync(join(n.networkDir, 'debug.log'), 'utf8');


/**
 * A listening peer the node dials (so the node's punishment, keyed by the dialled host:port on
 * loopback, can be observed on reconnection). Holds the real blobs in its own BlobStore and
 * serves true manifests and have-bitfields, but every piece with its first byte flipped.
 */
class CorruptSeeder {
  readonly server: WebSocketServer;
  connections = 0;
  ready = false;
  closed = false;
  readonly pieceRequests: string[] = [];
  corruptPiecesSent = 0;
  /** Frames from the node this peer could not decode or answer (must stay empty). */
  readonly errors: string[] = [];
  private ws?: WebSocket;

  private constructor(private readonly store: BlobStore) {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: MAX_FRAME, perMessageDeflate: false });
    this.server.on('connection', (ws) => this.onConnection(ws));
  }

  static async start(dir: string, files: [string, MediaType][]): Promise<CorruptSeeder> {
    const store = await BlobStore.open(dir);
    for (const [f, t] of files) await store.importFile(f, { mediaType: t, durable: false });
    const s = new CorruptSeeder(store);
    await new Promise<void>((resolve, reject) => { s.server.once('listening', resolve); s.server.once('error', reject); });
    return s;
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }

  private send(m: Message): void { this.ws?.send(encodeFrame(regtest.magic, m), { binary: true }); }

  private onConnection(ws: WebSocket): void {
    this.connections++;
    this.ws = ws;
    ws.on('close', () => { this.closed = true; });
    ws.on('message', (data) => {
      let m: Message;
      try { m = decodeFrame(regtest.magic, data as Buffer); } catch (e) { this.errors.push((e as Error).message); return; }
      this.onMessage(m).catch((e: Error) => { this.errors.push(e.message); });
    });
  }

  private async onMessage(m: Message): Promise<void> {
    switch (m.cmd) {
      case 'version':
        this.send(versionMessage(Services.NODE_WITNESS | Services.NODE_MODEL_STORE));
        this.send({ cmd: 'verack' });
        return;
      case 'verack': this.ready = true; return;
      case 'ping': this.send({ cmd: 'pong', nonce: m.nonce }); return;
      case 'getmanifest': {
        const man = await this.store.getManifest(m.root);
        this.send(man ? { cmd: 'manifest', manifest: encodeManifest(man) } : { cmd: 'nopiece', root: m.root, index: 0xffffffff });
        return;
      }
      case 'getblobhave': {
        const s = await this.store.getStatus(m.root);
        this.send(s ? { cmd: 'blobhave', root: m.root, length: BigInt(s.manifest.length), bitfield: s.have } : { cmd: 'nopiece', root: m.root, index: 0xffffffff });
        return;
      }
      case 'getpiece': {
        this.pieceRequests.push(`${m.root}:${m.index}`);
        const data = Uint8Array.from(await this.store.readPiece(m.root, m.index));
        data[0] ^= 0x01; // right length, one bit wrong: only hashing can tell
        this.corruptPiecesSent++;
        this.send({ cmd: 'piece', root: m.root, index: m.index, data });
        return;
      }
      default: return; // headers, addr, feefilter…: a quiet peer
    }
  }

  async stop(): Promise<void> {
    for (const c of this.server.clients) c.terminate();
    await new Promise<void>((r) => this.server.close(() => r()));
    await this.store.close();
  }
}

/** Opens a raw ws connection to `n`, sends `payload`, resolves with the close code once the node hangs up (fails the test after 15 s). */
async function sendRaw(n: TestNode, payload: Uint8Array | string): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${n.p2pPort}/`, { perMessageDeflate: false });
  ws.on('error', () => undefined); // the node may reset the socket; 'close' still follows
  await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('close', () => reject(new Error('closed before open'))); });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send(payload, { binary: typeof payload !== 'string' });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ws.terminate(); }, 15_000);
  const code = await closed;
  clearTimeout(timer);
  if (timedOut) throw new Error('the node kept a connection that sent a malformed first message');
  return code;
}

/** A frame with a syntactically valid header for a command the protocol does not have. */
function unknownCommandFrame(command: string): Uint8Array {
  const f = new Uint8Array(20);
  new DataView(f.buffer).setUint32(0, regtest.magic, false);
  for (let i = 0; i < command.length; i++) f[4 + i] = command.charCodeAt(i);
  return f;
}


test('corrupt pieces from a seeder: punished, data still arrives from an honest peer; garbage frames disconnected', async () => {
  await runFunctionalTest({ numNodes: 3, extraArgs: [['-debug=net'], [], []] }, async (nodes, env) => {
    const [victim, honest, fresh] = nodes;
    const dir = join(env.tmpdir, 'files');
    mkdirSync(dir);
    const files = await prepareDigitsModel(dir);
    // A dataset of three 1 MiB pieces (the evaluation split ×120), so several piece requests
    // are pipelined to the seeder at once.
    const dataset = join(dir, 'digits-eval-x120.safetensors');
    writeTiledDigitsDataset(dataset, 120);
    const blobFiles: [string, MediaType][] = [[files.architecture, 'onnx'], [files.baseWeights, 'safetensors-weights'], [dataset, 'safetensors-dataset']];

    // The victim follows the honest node to a mature coinbase, then is cut off from it.
    await connectNodes(victim, honest);
    const addr = await honest.getnewaddress();
    await honest.generatetoaddress(101, addr);
    await syncBlocks([victim, honest]);
    await disconnectNodes(victim, honest);

    // The honest node registers the model; the victim knows nothing of it.
    const added = await honest.addmodel(files.architecture, files.baseWeights, dataset, 'accuracy', { name: 'digits-evil' });
    const [modelBlock] = await honest.generatetoaddress(1, addr);
    const roots: string[] = [(await honest.getmodel(added.model_id)).architecture.root, added.weights.root, (await honest.getmodel(added.model_id)).dataset.root];
    for (const r of roots) assert.ok((await honest.getblobinfo(r)).complete);
    assert.equal((await victim.listblobs()).filter((b: any) => roots.includes(b.root)), []);

    // The evil seeder holds the same blobs; the victim dials it (its only peer now).
    const evil = await CorruptSeeder.start(join(env.tmpdir, 'evil-store'), blobFiles);
    try {
      const evilAddr = `127.0.0.1:${evil.port}`;
      await victim.addnode(evilAddr, 'onetry');
      await waitUntil(async () => evil.ready && ((await victim.getpeerinfo()) as any[]).some((p) => p.addr === evilAddr && p.servicesnames.includes('MODEL_STORE')), 30_000, 'victim ↔ evil handshake');
      const evilId = ((await victim.getpeerinfo()) as any[]).find((p) => p.addr === evilAddr).id as number;
      assert.is(await victim.getconnectioncount(), 1);

      // The block arrives without its data (submitblock): the chain parks it and the node
      // fetches the blobs from the one model-store peer it has — the evil seeder.
      const r = await victim.submitblock(await honest.getblock(modelBlock, 0));
      assert.ok(r === null || r === 'inconclusive', `submitblock: ${r}`);
      await waitUntil(() => evil.closed, 30_000, 'the victim drops the evil seeder');
      assert.ok(evil.corruptPiecesSent >= 1, 'the seeder was asked for pieces and sent corrupt ones');
      console.log(`seeder: ${evil.pieceRequests.length} piece request(s) received, ${evil.corruptPiecesSent} corrupt piece(s) sent before the node hung up`);
      assert.equal(evil.errors, []);
      const log = debugLog(victim);
      assert.ok(log.includes(`block ${modelBlock} waits for model data`), 'the chain parked the block');
      assert.match(log, new RegExp(`Misbehaving: peer=${evilId} \\(0 -> 100\\) reason: piece [0-9a-f]{64}:\\d+ does not hash`));
      assert.ok(log.includes(`Punished peer=${evilId} ${evilAddr}`), 'the seeder was punished');
      // No corrupt byte was kept, the block waits, nothing was marked invalid.
      for (const root of roots) {
        const info = await victim.getblobinfo(root);
        assert.is(info.havepieces, 0, `no piece of ${root} stored from the seeder`);
        assert.not.ok(info.complete);
      }
      assert.is(await victim.getblockcount(), 101);
      assert.ok(((await victim.getchaintips()) as any[]).every((t) => t.status !== 'invalid'), 'the parked block is not invalid');
      assert.not.ok(((await victim.getpeerinfo()) as any[]).some((p) => p.addr === evilAddr));
      // Loopback peers are not IP-banned (that would ban every local peer): listbanned stays
      // empty, but the seeder's host:port is refused for the session. The honest dial after it
      // completes its handshake, by which time a dial to the seeder would have been accepted.
      assert.equal(await victim.listbanned(), []);
      await victim.addnode(evilAddr, 'onetry');

      // The honest node joins: the same blobs arrive from it, every piece verified, and the
      // parked block connects.
      await connectNodes(victim, honest);
      assert.is(evil.connections, 1, 'the punished seeder was not dialled again');
      await waitUntil(async () => (await victim.getbestblockhash()) === modelBlock, 60_000, 'the victim connects the model block');
      const fromHonest = ((await victim.getpeerinfo()) as any[]).find((p) => p.addr === `127.0.0.1:${honest.p2pPort}`);
      let total = 0;
      for (const [i, root] of roots.entries()) {
        const info = await victim.getblobinfo(root, true);
        assert.ok(info.complete, `${root} complete on the victim`);
        assert.equal(info.piecelayer, (await honest.getblobinfo(root, true)).piecelayer);
        const v = await victim.verifyblob(root);
        assert.equal([v.ok, v.badpieces, v.missingpieces], [true, [], []]);
        // Byte for byte the file the honest node registered.
        const out = join(env.tmpdir, `victim-${i}.bin`);
        await victim.exportblob(root, out);
        assert.ok(readFileSync(out).equals(readFileSync(blobFiles[i][0])), `${root} exported equals its source file`);
        total += info.length;
      }
      assert.ok(fromHonest.bytesrecv_per_msg.piece >= total, 'the pieces came from the honest node');
      assert.equal(await victim.getmodel(added.model_id), await honest.getmodel(added.model_id));
    } finally {
      await evil.stop();
    }

    // Raw clients: each malformed first message gets the connection closed by the node.
    const badFrames: [string, Uint8Array | string, string][] = [
      ['garbage', Uint8Array.from(randomBytes(7)), 'frame of 7 bytes is shorter than the header'],
      ['foreign magic', encodeFrame(mainParams.magic, versionMessage(0n)), `wrong network magic ${mainParams.magic.toString(16).padStart(8, '0')}`],
      ['over-limit length', (() => { const f = encodeFrame(regtest.magic, { cmd: 'ping', nonce: 1n }); new DataView(f.buffer).setUint32(16, 4_000_000, true); return f; })(), 'ping payload of 4000000 bytes exceeds 8'],
      ['oversized message', new Uint8Array(MAX_FRAME + 1), 'oversized-frame'],
      ['text frame', 'hello', 'text-frame'],
    ];
    for (const [what, payload, logLine] of badFrames) {
      const before = readFileSync(join(victim.networkDir, 'debug.log')).length;
      await sendRaw(victim, payload);
      await waitUntil(() => readFileSync(join(victim.networkDir, 'debug.log')).subarray(before).toString().includes(logLine), 30_000, `${what}: "${logLine}" in debug.log`);
    }
    // Scores add up per peer and show in getpeerinfo's banscore: an unknown command is 10, a
    // piece nobody asked for 20, an undecodable manifest 100 — the last crosses the threshold.
    const ua = '/scored-peer:0.0.1/';
    const scored = await dialWirePeer(victim, ua);
    const scoreOf = async () => ((await victim.getpeerinfo()) as any[]).find((p) => p.subver === ua)?.banscore as number | undefined;
    scored.send(unknownCommandFrame('reject'));
    await waitUntil(async () => (await scoreOf()) === 10, 30_000, 'banscore 10 after an unknown command');
    scored.send({ cmd: 'piece', root: 'ee'.repeat(32), index: 0, data: new Uint8Array(16) });
    await waitUntil(async () => (await scoreOf()) === 30, 30_000, 'banscore 30 after an unsolicited piece');
    scored.send({ cmd: 'manifest', manifest: Uint8Array.of(1, 2, 3) });
    await waitUntil(() => scored.ws.readyState === WebSocket.CLOSED, 30_000, 'the node hangs up on the scored peer');
    await waitUntil(async () => (await scoreOf()) === undefined, 30_000, 'the scored peer is gone');
    assert.match(debugLog(victim), /Misbehaving: peer=\d+ \(30 -> 130\) reason: bad manifest/);

    // The node still answers and serves: a fresh node syncs from it alone, blobs included.
    assert.is(await victim.getblockcount(), 102);
    await connectNodes(fresh, victim);
    await syncBlocks([victim, fresh], 60_000);
    assert.equal(await fresh.getmodel(added.model_id), await victim.getmodel(added.model_id));
    for (const root of roots) assert.ok((await fresh.getblobinfo(root)).complete);
  });
});

test.run();
