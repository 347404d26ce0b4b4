// Core's rpc_tests.cpp rpc_parse_monetary_values / rpc_format_monetary_values, on bigint sats.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { amountToSats, satsToAmount, formatAmount, amount, MAX_MONEY } from '../../rpc/amount.js';
import { RpcError } from '../../rpc/errors.js';
import { writeJson, parseJsonRaw, RawNumber, formatDouble } from '../../rpc/json.js';

function err(fn: () => unknown): { code: number; message: string } {
  try { fn(); } catch (e) { if (e instanceof RpcError) return { code: e.code, message: e.message }; throw e; }
  throw new Error('did not throw');
}

const valid: [string, bigint][] = [
  ['0', 0n], ['0.00000000', 0n], ['0.00000001', 1n], ['0.17622195', 17622195n], ['0.5', 50000000n],
  ['0.50000000', 50000000n], ['0.89898989', 89898989n], ['1.00000000', 100000000n],
  ['20999999.9999999', 2099999999999990n], ['20999999.99999999', 2099999999999999n],
  ['1e-8', 1n], ['0.1e-7', 1n], ['0.01e-6', 1n],
  ['0.0000000000000000000000000000000000000000000000000000000000000000000000000001e+68', 1n],
  ['10000000000000000000000000000000000000000000000000000000000000000e-64', 100000000n],
  ['0.000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000e64', 100000000n],
  ['0.00000001000000', 1n], ['0.19e-6', 19n], ['21000000', MAX_MONEY],
];

test('AmountFromValue accepts Core vectors (string and number forms)', () => {
  for (const [s, sats] of valid) {
    assert.is(amountToSats(s), sats, s);
    if (Number.isFinite(Number(s)) && s.length < 30) assert.is(amountToSats(Number(s)), sats, `number ${s}`);
  }
});

test('AmountFromValue rejects with Core errors', () => {
  for (const s of ['1e-9', '0.000000019', '19e-9', '.19e-6', '92233720368.54775808', '1e+11', '1e11', '93e+9', '', '-', '01', '1.', 'abc', '1.0.0', ' 1']) {
    assert.equal(err(() => amountToSats(s)), { code: -3, message: 'Invalid amount' }, s);
  }
  assert.equal(err(() => amountToSats(0.123456789)), { code: -3, message: 'Invalid amount' });
  assert.equal(err(() => amountToSats('-0.00000001')), { code: -3, message: 'Amount out of range' });
  assert.equal(err(() => amountToSats(21000000.00000001)), { code: -3, message: 'Amount out of range' });
  for (const v of [null, true, [], {}, undefined]) {
    assert.equal(err(() => amountToSats(v)), { code: -3, message: 'Amount is not a number or string' });
  }
});

test('ValueFromAmount prints exactly 8 decimals', () => {
  assert.is(formatAmount(3n * 100000000n), '3.00000000');
  assert.is(formatAmount(-100000000n), '-1.00000000');
  assert.is(formatAmount(0n), '0.00000000');
  assert.is(formatAmount(1n), '0.00000001');
  assert.is(formatAmount(2099999999999999n), '20999999.99999999');
  assert.is(formatAmount(-1n), '-0.00000001');
  assert.is(satsToAmount(5000000000n), 50);
  assert.is(satsToAmount(1n), 0.00000001);
  assert.is(writeJson({ balance: amount(5000000000n), list: [amount(1n)] }), '{"balance":50.00000000,"list":[0.00000001]}');
  assert.is(JSON.stringify({ a: amount(5000000000n) }), '{"a":50}');
  assert.is(amountToSats(amount(12345n)), 12345n);
});

test('doubles print as UniValue (%.16g)', () => {
  const cases: [number, string][] = [
    [4.6565423739069247e-10, '4.656542373906925e-10'], [0.00001, '1e-05'], [0.0001, '0.0001'], [0.1, '0.1'], [1, '1'],
    [101, '101'], [-2.5, '-2.5'], [1 / 3, '0.3333333333333333'], [123456.789, '123456.789'], [1e16, '1e+16'],
    [0.999999, '0.999999'], [12345678901234567890, '1.234567890123457e+19'], [NaN, 'null'],
  ];
  for (const [v, s] of cases) assert.is(formatDouble(v), s, String(v));
  assert.is(writeJson({ difficulty: 4.6565423739069247e-10 }), '{"difficulty":4.656542373906925e-10}');
});

test('writeJson matches UniValue pretty layout; parseJsonRaw keeps number text', () => {
  assert.is(writeJson([], 2), '[\n]');
  assert.is(writeJson({ a: [], b: { c: 1 } }, 2), '{\n  "a": [\n  ],\n  "b": {\n    "c": 1\n  }\n}');
  assert.is(writeJson({ x: undefined, y: 10n, z: 'é"' }), '{"y":10,"z":"é\\""}');
  const v = parseJsonRaw('{"a":50.00000000,"b":[1e-8,"s",true,null]}') as any;
  assert.ok(v.a instanceof RawNumber);
  assert.is(writeJson(v), '{"a":50.00000000,"b":[1e-8,"s",true,null]}');
  for (const bad of ['{', '[1,]', '{"a":}', '01', 'tru', '"x', '[1] 2']) assert.throws(() => parseJsonRaw(bad), SyntaxError, bad);
});

test.run();
