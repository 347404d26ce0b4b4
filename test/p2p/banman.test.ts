import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BanMan, parseSubnet } from '../../p2p/banman.js';
import { AddrMan, MAX_ADDRS } from '../../p2p/addrman.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-banman-'));

test('subnets: canonical keys, netmasks, containment', () => {
  assert.is(parseSubnet('10.1.2.3').key, '10.1.2.3/32');
  assert.is(parseSubnet('10.1.2.3/8').key, '10.0.0.0/8');
  assert.is(parseSubnet('10.1.2.3/255.255.0.0').key, '10.1.0.0/16');
  assert.is(parseSubnet('::ffff:1.2.3.4').key, '1.2.3.4/32');
  assert.is(parseSubnet('2001:db8::1/32').key, '2001:db8:0:0:0:0:0:0/32');
  for (const bad of ['1.2.3', '1.2.3.4/33', '1.2.3.4/255.0.255.0', 'host.example', '1.2.3.4/8/8']) assert.throws(() => parseSubnet(bad), undefined, bad);
  const b = new BanMan();
  b.ban('10.0.0.0/8', 100);
  assert.ok(b.isBanned('10.200.3.4'));
  assert.not.ok(b.isBanned('11.0.0.1'));
  assert.not.ok(b.ban('10.0.0.0/255.0.0.0'), 'same subnet twice');
});

test('expiry, absolute times, persistence, clear', () => {
  let now = 1000;
  const file = join(dir, 'banlist.json');
  const b = new BanMan(file, () => now);
  b.ban('1.2.3.4', 50);
  b.ban('5.6.7.8', 5000, true);
  assert.equal(b.rpcList(), [
    { address: '1.2.3.4/32', ban_created: 1000, banned_until: 1050, ban_duration: 50, time_remaining: 50 },
    { address: '5.6.7.8/32', ban_created: 1000, banned_until: 5000, ban_duration: 4000, time_remaining: 4000 },
  ]);
  const again = new BanMan(file, () => now);
  assert.is(again.list().length, 2);
  now = 1050;
  assert.not.ok(again.isBanned('1.2.3.4'));
  assert.ok(again.isBanned('5.6.7.8'));
  assert.ok(again.unban('5.6.7.8/32'));
  assert.not.ok(again.unban('5.6.7.8'));
  b.clear();
  assert.is(new BanMan(file, () => now).list().length, 0);
});

test('punish: remote hosts banned for 24h, local ones only discouraged by host:port', () => {
  const b = new BanMan(undefined, () => 0);
  b.punish('8.8.8.8', 1234);
  assert.is(b.rpcList()[0].ban_duration, 86400);
  b.punish('127.0.0.1', 5555);
  assert.not.ok(b.isBanned('127.0.0.1'));
  assert.ok(b.isDiscouraged('127.0.0.1', 5555));
  assert.not.ok(b.isDiscouraged('127.0.0.1', 5556));
});

test('corrupt ban list and peers file are ignored', () => {
  writeFileSync(join(dir, 'bad.json'), '{not json');
  assert.is(new BanMan(join(dir, 'bad.json')).list().length, 0);
  assert.is(new AddrMan(join(dir, 'bad.json')).size, 0);
});

test('addrman: add/refresh, bounds, per-source cap, persistence, selection', () => {
  const now = 2_000_000_000;
  const file = join(dir, 'peers.json');
  const a = new AddrMan(file, () => now);
  assert.ok(a.add({ time: now, services: 1n, host: '::ffff:9.9.9.9', port: 8744 }, 's'));
  assert.not.ok(a.add({ time: now, services: 8n, host: '9.9.9.9', port: 8744 }, 's'));
  assert.is(a.get('9.9.9.9', 8744)!.services, '9');
  assert.not.ok(a.add({ time: now, services: 1n, host: '9.9.9.9', port: 0 }, 's'));
  a.good('9.9.9.9', 8744);
  for (let i = 0; i < 3000; i++) a.add({ time: now, services: 1n, host: `10.${i >> 8}.${i & 255}.1`, port: 1 }, 'flooder');
  assert.is(a.size, 1 + 1024, 'one source contributes at most 1024');
  for (let s = 0; s < 5; s++) for (let i = 0; i < 1000; i++) a.add({ time: now, services: 1n, host: `11.${s}.${i >> 8}.${i & 255}`, port: 1 }, `src${s}`);
  assert.ok(a.size <= MAX_ADDRS && a.size > MAX_ADDRS - 64, `size ${a.size}`);
  assert.ok(a.get('9.9.9.9', 8744), 'an address we connected to outlives never-tried ones');
  a.save();
  const b = new AddrMan(file, () => now);
  assert.is(b.size, a.size);
  assert.ok(b.sample(1000).length <= 1000);
  const pick = b.select(new Set());
  assert.ok(pick);
  // Future timestamps are clamped to five days ago.
  const c = new AddrMan(undefined, () => now);
  c.add({ time: now + 86400, services: 0n, host: '1.1.1.1', port: 1 }, 'x');
  assert.is(c.get('1.1.1.1', 1)!.time, now - 5 * 86400);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
