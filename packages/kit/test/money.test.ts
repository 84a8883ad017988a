import { CURRENCY_CODES, CurrencyCode } from '../src/currency';
import { fromDecimalString, minorUnitDigits, mulDivRound, percentOf, toDecimalString } from '../src/money';
import { amountProblems, currencyProblems, textProblems } from '../src/validation';

describe('money conversions', () => {
  it('knows the minor units of a currency from ISO 4217 data', () => {
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('KWD')).toBe(3);
  });

  it.each([
    [1500, 'USD', '15.00'],
    [5, 'USD', '0.05'],
    [0, 'USD', '0.00'],
    [-5, 'USD', '-0.05'],
    [1500, 'JPY', '1500'],
    [1234, 'KWD', '1.234'],
    [2_000_000_000, 'USD', '20000000.00'],
  ])('writes %i %s as %s', (cents, currency, text) => {
    expect(toDecimalString(cents, currency)).toBe(text);
  });

  it('refuses a fractional amount instead of rounding it', () => {
    expect(() => toDecimalString(1.5, 'USD')).toThrow(RangeError);
  });

  it.each([
    ['15.00', 'USD', 1500],
    ['15.5', 'USD', 1550],
    ['15', 'USD', 1500],
    ['0.01', 'USD', 1],
    ['1500', 'JPY', 1500],
  ])('reads %s %s as %i', (text, currency, cents) => {
    expect(fromDecimalString(text, currency)).toBe(cents);
  });

  it.each(['15.001', '-1.00', '1e3', '', ' 1.00', '1.', '.5', '0x10', '12345678901234'])(
    'refuses %p for USD',
    (text) => {
      expect(fromDecimalString(text, 'USD')).toBeNull();
    },
  );

  it('refuses fractions of a yen', () => {
    expect(fromDecimalString('15.5', 'JPY')).toBeNull();
  });
});

describe('input checks', () => {
  it('accepts whole minor units in range and explains everything else', () => {
    expect(amountProblems(100, 'amount', 1)).toEqual([]);
    expect(amountProblems(0, 'amount', 1)).toEqual(['amount: must be at least 1']);
    expect(amountProblems(-1, 'amount')).toEqual(['amount: must be at least 0']);
    expect(amountProblems(1.5, 'amount')).toEqual(['amount: must be an integer number of minor units (cents)']);
    expect(amountProblems('100', 'amount')).toHaveLength(1);
    expect(amountProblems(2_000_000_001, 'amount')).toEqual(['amount: must be at most 2000000000']);
  });

  it('accepts ISO 4217 codes only', () => {
    expect(currencyProblems('USD')).toEqual([]);
    expect(currencyProblems('usd')).toHaveLength(1);
    expect(currencyProblems('XYZ')).toHaveLength(1);
    expect(currencyProblems(undefined)).toHaveLength(1);
  });

  it('bounds free text and refuses control characters', () => {
    expect(textProblems('PO-1', 'ref', 25)).toEqual([]);
    expect(textProblems(undefined, 'ref', 25)).toEqual([]);
    expect(textProblems(undefined, 'ref', 25, true)).toEqual(['ref: is required']);
    expect(textProblems('x'.repeat(26), 'ref', 25)).toEqual(['ref: at most 25 characters']);
    expect(textProblems('   ', 'ref', 25)).toEqual(['ref: must not be blank']);
    expect(textProblems('a\u0000b', 'ref', 25)).toEqual(['ref: must not contain control characters']);
  });
});

describe('mulDivRound and percentOf', () => {
  it.each([
    [1450, 800, 116], // 115.99 → 116
    [2195, 800, 176], // 175.6 → 176
    [3320, 800, 266], // 265.6 → 266
    [1, 5_000, 1], // exactly half a cent rounds up
    [1, 4_999, 0],
    [0, 800, 0],
  ])('takes %i at %i basis points as %i cents', (amount, bps, expected) => {
    expect(percentOf(amount, bps)).toBe(expected);
  });

  it('rounds half away from zero for negative amounts', () => {
    expect(mulDivRound(-1, 1, 2)).toBe(-1);
    expect(mulDivRound(-3, 1, 4)).toBe(-1);
    expect(mulDivRound(-1, 1, 4)).toBe(0);
  });

  it('stays exact where the product passes 2^53', () => {
    expect(mulDivRound(2_000_000_000, 1_999_999_999, 2_000_000_000)).toBe(1_999_999_999);
    expect(mulDivRound(1_999_999_999, 10_000, 10_400)).toBe(1_923_076_922);
  });

  it('refuses fractions and a zero denominator', () => {
    expect(() => mulDivRound(1.5, 1, 1)).toThrow(RangeError);
    expect(() => mulDivRound(1, 1, 0)).toThrow(RangeError);
  });
});

describe('the CurrencyCode list', () => {
  it('holds the circulating ISO 4217 codes and nothing else, on every Node.js release', () => {
    expect(CURRENCY_CODES.has('USD')).toBe(true);
    expect(CURRENCY_CODES.has('JPY')).toBe(true);
    expect(CURRENCY_CODES.has('KWD')).toBe(true);
    expect(CURRENCY_CODES.has('XXX')).toBe(false);
    expect(CurrencyCode.EUR).toBe('EUR');
    expect(currencyProblems('usd')).toHaveLength(1);
  });
});
