import { checkTotals } from '../src/modules/check/check.totals';

describe('checkTotals', () => {
  it('sums the item prices and adds the taxes, in integer cents', () => {
    expect(checkTotals([{ price: 1450 }, { price: 450 }], 152)).toEqual({ subtotal: 1900, taxes: 152, total: 2052 });
  });

  it('is exact where decimal dollars would not be (0.10 + 0.20)', () => {
    const totals = checkTotals([{ price: 10 }, { price: 20 }], 0);
    expect(totals).toEqual({ subtotal: 30, taxes: 0, total: 30 });
    expect(Number.isInteger(totals.total)).toBe(true);
  });

  it('keeps many small amounts exact', () => {
    const items = Array.from({ length: 1000 }, () => ({ price: 1 }));
    expect(checkTotals(items, 80)).toEqual({ subtotal: 1000, taxes: 80, total: 1080 });
  });

  it('charges only the taxes on a check without items', () => {
    expect(checkTotals([], 0)).toEqual({ subtotal: 0, taxes: 0, total: 0 });
    expect(checkTotals([], 25)).toEqual({ subtotal: 0, taxes: 25, total: 25 });
  });

  it('takes an item price as the line total: quantity is not multiplied again', () => {
    const line = { price: 900, quantity: 3 };
    expect(checkTotals([line], 0).subtotal).toBe(900);
  });

  it('stays exact for large checks', () => {
    expect(checkTotals([{ price: 999_999_999 }, { price: 1 }], 80_000_000)).toEqual({
      subtotal: 1_000_000_000,
      taxes: 80_000_000,
      total: 1_080_000_000,
    });
  });
});
