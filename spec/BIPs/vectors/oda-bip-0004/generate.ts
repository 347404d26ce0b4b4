// Regenerates messages.json (valid frames) and invalid.json (frames that must be refused).
// Run: node --import tsx spec/BIPs/vectors/oda-bip-0004/generate.ts
// The test (test/p2p/wire.test.ts) checks both files in both directions.
import { writeFileSync } from 'node:fs';
import { genesisBlock, regtest } from '../../../../chain/params.js';
import { encodeFrame, HEADER_SIZE } from '../../../../p2p/wire/frame.js';
import { InvType, PROTOCOL_VERSION, Services, type Message } from '../../../../p2p/wire/messages.js';
import { messageToJson } from '../../../../p2p/wire/json.js';
import { Block, hashToHex } from '../../../../chain/block.js';
import { withStorageBit } from '../../../../chain/header.js';
import { encodeManifest } from '../../../../model-store/manifest.js';
import { sha256 } from '../../../../model-store/merkle.js';
import { basicFilter, filterHash } from '../../../../chain/blockfilter.js';
const sha256Hex = (b: Uint8Array) => Buffer.from(sha256(b)).toString('hex');

const dir = new URL('.', import.meta.url).pathname;
const magic = regtest.magic;
const genesis = genesisBlock(regtest);
const header = Block.fromBuffer(genesis.toBuffer(true));
// ODA-BIP-0006: the same block with the 113-byte header (version top bits 011, digest, skips).
const extended = Block.fromBuffer(genesis.toBuffer());
extended.version = withStorageBit(0x20000000);
extended.storage = { digest: Uint8Array.from({ length: 32 }, (_, i) => i), skips: 2 };
const extHeader = Block.fromBuffer(extended.toBuffer(true));
const h1 = '1ebac10f6af800d779d0d4fbb920a2e5eb5e7ef81370ddf9520a740839a8c07c';
const h2 = '00000000000000000000000000000000000000000000000000000000000000ff';
const root = 'a3f1c0de00112233445566778899aabbccddeeff00112233445566778899aabb';
const genesisFilter = basicFilter(genesis, []);

