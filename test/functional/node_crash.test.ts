// kill -9 of the real odad at seeded random moments while it mines (-mine and
// generatetoaddress), pays from its wallet and reorganizes (invalidateblock / a competing
// branch / reconsiderblock); every other restart is killed too once the chain is loaded, and
// every third clean shutdown right after its stop RPC. After every recovery the node must
// answer RPC with a UTXO set holding exactly the subsidies of its active chain (fees go to
// miners, so they cancel; the genesis output is unspendable), know every block, wallet payment
// and address it acknowledged before the kill, have a wallet whose coins are real UTXOs and
// equal a rescan from genesis, and a mempool whose inputs exist. At the end a fresh node
// replays the crashed node's active chain with submitblock and must reach the identical UTXO
// set (hash_serialized_3, txouts, total_amount, bogosize).
// Reproduce a failure with ODA_CRASH_SEED=<seed printed below> (ODA_CRASH_ROUNDS=n for more
// kills); the data dir is kept. ~30-70 s on a loaded 2-core machine: every kill means a new
// odad process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getBlockSubsidy } from '../../chain/tx-checks.js';
import { regtest } from '../../chain/params.js';
import { RpcError } from '../../rpc/errors.js';
import { amountToSats } from '../../rpc/amount.js';
import { runFunctionalTest, sleep, waitUntil, type TestNode } from './framework.js';
import { rng } from '../validator/helpers.js';

const SEED = Number(process.env.ODA_CRASH_SEED ?? 20261121) >>> 0;
const ROUNDS = Number(process.env.ODA_CRASH_ROUNDS ?? 8);
/** Bounds on one round's driver (it normally runs until the kill, well inside both). */
const MAX_OPS_PER_ROUND = 500;
const MAX_ROUND_MS = 20_000;

// A seeded PRNG (mulberry32), so kill points and operations are reproducible.
const prng = rng;

/** RPC amounts are JSON numbers; toFixed(8) avoids exponent forms such as 1e-7. */
function sats(btc: number): bigint {
  return amountToSats(btc.toFixed(8));
}

function subsidies(height: number): bigint {
  let total = 0n;
  for (let h = 1; h <= height; h++) total += getBlockSubsidy(h, regtest);
  return total;
}

/** The node went away under the call (expected once we have killed it). */
function transportError(e: unknown): boolean {
  if (e instanceof RpcError) return false;
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE' || /socket hang up|unparseable reply/.test(String((e as Error)?.message));
}

interface Acked {
  /** Block hashes generatetoaddress returned, in order; `blocksChecked` of them seen after a kill. */
  blocks: string[];
  blocksChecked: number;
  payments: Set<string>;
  addresses: Set<string>;
}

/**
 * A fresh wallet address; one handed out before must never come back (its key index is
 * durable). Fresh payout addresses also keep blocks unique: regtest blocks mined faster than
 * one per second carry time = MTP + 1, so mining to one script on the parent of an invalidated
 * block would rebuild that very block (duplicate-invalid).
 */
async function freshAddress(node: TestNode, acked: Acked): Promise<string> {
  const a: string = await node.wallet('').getnewaddress();
  if (acked.addresses.has(a)) throw new Error(`getnewaddress handed out ${a} a second time`);
  acked.addresses.add(a);
  return a;
}

/**
 * One round's workload until `killed()`: sequential RPCs chosen by `rand`. Records what the
 * node acknowledged (returned) so the restart can check it survived.
 */
async function drive(node: TestNode, rand: () => number, acked: Acked, killed: () => boolean, log: string[]): Promise<void> {
  const w = node.wallet('');
  const deadline = Date.now() + MAX_ROUND_MS;
  for (let op = 0; op < MAX_OPS_PER_ROUND && Date.now() < deadline && !killed(); op++) {
    const r = rand();
    try {
      if (r < 0.35) {
        const n = 1 + Math.floor(rand() * 3);
        log.push(`mine ${n}`);
        const hashes: string[] = await node.generatetoaddress(n, await freshAddress(node, acked));
        acked.blocks.push(...hashes);
      } else if (r < 0.7) {
        const amount = Number((0.1 + rand() * 5).toFixed(8));
        log.push(`pay ${amount}`);
        const txid: string = await w.sendtoaddress(await freshAddress(node, acked), amount);
        acked.payments.add(txid);
      } else {
        // A reorg of depth d: invalidate the last d blocks, mine a competing branch, then
        // reconsider. A branch of d+1 blocks stays active; one of d-1 blocks loses to the
        // reconsidered (longer) original, which reconnects.
        const d = 1 + Math.floor(rand() * 3);
        const branch = rand() < 0.5 ? d + 1 : d - 1;
        const height: number = await node.getblockcount();
        if (height - d < 101) continue;
        log.push(`reorg ${d}->${branch}`);
        const hash: string = await node.getblockhash(height - d + 1);
        const branchAddr = await freshAddress(node, acked);
        await node.invalidateblock(hash);
        if (branch > 0) acked.blocks.push(...(await node.generatetoaddress(branch, branchAddr)) as string[]);
        await node.reconsiderblock(hash);
      }
    } catch (e) {
      if (killed() && transportError(e)) { log.push('<killed>'); return; }
      // The -mine miner races the driver: the block it invalidates may already be off the
      // main chain, or a height vanish under getblockhash. Anything else is a node bug.
      if (e instanceof RpcError && (e.code === -8 || e.code === -5)) { log.push(`race ${e.code}`); continue; }
      throw e;
    }
  }
}

