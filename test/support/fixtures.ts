/** A partner's Level 3 data as REST takes it; the lines add up to 1234 cents. Shared by the tests and the bench. */
export const LEVEL3 = {
  customer_reference: 'CUST-9',
  line_items: [
    {
      product_code: 'ESP-2',
      description: 'Espresso beans 1kg',
      quantity: 2,
      unit_of_measure: 'EA',
      unit_cost_cents: 500,
      tax_cents: 34,
    },
    {
      product_code: 'MUG',
      description: 'Mug',
      quantity: 1,
      unit_of_measure: 'EA',
      unit_cost_cents: 250,
      discount_cents: 50,
    },
  ],
};
export const LEVEL3_TOTAL_CENTS = 1234;
