// The BIP 157 filter headers a wallet scan verified (ODA-BIP-0004 §11), kept so the next scan
// fetches only the blocks added since. Record h (96 bytes) is the block hash of height h, its
// filter hash and its filter header, all internal order, written in height order from
// genesis: an append-only file like headers.dat. At open a torn last write (a short tail) is
// cut, and so is every record from the first whose header is not dSHA256(filter hash ‖
// previous header) (a damaged file); records whose block is no longer on the best header
// chain (a header reorg) are cut by `matchChain`.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { hashToHex, hexToHash } from '../chain/block.js';
import { filterHeaderFromHash } from '../chain/blockfilter.js';

export const FILTER_HEADERS_FILE = 'filterheaders.dat';
const RECORD = 96;

/** What the store needs of the best header chain. */
export interface HeightIndex { getEntryByHeight(h: number): { hash: string } | undefined }

export class FilterHeaderStore {
  readonly file: string;
  private fd: number | undefined;
  /** Block hash (display hex), filter hash and filter header (internal order) of each stored height. */
  private blocks: string[] = [];
  private hashes: Uint8Array[] = [];
  private headers: Uint8Array[] = [];

  private constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, FILTER_HEADERS_FILE);
  }

  /** Opens the file (dropping a torn tail) and keeps only the records still on `chain`. */
  static open(dir: string, chain: HeightIndex): FilterHeaderStore {
    const s = new FilterHeaderStore(dir);
    if (existsSync(s.file)) {
      const buf = readFileSync(s.file);
      const whole = buf.length - (buf.length % RECORD);
      if (whole !== buf.length) truncateSync(s.file, whole);
      let prev = new Uint8Array(32);
      for (let o = 0; o < whole; o += RECORD) {
        const hash = new Uint8Array(buf.subarray(o + 32, o + 64)), header = new Uint8Array(buf.subarray(o + 64, o + RECORD));
        if (Buffer.compare(filterHeaderFromHash(hash, prev), header) !== 0) break;
        s.blocks.push(hashToHex(buf.subarray(o, o + 32)));
        s.hashes.push(hash);
        s.headers.push(header);
        prev = header;
      }
      if (s.headers.length * RECORD !== buf.length) truncateSync(s.file, s.headers.length * RECORD);
    }
    s.matchChain(chain);
    return s;
  }

  /** Highest stored height (-1: none). */
  get height(): number { return this.headers.length - 1; }

  /** The filter header of height `h` (internal order); h = -1 is genesis's previous header, zeros. */
  header(h: number): Uint8Array {
    if (h === -1) return new Uint8Array(32);
    if (h < 0 || h > this.height) throw new RangeError(`no stored filter header at height ${h}`);
    return this.headers[h];
  }

  /** The filter hash of height `h` (internal order). */
  hash(h: number): Uint8Array {
    if (h < 0 || h > this.height) throw new RangeError(`no stored filter hash at height ${h}`);
    return this.hashes[h];
  }

  /** Cuts every record from the first whose block is not the best chain's block at its height. */
  matchChain(chain: HeightIndex): void {
    let n = 0;
    while (n < this.blocks.length && chain.getEntryByHeight(n)?.hash === this.blocks[n]) n++;
    this.truncate(n);
  }

  /** Keeps heights [0, count − 1]. */
  truncate(count: number): void {
    if (count >= this.headers.length) return;
    this.close();
    this.blocks.length = count;
    this.hashes.length = count;
    this.headers.length = count;
    if (existsSync(this.file)) truncateSync(this.file, count * RECORD);
  }

  /**
   * Makes the store hold `headers` (heights 0 …, each of block `blocks[h]` with filter hash
   * `hashes[h]`): records that differ are cut, the rest appended with one write and one fsync.
   */
  save(blocks: readonly string[], hashes: readonly Uint8Array[], headers: readonly Uint8Array[]): void {
    let same = 0;
    const n = Math.min(headers.length, this.headers.length);
    while (same < n && this.blocks[same] === blocks[same] && Buffer.compare(this.headers[same], headers[same]) === 0) same++;
    this.truncate(same);
    if (headers.length <= same) return;
    const buf = Buffer.alloc((headers.length - same) * RECORD);
    for (let h = same; h < headers.length; h++) {
      buf.set(hexToHash(blocks[h]), (h - same) * RECORD);
      buf.set(hashes[h], (h - same) * RECORD + 32);
      buf.set(headers[h], (h - same) * RECORD + 64);
      this.blocks.push(blocks[h]);
      this.hashes.push(hashes[h]);
      this.headers.push(headers[h]);
    }
    this.fd ??= openSync(this.file, 'a');
    writeSync(this.fd, buf);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
