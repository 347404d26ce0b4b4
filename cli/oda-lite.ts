// oda-lite: the lite node (ODA-BIP-0007 "Lite node"), a program of its own rather than an
// odad mode: it links no mempool, wallet, UTXO set or block store (only `serve` runs a small
// RPC server of its own, lite/rpc.ts), so what a device must trust is the header rules and the proof/piece checks, nothing else. It keeps
// validated headers in <datadir>/<network>/lite/headers.dat and verified blobs in
// <datadir>/<network>/lite/models/, and talks to full nodes over P2P only (-connect).
// Exit codes: 0 success, 1 an error (printed as "error: …" on stderr), 2 usage.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { networks, withTestActivationHeights, type NetworkName, type NetworkParams } from '../chain/params.js';
import { FileLogger } from '../util/logger.js';
import { RpcError } from '../rpc/errors.js';
import { LiteNode, LiteError } from '../lite/node.js';
import { fetchModel, type BlobKind } from '../lite/fetch.js';
import { inferLocal } from '../lite/infer.js';
import { provenanceJson } from '../oda/proof-json.js';
import type { DownloadProgress } from '../p2p/blobs.js';
import { keyFromHex, readKeyFile, wrappedFromHex, type ContentKeySource } from '../lite/content-key.js';
import { privateProvenance, VERIFICATION } from '../lite/fetch.js';
import { RpcServer } from '../rpc/server.js';
import { headerStatus, liteMethods, type LiteRpcContext } from '../lite/rpc.js';
import { parseHostPort } from '../p2p/pool.js';
import { scanScripts } from '../lite/scan.js';
import { addressToScript, isValidAddress } from '../chain/address.js';

export const USAGE = `Usage: oda-lite [options] <command> [args]

Commands:
  sync                                       sync headers from the -connect peers, print the header status
  status                                     print the stored header status (no network)
  prove <model_id> [--version N]             ask peers for a model proof, verify it, print the provenance
  fetch <model_id> [--version N] [--dataset] --out DIR [key]
                                             prove the current (or given) version, download its blobs
                                             piece by piece (each verified), write them and provenance.json to DIR;
                                             a private model (ODA-BIP-0007b) is decrypted with [key], else kept
                                             encrypted (*.enc)
  infer DIR --input <hex|file|[[rows]]>      run the fetched model locally (exact-class engine); no network
  scan <address|script hex> [--from H]       find the transactions paying or spending the address (or output
                                             script): BIP 157 filter headers and filters from the peers, checked,
                                             matched locally; only matching blocks are downloaded, each checked
                                             against its header (merkle root); the filter headers of up to 4
                                             peers are cross-checked (a peer the block proves wrong is banned).
                                             Prints txid, height, value
  serve                                      (or daemon) keep running: sync headers from the -connect peers as
                                             they announce blocks, and answer JSON-RPC on 127.0.0.1:-rpcport
                                             (cookie <datadir>/<network>/lite/.cookie; oda-cli -rpcport=N
                                             -rpccookiefile=lite/.cookie). Methods: getblockchaininfo,
                                             getbestblockhash, getblockcount, getblockheader, getmodelproof,
                                             fetchmodel, stop, help. Prints {"rpcport", "cookiefile"} once listening

Key of a private model ([key], one of):
  --key <hex>                                the 32-byte content key
  --keyfile <file>                           a file holding it (oda-store keygen)
  --wrapped <hex> --devicekey <file>         a key an owner wrapped for this device (wrapkey, for the
                                             model's architecture root), opened with the device's
                                             secp256k1 private key (file: 64 hex characters)

Options:
  -datadir=<dir>        data dir (default ~/.oda); the lite node uses <datadir>/<network>/lite/
  -chain=<chain>        regtest (default) or main; -regtest is the same as -chain=regtest
  -connect=<host:port>  full node to sync from (repeat for several)
  -timeout=<seconds>    give up a sync, proof or download after this long (default 120)
  -rpcport=<port>       serve: JSON-RPC port (default: the network's RPC port + 10, regtest 28453; 0 = any free port)
  -testactivationheight=<name@height>
                        regtest only: move a rule's activation height as odad's option of that name does
                        (segwit, bip34, dersig, cltv, csv, costawaredifficulty, storageproofs,
                        registrycommitment, privatemodels); give the same ones as the node you follow
  -printtoconsole       echo the log (also in <datadir>/<network>/lite/debug.log) to stdout`;

