// Address manager: the peers we know of, learnt from -addnode/-connect, from addr gossip and
// from successful connections; bounded, persisted as <networkDir>/peers.json (Core's
// peers.dat role), and asked for outbound candidates. Much simpler than Core's
// new/tried buckets: ODA networks are small, and eviction by age plus a per-source cap keeps
// one gossiping peer from filling the table.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { normalizeHost, type NetAddr } from './wire/messages.js';

export interface AddrInfo {
  host: string; port: number; services: string; time: number;
  source: string; attempts: number; lastTry: number; lastSuccess: number;
}

export const MAX_ADDRS = 4096;
/** One source may contribute at most this many entries. */
export const MAX_PER_SOURCE = 1024;

/** Core's CNetAddr::IsRoutable, for the address kinds ODA uses (IPv4, IPv6). */
export function isRoutable(host: string): boolean {
  let h: string;
  try { h = normalizeHost(host); } catch { return false; }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return !(a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224 || (a === 100 && b >= 64 && b <= 127));
  }
  const first = parseInt(h.split(':')[0], 16);
  if (h === '0:0:0:0:0:0:0:0' || h === '0:0:0:0:0:0:0:1') return false;
  if ((first & 0xffc0) === 0xfe80 || (first & 0xfe00) === 0xfc00 || (first & 0xff00) === 0xff00 || first === 0x2001 && h.split(':')[1] === 'db8') return false;
  return true;
}

export function addrKey(host: string, port: number): string {
  const h = normalizeHost(host);
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}

export class AddrMan {
  private readonly table = new Map<string, AddrInfo>();
  private readonly perSource = new Map<string, number>();
  constructor(private readonly file?: string, private readonly now: () => number = () => Math.floor(Date.now() / 1000)) {
    if (file) this.load();
  }

  get size(): number { return this.table.size; }

  private load(): void {
    try {
      const rows = JSON.parse(readFileSync(this.file!, 'utf8')) as AddrInfo[];
      for (const r of rows.slice(0, MAX_ADDRS)) {
        try { this.insert(addrKey(r.host, r.port), { ...r, host: normalizeHost(r.host) }); } catch { /* skip bad row */ }
      }
    } catch { /* missing or corrupt peers file: start empty, as Core does */ }
  }

  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.new`;
    writeFileSync(tmp, JSON.stringify([...this.table.values()]));
    renameSync(tmp, this.file);
  }

  /** Adds or refreshes an address; returns true if it was new. */
  add(a: NetAddr, source: string): boolean {
    if (a.port === 0 || a.port > 65535) return false;
    let key: string;
    try { key = addrKey(a.host, a.port); } catch { return false; }
    const t = this.now();
    // Core clamps addresses claiming to be from the future or too old to "5 days ago".
    const time = a.time > t + 600 || a.time < 100_000_000 ? t - 5 * 86400 : a.time;
    const old = this.table.get(key);
    if (old) {
      if (time > old.time) old.time = time;
      old.services = (BigInt(old.services) | a.services).toString();
      return false;
    }
    if ((this.perSource.get(source) ?? 0) >= MAX_PER_SOURCE) return false;
    if (this.table.size >= MAX_ADDRS) this.evict();
    this.insert(key, { host: normalizeHost(a.host), port: a.port, services: a.services.toString(), time, source, attempts: 0, lastTry: 0, lastSuccess: 0 });
    return true;
  }

  private insert(key: string, e: AddrInfo): void {
    this.table.set(key, e);
    this.perSource.set(e.source, (this.perSource.get(e.source) ?? 0) + 1);
  }

  private delete(key: string): void {
    const e = this.table.get(key);
    if (!e) return;
    this.table.delete(key);
    this.perSource.set(e.source, (this.perSource.get(e.source) ?? 1) - 1);
  }

  /** Drops the 64 worst entries at once (never-connected, oldest, most failed first), so a full table costs one sort per 64 inserts. */
  private evict(): void {
    const score = (e: AddrInfo) => (e.lastSuccess ? 1e10 : 0) + e.time - e.attempts * 3600;
    const worst = [...this.table.entries()].sort((a, b) => score(a[1]) - score(b[1])).slice(0, 64);
    for (const [k] of worst) this.delete(k);
  }

  remove(host: string, port: number): void { this.delete(addrKey(host, port)); }
  get(host: string, port: number): AddrInfo | undefined { return this.table.get(addrKey(host, port)); }

  attempt(host: string, port: number): void {
    const e = this.table.get(addrKey(host, port));
    if (e) { e.attempts++; e.lastTry = this.now(); }
  }

  good(host: string, port: number): void {
    const e = this.table.get(addrKey(host, port));
    if (e) { e.attempts = 0; e.lastSuccess = e.time = this.now(); }
  }

  /** An outbound candidate not in `exclude`, not tried in the last minute; prefers ones that worked. */
  select(exclude: Set<string>): AddrInfo | undefined {
    const t = this.now();
    const ok = [...this.table.entries()].filter(([k, e]) => !exclude.has(k) && t - e.lastTry >= 60 && e.attempts < 10).map(([, e]) => e);
    if (ok.length === 0) return undefined;
    const tried = ok.filter((e) => e.lastSuccess > 0);
    const pool = tried.length > 0 && Math.random() < 0.5 ? tried : ok;
    return pool[Math.floor(Math.random() * pool.length)];
  }

  /** Answer to getaddr: a random sample, at most `max` (Core sends ≤23% of the table, ≤1000). */
  sample(max: number): NetAddr[] {
    const all = [...this.table.values()].filter((e) => e.attempts < 10);
    const n = Math.min(max, Math.max(1, Math.ceil(all.length * 0.23)), all.length);
    for (let i = all.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [all[i], all[j]] = [all[j], all[i]]; }
    return all.slice(0, n).map((e) => ({ time: e.time, services: BigInt(e.services), host: e.host, port: e.port }));
  }
}
