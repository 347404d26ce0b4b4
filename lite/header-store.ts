// The lite node's only persistent chain data: every header it accepted, in the order it
// accepted them (so a reload replays the same first-seen tie-breaks). No database: an
// append-only file is enough for headers (5,000 headers < 600 KB) and a torn last write is just
// a short tail, cut on the next open. No block bodies are ever stored.
//
// Format 2 (headers are 80 bytes, or 113 from ODA-BIP-0006's activation):
//   MAGIC (8 bytes: "ODALHDR" ‖ 0x02) then per header: length u8 ‖ header.
// Format 1 (before ODA-BIP-0006) was bare 80-byte records; such a file is migrated on open.
// The two cannot be confused: a format-1 file starts with the first accepted header, whose
// prevHash (bytes 4..36) is the genesis hash, never MAGIC's "HDR\x02".
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { headerLength, HEADER_SIZE } from '../chain/header.js';
import type { Logger } from '../util/logger.js';
import { nullLogger } from '../util/logger.js';

export const HEADERS_FILE = 'headers.dat';
export const HEADERS_MAGIC = Uint8Array.from([...Buffer.from('ODALHDR', 'latin1'), 0x02]);

/** Records of `buf` after MAGIC: the headers and where each starts; stops at a torn or damaged record. */
function parseRecords(buf: Buffer): { headers: Uint8Array[]; starts: number[]; end: number } {
  const headers: Uint8Array[] = [];
  const starts: number[] = [];
  let o = HEADERS_MAGIC.length;
  while (o < buf.length) {
    const len = buf[o];
    if (len < HEADER_SIZE || o + 1 + len > buf.length) break;
    const raw = new Uint8Array(buf.subarray(o + 1, o + 1 + len));
    // The length byte must agree with the header's own version bits (a damaged byte ends the file here).
    if (headerLength(raw) !== len) break;
    headers.push(raw);
    starts.push(o);
    o += 1 + len;
  }
  return { headers, starts, end: o };
}

function encodeRecords(headers: readonly Uint8Array[], withMagic: boolean): Buffer {
  const parts: Uint8Array[] = withMagic ? [HEADERS_MAGIC] : [];
  for (const h of headers) {
    const len = headerLength(h);
    parts.push(Uint8Array.of(len), h.subarray(0, len));
  }
  return Buffer.concat(parts);
}

function isMagicPrefix(buf: Buffer): boolean {
  return buf.length <= HEADERS_MAGIC.length && Buffer.compare(buf, Buffer.from(HEADERS_MAGIC.subarray(0, buf.length))) === 0;
}

export class HeaderStore {
  private fd: number | undefined;
  readonly file: string;
  /** Offset of each loaded or appended record (truncate needs them); the file's size after. */
  private starts: number[] = [];
  private size = 0;

  constructor(dir: string, private readonly logger: Logger = nullLogger) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, HEADERS_FILE);
  }

  /**
   * Every stored header, oldest first. A partial last record (a crash mid-write) is cut off; a
   * format-1 file is rewritten in format 2 first (atomically: a new file renamed over it).
   */
  load(): Uint8Array[] {
    this.starts = [];
    this.size = 0;
    if (!existsSync(this.file)) return [];
    let buf: Buffer = readFileSync(this.file);
    if (buf.length < HEADERS_MAGIC.length && isMagicPrefix(buf)) {
      // A crash during the very first append: nothing was stored.
      truncateSync(this.file, 0);
      return [];
    }
    if (Buffer.compare(buf.subarray(0, HEADERS_MAGIC.length), HEADERS_MAGIC) !== 0) buf = this.migrateFormat1(buf);
    const { headers, starts, end } = parseRecords(buf);
    if (end !== buf.length) truncateSync(this.file, end);
    this.starts = starts;
    this.size = end;
    return headers;
  }

  /** Format 1: bare 80-byte records (a torn tail dropped). Returns the format-2 bytes now on disk. */
  private migrateFormat1(old: Buffer): Buffer {
    const headers: Uint8Array[] = [];
    for (let o = 0; o + HEADER_SIZE <= old.length; o += HEADER_SIZE) headers.push(new Uint8Array(old.subarray(o, o + HEADER_SIZE)));
    const buf = encodeRecords(headers, true);
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, buf);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dirFd = openSync(dirname(this.file), 'r');
    try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
    this.logger.info(`${this.file}: converted ${headers.length} headers from the 80-byte format 1 to format 2 (length-prefixed, for ODA-BIP-0006's 113-byte headers)`);
    return buf;
  }

  /** Keeps the first `count` loaded or appended records only (a record that no longer validates, and all after it). */
  truncate(count: number): void {
    this.close();
    if (count >= this.starts.length || !existsSync(this.file)) return;
    this.size = count === 0 ? HEADERS_MAGIC.length : this.starts[count];
    this.starts.length = count;
    truncateSync(this.file, this.size);
  }

  /** Appends accepted headers durably (one write and one fsync per batch). */
  append(headers: readonly Uint8Array[]): void {
    if (headers.length === 0) return;
    this.fd ??= openSync(this.file, 'a');
    // A new (or emptied) file gets its magic in the same write as its first records.
    const fresh = this.size === 0;
    const buf = encodeRecords(headers, fresh);
    let o = this.size + (fresh ? HEADERS_MAGIC.length : 0);
    for (const h of headers) {
      this.starts.push(o);
      o += 1 + headerLength(h);
    }
    writeSync(this.fd, buf);
    fsyncSync(this.fd);
    this.size = o;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
