// Exact conversions between RPC amounts (BTC, JSON number or string) and bigint satoshis,
// as Core's AmountFromValue/ParseFixedPoint and ValueFromAmount (src/rpc/util.cpp,
// src/util/strencodings.cpp). No floating-point arithmetic touches an amount: a JSON number
// is read back through its shortest decimal text, which for every value with at most 8
// decimals below 2^25 BTC is exactly the text the user typed.
import { COIN } from '../chain/params.js';
import { RPC, RpcError } from './errors.js';
import { RawNumber } from './json.js';

export const MAX_MONEY = 21_000_000n * COIN;
const UPPER_BOUND = 10n ** 18n - 1n;

export function moneyRange(sats: bigint): boolean {
  return sats >= 0n && sats <= MAX_MONEY;
}

/** Core's ParseFixedPoint: decimal text → integer scaled by 10^decimals, or undefined. */
export function parseFixedPoint(val: string, decimals: number): bigint | undefined {
  const m = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?)([0-9]+))?$/.exec(val);
  if (!m) return undefined;
  const [, sign, intPart, frac = '', expSign, expDigits] = m;
  let digits = intPart + frac;
  // Core counts trailing zeros of the mantissa separately so they never overflow it.
  const stripped = digits.replace(/0+$/, '');
  const tzeros = digits.length - stripped.length;
  digits = stripped === '' ? '0' : stripped;
  if (BigInt(digits) > UPPER_BOUND) return undefined;
  if (expDigits !== undefined && expDigits.length > 18) return undefined;
  let exponent = expDigits === undefined ? 0n : BigInt(expDigits);
  if (expSign === '-') exponent = -exponent;
  exponent = exponent - BigInt(frac.length) + BigInt(tzeros) + BigInt(decimals);
  if (exponent < 0n || exponent >= 18n) return undefined;
  let mantissa = BigInt(digits) * 10n ** exponent;
  if (mantissa > UPPER_BOUND) return undefined;
  if (sign === '-') mantissa = -mantissa;
  return mantissa;
}

/** The decimal text of a JS number without exponent notation loss (1e-7 → "1e-7" is fine for ParseFixedPoint). */
function numberText(v: number | RawNumber): string {
  return v instanceof RawNumber ? v.text : String(v);
}

/**
 * Core's AmountFromValue: BTC as JSON number or string → satoshis.
 * Errors (all RPC_TYPE_ERROR, -3): "Amount is not a number or string", "Invalid amount"
 * (unparseable, or more than `decimals` decimals), "Amount out of range" (negative or > 21M).
 */
export function amountToSats(value: unknown, decimals = 8): bigint {
  if (typeof value !== 'number' && typeof value !== 'string' && !(value instanceof RawNumber)) {
    throw new RpcError(RPC.TYPE_ERROR, 'Amount is not a number or string');
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RpcError(RPC.TYPE_ERROR, 'Invalid amount');
  const text = typeof value === 'string' ? value : numberText(value);
  const sats = parseFixedPoint(text, decimals);
  if (sats === undefined) throw new RpcError(RPC.TYPE_ERROR, 'Invalid amount');
  if (!moneyRange(sats)) throw new RpcError(RPC.TYPE_ERROR, 'Amount out of range');
  return sats;
}

/** Core's ValueFromAmount text: "-"? integer "." 8 digits. */
export function formatAmount(sats: bigint): string {
  const neg = sats < 0n;
  const abs = neg ? -sats : sats;
  return `${neg ? '-' : ''}${abs / COIN}.${(abs % COIN).toString().padStart(8, '0')}`;
}

/** Satoshis as a plain JS number of BTC (for arithmetic and assertions; exact below 2^53 sats). */
export function satsToAmount(sats: bigint): number {
  return Number(formatAmount(sats));
}

/**
 * An amount for RPC results: serialised by the server as a raw JSON number with exactly 8
 * decimals ("50.00000000"), as Core prints it. Compares and converts like a number.
 */
export class Amount extends RawNumber {
  constructor(public readonly sats: bigint) {
    super(formatAmount(sats));
  }
}

/** Shorthand for handlers: `balance: amount(coin.value)`. */
export function amount(sats: bigint): Amount {
  return new Amount(sats);
}
