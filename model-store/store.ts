// Content-addressed blob store (ODA-BIP-0001): blobs are named by their BEP 52 pieces root,
// held as one file per blob with 1 MiB pieces at fixed offsets, and indexed in classic-level
// (layout in layout.ts). Every piece is hashed against the manifest's piece layer when it is
// written from a peer and whenever it is read; imports are streamed (one 1 MiB buffer in
// flight, whatever the size) into a temp file that becomes visible only after it is renamed
// into place and indexed, so a crash leaves nothing half-visible.
import { ClassicLevel } from 'classic-level';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  BLOCKS_PER_PIECE, BLOCK_SIZE, MerkleBuilder, PIECE_SIZE, blockCount, blockLength, equalBytes, pieceBlockProof,
  pieceCount, pieceHash, pieceLength, toHex,
} from './merkle.js';
import { checkManifest, decodeManifest, encodeManifest, isMediaType, MAX_BLOB_LENGTH, type Manifest, type MediaType } from './manifest.js';
import { STORE_VERSION, blobPath, blobsDir, indexDir, layout, tmpDir } from './layout.js';
import { checkMediaFormat, type ReadAt } from './formats.js';

export type StoreErrorCode = 'not-found' | 'corrupt' | 'bad-format' | 'bad-manifest' | 'bad-piece' | 'conflict' | 'too-large' | 'closed';

/** Bytes between background datasyncs during a durable import. */
const SYNC_EVERY = 64 * PIECE_SIZE;
/** Read size for file imports: bigger than a piece to cut per-call overhead. */
const READ_CHUNK = 4 * PIECE_SIZE;
/** Writes queued during an import; the read-ahead ring in fileChunks must hold this many + 2. */
const WRITES_IN_FLIGHT = 2;

export class StoreError extends Error {
  constructor(public readonly code: StoreErrorCode, message: string, public readonly badPieces: number[] = []) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface ImportOptions {
  mediaType: MediaType;
  /** Pin tag to hold the blob against gc (default "user"); false imports unpinned. */
  pin?: string | false;
  /** IPFS CIDv1 of the same bytes, recorded as metadata. */
  cid?: string;
  /** fsync the data before it becomes visible (default true; off only for throwaway stores). */
  durable?: boolean;
}

export interface BlobStatus {
  manifest: Manifest;
  /** Pieces held and verified (bit i of byte i>>3, LSB first). */
  have: Uint8Array;
  havePieces: number;
  complete: boolean;
  pins: string[];
}

function checkRoot(root: string): void {
  if (typeof root !== 'string' || !/^[0-9a-f]{64}$/.test(root)) throw new StoreError('not-found', `invalid blob root "${String(root)}" (expected 64 lowercase hex characters)`);
}

function countBits(have: Uint8Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (have[i >> 3] & (1 << (i & 7))) c++;
  return c;
}

function fullBitfield(n: number): Uint8Array {
  const b = new Uint8Array(Math.ceil(n / 8));
  for (let i = 0; i < n; i++) b[i >> 3] |= 1 << (i & 7);
  return b;
}

export class BlobStore {
  private closed = false;
  /** Serializes index read-modify-write (have-bitfields, import commits, gc). */
  private lock: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string, private readonly db: ClassicLevel<Uint8Array, Uint8Array>) {}