/**
 * The invariants a restarted node must hold (run with its miner off, so the snapshots taken
 * by separate calls agree). Returns how many acknowledged wallet payments are neither
 * confirmed nor in the mempool (unconfirmed ones the kill dropped with the mempool).
 */
async function checkConsistent(node: TestNode, acked: Acked, round: number, all: boolean): Promise<number> {
  const at = `round ${round}`;
  const height: number = await node.getblockcount();
  const best: string = await node.getbestblockhash();
  const info = await node.gettxoutsetinfo();
  assert.is(info.height, height, `${at}: gettxoutsetinfo height`);
  assert.is(info.bestblock, best, `${at}: gettxoutsetinfo bestblock`);
  assert.is(await node.getblockhash(height), best, `${at}: getblockhash(tip)`);
  // No coin lost or duplicated: the UTXO set holds exactly the subsidies of the active chain.
  assert.is(sats(info.total_amount), subsidies(height), `${at}: total_amount at height ${height} (txouts ${info.txouts})`);

  // Durability: what the node acknowledged before the kill is still known (blocks from
  // earlier rounds were checked then, and once more after the last round).
  for (const h of acked.blocks.slice(all ? 0 : acked.blocksChecked)) {
    try { await node.getblockheader(h); } catch (e) { throw new Error(`${at}: acknowledged block ${h} lost after kill -9: ${(e as Error).message}`); }
  }
  acked.blocksChecked = acked.blocks.length;
  const w = node.wallet('');
  const pool: string[] = await node.getrawmempool();
  const inPool = new Set(pool);
  let dropped = 0;
  for (const txid of acked.payments) {
    let wtx: any;
    try { wtx = await w.gettransaction(txid); } catch (e) { throw new Error(`${at}: acknowledged wallet payment ${txid} lost after kill -9: ${(e as Error).message}`); }
    if (wtx.confirmations <= 0 && !inPool.has(txid)) {
      dropped++;
      // The node resubmits unconfirmed wallet txs at startup (Core's ResubmitWalletTransactions):
      // one still out of the mempool must be one the mempool refuses (e.g. a reorg orphaned its coins).
      const [res] = await node.testmempoolaccept([wtx.hex]);
      assert.is(res.allowed, false, `${at}: wallet payment ${txid} is valid but was not resubmitted after the restart`);
    }
  }

  // The wallet catches up with the chain after the restart, then every coin it counts as
  // unspent and confirmed is a real UTXO of the same value, and its balances add up.
  await waitUntil(async () => (await w.getbalances()).lastprocessedblock?.hash === (await node.getbestblockhash()), 30_000, `${at}: wallet caught up`);
  const confirmed: any[] = await w.listunspent(1, 9_999_999, null, true, { include_immature_coinbase: true });
  for (const c of confirmed) {
    const utxo = await node.gettxout(c.txid, c.vout, false);
    assert.ok(utxo, `${at}: wallet coin ${c.txid}:${c.vout} is not in the UTXO set`);
    assert.is(sats(utxo.value), sats(c.amount), `${at}: wallet coin ${c.txid}:${c.vout} value`);
  }
  const withUnconfirmed: any[] = await w.listunspent(0, 9_999_999, null, true, { include_immature_coinbase: true });
  const bal = (await w.getbalances()).mine;
  const sum = withUnconfirmed.reduce((s: bigint, c: any) => s + sats(c.amount), 0n);
  assert.is(sum, sats(bal.trusted) + sats(bal.untrusted_pending) + sats(bal.immature), `${at}: listunspent sum vs getbalances ${JSON.stringify(bal)}`);

  // Completeness too: a rescan from genesis rebuilds the wallet's confirmed view from the
  // chain alone; the view the wallet resumed with after the kill must be the same.
  const key = (cs: any[]) => cs.map((c) => `${c.txid}:${c.vout}:${sats(c.amount)}:${c.confirmations}`).sort();
  await w.rescanblockchain(0);
  const rescanned: any[] = await w.listunspent(1, 9_999_999, null, true, { include_immature_coinbase: true });
  assert.equal(key(rescanned), key(confirmed), `${at}: wallet coins differ from a rescan`);
  assert.equal((await w.getbalances()).mine, bal, `${at}: wallet balances differ after a rescan`);

  // The mempool reloaded (or lost) after the kill holds only transactions whose inputs exist.
  for (const txid of pool) {
    const tx = await node.getrawtransaction(txid, true);
    for (const vin of tx.vin) {
      if (inPool.has(vin.txid)) continue;
      assert.ok(await node.gettxout(vin.txid, vin.vout, false), `${at}: mempool tx ${txid} spends missing ${vin.txid}:${vin.vout}`);
    }
  }
  return dropped;
}