const msgs: Message[] = [
  { cmd: 'version', version: PROTOCOL_VERSION, services: Services.NODE_NETWORK | Services.NODE_WITNESS | Services.NODE_ODA_VALIDATE | Services.NODE_MODEL_STORE, timestamp: 1767225600n,
    addrRecv: { time: 0, services: 0n, host: '127.0.0.1', port: 28444 }, addrFrom: { time: 0, services: Services.NODE_NETWORK, host: '0:0:0:0:0:0:0:1', port: 28445 },
    nonce: 0x0123456789abcdefn, userAgent: '/oda:0.1.0/', startHeight: 101, relay: true, maxCostUnits: 1_000_000_000n },
  { cmd: 'verack' },
  { cmd: 'ping', nonce: 42n },
  { cmd: 'pong', nonce: 42n },
  { cmd: 'getaddr' },
  { cmd: 'addr', addrs: [{ time: 1767225600, services: Services.NODE_NETWORK | Services.NODE_WITNESS, host: '10.0.0.1', port: 28444 }, { time: 1767225601, services: 0n, host: '2001:db8:0:0:0:0:0:1', port: 8744 }] },
  { cmd: 'sendheaders' },
  { cmd: 'getheaders', version: PROTOCOL_VERSION, locator: [h1], stop: '0'.repeat(64) },
  { cmd: 'headers', headers: [header] },
  { cmd: 'inv', items: [{ type: InvType.MSG_BLOCK, hash: h1 }, { type: InvType.MSG_TX, hash: h2 }] },
  { cmd: 'getdata', items: [{ type: InvType.MSG_BLOCK, hash: h1 }] },
  { cmd: 'notfound', items: [{ type: InvType.MSG_TX, hash: h2 }] },
  { cmd: 'block', block: genesis },
  { cmd: 'tx', tx: genesis.transactions![0] },
  { cmd: 'mempool' },
  { cmd: 'feefilter', feeRate: 1000n },
  { cmd: 'getmanifest', root },
  { cmd: 'manifest', manifest: encodeManifest({ root: sha256Hex(Uint8Array.of(1, 2, 3)), length: 3, pieceSize: 1048576, mediaType: 'raw', pieceLayer: [sha256(Uint8Array.of(1, 2, 3))] }) },
  { cmd: 'getblobhave', root },
  { cmd: 'blobhave', root, length: 3n * 1048576n + 5n, bitfield: Uint8Array.of(0b00001101) },
  { cmd: 'havepiece', root, index: 2 },
  { cmd: 'getpiece', root, index: 3 },
  { cmd: 'piece', root, index: 3, data: Uint8Array.of(1, 2, 3, 4, 5) },
  { cmd: 'nopiece', root, index: 0xffffffff },
  // ODA-BIP-0007 model proofs (lite clients): the proof bytes are opaque here (ODA-BIP-0007 vectors).
  { cmd: 'getmodproof', modelId: root, version: 0xffffffff },
  { cmd: 'modproof', modelId: root, version: 1, height: 250, header: header.toBuffer(true), proof: Uint8Array.of(1, 2, 3) },
  { cmd: 'nomodproof', modelId: root, version: 0xffffffff, reason: 'model not in the registry' },
  // BIP 157 (section 11): the regtest genesis block's basic filter and its hash.
  { cmd: 'getcfilters', filterType: 0, startHeight: 0, stopHash: h1 },
  { cmd: 'cfilter', filterType: 0, blockHash: h1, filter: genesisFilter },
  { cmd: 'getcfheaders', filterType: 0, startHeight: 0, stopHash: h1 },
  { cmd: 'cfheaders', filterType: 0, stopHash: h1, prevFilterHeader: '0'.repeat(64), filterHashes: [hashToHex(filterHash(genesisFilter))] },
  // ODA-BIP-0006 extended headers: the version's top bits 011 announce 33 more header bytes.
  { cmd: 'headers', headers: [header, extHeader] },
  { cmd: 'block', block: extended },
  // BIP 157 checkpoints (section 11): an empty answer (stop below height 1000) and one with two headers.
  { cmd: 'getcfcheckpt', filterType: 0, stopHash: h1 },
  { cmd: 'cfcheckpt', filterType: 0, stopHash: h1, filterHeaders: [] },
  { cmd: 'cfcheckpt', filterType: 0, stopHash: h1, filterHeaders: [h2, hashToHex(filterHash(genesisFilter))] },
];

const valid = msgs.map((m) => ({ message: messageToJson(m), hex: Buffer.from(encodeFrame(magic, m)).toString('hex') }));
writeFileSync(dir + 'messages.json', JSON.stringify({ network: 'regtest', magic: magic.toString(16).padStart(8, '0'), vectors: valid }, null, 1) + '\n');