  static async open(dir: string): Promise<BlobStore> {
    await mkdir(blobsDir(dir), { recursive: true });
    // Interrupted imports: never indexed, so never visible; delete them.
    await rm(tmpDir(dir), { recursive: true, force: true });
    await mkdir(tmpDir(dir), { recursive: true });
    const db = new ClassicLevel<Uint8Array, Uint8Array>(indexDir(dir), { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    const v = await db.get(layout.V);
    if (v === undefined) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, STORE_VERSION, true);
      await db.put(layout.V, b);
    } else if (new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true) !== STORE_VERSION) {
      await db.close();
      throw new StoreError('conflict', `model store at ${dir} has an unknown version`);
    }
    const store = new BlobStore(dir, db);
    await store.removeOrphans();
    return store;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.lock.catch(() => {});
    this.closed = true;
    await this.db.close();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(() => {
      if (this.closed) throw new StoreError('closed', 'model store is closed');
      return fn();
    });
    this.lock = run.catch(() => {});
    return run;
  }

  private check(): void {
    if (this.closed) throw new StoreError('closed', 'model store is closed');
  }

  // ---- import -------------------------------------------------------------------------

  /** Streams a file into the store; memory stays at a few MiB whatever its size. */
  async importFile(path: string, opts: ImportOptions): Promise<Manifest> {
    this.check();
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      if (size > MAX_BLOB_LENGTH) throw new StoreError('too-large', `file of ${size} bytes exceeds the blob limit of ${MAX_BLOB_LENGTH}`);
      return await this.ingest(fileChunks(fh), opts);
    } finally {
      await fh.close();
    }
  }

  async importBytes(bytes: Uint8Array, opts: ImportOptions): Promise<Manifest> {
    this.check();
    async function* one() { yield bytes; }
    return this.ingest(one(), opts);
  }

  /** Imports any byte stream (e.g. a decrypting or network stream). */
  async importStream(source: AsyncIterable<Uint8Array>, opts: ImportOptions): Promise<Manifest> {
    this.check();
    return this.ingest(source, opts);
  }

  private async ingest(source: AsyncIterable<Uint8Array>, opts: ImportOptions): Promise<Manifest> {
    if (!isMediaType(opts.mediaType)) throw new StoreError('bad-format', `unknown media type "${String(opts.mediaType)}"`);
    const pinTag = opts.pin === undefined ? 'user' : opts.pin;
    if (pinTag !== false && (typeof pinTag !== 'string' || pinTag.length === 0 || pinTag.length > 64)) throw new StoreError('bad-format', 'pin tag must be 1..64 characters');
    const tmp = join(tmpDir(this.dir), `${randomBytes(8).toString('hex')}.part`);
    const out = await open(tmp, 'wx+');
    let renamed = false;
    try {
      const mb = new MerkleBuilder();
      let length = 0;
      // One write in flight while the next chunk is hashed: the write runs on libuv's pool.
      const inFlight: Promise<unknown>[] = [];
      // A durable import flushes as it goes (one datasync in flight every SYNC_EVERY bytes), so
      // the disk works while we hash and the final datasync has little left to write.
      const durable = opts.durable !== false;
      let syncing: Promise<unknown> | undefined;
      let unsynced = 0;
      for await (const chunk of source) {
        length += chunk.length;
        if (length > MAX_BLOB_LENGTH) throw new StoreError('too-large', `blob exceeds the limit of ${MAX_BLOB_LENGTH} bytes`);
        // Up to WRITES_IN_FLIGHT positioned writes queue on libuv's pool while we hash.
        while (inFlight.length >= WRITES_IN_FLIGHT) await inFlight.shift();
        inFlight.push(out.write(chunk, 0, chunk.length, length - chunk.length));
        unsynced += chunk.length;
        if (durable && unsynced >= SYNC_EVERY && !syncing) {
          unsynced = 0;
          const p = Promise.all(inFlight).then(() => out.datasync());
          syncing = p.finally(() => { syncing = undefined; });
          syncing.catch(() => {});
        }
        mb.update(chunk);
      }
      await Promise.all(inFlight);
      await syncing;
      const d = mb.digest();
      const manifest: Manifest = { root: toHex(d.root), length: d.length, pieceSize: PIECE_SIZE, mediaType: opts.mediaType, pieceLayer: d.pieceLayer };
      if (opts.cid !== undefined) manifest.cid = opts.cid;
      try {
        checkManifest(manifest);
      } catch (e) {
        throw new StoreError('bad-manifest', (e as Error).message);
      }
      // Check the format on the bytes as written, which are the bytes committed to.
      try {
        await checkMediaFormat(readAtHandle(out), length, opts.mediaType);
      } catch (e) {
        throw new StoreError('bad-format', `not a valid ${opts.mediaType} file: ${(e as Error).message}`);
      }
      if (durable) await out.datasync();
      await out.close();
      return await this.exclusive(async () => {
        const existing = await this.getStatus(manifest.root);
        if (existing?.complete) {
          if (existing.manifest.mediaType !== manifest.mediaType) {
            throw new StoreError('conflict', `blob ${manifest.root} is already held with media type ${existing.manifest.mediaType}`);
          }
          if (pinTag !== false) await this.db.put(layout.P(manifest.root, pinTag), new Uint8Array(0));
          return existing.manifest;
        }
        const dest = blobPath(this.dir, manifest.root);
        await mkdir(dirname(dest), { recursive: true });
        await rename(tmp, dest);
        renamed = true;
        const batch = this.db.batch();
        batch.put(layout.M(manifest.root), encodeManifest(manifest));
        batch.put(layout.H(manifest.root), fullBitfield(manifest.pieceLayer.length));
        if (pinTag !== false) batch.put(layout.P(manifest.root, pinTag), new Uint8Array(0));
        await batch.write();
        return manifest;
      });
    } finally {
      await out.close().catch(() => {});
      if (!renamed) await rm(tmp, { force: true });
    }
  }

  // ---- queries ------------------------------------------------------------------------

  /** True when the whole blob is held and indexed. */
  async has(root: string): Promise<boolean> {
    const s = await this.getStatus(root);
    return s?.complete ?? false;
  }

  async getManifest(root: string): Promise<Manifest | undefined> {
    checkRoot(root);
    this.check();
    const raw = await this.db.get(layout.M(root));
    return raw === undefined ? undefined : decodeManifest(raw);
  }

  async getStatus(root: string): Promise<BlobStatus | undefined> {
    const manifest = await this.getManifest(root);
    if (!manifest) return undefined;
    const n = manifest.pieceLayer.length;
    const have = (await this.db.get(layout.H(root))) ?? new Uint8Array(Math.ceil(n / 8));
    const havePieces = countBits(have, n);
    const pins: string[] = [];
    for await (const k of this.db.keys(layout.pinRange(root))) pins.push(Buffer.from(k.subarray(33)).toString('utf8'));
    return { manifest, have: new Uint8Array(have), havePieces, complete: havePieces === n, pins };
  }

  /** Every indexed blob (complete or being filled), in root order: what P2P announces. */
  async *list(opts: { complete?: boolean } = {}): AsyncGenerator<Manifest> {
    this.check();
    for await (const [, v] of this.db.iterator(layout.range(0x4d))) {
      const m = decodeManifest(v);
      if (opts.complete !== undefined && (await this.has(m.root)) !== opts.complete) continue;
      yield m;
    }
  }

  // ---- reads (verified) ---------------------------------------------------------------

  private async requireComplete(root: string): Promise<Manifest> {
    const s = await this.getStatus(root);
    if (!s) throw new StoreError('not-found', `blob ${root} not found`);
    if (!s.complete) throw new StoreError('not-found', `blob ${root} is incomplete (${s.havePieces} of ${s.manifest.pieceLayer.length} pieces held)`);
    return s.manifest;
  }

  private async readRawPiece(fh: FileHandle, m: Manifest, index: number): Promise<Uint8Array> {
    const len = pieceLength(m.length, index);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await fh.read(buf, got, len - got, index * PIECE_SIZE + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, got);
  }

  private pieceOk(m: Manifest, index: number, bytes: Uint8Array): boolean {
    return bytes.length === pieceLength(m.length, index) && equalBytes(pieceHash(bytes, m.pieceLayer.length === 1), m.pieceLayer[index]);
  }

  /** Reads one piece (it must be held) and checks it against the piece layer. */
  async readPiece(root: string, index: number): Promise<Uint8Array> {
    const s = await this.getStatus(root);
    if (!s) throw new StoreError('not-found', `blob ${root} not found`);
    const n = s.manifest.pieceLayer.length;
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new StoreError('not-found', `piece ${index} out of range (blob has ${n} pieces)`);
    if (!(s.have[index >> 3] & (1 << (index & 7)))) throw new StoreError('not-found', `piece ${index} of blob ${root} is not held`);
    const fh = await open(blobPath(this.dir, root), 'r').catch(() => undefined);
    if (!fh) {
      await this.markBad(root, [index]);
      throw new StoreError('corrupt', `blob ${root} data file is missing`, [index]);
    }
    try {
      const bytes = await this.readRawPiece(fh, s.manifest, index);
      if (!this.pieceOk(s.manifest, index, bytes)) {
        await this.markBad(root, [index]);
        throw new StoreError('corrupt', `piece ${index} of blob ${root} is corrupt on disk`, [index]);
      }
      return bytes;
    } finally {
      await fh.close();
    }
  }

  /** Streams a complete blob piece by piece, each verified before it is yielded. */
  async *readBlob(root: string): AsyncGenerator<Uint8Array> {
    const m = await this.requireComplete(root);
    const fh = await open(blobPath(this.dir, root), 'r').catch(() => undefined);
    if (!fh) {
      const all = m.pieceLayer.map((_, i) => i);
      await this.markBad(root, all);
      throw new StoreError('corrupt', `blob ${root} data file is missing`, all);
    }
    try {
      const n = m.pieceLayer.length;
      // Read the next piece while the current one is hashed.
      let next = this.readRawPiece(fh, m, 0);
      for (let i = 0; i < n; i++) {
        const bytes = await next;
        if (i + 1 < n) next = this.readRawPiece(fh, m, i + 1);
        if (!this.pieceOk(m, i, bytes)) {
          if (i + 1 < n) await next.catch(() => {});
          await this.markBad(root, [i]);
          throw new StoreError('corrupt', `piece ${i} of blob ${root} is corrupt on disk`, [i]);
        }
        yield bytes;
      }
    } finally {
      await fh.close();
    }
  }

  /** Whole blob in memory (small blobs only). */
  async readAll(root: string): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const p of this.readBlob(root)) parts.push(p);
    return new Uint8Array(Buffer.concat(parts));
  }

  /** Writes a complete blob to `path` (atomically: temp file then rename), verified. */
  async exportFile(root: string, path: string): Promise<Manifest> {
    const m = await this.requireComplete(root);
    const tmp = `${path}.${randomBytes(4).toString('hex')}.part`;
    const fh = await open(tmp, 'wx');
    try {
      for await (const piece of this.readBlob(root)) await fh.write(piece);
      await fh.close();
      await rename(tmp, path);
      return m;
    } catch (e) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** One 16 KiB block and its inclusion proof against the root (proof-of-storage, partial downloads). */
  async blockProof(root: string, blockIndex: number): Promise<{ block: Uint8Array; proof: Uint8Array[] }> {
    const m = await this.getManifest(root);
    if (!m) throw new StoreError('not-found', `blob ${root} not found`);
    if (!Number.isInteger(blockIndex) || blockIndex < 0 || blockIndex >= blockCount(m.length)) {
      throw new StoreError('not-found', `block ${blockIndex} out of range (blob has ${blockCount(m.length)} blocks)`);
    }
    const pieceIndex = Math.floor(blockIndex / BLOCKS_PER_PIECE);
    const piece = await this.readPiece(root, pieceIndex);
    const start = (blockIndex % BLOCKS_PER_PIECE) * BLOCK_SIZE;
    return {
      block: piece.slice(start, start + blockLength(m.length, blockIndex)),
      proof: pieceBlockProof(piece, m.pieceLayer, m.length, blockIndex),
    };
  }

  // ---- verification and repair ------------------------------------------------------

  /** Re-hashes every held piece; corrupt ones are dropped from the have-set (to be refetched). */
  async verify(root: string): Promise<{ ok: boolean; badPieces: number[]; missingPieces: number[] }> {
    const s = await this.getStatus(root);
    if (!s) throw new StoreError('not-found', `blob ${root} not found`);
    const m = s.manifest;
    const n = m.pieceLayer.length;
    const bad: number[] = [];
    const missing: number[] = [];
    const fh = await open(blobPath(this.dir, root), 'r').catch(() => undefined);
    try {
      for (let i = 0; i < n; i++) {
        if (!(s.have[i >> 3] & (1 << (i & 7)))) { missing.push(i); continue; }
        if (!fh || !this.pieceOk(m, i, await this.readRawPiece(fh, m, i))) bad.push(i);
      }
    } finally {
      await fh?.close();
    }
    if (bad.length) await this.markBad(root, bad);
    return { ok: bad.length === 0 && missing.length === 0, badPieces: bad, missingPieces: missing };
  }

  private markBad(root: string, pieces: number[]): Promise<void> {
    return this.exclusive(async () => {
      const have = await this.db.get(layout.H(root));
      if (!have) return;
      const next = new Uint8Array(have);
      for (const i of pieces) next[i >> 3] &= ~(1 << (i & 7));
      await this.db.put(layout.H(root), next);
    });
  }

  /**
   * Registers a manifest received from a peer so its pieces can be filled with writePiece.
   * The manifest must be self-consistent (piece layer folds to root).
   */
  async addManifest(manifest: Manifest, opts: { pin?: string | false } = {}): Promise<void> {
    this.check();
    try {
      checkManifest(manifest);
    } catch (e) {
      throw new StoreError('bad-manifest', (e as Error).message);
    }
    const pinTag = opts.pin === undefined ? 'user' : opts.pin;
    await this.exclusive(async () => {
      const existing = await this.getManifest(manifest.root);
      if (existing) {
        if (existing.mediaType !== manifest.mediaType) throw new StoreError('conflict', `blob ${manifest.root} is already held with media type ${existing.mediaType}`);
      } else {
        const dest = blobPath(this.dir, manifest.root);
        await mkdir(dirname(dest), { recursive: true });
        const fh = await open(dest, 'w');
        await fh.truncate(manifest.length);
        await fh.close();
        const batch = this.db.batch();
        batch.put(layout.M(manifest.root), encodeManifest(manifest));
        batch.put(layout.H(manifest.root), new Uint8Array(Math.ceil(manifest.pieceLayer.length / 8)));
        if (pinTag !== false) batch.put(layout.P(manifest.root, pinTag), new Uint8Array(0));
        await batch.write();
        return;
      }
      if (pinTag !== false) await this.db.put(layout.P(manifest.root, pinTag), new Uint8Array(0));
    });
  }

  /**
   * Stores one piece of a blob whose manifest is known (P2P fill or repair), after checking it
   * against the piece layer. Returns true when this made the blob complete.
   */
  async writePiece(root: string, index: number, bytes: Uint8Array): Promise<boolean> {
    const m = await this.getManifest(root);
    if (!m) throw new StoreError('not-found', `blob ${root} has no manifest; addManifest first`);
    const n = m.pieceLayer.length;
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new StoreError('bad-piece', `piece ${index} out of range (blob has ${n} pieces)`);
    if (bytes.length !== pieceLength(m.length, index)) throw new StoreError('bad-piece', `piece ${index} has ${bytes.length} bytes, expected ${pieceLength(m.length, index)}`);
    if (!this.pieceOk(m, index, bytes)) throw new StoreError('bad-piece', `piece ${index} does not match the piece layer of blob ${root}`);
    return this.exclusive(async () => {
      const fh = await open(blobPath(this.dir, root), 'r+');
      try {
        await fh.write(bytes, 0, bytes.length, index * PIECE_SIZE);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      const have = new Uint8Array((await this.db.get(layout.H(root))) ?? new Uint8Array(Math.ceil(n / 8)));
      const wasComplete = countBits(have, n) === n;
      have[index >> 3] |= 1 << (index & 7);
      await this.db.put(layout.H(root), have);
      return !wasComplete && countBits(have, n) === n;
    });
  }

  // ---- pins and garbage collection ----------------------------------------------------

  async pin(root: string, tag = 'user'): Promise<void> {
    if (!(await this.getManifest(root))) throw new StoreError('not-found', `blob ${root} not found`);
    if (tag.length === 0 || tag.length > 64) throw new StoreError('bad-format', 'pin tag must be 1..64 characters');
    await this.exclusive(() => this.db.put(layout.P(root, tag), new Uint8Array(0)));
  }

  async unpin(root: string, tag = 'user'): Promise<void> {
    checkRoot(root);
    await this.exclusive(() => this.db.del(layout.P(root, tag)));
  }

  /** Removes one blob (manifest, pieces, pins). */
  async remove(root: string): Promise<boolean> {
    checkRoot(root);
    return this.exclusive(() => this.removeLocked(root));
  }

  private async removeLocked(root: string): Promise<boolean> {
    if ((await this.db.get(layout.M(root))) === undefined) return false;
    const batch = this.db.batch();
    batch.del(layout.M(root));
    batch.del(layout.H(root));
    for await (const k of this.db.keys(layout.pinRange(root))) batch.del(k);
    await batch.write();
    // Index first: a crash here leaves an orphan file, which open() deletes.
    await rm(blobPath(this.dir, root), { force: true });
    return true;
  }

  /** Deletes every blob with no pin; returns the roots removed. */
  async gc(): Promise<string[]> {
    this.check();
    const removed: string[] = [];
    await this.exclusive(async () => {
      const roots: string[] = [];
      for await (const k of this.db.keys(layout.range(0x4d))) roots.push(toHex(k.subarray(1)));
      for (const root of roots) {
        let pinned = false;
        for await (const _ of this.db.keys({ ...layout.pinRange(root), limit: 1 })) pinned = true;
        if (!pinned && (await this.removeLocked(root))) removed.push(root);
      }
      await this.removeOrphansLocked();
    });
    return removed;
  }

  private removeOrphans(): Promise<void> {
    return this.exclusive(() => this.removeOrphansLocked());
  }

  /** Blob files with no manifest: left by a crash between rename and index write, or remove(). */
  private async removeOrphansLocked(): Promise<void> {
    for (const sub of await readdir(blobsDir(this.dir)).catch(() => [] as string[])) {
      const d = join(blobsDir(this.dir), sub);
      if (!(await stat(d)).isDirectory()) continue;
      for (const name of await readdir(d)) {
        if (/^[0-9a-f]{64}$/.test(name) && (await this.db.get(layout.M(name))) !== undefined) continue;
        await rm(join(d, name), { force: true });
      }
    }
  }
}

async function* fileChunks(fh: FileHandle): AsyncGenerator<Uint8Array> {
  // A ring of buffers: the next read overlaps the caller's hashing of the current chunk, and a
  // buffer is reused only after the caller has asked for WRITES_IN_FLIGHT + 1 more chunks, by
  // which time ingest has awaited the write that used it.
  const bufs = Array.from({ length: WRITES_IN_FLIGHT + 2 }, () => Buffer.allocUnsafe(READ_CHUNK));
  let k = 0;
  let next = fh.read(bufs[0], 0, READ_CHUNK, null);
  while (true) {
    const { bytesRead, buffer } = await next;
    if (bytesRead === 0) return;
    k = (k + 1) % bufs.length;
    next = fh.read(bufs[k], 0, READ_CHUNK, null);
    yield buffer.subarray(0, bytesRead);
  }
}

function readAtHandle(fh: FileHandle): ReadAt {
  return async (offset, length) => {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, got);
  };
}
