// A KV map standing in for an extension's state in unit tests: get, a bytewise-ordered
// iterator (LevelDB order: bytewise = hex order) and `apply` for a verdict's writes.
import type { KvChange } from '../../chain/extension.js';

export function kv() {
  const m = new Map<string, Uint8Array>();
  const k = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return {
    m,
    get: async (key: Uint8Array) => m.get(k(key)),
    apply(ch: readonly KvChange[]) { for (const c of ch) (c.value ? m.set(k(c.key), c.value) : m.delete(k(c.key))); },
    async *iterator(r: { gte: Uint8Array; lt: Uint8Array }): AsyncGenerator<[Uint8Array, Uint8Array]> {
      const lo = k(r.gte), hi = k(r.lt);
      for (const key of [...m.keys()].sort()) if (key >= lo && key < hi) yield [Buffer.from(key, 'hex'), m.get(key)!];
    },
  };
}
