import { randomUUID } from 'node:crypto';
import { MAX_AMOUNT_CENTS, SCOPES } from '@pos/kit';
import { partnerPrincipal } from '@pos/kit/src/testing';
import { CheckTaxKind, checkTotals } from '../src/modules/check/check.totals';
import { type ChecksHarness, MONEY, demo, errorOf, inMinorUnits, other, posUser, startChecks } from './support';

describe('checks subgraph mutations', () => {
  let h: ChecksHarness;

  beforeAll(async () => {
    h = await startChecks();
  });
  afterAll(() => h?.close());

  const ITEM = { posRef: 'ITEM-BURGER', name: 'Cheeseburger', quantity: 1, priceMinor: 1450 };

  describe('openCheck', () => {
    it('opens an empty OPEN check with the defaults', async () => {
      const check = await h.openCheck({ tableName: 'T7', guestCount: 2 });
      expect(check).toMatchObject({
        status: 'OPEN',
        closedAt: null,
        tableName: 'T7',
        guestCount: 2,
        ownedByEmployeeRef: 'EMP-1',
        ownedByEmployee: 'Alex Doe',
        currency: 'USD',
        subtotal: 0,
        taxes: 0,
        otherTaxes: 0,
        taxList: [],
        hiddenTaxList: [],
        supplementalFee: null,
        gratuity: 0,
        total: 0,
        cashTotal: null,
        dualPricingRateBps: null,
        isLocked: false,
        version: 1,
        location: { id: '1' },
        order: null,
        items: [],
      });
      expect(new Date(check.openedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
      const [row] = await h.sql<{ tenant_id: string }>('select tenant_id from checks.check where id = ?', [check.id]);
      expect(row.tenant_id).toBe('demo');
    });

    it('takes a currency and dual pricing', async () => {
      const check = await h.openCheck({ currency: 'EUR', dualPricingRateBps: 400 });
      expect(check).toMatchObject({ currency: 'EUR', dualPricingRateBps: 400, cashTotal: 0 });
    });

    it('shows every amount as Money in the check’s currency, JPY in whole yen', async () => {
      const { id } = await h.openCheck({ currency: 'JPY', dualPricingRateBps: 400 });
      await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, priceMinor: 1_040 } });
      await h.mutate('applyCheckTax', { checkId: id, tax: { name: 'Consumption', kind: 'STANDARD', rateBps: 1_000 } });
      await h.mutate('setSupplementalFee', { checkId: id, fee: { name: 'Service', amountMinor: 100 } });
      const { body } = await h.call(
        `query($id: ID!) { check(id: $id) { currency subtotal { amountMinor currency } taxes { amountMinor currency }
          taxList { name amount { amountMinor currency } } supplementalFee { amount { amountMinor currency } }
          gratuity { amountMinor currency } total { amountMinor currency } cashTotal { amountMinor currency }
          items { price { amountMinor currency } } } }`,
        { id },
      );
      const yen = (amountMinor: number) => ({ amountMinor, currency: 'JPY' });
      expect(body.data!.check).toEqual({
        currency: 'JPY',
        subtotal: yen(1_040),
        taxes: yen(104),
        taxList: [{ name: 'Consumption', amount: yen(104) }],
        supplementalFee: { amount: yen(100) },
        gratuity: yen(0),
        total: yen(1_244),
        // Cash subtotal 1040 / 1.04 = 1000: 1000 + 100 + 100.
        cashTotal: yen(1_200),
        items: [{ price: yen(1_040) }],
      });
    });

    it('refuses a currency that is not ISO 4217 before it reaches the service', async () => {
      const { body } = await h.mutate('openCheck', {
        input: {
          locationId: '1',
          posRef: 'X',
          orderNumber: '1',
          ownedByEmployeeRef: 'E',
          ownedByEmployee: 'A',
          currency: 'XYZ',
        },
      });
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toContain('XYZ');
    });

    it('refuses invalid input with a detail per field', async () => {
      const { body } = await h.mutate('openCheck', {
        input: {
          locationId: '1',
          posRef: '  ',
          orderNumber: 'N'.repeat(33),
          tableName: 'T\u0007',
          guestCount: 1001,
          ownedByEmployeeRef: '',
          ownedByEmployee: 'Alex',
          dualPricingRateBps: 10_001,
          orderId: 'not-a-uuid',
        },
      });
      expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'validation_error' });
      expect(errorOf(body).details).toEqual([
        'input.posRef: must not be blank',
        'input.orderNumber: at most 32 characters',
        'input.tableName: must not contain control characters',
        'input.guestCount: must be an integer from 0 to 1000',
        'input.ownedByEmployeeRef: must not be blank',
        'input.dualPricingRateBps: must be an integer from 0 to 10000',
        'input.orderId: must be a UUID',
      ]);
      const negative = await h.mutate('openCheck', {
        input: {
          locationId: '1',
          posRef: 'X',
          orderNumber: '1',
          ownedByEmployeeRef: 'E',
          ownedByEmployee: 'E',
          guestCount: -1,
        },
      });
      expect(errorOf(negative.body).details).toEqual(['input.guestCount: must be an integer from 0 to 1000']);
      const badLocation = await h.mutate('openCheck', {
        input: { locationId: 'abc', posRef: 'X', orderNumber: '1', ownedByEmployeeRef: 'E', ownedByEmployee: 'E' },
      });
      expect(errorOf(badLocation.body).code).toBe('BAD_USER_INPUT');
    });

    it("answers NOT_FOUND 'Location' for a location that is not the caller's", async () => {
      for (const [locationId, as] of [
        ['3', demo],
        ['999', demo],
        ['2', posUser([1])],
        ['1', other],
      ] as const) {
        const { body } = await h.mutate(
          'openCheck',
          { input: { locationId, posRef: 'X-1', orderNumber: '1', ownedByEmployeeRef: 'E', ownedByEmployee: 'E' } },
          as,
        );
        expect(errorOf(body).code).toBe('NOT_FOUND');
        expect(body.errors![0].message).toBe('Location not found');
      }
      // A POS user may open checks at the locations of its roles.
      expect((await h.openCheck({}, posUser([1]))).location).toEqual({ id: '1' });
    });

    it('refuses a posRef already used at the location, even when two opens race', async () => {
      const first = await h.openCheck();
      const again = await h.mutate('openCheck', {
        input: {
          locationId: '1',
          posRef: first.posRef,
          orderNumber: '9',
          ownedByEmployeeRef: 'E',
          ownedByEmployee: 'E',
        },
      });
      expect(errorOf(again.body)).toMatchObject({ code: 'CONFLICT', reason: 'duplicate_pos_ref' });
      // The same posRef at another location is another check.
      expect((await h.openCheck({ locationId: '2', posRef: first.posRef })).location).toEqual({ id: '2' });

      const posRef = `RACE-${randomUUID()}`;
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          h.mutate('openCheck', {
            input: { locationId: '1', posRef, orderNumber: '1', ownedByEmployeeRef: 'E', ownedByEmployee: 'E' },
          }),
        ),
      );
      expect(results.filter((r) => r.check).length).toBe(1);
      expect(results.filter((r) => errorOf(r.body).reason === 'duplicate_pos_ref').length).toBe(4);
    });

    it('links the check to an order of the same location', async () => {
      const orderId = await h.createOrder('1');
      expect((await h.openCheck({ orderId: orderId.toUpperCase() })).order).toEqual({ id: orderId });

      const elsewhere = await h.createOrder('2');
      const wrongLocation = await h.mutate('openCheck', {
        input: {
          locationId: '1',
          posRef: 'X-2',
          orderNumber: '1',
          ownedByEmployeeRef: 'E',
          ownedByEmployee: 'E',
          orderId: elsewhere,
        },
      });
      expect(errorOf(wrongLocation.body)).toMatchObject({
        code: 'BAD_USER_INPUT',
        details: ['input.orderId: the order is at another location'],
      });
      const unknown = await h.mutate('openCheck', {
        input: {
          locationId: '1',
          posRef: 'X-3',
          orderNumber: '1',
          ownedByEmployeeRef: 'E',
          ownedByEmployee: 'E',
          orderId: randomUUID(),
        },
      });
      expect(errorOf(unknown.body).code).toBe('NOT_FOUND');
      expect(unknown.body.errors![0].message).toBe('Order not found');
    });
  });

  it('needs the tilt/pos:orders scope for every change', async () => {
    const reader = partnerPrincipal('demo', [SCOPES.posRead, SCOPES.mobilePayments]);
    const check = await h.openCheck();
    const open = await h.mutate(
      'openCheck',
      { input: { locationId: '1', posRef: 'X-4', orderNumber: '1', ownedByEmployeeRef: 'E', ownedByEmployee: 'E' } },
      reader,
    );
    expect(errorOf(open.body).code).toBe('FORBIDDEN');
    for (const [name, args] of [
      ['addCheckItem', { checkId: check.id, item: ITEM }],
      ['removeCheckItem', { checkId: check.id, itemId: randomUUID() }],
      ['applyCheckTax', { checkId: check.id, tax: { name: 'T', kind: 'STANDARD', rateBps: 1 } }],
      ['removeCheckTax', { checkId: check.id, name: 'T' }],
      ['setSupplementalFee', { checkId: check.id, fee: null }],
      ['setGratuity', { checkId: check.id, gratuity: null }],
      ['lockCheck', { checkId: check.id }],
      ['unlockCheck', { checkId: check.id }],
      ['closeCheck', { checkId: check.id }],
    ] as const) {
      const { body } = await h.mutate(name, args, reader);
      expect([name, errorOf(body).code]).toEqual([name, 'FORBIDDEN']);
    }
    const unauthenticated = await h.mutate('lockCheck', { checkId: check.id }, null);
    expect(errorOf(unauthenticated.body).code).toBe('UNAUTHENTICATED');
  });

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
        const { body } = await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, ...change } });
        expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', details });
      }
      // The largest quantity is fine; nothing invalid was written.
      const { check } = await h.mutate('addCheckItem', { checkId: id, item: { ...ITEM, quantity: 100_000 } });
      expect(check).toMatchObject({ version: 2, items: [expect.objectContaining({ quantity: 100_000 })] });
    });

    it('answers NOT_FOUND for an unknown item and BAD_USER_INPUT for malformed ids', async () => {
      const { id } = await h.openCheck();
      const unknown = await h.mutate('removeCheckItem', { checkId: id, itemId: randomUUID() });
      expect(errorOf(unknown.body).code).toBe('NOT_FOUND');
      const malformed = await h.mutate('removeCheckItem', { checkId: id, itemId: 'x' });
      expect(errorOf(malformed.body)).toMatchObject({ code: 'BAD_USER_INPUT', details: ['itemId: "x" is not a UUID'] });
      const badCheck = await h.mutate('addCheckItem', { checkId: 'x', item: ITEM });
      expect(errorOf(badCheck.body).code).toBe('BAD_USER_INPUT');
      const noCheck = await h.mutate('addCheckItem', { checkId: randomUUID(), item: ITEM });
      expect(errorOf(noCheck.body).code).toBe('NOT_FOUND');
      expect(noCheck.body.errors![0].message).toBe('Check not found');
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
      const { body } = await h.mutate('addCheckItem', { checkId: id, item: ITEM });
      expect(errorOf(body)).toMatchObject({
        code: 'BAD_USER_INPUT',
        details: ['items: a check holds at most 500 items'],
      });
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
        const { body } = await h.mutate(name, args);
        expect([name, errorOf(body)]).toEqual([
          name,
          {
            code: 'BAD_USER_INPUT',
            reason: 'validation_error',
            details: [`total: would be ${MAX_AMOUNT_CENTS + 1}; must be at most ${MAX_AMOUNT_CENTS}`],
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
      for (const { body } of results) expect(body.errors).toBeUndefined();
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
      expect(errorOf(unknown.body).code).toBe('NOT_FOUND');
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
        const { body } = await h.mutate(name, { checkId: id, ...args });
        expect([name, errorOf(body)]).toEqual([name, { code: 'BAD_USER_INPUT', reason: 'validation_error', details }]);
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
      const { check, body } = await h.mutate('setGratuity', { checkId: id, gratuity: { rateBps: 1_500 } });
      expect(body.errors).toBeUndefined();

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

  describe('lock, unlock and close', () => {
    it('locks and unlocks; repeating either changes nothing', async () => {
      const { id } = await h.openCheck();
      const locked = await h.mutate('lockCheck', { checkId: id });
      expect(locked.check).toMatchObject({ isLocked: true, version: 2 });
      const again = await h.mutate('lockCheck', { checkId: id });
      expect(again.check).toMatchObject({ isLocked: true, version: 2 });
      const unlocked = await h.mutate('unlockCheck', { checkId: id });
      expect(unlocked.check).toMatchObject({ isLocked: false, version: 3 });
      const unlockedAgain = await h.mutate('unlockCheck', { checkId: id });
      expect(unlockedAgain.check).toMatchObject({ isLocked: false, version: 3 });
    });

    it("refuses every change to a locked check with CONFLICT 'check_locked'", async () => {
      const { id } = await h.openCheck();
      const { check } = await h.mutate('addCheckItem', { checkId: id, item: ITEM });
      await h.mutate('applyCheckTax', { checkId: id, tax: { name: 'T', kind: 'STANDARD', rateBps: 800 } });
      await h.mutate('lockCheck', { checkId: id });
      for (const [name, args] of [
        ['addCheckItem', { checkId: id, item: ITEM }],
        ['removeCheckItem', { checkId: id, itemId: check!.items[0].id }],
        ['applyCheckTax', { checkId: id, tax: { name: 'T', kind: 'STANDARD', rateBps: 1 } }],
        ['removeCheckTax', { checkId: id, name: 'T' }],
        ['setSupplementalFee', { checkId: id, fee: { name: 'F', amountMinor: 1 } }],
        ['setSupplementalFee', { checkId: id, fee: null }],
        ['setGratuity', { checkId: id, gratuity: { amountMinor: 1 } }],
        ['closeCheck', { checkId: id }],
      ] as const) {
        const { body } = await h.mutate(name, args);
        expect([name, errorOf(body).code, errorOf(body).reason]).toEqual([name, 'CONFLICT', 'check_locked']);
      }
      const [row] = await h.sql<{ version: number }>('select version from checks.check where id = ?', [id]);
      expect(row.version).toBe(4);
    });

    it("closes a check for good: every later mutation is CONFLICT 'check_closed'", async () => {
      const { id } = await h.openCheck();
      const { check: withItem } = await h.mutate('addCheckItem', { checkId: id, item: ITEM });
      const { check } = await h.mutate('closeCheck', { checkId: id });
      expect(check).toMatchObject({ status: 'CLOSED', version: 3, total: 1450 });
      expect(new Date(check!.closedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
      for (const [name, args] of [
        ['addCheckItem', { checkId: id, item: ITEM }],
        ['removeCheckItem', { checkId: id, itemId: withItem!.items[0].id }],
        ['applyCheckTax', { checkId: id, tax: { name: 'T', kind: 'STANDARD', rateBps: 1 } }],
        ['removeCheckTax', { checkId: id, name: 'T' }],
        ['setSupplementalFee', { checkId: id, fee: null }],
        ['setGratuity', { checkId: id, gratuity: null }],
        ['lockCheck', { checkId: id }],
        ['unlockCheck', { checkId: id }],
        ['closeCheck', { checkId: id }],
      ] as const) {
        const { body } = await h.mutate(name, args);
        expect([name, errorOf(body).code, errorOf(body).reason]).toEqual([name, 'CONFLICT', 'check_closed']);
      }
    });
  });

  describe('tenancy', () => {
    it("answers NOT_FOUND 'Check' for a check of another partner or of a location the caller may not act at", async () => {
      const atOne = await h.openCheck();
      const atTwo = await h.openCheck({ locationId: '2' });
      for (const [checkId, as] of [
        [atOne.id, other],
        [atTwo.id, posUser([1])],
      ] as const) {
        for (const [name, args] of [
          ['addCheckItem', { checkId, item: ITEM }],
          ['applyCheckTax', { checkId, tax: { name: 'T', kind: 'STANDARD', rateBps: 1 } }],
          ['setGratuity', { checkId, gratuity: null }],
          ['lockCheck', { checkId }],
          ['closeCheck', { checkId }],
        ] as const) {
          const { body } = await h.mutate(name, args, as);
          expect([name, errorOf(body).code, body.errors?.[0].message]).toEqual([name, 'NOT_FOUND', 'Check not found']);
        }
      }
      // Nothing changed.
      const rows = await h.sql<{ version: number }>('select version from checks.check where id in (?, ?)', [
        atOne.id,
        atTwo.id,
      ]);
      expect(rows.map((r) => r.version)).toEqual([1, 1]);
      // A POS user works on the checks of its own locations.
      const { check } = await h.mutate('addCheckItem', { checkId: atOne.id, item: ITEM }, posUser([1]));
      expect(check!.version).toBe(2);
    });
  });
});
