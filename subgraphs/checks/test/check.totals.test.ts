import { MAX_AMOUNT_CENTS } from '@pos/kit';
import { type CheckTotalsInput, CheckTaxKind, checkTotals } from '../src/modules/check/check.totals';

const NONE: CheckTotalsInput = {
  itemPrices: [],
  taxes: [],
  supplementalFee: null,
  gratuity: null,
  dualPricingRateBps: null,
};
const totals = (input: Partial<CheckTotalsInput>) => checkTotals({ ...NONE, ...input });
const tax = (name: string, kind: CheckTaxKind, terms: { rateBps?: number; amountCents?: number }) => ({
  name,
  kind,
  rateBps: terms.rateBps ?? null,
  amountCents: terms.amountCents ?? null,
});
const salesTax = tax('Sales tax', CheckTaxKind.STANDARD, { rateBps: 800 });

describe('checkTotals', () => {
  it('is all zeros and empty lists for an empty check', () => {
    expect(totals({})).toEqual({
      subtotal: 0,
      taxes: 0,
      otherTaxes: 0,
      taxList: [],
      hiddenTaxList: [],
      supplementalFee: null,
      gratuity: 0,
      total: 0,
      cashTotal: null,
    });
  });

  it('charges only fixed amounts on a check without items (rates of nothing are nothing)', () => {
    const result = totals({
      taxes: [salesTax, tax('Bottle deposit', CheckTaxKind.OTHER, { amountCents: 25 })],
      supplementalFee: { name: 'Service', rateBps: 1000, amountCents: null },
      gratuity: { rateBps: null, amountCents: 100 },
    });
    expect(result).toMatchObject({ subtotal: 0, taxes: 0, otherTaxes: 25, supplementalFee: { amount: 0 }, total: 125 });
  });

  it('takes the subtotal as the sum of the line prices: quantity is not multiplied again', () => {
    expect(totals({ itemPrices: [1450, 450, 295] }).subtotal).toBe(2195);
    expect(totals({ itemPrices: [10, 20] })).toMatchObject({ subtotal: 30, total: 30 });
  });

  it('keeps the demo checks’ figures: an 8 % sales tax on their subtotals', () => {
    for (const [prices, taxes] of [
      [[1450], 116],
      [[1450, 450], 152],
      [[1450, 450, 295], 176],
      [[1450, 450, 295, 1125], 266],
    ] as const) {
      const result = totals({ itemPrices: prices, taxes: [salesTax] });
      expect(result.taxes).toBe(taxes);
      expect(result.total).toBe(result.subtotal + taxes);
      expect(result.taxList).toEqual([{ name: 'Sales tax', amount: taxes }]);
    }
  });

  it('sums standard taxes into taxes and other taxes into otherTaxes, listing both in order', () => {
    const result = totals({
      itemPrices: [10_000],
      taxes: [
        tax('State', CheckTaxKind.STANDARD, { rateBps: 600 }),
        tax('Liquor', CheckTaxKind.OTHER, { rateBps: 250 }),
        tax('City', CheckTaxKind.STANDARD, { amountCents: 75 }),
        tax('Deposit', CheckTaxKind.OTHER, { amountCents: 30 }),
      ],
    });
    expect(result).toMatchObject({ subtotal: 10_000, taxes: 675, otherTaxes: 280, total: 10_955 });
    expect(result.taxList).toEqual([
      { name: 'State', amount: 600 },
      { name: 'Liquor', amount: 250 },
      { name: 'City', amount: 75 },
      { name: 'Deposit', amount: 30 },
    ]);
    expect(result.hiddenTaxList).toEqual([]);
  });

  it('rounds each rate half up, on its own, before adding', () => {
    // 1 % of 50 cents is exactly 0.5 → 1; 1 % of 49 is 0.49 → 0; 1 % of 150 is 1.5 → 2.
    expect(totals({ itemPrices: [50], taxes: [tax('T', CheckTaxKind.STANDARD, { rateBps: 100 })] }).taxes).toBe(1);
    expect(totals({ itemPrices: [49], taxes: [tax('T', CheckTaxKind.STANDARD, { rateBps: 100 })] }).taxes).toBe(0);
    // Two 1 % taxes of 150 are 2 + 2 (each rounded), not round(3.0) = 3.
    const two = totals({
      itemPrices: [150],
      taxes: [tax('A', CheckTaxKind.STANDARD, { rateBps: 100 }), tax('B', CheckTaxKind.STANDARD, { rateBps: 100 })],
    });
    expect(two).toMatchObject({ taxes: 4, total: 154 });
    // The fee and the gratuity round the same way: 12.5 % of 4 cents is 0.5 → 1.
    expect(
      totals({
        itemPrices: [4],
        supplementalFee: { name: 'Fee', rateBps: 1250, amountCents: null },
        gratuity: { rateBps: 1250, amountCents: null },
      }),
    ).toMatchObject({ supplementalFee: { name: 'Fee', amount: 1 }, gratuity: 1, total: 6 });
  });

  it('applies the fee and the gratuity to the subtotal, by rate or as a fixed amount', () => {
    expect(
      totals({
        itemPrices: [2_000],
        taxes: [salesTax],
        supplementalFee: { name: 'Service charge', rateBps: 300, amountCents: null },
        gratuity: { rateBps: 1800, amountCents: null },
      }),
    ).toMatchObject({
      subtotal: 2_000,
      taxes: 160,
      supplementalFee: { name: 'Service charge', amount: 60 },
      gratuity: 360,
      total: 2_580,
    });
    expect(
      totals({
        itemPrices: [2_000],
        supplementalFee: { name: 'Delivery', rateBps: null, amountCents: 499 },
        gratuity: { rateBps: null, amountCents: 300 },
      }),
    ).toMatchObject({ supplementalFee: { amount: 499 }, gratuity: 300, total: 2_799 });
  });

  it('lists hidden taxes, embedded in the prices, without adding them to the total', () => {
    const result = totals({
      itemPrices: [1_080],
      taxes: [tax('VAT', CheckTaxKind.HIDDEN, { rateBps: 800 }), tax('Eco', CheckTaxKind.HIDDEN, { amountCents: 7 })],
    });
    // 1080 × 800 / 10800 = 80: the tax inside a gross price of 10.80 at 8 %.
    expect(result.hiddenTaxList).toEqual([
      { name: 'VAT', amount: 80 },
      { name: 'Eco', amount: 7 },
    ]);
    expect(result).toMatchObject({ subtotal: 1_080, taxes: 0, otherTaxes: 0, taxList: [], total: 1_080 });
  });

  it('rounds an embedded tax half up', () => {
    // 105 × 500 / 10500 = 5 exactly; 21 × 10000 / 20000 = 10.5 → 11; 1 × 10000 / 20000 = 0.5 → 1.
    const hidden = (price: number, rateBps: number) =>
      totals({ itemPrices: [price], taxes: [tax('H', CheckTaxKind.HIDDEN, { rateBps })] }).hiddenTaxList[0].amount;
    expect(hidden(105, 500)).toBe(5);
    expect(hidden(21, 10_000)).toBe(11);
    expect(hidden(1, 10_000)).toBe(1);
  });

  it('has no cash total without dual pricing', () => {
    expect(totals({ itemPrices: [1_000], taxes: [salesTax] }).cashTotal).toBeNull();
  });

  it('computes the cash total on the cash subtotal: rates re-applied, fixed amounts unchanged', () => {
    const result = totals({
      itemPrices: [1_040],
      dualPricingRateBps: 400,
      taxes: [salesTax, tax('Deposit', CheckTaxKind.OTHER, { amountCents: 10 })],
      supplementalFee: { name: 'Service', rateBps: 500, amountCents: null },
      gratuity: { rateBps: null, amountCents: 100 },
    });
    // Card: 1040 + 83 (8 % of 1040 = 83.2) + 10 + 52 + 100 = 1285.
    // Cash: subtotal 1040 × 10000 / 10400 = 1000; 1000 + 80 + 10 + 50 + 100 = 1240.
    expect(result).toMatchObject({ subtotal: 1_040, taxes: 83, otherTaxes: 10, gratuity: 100, total: 1_285 });
    expect(result.supplementalFee).toEqual({ name: 'Service', amount: 52 });
    expect(result.cashTotal).toBe(1_240);
  });

  it('rounds the cash subtotal half up, and a 0 % surcharge gives the card total', () => {
    // 1 × 10000 / 10000+10000 = 0.5 → 1; 3 × 10000 / 20000 = 1.5 → 2.
    expect(totals({ itemPrices: [1], dualPricingRateBps: 10_000 }).cashTotal).toBe(1);
    expect(totals({ itemPrices: [3], dualPricingRateBps: 10_000 }).cashTotal).toBe(2);
    const zero = totals({ itemPrices: [999], taxes: [salesTax], dualPricingRateBps: 0 });
    expect(zero.cashTotal).toBe(zero.total);
  });

  it('re-applies hidden taxes to the cash subtotal without adding them', () => {
    const result = totals({
      itemPrices: [1_040],
      dualPricingRateBps: 400,
      taxes: [tax('VAT', CheckTaxKind.HIDDEN, { rateBps: 800 })],
    });
    expect(result).toMatchObject({ total: 1_040, cashTotal: 1_000 });
  });

  it('stays exact with very large amounts, beyond what floating point rates could keep', () => {
    const max = MAX_AMOUNT_CENTS;
    const result = totals({
      itemPrices: [max, max, max],
      taxes: [salesTax, tax('VAT', CheckTaxKind.HIDDEN, { rateBps: 2_000 })],
      supplementalFee: { name: 'Fee', rateBps: 3_333, amountCents: null },
      gratuity: { rateBps: null, amountCents: max },
      dualPricingRateBps: 333,
    });
    const subtotal = 3 * max;
    expect(result.subtotal).toBe(subtotal);
    expect(result.taxes).toBe(480_000_000);
    expect(result.supplementalFee!.amount).toBe(1_999_800_000);
    expect(result.hiddenTaxList[0].amount).toBe(1_000_000_000);
    expect(result.total).toBe(subtotal + 480_000_000 + 1_999_800_000 + max);
    // The cash side recomputed here in BigInt, half up: every part stays an exact integer.
    const cashSubtotal = Number((BigInt(subtotal) * 10_000n * 2n + 10_333n) / (2n * 10_333n));
    expect(result.cashTotal).toBe(
      cashSubtotal +
        Number((BigInt(cashSubtotal) * 800n * 2n + 10_000n) / 20_000n) +
        Number((BigInt(cashSubtotal) * 3_333n * 2n + 10_000n) / 20_000n) +
        max,
    );
    for (const value of [result.total, result.cashTotal, result.taxes]) expect(Number.isSafeInteger(value)).toBe(true);
  });

  it('keeps many small amounts exact', () => {
    expect(totals({ itemPrices: Array.from({ length: 500 }, () => 1), taxes: [salesTax] })).toMatchObject({
      subtotal: 500,
      taxes: 40,
      total: 540,
    });
  });
});
