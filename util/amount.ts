// Exact decimal text <-> integer conversions for amounts (Core's ParseFixedPoint and
// ValueFromAmount, src/util/strencodings.cpp): no floating-point arithmetic touches an
// amount. A leaf module: the RPC edge, the config parser and the CLI share it.

/** Satoshis per coin. */
export const COIN = 100_000_000n;
const UPPER_BOUND = 10n ** 18n - 1n;

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