/** debug.log from byte `from` on. */
function logSince(node: TestNode, from: number): string {
  const f = join(node.networkDir, 'debug.log');
  return existsSync(f) ? readFileSync(f).subarray(from).toString('utf8') : '';
}
function logSize(node: TestNode): number {
  const f = join(node.networkDir, 'debug.log');
  return existsSync(f) ? statSync(f).size : 0;
}

test('kill -9 during mining, payments and reorgs: restarts consistent, UTXO set equals a clean replay', async () => {
  console.log(`node_crash: seed ${SEED} (ODA_CRASH_SEED), ${ROUNDS} kills`);
  await runFunctionalTest({ numNodes: 1 }, async ([a], env) => {
    const rand = prng(SEED);
    const acked: Acked = { blocks: [], blocksChecked: 0, payments: new Set(), addresses: new Set() };
    await a.generatetoaddress(110, await freshAddress(a, acked));
    const mineArgs = ['-mine', '-mineinterval=1'];
    a.extraArgs = mineArgs;
    await a.restart();
    let minerBlocks = 0;

    for (let round = 0; round < ROUNDS; round++) {
      let killed = false;
      const log: string[] = [];
      // Up to 1.6 s, so the 1 s -mine miner also mines (or is mid-block) at some kills.
      const delay = 50 + Math.floor(rand() * 1550);
      const logFrom = logSize(a);
      const driver = drive(a, prng(SEED + round + 1), acked, () => killed, log);
      // A driver failure before the kill must not be masked by the kill.
      const early = await Promise.race([driver.then(() => 'done' as const), sleep(delay).then(() => 'timer' as const)]);
      killed = true;
      const before = await a.getblockcount().catch(() => '?');
      await a.kill();
      await driver;
      minerBlocks += (logSince(a, logFrom).match(/miner: mined block/g) ?? []).length;
      console.log(`round ${round}: kill -9 after ${delay} ms${early === 'done' ? ' (driver done)' : ''} near height ${before}; ops: ${log.join(', ') || 'none'}`);

      // Every other round also kills the restart itself, once the chain is open (mempool
      // import, wallet catch-up, RPC start-up are under way).
      const restartFrom = logSize(a);
      if (round % 2 === 1) {
        a.start(mineArgs);
        await waitUntil(() => /Loaded best chain/.test(logSince(a, restartFrom)) || !a.running, 60_000, 'chain loaded');
        await a.kill();
        console.log(`round ${round}: kill -9 during start-up`);
      }
      const from = logSize(a);
      a.start([]);
      await a.waitForRpc();
      const t0 = Date.now();
      const dropped = await checkConsistent(a, acked, round, round === ROUNDS - 1);
      const checkMs = Date.now() - t0;
      const errors = logSince(a, from).split('\n').filter((l) => /Error:|failed:/.test(l));
      assert.equal(errors, [], `round ${round}: errors in debug.log after the restart`);
      console.log(`round ${round}: restarted at height ${await a.getblockcount()}, consistent (checked in ${checkMs} ms); ${dropped} of ${acked.payments.size} acknowledged payments unconfirmed and out of the mempool`);
      if (round === ROUNDS - 1) break;
      // The recovered node also shuts down cleanly, or, every third round, is killed in the
      // middle of its shutdown (mempool.dat written, wallet and chain closing).
      if (round % 3 === 2) {
        const after = Math.floor(rand() * 40);
        // Not awaiting the reply: the node may be killed before or while it answers.
        const stopping = a.rpc('stop').catch(() => undefined);
        await sleep(after);
        const still = a.running;
        await a.kill();
        await stopping;
        console.log(`round ${round}: ${still ? 'kill -9' : 'exited before the kill -9,'} ${after} ms after the stop RPC`);
      } else {
        await a.stop();
      }
      a.start(mineArgs);
      await a.waitForRpc();
    }
    console.log(`${acked.blocks.length} blocks and ${acked.payments.size} payments acknowledged by RPC, ${minerBlocks} blocks by -mine; none lost`);

    // Clean replay: a fresh node fed the active chain block by block.
    const b = env.addNode(['-disablewallet']);
    b.start();
    await b.waitForRpc();
    const height: number = await a.getblockcount();
    for (let h = 1; h <= height; h++) {
      const raw: string = await a.getblock(await a.getblockhash(h), 0);
      const res = await b.submitblock(raw);
      assert.is(res, null, `replay of height ${h}: submitblock said ${res}`);
    }
    const ia = await a.gettxoutsetinfo();
    const ib = await b.gettxoutsetinfo();
    for (const k of ['height', 'bestblock', 'txouts', 'hash_serialized_3', 'total_amount', 'bogosize']) {
      assert.is(ib[k], ia[k], `clean replay ${k}`);
    }
    console.log(`clean replay of ${height} blocks: ${ia.txouts} txouts, ${ia.total_amount} BTC, hash ${ia.hash_serialized_3}`);
  });
});

test.run();
