import { LEVEL3_LIMITS, lineTotal, normaliseLevel3 } from '../src/modules/order/order.level3';

const line = (overrides: Record<string, unknown> = {}) => ({
  productCode: 'SKU-1',
  description: 'Coffee beans',
  quantity: 2,
  unitOfMeasure: 'EA',
  unitCostMinor: 500,
  taxMinor: 40,
  discountMinor: 100,
  ...overrides,
});

describe('Level 3 data', () => {
  it('computes a line total as quantity × unit cost − discount + tax', () => {
    expect(lineTotal({ quantity: 2, unitCostCents: 500, taxCents: 40, discountCents: 100 })).toBe(2 * 500 - 100 + 40);
  });

  it('accepts lines that add up to the order total, filling missing tax and discount with 0', () => {
    const { data, problems } = normaliseLevel3(
      { customerReference: 'PO-1', lineItems: [line(), line({ taxMinor: undefined, discountMinor: null })] },
      940 + 1000,
    );
    expect(problems).toEqual([]);
    expect(data.lineItems[1]).toMatchObject({ taxCents: 0, discountCents: 0 });
    expect(data.customerReference).toBe('PO-1');
  });

  it('refuses lines that do not add up to the total', () => {
    expect(normaliseLevel3({ lineItems: [line()] }, 941).problems).toEqual([
      'level3.lineItems: the lines add up to 940 but the order total is 941',
    ]);
  });

  it.each([
    ['no lines', { lineItems: [] }, 'level3.lineItems: between 1 and 200 items'],
    ['too many lines', { lineItems: Array.from({ length: 201 }, () => line()) }, 'between 1 and 200'],
    ['a long product code', { lineItems: [line({ productCode: 'X'.repeat(13) })] }, 'productCode: at most 12'],
    ['a blank description', { lineItems: [line({ description: ' ' })] }, 'description: must not be blank'],
    ['a long unit of measure', { lineItems: [line({ unitOfMeasure: 'U'.repeat(13) })] }, 'unitOfMeasure: at most 12'],
    ['a fractional quantity', { lineItems: [line({ quantity: 1.5 })] }, 'quantity: must be a whole number'],
    ['a zero quantity', { lineItems: [line({ quantity: 0 })] }, 'quantity: must be a whole number'],
    ['a negative unit cost', { lineItems: [line({ unitCostMinor: -1 })] }, 'unitCostMinor: must be at least 0'],
    ['a fractional tax', { lineItems: [line({ taxMinor: 0.5 })] }, 'taxMinor: must be an integer'],
    ['a discount above the line', { lineItems: [line({ discountMinor: 1001 })] }, 'discountMinor: more than'],
    ['a long customer reference', { customerReference: 'C'.repeat(26), lineItems: [line()] }, 'at most 25'],
    [
      'a line above the maximum amount',
      { lineItems: [line({ quantity: LEVEL3_LIMITS.quantity, unitCostMinor: 1_000_000 })] },
      'quantity × unitCostMinor is more than',
    ],
  ])('refuses %s', (_name, input, problem) => {
    const { problems } = normaliseLevel3(input, 940);
    expect(problems.join('\n')).toContain(problem);
  });
});