export class UsageError extends Error {}

interface Parsed { opts: Map<string, string[]>; args: string[] }

/** -name=value / --name=value / --name value (for the value options below) / -flag. */
function parseArgs(argv: string[]): Parsed {
  const VALUE = new Set(['version', 'out', 'input', 'datadir', 'connect', 'timeout', 'chain', 'key', 'keyfile', 'wrapped', 'devicekey', 'rpcport', 'from', 'testactivationheight']);
  const opts = new Map<string, string[]>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([a-z]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m) { args.push(argv[i]); continue; }
    let v = m[2];
    if (v === undefined && VALUE.has(m[1]) && argv[i].startsWith('--')) {
      if (i + 1 >= argv.length) throw new UsageError(`--${m[1]} needs a value`);
      v = argv[++i];
    }
    const list = opts.get(m[1]) ?? [];
    list.push(v ?? '');
    opts.set(m[1], list);
  }
  return { opts, args };
}

const one = (p: Parsed, name: string) => p.opts.get(name)?.at(-1);

function parseVersion(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0xfffffffe) throw new UsageError(`--version must be an integer in [0, 4294967294], got '${v}'`);
  return Number(v);
}

function parseModelId(v: string | undefined): string {
  if (!v || !/^[0-9a-fA-F]{64}$/.test(v)) throw new UsageError(`model_id must be 64 hex characters, got '${v ?? ''}'`);
  return v.toLowerCase();
}

/** The [key] options: none, or exactly one way to give a private model's content key. */
function parseKey(p: Parsed): ContentKeySource | undefined {
  const key = one(p, 'key'), keyfile = one(p, 'keyfile'), wrapped = one(p, 'wrapped'), device = one(p, 'devicekey');
  const given = [key, keyfile, wrapped].filter((x) => x !== undefined).length;
  if (given > 1) throw new UsageError('give one of --key, --keyfile, --wrapped');
  if ((wrapped === undefined) !== (device === undefined)) throw new UsageError('--wrapped and --devicekey go together');
  try {
    if (key !== undefined) return { kind: 'key', key: keyFromHex(key) };
    if (keyfile !== undefined) return { kind: 'key', key: readKeyFile(keyfile, 'key file') };
    if (wrapped !== undefined) return { kind: 'wrapped', wrapped: wrappedFromHex(wrapped), devicePriv: readKeyFile(device!, 'device key file') };
  } catch (e) {
    if (e instanceof LiteError) throw new UsageError(e.message);
    throw e;
  }
  return undefined;
}

export interface LiteIo { out: (s: string) => void; err: (s: string) => void }

function progressLine(kind: BlobKind, p: DownloadProgress): string {
  const pct = p.pieces ? ((p.piecesHave / p.pieces) * 100).toFixed(1) : '0.0';
  const kib = (p.length / 1024).toFixed(1);
  return `${kind}: ${p.pieces ? `${p.piecesHave}/${p.pieces} pieces` : 'waiting for a manifest'} (${pct}%) of ${kib} KiB, ${p.root.slice(0, 16)}…, each piece verified`;
}

