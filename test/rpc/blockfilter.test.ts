// getblockfilter on an in-process node: the filter of a block matches its own output scripts
// and the scripts it spends, filter headers chain from genesis (prev = 32 zero bytes), they are
// the same after a restart (rebuilt from block and undo files), Core's errors for bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FullNode } from '../../node/node.js';
import { regtest } from '../../chain/params.js';
import { allMethods } from '../../rpc/methods/index.js';
import { RpcError } from '../../rpc/errors.js';
import { addressToScript } from '../../chain/address.js';
import { filterHeader, filterKey, gcsMatchAny } from '../../chain/blockfilter.js';
import { hexToHash } from '../../chain/block.js';

const dir = mkdtempSync(join(tmpdir(), 'oda-blockfilter-'));
const methods = new Map(allMethods().map((m) => [m.name, m]));

async function start() {
  const node = new FullNode({
    params: regtest, networkDir: join(dir, 'regtest'), rpc: false, p2p: false, wallet: true,
    fallbackFee: 20_000n, maxMempool: 300_000_000, printToConsole: false, debug: [], config: {},
  });
  await node.start();
  const ctx = node.context();
  return { node, call: async (name: string, ...args: unknown[]): Promise<any> => methods.get(name)!.handler(args, ctx) };
}

test('getblockfilter: matches the block\'s scripts, headers chain from genesis, same after a restart', async () => {
  let { node, call } = await start();
  try {
    const addr = await call('getnewaddress');
    await call('generatetoaddress', 101, addr);
    const to = await call('getnewaddress');
    await call('sendtoaddress', to, 1);
    const [hash] = await call('generatetoaddress', 1, addr);
    const got = await call('getblockfilter', hash);
    const key = filterKey(hexToHash(hash));
    const filter = Buffer.from(got.filter, 'hex');
    assert.ok(gcsMatchAny(key, filter, [addressToScript(to, regtest)]), 'the payment\'s output script');
    assert.ok(gcsMatchAny(key, filter, [addressToScript(addr, regtest)]), 'the spent coinbase\'s script');
    assert.not.ok(gcsMatchAny(key, filter, [Buffer.from('0014' + 'ab'.repeat(20), 'hex')]));
    const genesis = await call('getblockfilter', regtest.genesis.hash);
    assert.is(genesis.header, Buffer.from(filterHeader(Buffer.from(genesis.filter, 'hex'), new Uint8Array(32))).reverse().toString('hex'));
    const prevHash = (await call('getblockheader', hash)).previousblockhash;
    const prev = await call('getblockfilter', prevHash);
    assert.is(got.header, Buffer.from(filterHeader(filter, Buffer.from(prev.header, 'hex').reverse())).reverse().toString('hex'));
    await call('getblockfilter', hash, 'extended').then(() => assert.unreachable(), (e: RpcError) => assert.is(e.message, 'Unknown filtertype'));
    await call('getblockfilter', 'ab'.repeat(32)).then(() => assert.unreachable(), (e: RpcError) => assert.is(e.message, 'Block not found'));
    await node.stop();
    ({ node, call } = await start());
    assert.equal(await call('getblockfilter', hash), got);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
