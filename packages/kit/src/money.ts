/**
 * Conversions between integer minor units and the decimal strings some edges demand (a processor's API, a seed
 * document). They are exact string arithmetic, never floating point, and each edge converts once.
 */

const digitsCache = new Map<string, number>();

/** How many minor-unit digits a currency has: 2 for USD, 0 for JPY, 3 for KWD (ICU's ISO 4217 data). */
export function minorUnitDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** 1500 USD → "15.00"; 1500 JPY → "1500"; -5 USD → "-0.05". */
export function toDecimalString(minorUnits: number, currency: string): string {
  if (!Number.isSafeInteger(minorUnits)) throw new RangeError(`not an integer amount: ${minorUnits}`);
  const digits = minorUnitDigits(currency);
  const sign = minorUnits < 0 ? '-' : '';
  const text = String(Math.abs(minorUnits)).padStart(digits + 1, '0');
  return digits ? `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}` : `${sign}${text}`;
}

/**
 * "15.5" USD → 1550; "15" → 1500; null when the text is not a plain non-negative decimal or has more fraction
 * digits than the currency allows ("15.001" USD), so a fraction of a cent is refused rather than rounded away.
 */
export function fromDecimalString(text: string, currency: string): number | null {
  const match = /^(\d{1,13})(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const digits = minorUnitDigits(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const value = Number(match[1] + fraction.padEnd(digits, '0'));
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * `amount × numerator ÷ denominator` in whole minor units, rounded half up (away from zero for negatives), in exact
 * integer arithmetic: a rate in basis points (`percentOf`), an embedded tax, a cash price under dual pricing. The
 * product of two amounts can pass 2^53, so the arithmetic is BigInt.
 */
export function mulDivRound(amount: number, numerator: number, denominator: number): number {
  if (![amount, numerator, denominator].every(Number.isSafeInteger) || denominator === 0) {
    throw new RangeError(
      `mulDivRound needs integers and a non-zero denominator: ${amount}×${numerator}÷${denominator}`,
    );
  }
  const product = BigInt(amount) * BigInt(numerator);
  const divisor = BigInt(denominator);
  const sign = product < 0n !== divisor < 0n ? -1n : 1n;
  const abs = (n: bigint) => (n < 0n ? -n : n);
  const quotient = (2n * abs(product) + abs(divisor)) / (2n * abs(divisor));
  return Number(sign * quotient);
}

/** A rate in basis points (800 = 8 %) of an amount in minor units, rounded half up. */
export const percentOf = (amount: number, basisPoints: number): number => mulDivRound(amount, basisPoints, 10_000);
