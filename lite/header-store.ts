// The lite node's only persistent chain data: every header it accepted, 80 bytes each, in the
// order it accepted them (so a reload replays the same first-seen tie-breaks). No database:
// an append-only file is enough for headers (5,000 headers = 400 KB) and a torn last write
// is just a short tail, cut on the next open. No block bodies are ever stored.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HEADER_SIZE } from '../chain/header.js';

export const HEADERS_FILE = 'headers.dat';

export class HeaderStore {
  private fd: number | undefined;
  readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, HEADERS_FILE);
  }

  /** Every stored header, oldest first; a partial last record (a crash mid-write) is cut off. */
  load(): Uint8Array[] {
    if (!existsSync(this.file)) return [];
    const buf = readFileSync(this.file);
    const whole = buf.length - (buf.length % HEADER_SIZE);
    if (whole !== buf.length) truncateSync(this.file, whole);
    const out: Uint8Array[] = [];
    for (let o = 0; o < whole; o += HEADER_SIZE) out.push(new Uint8Array(buf.subarray(o, o + HEADER_SIZE)));
    return out;
  }

  /** Keeps the first `count` records only (a record that no longer validates, and all after it). */
  truncate(count: number): void {
    this.close();
    if (existsSync(this.file)) truncateSync(this.file, count * HEADER_SIZE);
  }

  /** Appends accepted headers durably (one write and one fsync per batch). */
  append(headers: readonly Uint8Array[]): void {
    if (headers.length === 0) return;
    this.fd ??= openSync(this.file, 'a');
    const buf = Buffer.alloc(headers.length * HEADER_SIZE);
    headers.forEach((h, i) => buf.set(h.subarray(0, HEADER_SIZE), i * HEADER_SIZE));
    writeSync(this.fd, buf);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