async function withNode<T>(p: Parsed, io: LiteIo, fn: (node: LiteNode, timeoutMs: number) => Promise<T>): Promise<T> {
  const chainName = (one(p, 'chain') ?? 'regtest') as NetworkName;
  if (!Object.hasOwn(networks, chainName)) throw new UsageError(`unknown chain '${chainName}' (regtest or main)`);
  let params: NetworkParams;
  try {
    // odad's parser and names (chain/params.ts), so a lite node follows a node run with them.
    params = withTestActivationHeights(networks[chainName], p.opts.get('testactivationheight') ?? []);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const datadir = resolve(one(p, 'datadir') || join(homedir(), '.oda'));
  const dir = join(datadir, chainName === 'regtest' ? 'regtest' : 'main', 'lite');
  const timeoutS = Number(one(p, 'timeout') ?? 120);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError('-timeout must be a positive number of seconds');
  const logger = new FileLogger(join(dir, 'debug.log'), p.opts.has('printtoconsole'));
  const node = await LiteNode.open({ params, dir, logger });
  try {
    return await fn(node, timeoutS * 1000);
  } finally {
    await node.close();
  }
}

async function connectAll(p: Parsed, node: LiteNode, io: LiteIo): Promise<void> {
  const peers = p.opts.get('connect') ?? [];
  if (peers.length === 0) throw new UsageError('give at least one full node with -connect=<host:port>');
  const results = await Promise.allSettled(peers.map((a) => node.connect(a)));
  results.forEach((r, i) => { if (r.status === 'rejected') io.err(`warning: ${peers[i]}: ${(r.reason as Error).message}`); });
  if (!results.some((r) => r.status === 'fulfilled')) throw new LiteError('could not connect to any -connect peer');
}

/** The header status, as the serve RPC's getblockchaininfo gives it. */
const status = (node: LiteNode) => headerStatus(node);

/** Redial period for -connect peers that dropped, while serving. */
const REDIAL_MS = 15_000;

async function serve(p: Parsed, node: LiteNode, timeoutMs: number, io: LiteIo): Promise<number> {
  const portText = one(p, 'rpcport');
  const port = portText === undefined ? node.opts.params.rpcPort + 10 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`-rpcport must be a port number, got '${portText}'`);
  await connectAll(p, node, io);
  await node.syncHeaders(timeoutMs).catch((e: Error) => io.err(`warning: ${e.message}`));
  let stopping!: () => void;
  const stopped = new Promise<void>((r) => { stopping = r; });
  const cookieFile = join(node.opts.dir, '.cookie');
  const server = new RpcServer<LiteRpcContext>({
    methods: liteMethods, context: { node, timeoutMs, requestStop: () => stopping() },
    host: '127.0.0.1', port, auth: { cookieFile }, logger: { info: (m) => node.opts.logger.info(m), warn: (m) => node.opts.logger.info(m) },
  });
  await server.start();
  // Peers announce new blocks (sendheaders/inv) and the node follows; a dropped -connect peer is redialled.
  const wanted = p.opts.get('connect') ?? [];
  const redial = setInterval(() => {
    const have = new Set(node.readyPeers().map((x) => `${x.host}:${x.port}`));
    for (const a of wanted) {
      const { host, port: pp } = parseHostPort(a, node.opts.params.port);
      if (!have.has(`${host}:${pp}`) && !node.discouraged.has(`${host}:${pp}`)) node.connect(a).catch(() => undefined);
    }
  }, REDIAL_MS);
  const onSignal = () => stopping();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  io.out(JSON.stringify({ rpcport: server.port, cookiefile: cookieFile, headers: node.chain.height }));
  await stopped;
  clearInterval(redial);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await server.stop();
  return 0;
}

