import { randomUUID } from 'node:crypto';
import { SCOPES } from '@pos/kit';
import { partnerPrincipal } from '@pos/testing';
import { type ChecksHarness, ITEM, demo, errorOf, other, posUser, refusalOf, startChecks } from './support';

/**
 * The checks subgraph's mutations on a check as a whole: openCheck (its defaults, Money in the check's currency,
 * validation, the caller's locations and orders, one posRef per location), the scope every change needs, lock,
 * unlock and close, and that a check of another partner or location is not found. What goes on a check (items,
 * taxes, the supplemental fee, the gratuity) and the totals it makes: checks.items.test.ts.
 */
describe('checks subgraph mutations', () => {
  let h: ChecksHarness;

  beforeAll(async () => {
    h = await startChecks();
  });
  afterAll(() => h?.close());

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
