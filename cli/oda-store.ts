// oda-store: offline tool over a node's model store and client-side encryption. Opens the
// store directly (stop odad first, or use the RPC methods); encrypt/decrypt/keygen/root/inspect
// touch no store at all. Keys live only in the user's key file.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { BlobStore, StoreError } from '../model-store/store.js';
import { isMediaType, manifestToJson, MEDIA_TYPE_CODE } from '../model-store/manifest.js';
import { MerkleBuilder, toHex } from '../model-store/merkle.js';
import { decryptFile, encryptFile, generateKey, KEY_SIZE, readFileChunks, DecryptionError } from '../model-store/encryption.js';
import { checkMediaFormat } from '../model-store/formats.js';
import { unwrapKey, wrapKey, WRAPPED_KEY_SIZE } from '../model-store/key-wrap.js';
import { MAX_HEADER_BYTES, parseSafetensorsHeader, readHeaderLength, SafetensorsError } from '../model-store/safetensors.js';

const USAGE = `Usage: oda-store [options] <command> [args]

Store commands (open <datadir>/regtest/models; stop odad first):
  import <file> <mediatype> [-pin=<tag>|-nopin]   import a file, print its manifest
  show <root> [-verbose]                          print a manifest (with piece layer if -verbose)
  verify <root>                                   re-hash every piece
  export <root> <file>                            write a blob to a new file (verified)
  list                                            list blobs
  pin <root> [tag] | unpin <root> [tag] | gc      pins and garbage collection

File commands (no store):
  root <file>                                     BEP 52 pieces root and piece count of a file
  inspect <file> <mediatype>                      check a file's format; list safetensors tensors
  keygen <keyfile>                                write a new random 32-byte key (hex, mode 0600)
  encrypt <in> <out> -keyfile=<keyfile>           AES-256-GCM segment encryption (ODA-BIP-0001)
  decrypt <in> <out> -keyfile=<keyfile>
  wrapkey <pubkey> <root> -keyfile=<keyfile>      wrap the content key for the holder of a secp256k1
                                                  public key (33-byte hex), bound to one blob root
  unwrapkey <wrapped> <root> <out> -privkeyfile=<file>
                                                  open a wrapped key (hex) with the recipient's
                                                  private key; write the content key file (0600)

Options:
  -datadir=<dir>   node data dir (default ~/.oda)
  -store=<dir>     model store dir (default <datadir>/regtest/models)

Media types: ${Object.keys(MEDIA_TYPE_CODE).join(', ')}`;

export class UsageError extends Error {}

interface Parsed { opts: Map<string, string | true>; args: string[] }

function parseArgs(argv: string[]): Parsed {
  const opts = new Map<string, string | true>();
  const args: string[] = [];
  for (const a of argv) {
    const m = /^--?([a-z]+)(?:=(.*))?$/.exec(a);
    if (m) opts.set(m[1], m[2] ?? true);
    else args.push(a);
  }
  return { opts, args };
}

function storeDir(opts: Parsed['opts']): string {
  const s = opts.get('store');
  if (typeof s === 'string') return resolve(s);
  const d = opts.get('datadir');
  return join(typeof d === 'string' ? resolve(d) : join(homedir(), '.oda'), 'regtest', 'models');
}

function hexArg(v: string, bytes: number, what: string): Uint8Array {
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(v)) throw new UsageError(`${what} must be ${bytes * 2} hex characters`);
  return new Uint8Array(Buffer.from(v, 'hex'));
}

function readKey(opts: Parsed['opts'], name = 'keyfile'): Uint8Array {
  const f = opts.get(name);
  if (typeof f !== 'string') throw new UsageError(`-${name}=<file> is required`);
  const raw = readFileSync(f);
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (raw.length === KEY_SIZE) return new Uint8Array(raw);
  throw new UsageError(`key file ${f} must hold 64 hex characters or 32 raw bytes`);
}

function need(args: string[], n: number, what: string): void {
  if (args.length < n) throw new UsageError(`missing arguments: ${what}`);
}

