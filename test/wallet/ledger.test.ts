// The ledger's rules without a chain: spends by evicted/replaced transactions free their coins,
// trust follows Core's CachedTxIsTrusted, coinbase maturity at depth 101, reorg unconfirm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Transaction } from '../../chain/block.js';
import { Ledger, type TxRecord } from '../../wallet/ledger.js';
import { KeyChain } from '../../wallet/keys.js';
import { regtest } from '../../chain/params.js';

const kc = new KeyChain(new Uint8Array(32).fill(3), regtest, 10);
kc.ensure('bech32', 0, 0);
const mine = (i: number) => kc.derive({ type: 'bech32', branch: 0, index: i }).script;
const other = Uint8Array.from([0, 20, ...new Uint8Array(20).fill(9)]);

function tx(inputs: [Transaction | 'coinbase' | 'foreign', number][], outs: [Uint8Array, bigint][]): Transaction {
  const t = new Transaction();
  for (const [src, vout] of inputs) {
    if (src === 'coinbase') t.addInput(new Uint8Array(32), 0xffffffff);
    else if (src === 'foreign') t.addInput(new Uint8Array(32).fill(5), vout);
    else t.addInput(src.getHash(), vout);
  }
  for (const [s, v] of outs) t.addOutput(s, v);
  return t;
}

function setup() {
  const pool = new Set<string>();
  const ledger = new Ledger((s) => kc.lookup(s), (txid) => pool.has(txid), 101);
  const add = (t: Transaction, height = -1, blockHash?: string) => {
    const rec: TxRecord = { txid: t.getId(), hex: t.toHex(), height, blockHash, time: 0 };
    ledger.add(rec, t);
    return t;
  };
  return { pool, ledger, add };
}

test('coinbase maturity: immature until depth 101', () => {
  const { ledger, add } = setup();
  add(tx([['coinbase', 0]], [[mine(0), 50n]]), 1, 'b1');
  assert.is(ledger.balances(100).immature, 50n);
  assert.is(ledger.balances(101).trusted, 50n);
  assert.is(ledger.unspent(100).length, 0);
  assert.is(ledger.unspent(101).length, 1);
});

test('a spend counts only while confirmed or in the mempool', () => {
  const { ledger, add, pool } = setup();
  const fund = add(tx([['foreign', 0]], [[mine(0), 100n]]), 5, 'b5');
  const spend = add(tx([[fund, 0]], [[other, 60n], [mine(1), 30n]]));
  assert.equal(ledger.balances(10), { trusted: 100n, untrustedPending: 0n, immature: 0n }, 'spend not in mempool: nothing moved');
  pool.add(spend.getId());
  assert.equal(ledger.balances(10), { trusted: 30n, untrustedPending: 0n, immature: 0n }, 'own change from own coins is trusted');
  pool.delete(spend.getId()); // evicted or replaced by a conflict
  assert.equal(ledger.balances(10).trusted, 100n);
  assert.ok(ledger.isRelevant(tx([[fund, 0]], [[other, 1n]])), 'spending our coin is relevant');
  assert.not.ok(ledger.isRelevant(tx([['foreign', 1]], [[other, 1n]])));
});

test('trust: foreign inputs make an unconfirmed receipt untrusted', () => {
  const { ledger, add, pool } = setup();
  const incoming = add(tx([['foreign', 0]], [[mine(0), 70n]]));
  pool.add(incoming.getId());
  assert.equal(ledger.balances(10), { trusted: 0n, untrustedPending: 70n, immature: 0n });
  assert.is(ledger.unspent(10, { minConf: 0, includeUnsafe: false }).length, 0);
  assert.is(ledger.unspent(10, { minConf: 0 }).length, 1);
  // A child of an untrusted parent is untrusted too, even though it is ours.
  const child = add(tx([[incoming, 0]], [[mine(1), 60n]]));
  pool.add(child.getId());
  assert.equal(ledger.balances(10), { trusted: 0n, untrustedPending: 60n, immature: 0n });
  assert.equal(ledger.amounts(child.getId()), { debit: 70n, credit: 60n });
});

test('unconfirm: block txs go unconfirmed, coinbases vanish', () => {
  const { ledger, add } = setup();
  const cb = add(tx([['coinbase', 0]], [[mine(0), 50n]]), 7, 'b7');
  const pay = add(tx([['foreign', 0]], [[mine(1), 10n]]), 7, 'b7');
  const r = ledger.unconfirm(new Set(['b7']));
  assert.equal(r.removed, [cb.getId()]);
  assert.equal(r.changed.map((x) => x.txid), [pay.getId()]);
  assert.is(ledger.get(pay.getId())!.rec.height, -1);
  assert.is(ledger.coin(cb.getId(), 0), undefined);
  assert.equal(ledger.balances(10), { trusted: 0n, untrustedPending: 0n, immature: 0n }, 'not in the mempool: counts for nothing');
});

test('locked coins are not listed', () => {
  const { ledger, add } = setup();
  const t = add(tx([['foreign', 0]], [[mine(0), 5n], [mine(1), 6n]]), 1, 'b1');
  ledger.lock(t.getId(), 1);
  assert.equal(ledger.unspent(5).map((c) => c.vout), [0]);
  assert.equal(ledger.listLocked(), [{ txid: t.getId(), vout: 1 }]);
  assert.ok(ledger.unlock(t.getId(), 1));
  assert.is(ledger.unspent(5).length, 2);
});

test.run();
