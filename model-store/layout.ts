// On-disk layout of the model store (as bcoin's blockstore/layout.js), under the directory the
// node passes in (<datadir>/regtest/models):
//
//   index/                 classic-level database, keys below (root = 32 raw hash bytes)
//   blobs/<hh>/<roothex>   blob bytes; piece i at offset i * 1 MiB. Sparse while a blob is
//                          being filled from peers; <hh> = first two hex digits of the root
//   tmp/<random>.part      imports in progress; whatever is here at open was interrupted
//                          and is deleted (an import is visible only once indexed)
//
// index keys:
//   'V'                    u32 LE store version
//   'M' root               manifest, canonical encoding (manifest.ts)
//   'H' root               have-bitfield: bit i (LSB-first within byte i>>3) = piece i held
//                          and verified; complete blob = all bits set
//   'P' root tag           pin (value empty); a blob with no pin is garbage for gc()
//
// Order of writes makes every state safe to crash in: blob file first (tmp -> rename, or
// piece pwrite), index batch second; a blob file with no manifest is an orphan that open()
// and gc() delete, a set have-bit always refers to bytes already written.
import { join } from 'node:path';
import { fromHex } from './merkle.js';

export const STORE_VERSION = 1;

export const layout = {
  V: Uint8Array.of(0x56),
  M: (root: string) => key(0x4d, fromHex(root)),
  H: (root: string) => key(0x48, fromHex(root)),
  P: (root: string, tag: string) => key(0x50, fromHex(root), Buffer.from(tag, 'utf8')),
  /** Range bounds over every key of one prefix. */
  range: (prefix: number) => ({ gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) }),
  /** Range bounds over the pins of one root. */
  pinRange: (root: string) => ({ gte: key(0x50, fromHex(root)), lt: key(0x50, fromHex(root), Uint8Array.of(0xff, 0xff, 0xff, 0xff)) }),
};

function key(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((a, p) => a + p.length, 1);
  const out = new Uint8Array(len);
  out[0] = prefix;
  let at = 1;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function indexDir(dir: string): string { return join(dir, 'index'); }
export function blobsDir(dir: string): string { return join(dir, 'blobs'); }
export function tmpDir(dir: string): string { return join(dir, 'tmp'); }
export function blobPath(dir: string, root: string): string { return join(dir, 'blobs', root.slice(0, 2), root); }
