// Block and undo bodies on disk: <dir>/blocks/<first two hex>/<hash>.blk and .rev, one file
// per block. Every write is fsynced before it returns; the chain only references a file
// from the database (HAVE_DATA / tip) after that, so a crash leaves at most an unreferenced
// or partially written file that the next write of the same block replaces.
import { mkdir, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export class BlockStore {
  constructor(readonly dir: string, private readonly fsync = true) {}

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  private path(hash: string, ext: 'blk' | 'rev'): string {
    return join(this.dir, hash.slice(0, 2), `${hash}.${ext}`);
  }

  private async write(file: string, data: Uint8Array): Promise<void> {
    await mkdir(join(file, '..'), { recursive: true });
    const fh = await open(file, 'w');
    try {
      await fh.writeFile(data);
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private async read(file: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  writeBlock(hash: string, raw: Uint8Array): Promise<void> {
    return this.write(this.path(hash, 'blk'), raw);
  }
  readBlock(hash: string): Promise<Uint8Array | undefined> {
    return this.read(this.path(hash, 'blk'));
  }
  writeUndo(hash: string, raw: Uint8Array): Promise<void> {
    return this.write(this.path(hash, 'rev'), raw);
  }
  readUndo(hash: string): Promise<Uint8Array | undefined> {
    return this.read(this.path(hash, 'rev'));
  }
  /** Total bytes of all block and undo files. */
  async size(): Promise<number> {
    let total = 0;
    for (const sub of await readdir(this.dir)) {
      for (const f of await readdir(join(this.dir, sub)).catch(() => [] as string[])) {
        total += (await stat(join(this.dir, sub, f))).size;
      }
    }
    return total;
  }

  async removeUndo(hash: string): Promise<void> {
    await rm(this.path(hash, 'rev'), { force: true });
  }
}
