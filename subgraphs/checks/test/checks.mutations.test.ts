import { randomUUID } from 'node:crypto';
import { MAX_AMOUNT_CENTS, SCOPES } from '@pos/kit';
import { partnerPrincipal } from '@pos/testing';
import { CheckTaxKind, checkTotals } from '../src/modules/check/check.totals';
import {
  type ChecksHarness,
  MONEY,
  demo,
  errorOf,
  inMinorUnits,
  other,
  posUser,
  refusalOf,
  startChecks,
} from './support';

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
        locationId: '1',
        posRef: 'X',
        orderNumber: '1',
        ownedByEmployeeRef: 'E',
        ownedByEmployee: 'A',
        currency: 'XYZ',
      });
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toContain('XYZ');
    });

    it('refuses invalid input with a user error per field', async () => {
      const invalid = await h.mutate('openCheck', {
        locationId: '1',
        posRef: '  ',
        orderNumber: 'N'.repeat(33),
        tableName: 'T\u0007',
        guestCount: 1001,
        ownedByEmployeeRef: '',
        ownedByEmployee: 'Alex',
        dualPricingRateBps: 10_001,
        orderId: 'not-a-uuid',
      });
      expect(invalid.body.errors).toBeUndefined();
      expect(refusalOf(invalid)).toEqual({
        codes: ['VALIDATION'],
        details: [
          'posRef: must not be blank',
          'orderNumber: at most 32 characters',
          'tableName: must not contain control characters',
          'guestCount: must be an integer from 0 to 1000',
          'ownedByEmployeeRef: must not be blank',
          'dualPricingRateBps: must be an integer from 0 to 10000',
          'orderId: must be a UUID',
        ],
      });
      expect(invalid.userErrors![0].field).toEqual(['input', 'posRef']);
      expect(invalid.check).toBeNull();
      const negative = await h.mutate('openCheck', {
        locationId: '1',
        posRef: 'X',
        orderNumber: '1',
        ownedByEmployeeRef: 'E',
        ownedByEmployee: 'E',
        guestCount: -1,
      });
      expect(refusalOf(negative).details).toEqual(['guestCount: must be an integer from 0 to 1000']);
      const badLocation = await h.mutate('openCheck', {
        locationId: 'abc',
        posRef: 'X',
        orderNumber: '1',
        ownedByEmployeeRef: 'E',
        ownedByEmployee: 'E',
      });
      expect(badLocation.userErrors).toEqual([
        { code: 'VALIDATION', field: ['input', 'locationId'], message: expect.any(String) },
      ]);
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
          { locationId, posRef: 'X-1', orderNumber: '1', ownedByEmployeeRef: 'E', ownedByEmployee: 'E' },
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
        locationId: '1',
        posRef: first.posRef,
        orderNumber: '9',
        ownedByEmployeeRef: 'E',
        ownedByEmployee: 'E',
      });
      expect(again.userErrors![0]).toEqual({
        code: 'DUPLICATE_POS_REF',
        field: ['input', 'posRef'],
        message: 'A check with this posRef already exists at the location',
      });
      // The same posRef at another location is another check.
      expect((await h.openCheck({ locationId: '2', posRef: first.posRef })).location).toEqual({ id: '2' });

      const posRef = `RACE-${randomUUID()}`;
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          h.mutate('openCheck', {
            locationId: '1',
            posRef,
            orderNumber: '1',
            ownedByEmployeeRef: 'E',
            ownedByEmployee: 'E',
          }),
        ),
      );
      expect(results.filter((r) => r.check).length).toBe(1);
      expect(results.filter((r) => r.userErrors?.[0]?.code === 'DUPLICATE_POS_REF').length).toBe(4);
    });

    it('links the check to an order of the same location', async () => {
      const orderId = await h.createOrder('1');
      expect((await h.openCheck({ orderId: orderId.toUpperCase() })).order).toEqual({ id: orderId });

      const elsewhere = await h.createOrder('2');
      const wrongLocation = await h.mutate('openCheck', {
        locationId: '1',
        posRef: 'X-2',
        orderNumber: '1',
        ownedByEmployeeRef: 'E',
        ownedByEmployee: 'E',
        orderId: elsewhere,
      });
      expect(wrongLocation.userErrors).toEqual([
        { code: 'VALIDATION', field: ['input', 'orderId'], message: 'the order is at another location' },
      ]);
      const unknown = await h.mutate('openCheck', {
        locationId: '1',
        posRef: 'X-3',
        orderNumber: '1',
        ownedByEmployeeRef: 'E',
        ownedByEmployee: 'E',
        orderId: randomUUID(),
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
      { locationId: '1', posRef: 'X-4', orderNumber: '1', ownedByEmployeeRef: 'E', ownedByEmployee: 'E' },
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

    it('refuses every change to a locked check with CHECK_LOCKED', async () => {
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
        const refused = await h.mutate(name, args);
        expect([name, refused.body.errors, refused.check, refusalOf(refused).codes]).toEqual([
          name,
          undefined,
          null,
          ['CHECK_LOCKED'],
        ]);
      }
      const [row] = await h.sql<{ version: number }>('select version from checks.check where id = ?', [id]);
      expect(row.version).toBe(4);
    });

    it('closes a check for good: every later mutation is CHECK_CLOSED', async () => {
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
        const refused = await h.mutate(name, args);
        expect([name, refused.body.errors, refused.check, refusalOf(refused).codes]).toEqual([
          name,
          undefined,
          null,
          ['CHECK_CLOSED'],
        ]);
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