export async function runLite(argv: string[], io: LiteIo): Promise<number> {
  try {
    const p = parseArgs(argv);
    if (p.opts.has('help') || p.opts.has('h') || p.args.length === 0) { io.out(USAGE); return p.args.length === 0 && !p.opts.has('help') ? 2 : 0; }
    const [cmd, ...rest] = p.args;
    const print = (v: unknown) => io.out(JSON.stringify(v, null, 2));
    switch (cmd) {
      case 'status':
        return await withNode(p, io, async (node) => { print(status(node)); return 0; });
      case 'sync':
        return await withNode(p, io, async (node, t) => {
          await connectAll(p, node, io);
          await node.syncHeaders(t);
          print(status(node));
          return 0;
        });
      case 'prove': {
        const modelId = parseModelId(rest[0]);
        const version = parseVersion(one(p, 'version'));
        return await withNode(p, io, async (node, t) => {
          await connectAll(p, node, io);
          await node.syncHeaders(t);
          const proven = await node.proveModel(modelId, version, { timeout: t });
          const priv = privateProvenance(proven.verified.model);
          print({
            ...provenanceJson(proven.verified, proven.entry.height, node.opts.params),
            verification: priv ? VERIFICATION.approved : VERIFICATION.scored, ...(priv ? { private: priv } : {}),
            proof_bytes: proven.size, verified: true,
          });
          return 0;
        });
      }
      case 'fetch': {
        const modelId = parseModelId(rest[0]);
        const version = parseVersion(one(p, 'version'));
        const out = one(p, 'out');
        if (!out) throw new UsageError('fetch needs --out DIR');
        const key = parseKey(p);
        return await withNode(p, io, async (node, t) => {
          await connectAll(p, node, io);
          await node.syncHeaders(t);
          io.err(`headers synced: ${node.chain.height} (${node.chain.tip.hash})`);
          let last = '';
          const prov = await fetchModel(node, {
            modelId, version, dataset: p.opts.has('dataset'), outDir: resolve(out), timeout: t, key,
            onProof: (j) => io.err(`proof verified against block ${(j.block as { hash: string }).hash} at height ${(j.block as { height: number }).height}: current version ${j.version}, ${(j as { private?: unknown }).private ? 'owner-approved' : `score ${j.score}`}`),
            onProgress: (kind, pr) => { const line = progressLine(kind, pr); if (line !== last) io.err(line); last = line; },
          });
          if (prov.private && !prov.private.decrypted) io.err(`model ${modelId} is private: its files are kept encrypted (*.enc); give --key, --keyfile or --wrapped with --devicekey to decrypt`);
          if (!prov.private && key) io.err('note: the model is public; the key was not used');
          print(prov);
          return 0;
        });
      }
      case 'infer': {
        const dir = rest[0];
        if (!dir) throw new UsageError('infer needs the directory written by fetch');
        const input = one(p, 'input');
        if (input === undefined) throw new UsageError('infer needs --input <hex|file|[[rows]]>');
        const parsedInput = input.trim().startsWith('[') ? JSON.parse(input) : input;
        print(await inferLocal(resolve(dir), parsedInput));
        return 0;
      }
      case 'scan': {
        const target = rest[0];
        if (!target) throw new UsageError('scan needs an address or an output script in hex');
        const fromText = one(p, 'from');
        if (fromText !== undefined && !/^\d+$/.test(fromText)) throw new UsageError(`--from must be a height, got '${fromText}'`);
        return await withNode(p, io, async (node, t) => {
          let script: Uint8Array;
          if (isValidAddress(target, node.opts.params)) script = addressToScript(target, node.opts.params);
          else if (/^(?:[0-9a-fA-F]{2})+$/.test(target)) script = Uint8Array.from(Buffer.from(target, 'hex'));
          else throw new UsageError(`'${target}' is neither an address of this chain nor an output script in hex`);
          await connectAll(p, node, io);
          await node.syncHeaders(t);
          const r = await scanScripts(node, { scripts: [script], from: fromText === undefined ? 0 : Number(fromText), timeout: t, onWarning: (w) => io.err(`warning: ${w}`) });
          print({ script: Buffer.from(script).toString('hex'), ...r });
          return 0;
        });
      }
      case 'serve': case 'daemon':
        return await withNode(p, io, (node, t) => serve(p, node, t, io));
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) { io.err(`error: ${e.message}\n\n${USAGE}`); return 2; }
    if (e instanceof LiteError || e instanceof RpcError || e instanceof SyntaxError) { io.err(`error: ${e.message}`); return 1; }
    io.err(`error: ${(e as Error).message ?? e}`);
    return 1;
  }
}

export async function liteMain(): Promise<void> {
  const code = await runLite(process.argv.slice(2), { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') });
  process.exitCode = code;
}
