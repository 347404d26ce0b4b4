// Ban list with Core's semantics and RPC shapes (setban/listbanned/clearbanned): entries are
// subnets ("1.2.3.4/32", "10.0.0.0/8", IPv6 "/128"), each with a creation time and an
// absolute expiry; persisted as <networkDir>/banlist.json and swept of expired entries.
// Misbehaving *local* peers are disconnected but not banned (Core's rule: banning 127.0.0.1
// would ban every local peer); they are "discouraged" by host:port for this session instead.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { normalizeHost } from './wire/messages.js';
import { WireError } from './wire/buffer.js';

export const DEFAULT_BAN_TIME = 24 * 60 * 60;

export interface BanEntry { subnet: string; created: number; until: number }

interface Subnet { bytes: Uint8Array; prefix: number; v4: boolean }

function hostBytes(host: string): Uint8Array {
  const h = normalizeHost(host);
  const out = new Uint8Array(16);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(h)) {
    out[10] = 0xff; out[11] = 0xff;
    h.split('.').forEach((p, i) => { out[12 + i] = Number(p); });
  } else h.split(':').forEach((g, i) => { const n = parseInt(g, 16); out[2 * i] = n >> 8; out[2 * i + 1] = n & 0xff; });
  return out;
}

/** Parses "ip", "ip/prefix" or "ip/netmask" into a canonical subnet; throws on anything else. */
export function parseSubnet(s: string): { key: string; net: Subnet } {
  const [ip, mask, extra] = s.split('/');
  if (extra !== undefined || !ip) throw new WireError(`invalid subnet ${s}`);
  const host = normalizeHost(ip);
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(host);
  let prefix = v4 ? 32 : 128;
  if (mask !== undefined) {
    if (/^\d+$/.test(mask)) prefix = Number(mask);
    else if (v4 && /^\d+\.\d+\.\d+\.\d+$/.test(mask)) {
      const parts = mask.split('.').map(Number);
      if (parts.some((x) => x > 255)) throw new WireError(`invalid netmask ${mask}`);
      const bits = parts.reduce((a, b) => a * 256 + b, 0);
      let ones = 0;
      while (ones < 32 && Math.floor(bits / 2 ** (31 - ones)) % 2 === 1) ones++;
      if (bits !== (ones === 0 ? 0 : 2 ** 32 - 2 ** (32 - ones))) throw new WireError(`invalid netmask ${mask}`);
      prefix = ones;
    } else throw new WireError(`invalid netmask ${mask}`);
    if (prefix > (v4 ? 32 : 128)) throw new WireError(`invalid prefix ${mask}`);
  }
  const bytes = hostBytes(host);
  const bits = (v4 ? 96 : 0) + prefix;
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    bytes[i] &= (0xff << (8 - keep)) & 0xff;
  }
  const net: Subnet = { bytes, prefix: bits, v4 };
  const base = v4 ? `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}` : normalizeHost(Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16)).join(':'));
  return { key: `${base}/${prefix}`, net };
}

function contains(net: Subnet, host: string): boolean {
  let b: Uint8Array;
  try { b = hostBytes(host); } catch { return false; }
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, net.prefix - 8 * i));
    const m = (0xff << (8 - keep)) & 0xff;
    if ((b[i] & m) !== net.bytes[i]) return false;
  }
  return true;
}

export function isLocalHost(host: string): boolean {
  try {
    const h = normalizeHost(host);
    return h.startsWith('127.') || h === '0:0:0:0:0:0:0:1';
  } catch { return false; }
}

export class BanMan {
  private readonly bans = new Map<string, BanEntry & { net: Subnet }>();
  private readonly discouraged = new Set<string>();

  constructor(private readonly file?: string, private readonly now: () => number = () => Math.floor(Date.now() / 1000)) {
    if (file) this.load();
  }

  private load(): void {
    let raw: string;
    try { raw = readFileSync(this.file!, 'utf8'); } catch { return; }
    try {
      const list = JSON.parse(raw) as BanEntry[];
      for (const e of list) {
        const { key, net } = parseSubnet(e.subnet);
        if (Number.isSafeInteger(e.until) && Number.isSafeInteger(e.created)) this.bans.set(key, { subnet: key, created: e.created, until: e.until, net });
      }
    } catch { /* a corrupt ban list is ignored, as Core does, rather than failing startup */ }
    this.sweep();
  }

  private save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.new`;
    writeFileSync(tmp, JSON.stringify(this.list(), null, 1));
    renameSync(tmp, this.file);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.bans) if (e.until <= t) this.bans.delete(k);
  }

  /** Bans `subnet` until `until` (absolute) or for `bantime` seconds. Returns false if already banned. */
  ban(subnet: string, bantime = DEFAULT_BAN_TIME, absolute = false): boolean {
    const { key, net } = parseSubnet(subnet);
    this.sweep();
    if (this.bans.has(key)) return false;
    const created = this.now();
    this.bans.set(key, { subnet: key, created, until: absolute ? bantime : created + (bantime > 0 ? bantime : DEFAULT_BAN_TIME), net });
    this.save();
    return true;
  }

  unban(subnet: string): boolean {
    const { key } = parseSubnet(subnet);
    const had = this.bans.delete(key);
    if (had) this.save();
    return had;
  }

  clear(): void {
    this.bans.clear();
    this.discouraged.clear();
    this.save();
  }

  isBanned(host: string): boolean {
    this.sweep();
    for (const e of this.bans.values()) if (contains(e.net, host)) return true;
    return false;
  }

  /** Records a misbehaving peer: a ban for remote hosts, a session discouragement for local ones. */
  punish(host: string, port: number): void {
    if (isLocalHost(host)) this.discouraged.add(`${normalizeHost(host)}:${port}`);
    else this.ban(host);
  }

  isDiscouraged(host: string, port: number): boolean {
    try { return this.discouraged.has(`${normalizeHost(host)}:${port}`); } catch { return false; }
  }

  list(): BanEntry[] {
    this.sweep();
    return [...this.bans.values()].map(({ subnet, created, until }) => ({ subnet, created, until })).sort((a, b) => (a.subnet < b.subnet ? -1 : 1));
  }

  /** listbanned's shape. */
  rpcList(): { address: string; ban_created: number; banned_until: number; ban_duration: number; time_remaining: number }[] {
    const t = this.now();
    return this.list().map((e) => ({ address: e.subnet, ban_created: e.created, banned_until: e.until, ban_duration: e.until - e.created, time_remaining: Math.max(0, e.until - t) }));
  }
}
