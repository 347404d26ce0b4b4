// Exact conversions between RPC amounts (BTC, JSON number or string) and bigint satoshis,
// as Core's AmountFromValue/ParseFixedPoint and ValueFromAmount (src/rpc/util.cpp,
// src/util/strencodings.cpp). No floating-point arithmetic touches an amount: a JSON number
// is read back through its shortest decimal text, which for every value with at most 8
// decimals below 2^25 BTC is exactly the text the user typed.
import { MAX_MONEY, moneyRange } from '../chain/consensus.js';
import { parseFixedPoint, formatAmount } from '../util/amount.js';
import { RPC, RpcError } from './errors.js';
import { RawNumber } from './json.js';

export { MAX_MONEY, formatAmount, parseFixedPoint };
export { satsToAmount } from '../util/amount.js';

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