const frame = (m: Message) => Buffer.from(encodeFrame(magic, m));
const withPayload = (cmd: string, payload: Buffer, len = payload.length) => {
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeUInt32BE(magic, 0); h.write(cmd, 4, 'ascii'); h.writeUInt32LE(len, 16);
  return Buffer.concat([h, payload]);
};
const ping = frame({ cmd: 'ping', nonce: 1n });
const wrongMagic = Buffer.from(ping); wrongMagic.writeUInt32BE(0xfabfb5da, 0);
const nonCanonicalInv = withPayload('inv', Buffer.concat([Buffer.from([0xfd, 0x01, 0x00]), Buffer.alloc(36)]));
const badSpare = frame({ cmd: 'blobhave', root, length: 3n * 1048576n, bitfield: Uint8Array.of(0b00000111) }); badSpare[badSpare.length - 1] |= 0x80;
const invalid = [
  { comment: 'shorter than the header', hex: ping.subarray(0, 10), fault: 'header' },
  { comment: 'wrong network magic (Bitcoin regtest)', hex: wrongMagic, fault: 'magic' },
  { comment: 'unknown command', hex: withPayload('reject', Buffer.alloc(0)), fault: 'unknown-command' },
  { comment: 'upper-case command byte', hex: withPayload('PING', Buffer.alloc(8)), fault: 'header' },
  { comment: 'byte after the NUL padding', hex: (() => { const b = Buffer.from(ping); b[15] = 0x61; return b; })(), fault: 'header' },
  { comment: 'ping payload larger than 8 bytes', hex: withPayload('ping', Buffer.alloc(9)), fault: 'oversize' },
  { comment: 'declared length beyond the frame (truncated)', hex: withPayload('ping', Buffer.alloc(4), 8), fault: 'length' },
  { comment: 'trailing bytes after the frame', hex: Buffer.concat([ping, Buffer.alloc(1)]), fault: 'length' },
  { comment: 'verack with a payload', hex: withPayload('verack', Buffer.alloc(1)), fault: 'oversize' },
  { comment: 'non-canonical CompactSize count', hex: nonCanonicalInv, fault: 'payload' },
  { comment: 'inv count larger than the items present', hex: withPayload('inv', Buffer.concat([Buffer.from([2]), Buffer.alloc(36)])), fault: 'payload' },
  { comment: 'unknown inv type', hex: withPayload('inv', Buffer.concat([Buffer.from([1, 9, 0, 0, 0]), Buffer.alloc(32)])), fault: 'payload' },
  { comment: 'headers entry with non-zero tx count', hex: withPayload('headers', Buffer.concat([Buffer.from([1]), header.toBuffer(true), Buffer.from([1])])), fault: 'payload' },
  { comment: 'block with trailing bytes', hex: withPayload('block', Buffer.concat([genesis.toBuffer(), Buffer.from([0])])), fault: 'payload' },
  { comment: 'tx with trailing bytes', hex: withPayload('tx', Buffer.concat([genesis.transactions![0].toBuffer(), Buffer.from([0])])), fault: 'payload' },
  { comment: 'blobhave spare bits set', hex: badSpare, fault: 'payload' },
  { comment: 'cfheaders count larger than the hashes present', hex: withPayload('cfheaders', Buffer.concat([Buffer.from([0]), Buffer.alloc(64), Buffer.from([2]), Buffer.alloc(32)])), fault: 'payload' },
  { comment: 'getcfilters with a trailing byte', hex: withPayload('getcfilters', Buffer.alloc(38)), fault: 'oversize' },
  { comment: 'headers entry with the storage top bits but an 80-byte header', hex: withPayload('headers', Buffer.concat([Buffer.from([1]), extHeader.toBuffer(true).subarray(0, 80), Buffer.from([0])])), fault: 'payload' },
  { comment: 'block with the storage top bits but no header extension', hex: withPayload('block', Buffer.concat([extended.toBuffer().subarray(0, 80), genesis.toBuffer().subarray(80)])), fault: 'payload' },
  { comment: 'version relay flag 2', hex: (() => { const b = frame(msgs[0]); b[b.length - 9] = 2; return b; })(), fault: 'payload' },
  { comment: 'getcfcheckpt with a start height (getcfheaders layout)', hex: withPayload('getcfcheckpt', Buffer.alloc(37)), fault: 'oversize' },
  { comment: 'cfcheckpt count larger than the headers present', hex: withPayload('cfcheckpt', Buffer.concat([Buffer.from([0]), Buffer.alloc(32), Buffer.from([3]), Buffer.alloc(64)])), fault: 'payload' },
  { comment: 'cfcheckpt count above 100,000', hex: withPayload('cfcheckpt', Buffer.concat([Buffer.from([0]), Buffer.alloc(32), Buffer.from([0xfe, 0xa1, 0x86, 0x01, 0x00])])), fault: 'payload' },
].map((v) => ({ ...v, hex: v.hex.toString('hex') }));
writeFileSync(dir + 'invalid.json', JSON.stringify({ network: 'regtest', vectors: invalid }, null, 1) + '\n');
console.log(`${valid.length} valid, ${invalid.length} invalid vectors written`);