async function withStore<T>(opts: Parsed['opts'], fn: (s: BlobStore) => Promise<T>): Promise<T> {
  let s: BlobStore;
  try {
    s = await BlobStore.open(storeDir(opts));
  } catch (e) {
    if (/lock/i.test(String((e as Error).message)) || (e as { code?: string }).code === 'LEVEL_DATABASE_NOT_OPEN') {
      throw new Error(`cannot open the model store at ${storeDir(opts)}: it is in use (is odad running? use the RPC methods instead)`);
    }
    throw e;
  }
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Runs one command; returns what to print (JSON-able) or undefined. */
export async function runStoreCli(argv: string[]): Promise<unknown> {
  const { opts, args } = parseArgs(argv);
  const [cmd, ...rest] = args;
  switch (cmd) {
    case 'import': {
      need(rest, 2, '<file> <mediatype>');
      if (!isMediaType(rest[1])) throw new UsageError(`unknown media type "${rest[1]}"`);
      const mediaType = rest[1];
      const pinOpt = opts.get('pin');
      const pin = opts.has('nopin') ? false : typeof pinOpt === 'string' ? pinOpt : 'user';
      return withStore(opts, async (s) => manifestToJson(await s.importFile(resolve(rest[0]), { mediaType, pin })));
    }
    case 'show':
      need(rest, 1, '<root>');
      return withStore(opts, async (s) => {
        const st = await s.getStatus(rest[0]);
        if (!st) throw new StoreError('not-found', `blob ${rest[0]} not found`);
        const j: Record<string, unknown> = { ...manifestToJson(st.manifest), havepieces: st.havePieces, complete: st.complete, pins: st.pins };
        if (!opts.has('verbose')) delete j.piecelayer;
        return j;
      });
    case 'verify':
      need(rest, 1, '<root>');
      return withStore(opts, (s) => s.verify(rest[0]));
    case 'export':
      need(rest, 2, '<root> <file>');
      if (existsSync(rest[1])) throw new UsageError(`${rest[1]} already exists`);
      return withStore(opts, async (s) => {
        const m = await s.exportFile(rest[0], resolve(rest[1]));
        return { root: m.root, path: resolve(rest[1]), length: m.length };
      });
    case 'list':
      return withStore(opts, async (s) => {
        const out: unknown[] = [];
        for await (const m of s.list()) {
          const st = (await s.getStatus(m.root))!;
          out.push({ root: m.root, length: m.length, mediatype: m.mediaType, pieces: m.pieceLayer.length, havepieces: st.havePieces, pins: st.pins });
        }
        return out;
      });
    case 'pin':
    case 'unpin':
      need(rest, 1, '<root>');
      return withStore(opts, async (s) => {
        await (cmd === 'pin' ? s.pin(rest[0], rest[1] ?? 'user') : s.unpin(rest[0], rest[1] ?? 'user'));
        return undefined;
      });
    case 'gc':
      return withStore(opts, async (s) => ({ removed: await s.gc() }));
    case 'root': {
      need(rest, 1, '<file>');
      const mb = new MerkleBuilder();
      for await (const c of readFileChunks(rest[0])) mb.update(c);
      const d = mb.digest();
      return { root: toHex(d.root), length: d.length, pieces: d.pieceLayer.length };
    }
    case 'inspect': {
      need(rest, 2, '<file> <mediatype>');
      if (!isMediaType(rest[1])) throw new UsageError(`unknown media type "${rest[1]}"`);
      const fh = await open(rest[0], 'r');
      try {
        const size = (await fh.stat()).size;
        const read = async (off: number, len: number) => {
          const b = Buffer.alloc(len);
          const { bytesRead } = await fh.read(b, 0, len, off);
          return new Uint8Array(b.buffer, b.byteOffset, bytesRead);
        };
        await checkMediaFormat(read, size, rest[1]);
        if (rest[1].startsWith('safetensors')) {
          const n = readHeaderLength(await read(0, 8), size, MAX_HEADER_BYTES);
          const h = parseSafetensorsHeader(await read(8, n), size - 8 - n);
          return { valid: true, length: size, metadata: h.metadata ?? null, tensors: [...h.tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, offsets: t.dataOffsets })) };
        }
        return { valid: true, length: size, mediatype: rest[1] };
      } finally {
        await fh.close();
      }
    }
    case 'keygen':
      need(rest, 1, '<keyfile>');
      if (existsSync(rest[0])) throw new UsageError(`${rest[0]} already exists`);
      writeFileSync(rest[0], toHex(generateKey()) + '\n', { mode: 0o600, flag: 'wx' });
      return { keyfile: resolve(rest[0]) };
    case 'encrypt':
    case 'decrypt': {
      need(rest, 2, '<in> <out>');
      if (existsSync(rest[1])) throw new UsageError(`${rest[1]} already exists`);
      const key = readKey(opts);
      const n = await (cmd === 'encrypt' ? encryptFile(rest[0], rest[1], key) : decryptFile(rest[0], rest[1], key));
      return { out: resolve(rest[1]), length: n };
    }
    case 'wrapkey': {
      need(rest, 2, '<pubkey> <root>');
      const pub = hexArg(rest[0], 33, 'pubkey');
      return { wrapped: toHex(wrapKey(readKey(opts), pub, hexArg(rest[1], 32, 'root'))), root: rest[1].toLowerCase(), recipient: rest[0].toLowerCase() };
    }
    case 'unwrapkey': {
      need(rest, 3, '<wrapped> <root> <out>');
      if (existsSync(rest[2])) throw new UsageError(`${rest[2]} already exists`);
      const priv = readKey(opts, 'privkeyfile');
      const key = unwrapKey(hexArg(rest[0], WRAPPED_KEY_SIZE, 'wrapped'), priv, hexArg(rest[1], 32, 'root'));
      writeFileSync(rest[2], toHex(key) + '\n', { mode: 0o600, flag: 'wx' });
      return { keyfile: resolve(rest[2]) };
    }
    case undefined:
    case 'help':
      throw new UsageError('');
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

export async function storeCliMain(argv = process.argv.slice(2)): Promise<void> {
  try {
    const out = await runStoreCli(argv);
    if (out !== undefined) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) process.stderr.write(`error: ${e.message}\n\n`);
      process.stderr.write(USAGE + '\n');
      process.exitCode = 1;
      return;
    }
    const known = e instanceof StoreError || e instanceof DecryptionError || e instanceof SafetensorsError || (e as { name?: string }).name === 'FormatError';
    process.stderr.write(`error: ${known ? (e as Error).message : String((e as Error).message ?? e)}\n`);
    process.exitCode = 1;
  }
}
