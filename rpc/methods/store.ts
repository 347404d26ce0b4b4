// RPC methods of the model store ("Store" category). The node wires this table with
// `{ store }` as context. Errors use Core's codes: unknown blob -5 (as "Block not found"),
// bad parameters -8 with Core's ParseHashV wording, undecodable files -22, corrupt data -20.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { RpcMethod } from '../types.js';
import { RPC, RpcError } from '../errors.js';
import { BlobStore, StoreError } from '../../model-store/store.js';
import { isMediaType, manifestToJson, MEDIA_TYPE_CODE, type Manifest } from '../../model-store/manifest.js';

type Ctx = { store: BlobStore };

const MEDIA_TYPES = Object.keys(MEDIA_TYPE_CODE).join(', ');

/** Core's ParseHashV: 64 hex characters, with its error strings. */
function parseRoot(v: unknown, name = 'root'): string {
  const s = String(v);
  if (s.length !== 64) throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be of length 64 (not ${s.length}, for '${s}')`);
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be hexadecimal string (not '${s}')`);
  return s.toLowerCase();
}

function requireStore(ctx: Ctx): BlobStore {
  if (!ctx.store) throw new RpcError(RPC.MISC_ERROR, 'Model store is not available');
  return ctx.store;
}

/** StoreError → Core code; anything else is rethrown (the server reports it as internal). */
function mapError(e: unknown): never {
  if (e instanceof StoreError) {
    switch (e.code) {
      case 'not-found': throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, e.message);
      case 'bad-format':
      case 'bad-manifest': throw new RpcError(RPC.DESERIALIZATION_ERROR, e.message);
      case 'corrupt': throw new RpcError(RPC.DATABASE_ERROR, e.message);
      case 'conflict':
      case 'too-large':
      case 'bad-piece': throw new RpcError(RPC.INVALID_PARAMETER, e.message);
      case 'closed': throw new RpcError(RPC.MISC_ERROR, e.message);
    }
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.code.startsWith('E')) throw new RpcError(RPC.MISC_ERROR, `${err.code}: ${err.message}`);
  throw e;
}

async function summary(store: BlobStore, m: Manifest, verbose: boolean): Promise<Record<string, unknown>> {
  const s = await store.getStatus(m.root);
  const j: Record<string, unknown> = { ...manifestToJson(m) };
  if (!verbose) delete j.piecelayer;
  j.havepieces = s?.havePieces ?? 0;
  j.complete = s?.complete ?? false;
  j.pins = s?.pins ?? [];
  return j;
}

function absPath(p: unknown, what: string): string {
  if (typeof p !== 'string' || p.length === 0) throw new RpcError(RPC.INVALID_PARAMETER, `${what} must be a non-empty path`);
  return isAbsolute(p) ? p : resolve(p);
}

export const storeMethods: RpcMethod<Ctx>[] = [
  {
    name: 'importblob', category: 'Store',
    params: [
      { name: 'path', type: 'string', description: 'File on the node\'s filesystem to import' },
      { name: 'mediatype', type: 'string', description: `One of: ${MEDIA_TYPES}` },
      { name: 'pin', type: ['string', 'boolean'], optional: true, description: 'Pin tag (default "user"); false imports unpinned (gc may remove it)' },
    ],
    help: 'Import a file into the model store: it is streamed, checked against its media type (safetensors header, ONNX protobuf, encrypted framing) and committed by its BEP 52 pieces root. Returns the manifest.',
    async handler([path, mediatype, pin], ctx) {
      const store = requireStore(ctx);
      if (!isMediaType(mediatype)) throw new RpcError(RPC.INVALID_PARAMETER, `Unknown media type '${String(mediatype)}' (expected one of: ${MEDIA_TYPES})`);
      const file = absPath(path, 'path');
      if (!existsSync(file)) throw new RpcError(RPC.INVALID_PARAMETER, `File ${file} does not exist`);
      const pinTag = pin === undefined || pin === true ? 'user' : pin === false ? false : String(pin);
      try {
        const m = await store.importFile(file, { mediaType: mediatype, pin: pinTag });
        // Blocks parked for missing model data may be connectable now (node wiring provides chain).
        await (ctx as { chain?: { retryWaiting?(): Promise<void> } }).chain?.retryWaiting?.();
        return summary(store, m, false);
      } catch (e) {
        return mapError(e);
      }
    },
  },
  {
    name: 'getblobinfo', category: 'Store',
    params: [
      { name: 'root', type: 'string', description: 'The blob root (BEP 52 pieces root, hex)' },
      { name: 'verbose', type: 'boolean', optional: true, description: 'Include the piece layer (default false)' },
    ],
    help: 'Return the manifest of a blob and what of it this node holds.',
    async handler([root, verbose], ctx) {
      const store = requireStore(ctx);
      const r = parseRoot(root);
      try {
        const m = await store.getManifest(r);
        if (!m) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Blob not found');
        return summary(store, m, verbose === true);
      } catch (e) {
        if (e instanceof RpcError) throw e;
        return mapError(e);
      }
    },
  },
  {
    name: 'verifyblob', category: 'Store',
    params: [{ name: 'root', type: 'string', description: 'The blob root' }],
    help: 'Re-hash every held piece of a blob against its manifest. Corrupt pieces are dropped, so P2P fetches them again.',
    async handler([root], ctx) {
      const store = requireStore(ctx);
      const r = parseRoot(root);
      try {
        const v = await store.verify(r);
        return { root: r, ok: v.ok, badpieces: v.badPieces, missingpieces: v.missingPieces };
      } catch (e) {
        return mapError(e);
      }
    },
  },
  {
    name: 'exportblob', category: 'Store',
    params: [
      { name: 'root', type: 'string', description: 'The blob root' },
      { name: 'path', type: 'string', description: 'Destination file on the node\'s filesystem (must not exist)' },
    ],
    help: 'Write a complete blob to a file, every piece verified as it is read. The file appears only when complete.',
    async handler([root, path], ctx) {
      const store = requireStore(ctx);
      const r = parseRoot(root);
      const file = absPath(path, 'path');
      if (existsSync(file)) throw new RpcError(RPC.INVALID_PARAMETER, `${file} already exists. If you are sure this is what you want, move it out of the way first.`);
      try {
        const m = await store.exportFile(r, file);
        return { root: m.root, path: file, length: m.length };
      } catch (e) {
        return mapError(e);
      }
    },
  },
  {
    name: 'listblobs', category: 'Store',
    params: [],
    help: 'List every blob in the model store (complete or being fetched), in root order.',
    async handler(_args, ctx) {
      const store = requireStore(ctx);
      const out: Record<string, unknown>[] = [];
      try {
        for await (const m of store.list()) out.push(await summary(store, m, false));
      } catch (e) {
        return mapError(e);
      }
      return out;
    },
  },
];
