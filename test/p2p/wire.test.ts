import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { regtest } from '../../chain/params.js';
import { decodeFrame, encodeFrame, FrameError, MAX_FRAME } from '../../p2p/wire/frame.js';
import { messageFromJson, messageToJson } from '../../p2p/wire/json.js';
import { COMMANDS, MAX_PAYLOAD, normalizeHost } from '../../p2p/wire/messages.js';
import { Reader, Writer, WireError } from '../../p2p/wire/buffer.js';

const dir = new URL('../../spec/BIPs/vectors/oda-bip-0004/', import.meta.url).pathname;
const valid = JSON.parse(readFileSync(dir + 'messages.json', 'utf8'));
const invalid = JSON.parse(readFileSync(dir + 'invalid.json', 'utf8'));
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

test('vector file covers every command', () => {
  const covered = new Set(valid.vectors.map((v: any) => v.message.cmd));
  for (const c of COMMANDS) assert.ok(covered.has(c), `no vector for ${c}`);
  assert.is(valid.magic, regtest.magic.toString(16).padStart(8, '0'));
});

test('valid vectors: encode(fields) == hex and decode(hex) == fields', () => {
  for (const v of valid.vectors) {
    const m = messageFromJson(v.message);
    assert.is(Buffer.from(encodeFrame(regtest.magic, m)).toString('hex'), v.hex, v.message.cmd);
    const back = decodeFrame(regtest.magic, unhex(v.hex));
    assert.equal(messageToJson(back), v.message, v.message.cmd);
  }
});

test('invalid vectors are refused with the documented fault', () => {
  for (const v of invalid.vectors) {
    try {
      decodeFrame(regtest.magic, unhex(v.hex));
      assert.unreachable(`accepted: ${v.comment}`);
    } catch (e) {
      assert.instance(e, FrameError, v.comment);
      assert.is((e as FrameError).fault, v.fault, v.comment);
    }
  }
});

test('every truncation of every valid frame is refused', () => {
  for (const v of valid.vectors) {
    const b = unhex(v.hex);
    for (let n = 0; n < b.length; n++) {
      assert.throws(() => decodeFrame(regtest.magic, b.subarray(0, n)), (e: unknown) => e instanceof FrameError, `${v.message.cmd} cut at ${n}`);
    }
  }
});

test('random garbage never decodes into a message silently accepted with wrong size', () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const b = new Uint8Array(1 + (rnd() % 120));
    for (let j = 0; j < b.length; j++) b[j] = rnd();
    if (i % 2 === 0 && b.length >= 20) { b[0] = 0x0d; b[1] = 0xa7; b[2] = 0xe5; b[3] = 0x7a; }
    assert.throws(() => decodeFrame(regtest.magic, b), (e: unknown) => e instanceof FrameError);
  }
});

test('CompactSize: canonical round trip, non-canonical rejected, limit enforced', () => {
  for (const n of [0, 0xfc, 0xfd, 0xffff, 0x10000, 0xffffffff, 0x100000000]) {
    const r = new Reader(new Writer().varint(n).finish());
    assert.is(r.varint(Number.MAX_SAFE_INTEGER), n);
    r.end();
  }
  assert.throws(() => new Reader(Uint8Array.of(0xfd, 0x10, 0)).varint(1e9), /non-canonical/);
  assert.throws(() => new Reader(Uint8Array.of(0xfe, 0xff, 0xff, 0, 0)).varint(1e9), /non-canonical/);
  assert.throws(() => new Reader(Uint8Array.of(0xff, 1, 0, 0, 0, 0, 0, 0, 0)).varint(1e9), /non-canonical/);
  assert.throws(() => new Reader(Uint8Array.of(10)).varint(9), /exceeds limit/);
  assert.throws(() => new Reader(Uint8Array.of(1, 2)).end(), (e: unknown) => e instanceof WireError);
});

test('size limits: per command, and the frame limit covers the largest', () => {
  assert.is(MAX_PAYLOAD.ping, 8);
  assert.is(MAX_PAYLOAD.block, 4_000_000);
  assert.ok(MAX_FRAME >= MAX_PAYLOAD.block + 20);
  assert.throws(() => encodeFrame(regtest.magic, { cmd: 'addr', addrs: Array(1001).fill({ time: 0, services: 0n, host: '1.2.3.4', port: 1 }) }));
});

test('addresses normalise (IPv4-mapped, compressed IPv6)', () => {
  assert.is(normalizeHost('::ffff:127.0.0.1'), '127.0.0.1');
  assert.is(normalizeHost('::1'), '0:0:0:0:0:0:0:1');
  assert.throws(() => normalizeHost('300.1.1.1'));
  assert.throws(() => normalizeHost('example.com'));
});

test.run();
