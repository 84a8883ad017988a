import { randomUUID } from 'node:crypto';
import { MAX_AMOUNT_CENTS } from '@pos/kit';
import { CheckTaxKind, checkTotals } from '../src/modules/check/check.totals';
import { type ChecksHarness, ITEM, MONEY, errorOf, inMinorUnits, refusalOf, startChecks } from './support';

/**
 * What goes on a check through the checks subgraph's mutations: items (added and removed, validated, once per
 * idempotency key, at most 500, none lost to concurrent additions), taxes, the supplemental fee and the gratuity,
 * and the totals they make, which are checkTotals' figures and never beyond the maximum amount. Opening, locking
 * and closing a check, and who may change it: checks.mutations.test.ts.
 */
describe('checks subgraph mutations: items, taxes, fee and gratuity', () => {
  let h: ChecksHarness;

  beforeAll(async () => {
    h = await startChecks();
  });
  afterAll(() => h?.close());

  describe('items', () => {
    it('adds and removes items, bumping the version and updatedAt each time', async () => {
      const opened = await h.openCheck();
      const { check: one } = await h.mutate('addCheckItem', {
        checkId: opened.id,
        item: { ...ITEM, quantity: 1.5, modifiersAsText: 'no onions, extra cheese' },
      });
      expect(one).toMatchObject({ version: 2, subtotal: 1450, total: 1450 });
      expect(one!.items).toEqual([
        {
          id: expect.any(String),
          posRef: 'ITEM-BURGER',
          name: 'Cheeseburger',
          quantity: 1.5,
          modifiersAsText: 'no onions, extra cheese',
          price: 1450,
        },
      ]);
      expect(new Date(one!.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(opened.updatedAt).getTime());

      const { check: two } = await h.mutate('addCheckItem', {
        checkId: opened.id,
        item: { posRef: 'ITEM-SODA', name: 'Soda', quantity: 0.125, priceMinor: 0 },
      });
      expect(two).toMatchObject({ version: 3, subtotal: 1450 });
      expect(two!.items.map((i: { name: string; quantity: number }) => [i.name, i.quantity])).toEqual([
        ['Cheeseburger', 1.5],
        ['Soda', 0.125],
      ]);

      const { check: removed } = await h.mutate('removeCheckItem', { checkId: opened.id, itemId: one!.items[0].id });
      expect(removed).toMatchObject({ version: 4, subtotal: 0 });
      expect(removed!.items.map((i: { name: string }) => i.name)).toEqual(['Soda']);

      // A new item goes after the others even when an earlier one was removed.
      const { check: three } = await h.mutate('addCheckItem', { checkId: opened.id, item: ITEM });
      expect(three!.items.map((i: { name: string }) => i.name)).toEqual(['Soda', 'Cheeseburger']);
    });

    it('refuses invalid items with a detail per field', async () => {
      const { id } = await h.openCheck();
      const cases: Array<[Record<string, unknown>, string[]]> = [
        [{ priceMinor: -1 }, ['item.priceMinor: must be at least 0']],
        [{ priceMinor: MAX_AMOUNT_CENTS + 1 }, [`item.priceMinor: must be at most ${MAX_AMOUNT_CENTS}`]],
        [{ quantity: 0 }, ['item.quantity: must be a number greater than 0']],
        [{ quantity: -2 }, ['item.quantity: must be a number greater than 0']],
        [{ quantity: 100_000.001 }, ['item.quantity: must be at most 100000']],
        [{ quantity: 1.2345 }, ['item.quantity: at most 3 decimals']],
        [{ quantity: 1e-7 }, ['item.quantity: at most 3 decimals']],
        [{ name: ' ', posRef: 'P'.repeat(65) }, ['item.posRef: at most 64 characters', 'item.name: must not be blank']],
        [{ modifiersAsText: 'm'.repeat(501) }, ['item.modifiersAsText: at most 500 characters']],
      ];
      for (const [change, details] of cases) {
        const refused = await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, ...change } });
        expect(refusalOf(refused)).toEqual({ codes: ['VALIDATION'], details });
      }
      // The largest quantity is fine; nothing invalid was written.
      const { check } = await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, quantity: 100_000 } });
      expect(check).toMatchObject({ version: 2, items: [expect.objectContaining({ quantity: 100_000 })] });
    });

    it('answers CHECK_ITEM_NOT_FOUND for an unknown item, VALIDATION for malformed ids, NOT_FOUND for no check', async () => {
      const { id } = await h.openCheck();
      const unknown = await h.mutate('removeCheckItem', { checkId: id, itemId: randomUUID() });
      expect(unknown.userErrors).toEqual([
        { code: 'CHECK_ITEM_NOT_FOUND', field: ['input', 'itemId'], message: 'The check has no item with this id' },
      ]);
      const malformed = await h.mutate('removeCheckItem', { checkId: id, itemId: 'x' });
      expect(malformed.userErrors).toEqual([
        { code: 'VALIDATION', field: ['input', 'itemId'], message: '"x" is not a UUID' },
      ]);
      const badCheck = await h.mutate('addCheckItem', { checkId: 'x', item: ITEM });
      expect(refusalOf(badCheck).codes).toEqual(['VALIDATION']);
      expect(badCheck.userErrors![0].field).toEqual(['input', 'checkId']);
      const noCheck = await h.mutate('addCheckItem', { checkId: randomUUID(), item: ITEM });
      expect(errorOf(noCheck.body).code).toBe('NOT_FOUND');
      expect(noCheck.body.errors![0].message).toBe('Check not found');
      expect(noCheck.userErrors).toBeNull();
    });

    it('adds an item once per idempotency key: a retry replays the first answer, another item is refused', async () => {
      const { id } = await h.openCheck();
      const idempotencyKey = randomUUID();
      const first = await h.mutate('addCheckItem', { checkId: id, item: ITEM, idempotencyKey });
      expect(first).toMatchObject({ userErrors: [], idempotentReplay: false, check: { version: 2, total: 1450 } });
      await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, posRef: 'ITEM-FRIES', priceMinor: 450 } });

      // The check as the first request left it, not as it is now (version 3, two items).
      const again = await h.mutate('addCheckItem', { checkId: id, item: ITEM, idempotencyKey });
      expect(again).toEqual({ ...first, body: expect.anything(), idempotentReplay: true });
      const reused = await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, quantity: 2 }, idempotencyKey });
      expect(reused).toMatchObject({ check: null, idempotentReplay: false });
      expect(reused.userErrors![0]).toEqual({
        code: 'IDEMPOTENCY_KEY_REUSED',
        field: ['input', 'idempotencyKey'],
        message: expect.any(String),
      });
      const elsewhere = await h.openCheck();
      const otherCheck = await h.mutate('addCheckItem', { checkId: elsewhere.id, item: ITEM, idempotencyKey });
      expect(refusalOf(otherCheck).codes).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      const rows = await h.sql<{ n: number }>(
        'select count(*)::int as n from checks.check_item where check_id in (?, ?)',
        [id, elsewhere.id],
      );
      expect(rows[0].n).toBe(2);

      // A refused request gives its key back: once the check is unlocked, the same key adds the item.
      const retried = randomUUID();
      await h.mutate('lockCheck', { checkId: elsewhere.id });
      const locked = await h.mutate('addCheckItem', { checkId: elsewhere.id, item: ITEM, idempotencyKey: retried });
      expect(refusalOf(locked).codes).toEqual(['CHECK_LOCKED']);
      await h.mutate('unlockCheck', { checkId: elsewhere.id });
      const added = await h.mutate('addCheckItem', { checkId: elsewhere.id, item: ITEM, idempotencyKey: retried });
      expect(added).toMatchObject({ userErrors: [], idempotentReplay: false, check: { version: 4 } });
      const bad = await h.mutate('addCheckItem', { checkId: id, item: ITEM, idempotencyKey: 'no spaces' });
      expect(bad.userErrors).toEqual([
        { code: 'VALIDATION', field: ['input', 'idempotencyKey'], message: expect.any(String) },
      ]);
    });

    it('holds at most 500 items', async () => {
      const { id } = await h.openCheck();
      await h.sql(
        `insert into checks.check_item (id, check_id, position, pos_ref, name, quantity, price)
         select gen_random_uuid(), ?, n, 'P', 'Item', 1, 1 from generate_series(0, 498) as n`,
        [id],
      );
      const last = await h.mutate('addCheckItem', { checkId: id, item: ITEM });
      expect(last.check!.items).toHaveLength(500);
      const refused = await h.mutate('addCheckItem', { checkId: id, item: ITEM });
      expect(refused.userErrors).toEqual([
        { code: 'CHECK_FULL', field: null, message: 'The check is full: a check holds at most 500 items' },
      ]);
    });

    it('refuses a change that would take the total beyond the maximum amount, and writes nothing', async () => {
      const { id } = await h.openCheck();
      const full = await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, priceMinor: MAX_AMOUNT_CENTS } });
      expect(full.check).toMatchObject({ total: MAX_AMOUNT_CENTS, version: 2 });
      for (const [name, args] of [
        ['addCheckItem', { checkId: id, item: { ...ITEM, priceMinor: 1 } }],
        ['applyCheckTax', { checkId: id, tax: { name: 'Tax', kind: 'STANDARD', amountMinor: 1 } }],
        ['setSupplementalFee', { checkId: id, fee: { name: 'Fee', amountMinor: 1 } }],
        ['setGratuity', { checkId: id, gratuity: { amountMinor: 1 } }],
      ] as const) {
        const refused = await h.mutate(name, args);
        expect([name, refusalOf(refused)]).toEqual([
          name,
          {
            codes: ['CHECK_TOTAL_TOO_LARGE'],
            details: [
              'The check total would be too large',
              `total: would be ${MAX_AMOUNT_CENTS + 1}; must be at most ${MAX_AMOUNT_CENTS}`,
            ],
          },
        ]);
      }
      // A hidden tax is inside the prices: it does not raise the total.
      const hidden = await h.mutate('applyCheckTax', {
        checkId: id,
        tax: { name: 'VAT', kind: 'HIDDEN', rateBps: 2000 },
      });
      expect(hidden.check).toMatchObject({ version: 3, total: MAX_AMOUNT_CENTS, items: [expect.anything()] });
    });

    it('keeps every one of 20 concurrent additions to one check (row lock, version +20)', async () => {
      const { id, version } = await h.openCheck();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, posRef: `P-${n}`, priceMinor: 100 + n } }),
        ),
      );
      for (const { body, userErrors } of results) expect([body.errors, userErrors]).toEqual([undefined, []]);
      // Each answer saw the additions before it: the versions are all different.
      expect(new Set(results.map((r) => r.check!.version)).size).toBe(20);
      const { check } = await h.mutate('lockCheck', { checkId: id });
      expect(check!.items).toHaveLength(20);
      expect(check!.version).toBe(version + 20 + 1);
      expect(check!.subtotal).toBe(20 * 100 + (19 * 20) / 2);
      const positions = await h.sql<{ position: number }>(
        'select position from checks.check_item where check_id = ? order by position',
        [id],
      );
      expect(positions.map((p) => p.position)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    });
  });

  describe('taxes, fee and gratuity', () => {
    it('applies taxes, replacing one of the same name where it stands, and removes them', async () => {
      const { id } = await h.openCheck();
      await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, priceMinor: 10_000 } });
      await h.mutate('applyCheckTax', { checkId: id, tax: { name: 'State', kind: 'STANDARD', rateBps: 600 } });
      await h.mutate('applyCheckTax', { checkId: id, tax: { name: 'Liquor', kind: 'OTHER', amountMinor: 250 } });
      const { check } = await h.mutate('applyCheckTax', {
        checkId: id,
        tax: { name: 'State', kind: 'STANDARD', rateBps: 650 },
      });
      expect(check).toMatchObject({
        taxes: 650,
        otherTaxes: 250,
        total: 10_900,
        version: 5,
        taxList: [
          { name: 'State', amount: 650 },
          { name: 'Liquor', amount: 250 },
        ],
      });
      const removed = await h.mutate('removeCheckTax', { checkId: id, name: 'State' });
      expect(removed.check).toMatchObject({ taxes: 0, otherTaxes: 250, taxList: [{ name: 'Liquor', amount: 250 }] });
      const unknown = await h.mutate('removeCheckTax', { checkId: id, name: 'State' });
      expect(unknown.userErrors).toEqual([
        { code: 'CHECK_TAX_NOT_FOUND', field: ['input', 'name'], message: 'The check has no tax named "State"' },
      ]);
    });

    it('refuses invalid taxes, fees and gratuities', async () => {
      const { id } = await h.openCheck();
      const exactlyOne = (name: string) => [`${name}.rateBps, ${name}.amountMinor: give exactly one of them`];
      const cases: Array<[string, Record<string, unknown>, string[]]> = [
        ['applyCheckTax', { tax: { name: 'T', kind: 'STANDARD', rateBps: 100, amountMinor: 5 } }, exactlyOne('tax')],
        ['applyCheckTax', { tax: { name: 'T', kind: 'STANDARD' } }, exactlyOne('tax')],
        [
          'applyCheckTax',
          { tax: { name: 'T', kind: 'OTHER', rateBps: 10_001 } },
          ['tax.rateBps: must be an integer from 0 to 10000'],
        ],
        [
          'applyCheckTax',
          { tax: { name: 'T', kind: 'OTHER', rateBps: -1 } },
          ['tax.rateBps: must be an integer from 0 to 10000'],
        ],
        [
          'applyCheckTax',
          { tax: { name: 'T', kind: 'HIDDEN', amountMinor: -1 } },
          ['tax.amountMinor: must be at least 0'],
        ],
        ['applyCheckTax', { tax: { name: '', kind: 'HIDDEN', amountMinor: 1 } }, ['tax.name: must not be blank']],
        ['setSupplementalFee', { fee: { name: 'F'.repeat(65), rateBps: 1 } }, ['fee.name: at most 64 characters']],
        ['setSupplementalFee', { fee: { name: 'Fee' } }, exactlyOne('fee')],
        ['setGratuity', { gratuity: { rateBps: 1, amountMinor: 1 } }, exactlyOne('gratuity')],
        [
          'setGratuity',
          { gratuity: { amountMinor: MAX_AMOUNT_CENTS + 1 } },
          [`gratuity.amountMinor: must be at most ${MAX_AMOUNT_CENTS}`],
        ],
      ];
      for (const [name, args, details] of cases) {
        const refused = await h.mutate(name, { checkId: id, ...args });
        expect([name, refusalOf(refused)]).toEqual([name, { codes: ['VALIDATION'], details }]);
      }
      const [row] = await h.sql<{ version: number }>('select version from checks.check where id = ?', [id]);
      expect(row.version).toBe(1);
    });

    it('sets and removes the supplemental fee and the gratuity', async () => {
      const { id } = await h.openCheck();
      await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, priceMinor: 2_000 } });
      const fee = await h.mutate('setSupplementalFee', { checkId: id, fee: { name: 'Service', rateBps: 300 } });
      expect(fee.check).toMatchObject({ supplementalFee: { name: 'Service', amount: 60 }, total: 2_060 });
      const replaced = await h.mutate('setSupplementalFee', {
        checkId: id,
        fee: { name: 'Delivery', amountMinor: 499 },
      });
      expect(replaced.check).toMatchObject({ supplementalFee: { name: 'Delivery', amount: 499 }, total: 2_499 });
      const tip = await h.mutate('setGratuity', { checkId: id, gratuity: { rateBps: 1800 } });
      expect(tip.check).toMatchObject({ gratuity: 360, total: 2_859 });
      const noFee = await h.mutate('setSupplementalFee', { checkId: id, fee: null });
      expect(noFee.check).toMatchObject({ supplementalFee: null, total: 2_360 });
      const noTip = await h.mutate('setGratuity', { checkId: id, gratuity: null });
      expect(noTip.check).toMatchObject({ gratuity: 0, total: 2_000, version: 7 });
    });

    it('answers the same figures as checkTotals for a check built through the mutations', async () => {
      const { id } = await h.openCheck({ dualPricingRateBps: 400 });
      const prices = [1_040, 333, 1_999, 5];
      for (const price of prices) await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, priceMinor: price } });
      const taxes = [
        { name: 'Sales tax', kind: CheckTaxKind.STANDARD, rateBps: 825, amountCents: null },
        { name: 'City', kind: CheckTaxKind.STANDARD, rateBps: null, amountCents: 15 },
        { name: 'Liquor', kind: CheckTaxKind.OTHER, rateBps: 250, amountCents: null },
        { name: 'VAT', kind: CheckTaxKind.HIDDEN, rateBps: 1_900, amountCents: null },
        { name: 'Eco', kind: CheckTaxKind.HIDDEN, rateBps: null, amountCents: 3 },
      ];
      for (const { amountCents, ...tax } of taxes) {
        await h.mutate('applyCheckTax', { checkId: id, tax: { ...tax, amountMinor: amountCents } });
      }
      await h.mutate('setSupplementalFee', { checkId: id, fee: { name: 'Service', rateBps: 350 } });
      const { check, body, userErrors } = await h.mutate('setGratuity', { checkId: id, gratuity: { rateBps: 1_500 } });
      expect([body.errors, userErrors]).toEqual([undefined, []]);

      const expected = checkTotals({
        itemPrices: prices,
        taxes,
        supplementalFee: { name: 'Service', rateBps: 350, amountCents: null },
        gratuity: { rateBps: 1_500, amountCents: null },
        dualPricingRateBps: 400,
      });
      expect(check).toMatchObject(expected);
      // And by hand, so the function is not its own oracle: subtotal 3377.
      expect(check).toMatchObject({
        subtotal: 3_377,
        taxes: 279 + 15,
        otherTaxes: 84,
        supplementalFee: { name: 'Service', amount: 118 },
        gratuity: 507,
        total: 3_377 + 294 + 84 + 118 + 507,
        hiddenTaxList: [
          { name: 'VAT', amount: 539 },
          { name: 'Eco', amount: 3 },
        ],
      });
      // Cash subtotal 3377 / 1.04 = 3247.1 → 3247: 3247 + 268 + 15 + 81 + 114 + 487.
      expect(check!.cashTotal).toBe(3_247 + 268 + 15 + 81 + 114 + 487);

      // Read back through a query, the figures are the same.
      const read = await h.call(
        `query($id: ID!) { check(id: $id) { currency total ${MONEY} cashTotal ${MONEY} taxList { name amount ${MONEY} } } }`,
        { id },
      );
      expect(inMinorUnits(read.body.data!.check)).toEqual({
        currency: 'USD',
        total: expected.total,
        cashTotal: expected.cashTotal,
        taxList: expected.taxList,
      });
    });
  });
});
