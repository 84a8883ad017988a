import { randomUUID } from 'node:crypto';
import { SCOPES } from '@pos/kit';
import { partnerPrincipal } from '@pos/testing';
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

/**
 * What the payments subgraph reserves on a check before it records a payment, and how that bounds the POS's edits.
 * The two internal mutations are called here as payments calls them: on the checks subgraph, with the caller's
 * signed context.
 */
const RESERVE = `mutation($locationId: ID!, $posRef: String!, $paymentId: ID!, $amountCents: Int!) {
  reserveCheckAmount(locationId: $locationId, posRef: $posRef, paymentId: $paymentId, amountCents: $amountCents) {
    id total ${MONEY} currency status location { id } order { id }
  }
}`;
const RELEASE = `mutation($paymentId: ID!, $heldCents: Int!) {
  releaseCheckReservation(paymentId: $paymentId, heldCents: $heldCents)
}`;

describe('checks subgraph: reservations of payments', () => {
  let h: ChecksHarness;

  beforeAll(async () => {
    h = await startChecks();
  });
  afterAll(() => h?.close());

  const ITEM = { posRef: 'ITEM', name: 'Tasting menu', quantity: 1 };

  /** A check at location 1 with items of these prices; returns it with its items. */
  const checkWith = async (...prices: number[]) => {
    const opened = await h.openCheck();
    let check = opened;
    for (const [n, price] of prices.entries()) {
      check = (
        await h.mutate('addCheckItem', { checkId: opened.id, item: { ...ITEM, posRef: `I-${n}`, priceMinor: price } })
      ).check!;
    }
    return check;
  };
  const reserve = (check: Record<string, any>, amountCents: number, paymentId = randomUUID(), as = demo) =>
    h.call(RESERVE, { locationId: '1', posRef: check.posRef, paymentId, amountCents }, as);
  const release = (paymentId: string, heldCents: number, as = demo) => h.call(RELEASE, { paymentId, heldCents }, as);
  const reserved = async (checkId: string) => {
    const [row] = await h.sql<{ n: number }>(
      'select coalesce(sum(amount_cents), 0)::int as n from checks.check_reservation where check_id = ?',
      [checkId],
    );
    return row.n;
  };
  const versionOf = async (checkId: string) => {
    const [row] = await h.sql<{ version: number }>('select version from checks.check where id = ?', [checkId]);
    return row.version;
  };

  describe('reserveCheckAmount', () => {
    it('reserves up to the total under the check’s lock, answers the check, and is idempotent by payment id', async () => {
      const check = await checkWith(600, 400);
      const paymentId = randomUUID();
      const first = await reserve(check, 700, paymentId);
      expect(first.body.errors).toBeUndefined();
      expect(inMinorUnits(first.body.data!.reserveCheckAmount)).toEqual({
        id: check.id,
        total: 1000,
        currency: 'USD',
        status: 'OPEN',
        location: { id: '1' },
        order: null,
      });
      // The same payment again (a retried call) reserves nothing more.
      expect((await reserve(check, 700, paymentId)).body.errors).toBeUndefined();
      expect(await reserved(check.id)).toBe(700);

      const over = await reserve(check, 301);
      expect(errorOf(over.body)).toEqual({
        code: 'UNPROCESSABLE',
        reason: 'amount_exceeds_due',
        details: ['amount due: 300'],
      });
      expect((await reserve(check, 300)).body.errors).toBeUndefined();
      expect(await reserved(check.id)).toBe(1000);
      // A reservation is no change of the check's content.
      expect(await versionOf(check.id)).toBe(3);
    });

    it('lets exactly 10 of 25 concurrent reservations of a tenth of the total through', async () => {
      const check = await checkWith(1000);
      const answers = await Promise.all(Array.from({ length: 25 }, () => reserve(check, 100)));
      expect(answers.filter((a) => !a.body.errors)).toHaveLength(10);
      expect(answers.filter((a) => errorOf(a.body).reason === 'amount_exceeds_due')).toHaveLength(15);
      expect(await reserved(check.id)).toBe(1000);
    });

    it('refuses a locked, a closed, an unknown and another partner’s check, and a caller without the scope', async () => {
      const locked = await checkWith(500);
      await h.mutate('lockCheck', { checkId: locked.id });
      expect(errorOf((await reserve(locked, 100)).body)).toMatchObject({ code: 'CONFLICT', reason: 'check_locked' });

      const closed = await checkWith(500);
      await h.mutate('closeCheck', { checkId: closed.id });
      expect(errorOf((await reserve(closed, 100)).body)).toMatchObject({ code: 'CONFLICT', reason: 'check_not_open' });

      const open = await checkWith(500);
      expect(errorOf((await reserve({ posRef: 'NO-SUCH' }, 100)).body).code).toBe('NOT_FOUND');
      expect(errorOf((await reserve(open, 100, randomUUID(), other)).body).code).toBe('NOT_FOUND');
      expect(errorOf((await reserve(open, 100, randomUUID(), posUser([2]))).body).code).toBe('NOT_FOUND');
      const noScope = partnerPrincipal('demo', [SCOPES.posOrders]);
      expect(errorOf((await reserve(open, 100, randomUUID(), noScope)).body).code).toBe('FORBIDDEN');
      expect(errorOf((await reserve(open, 0)).body).code).toBe('BAD_USER_INPUT');
      expect(
        errorOf((await h.call(RESERVE, { locationId: '1', posRef: open.posRef, paymentId: 'x', amountCents: 1 })).body)
          .code,
      ).toBe('BAD_USER_INPUT');
      for (const check of [locked, closed, open]) expect(await reserved(check.id)).toBe(0);
    });
  });

  describe('releaseCheckReservation', () => {
    it('lowers a reservation to what its payment still holds, never raises it, and forgets it at 0', async () => {
      const check = await checkWith(1000);
      const paymentId = randomUUID();
      await reserve(check, 800, paymentId);
      expect((await release(paymentId, 500)).body.data!.releaseCheckReservation).toBe(500);
      expect((await release(paymentId, 700)).body.data!.releaseCheckReservation).toBe(500);
      expect(await reserved(check.id)).toBe(500);
      // Another partner cannot touch it.
      expect((await release(paymentId, 0, other)).body.data!.releaseCheckReservation).toBe(0);
      expect(await reserved(check.id)).toBe(500);
      expect((await release(paymentId, 0)).body.data!.releaseCheckReservation).toBe(0);
      expect(await h.sql('select 1 from checks.check_reservation where payment_id = ?', [paymentId])).toEqual([]);
      // Releasing what is not (or no longer) reserved changes nothing: a retried release is harmless.
      expect((await release(paymentId, 0)).body.errors).toBeUndefined();
      expect((await release(randomUUID(), 0)).body.errors).toBeUndefined();
    });

    it('releases on a closed check too', async () => {
      const check = await checkWith(1000);
      const paymentId = randomUUID();
      await reserve(check, 1000, paymentId);
      await h.mutate('closeCheck', { checkId: check.id });
      expect((await release(paymentId, 0)).body.errors).toBeUndefined();
      expect(await reserved(check.id)).toBe(0);
    });
  });

  describe('edits of a check with payments on it', () => {
    /** A check of 4000 + 1000, 8 % tax, a 500 fee and a 10 % gratuity: total 6220; 6220 reserved. */
    const paidInFull = async () => {
      const check = await checkWith(4000, 1000);
      await h.mutate('applyCheckTax', { checkId: check.id, tax: { name: 'Sales', kind: 'STANDARD', rateBps: 800 } });
      await h.mutate('setSupplementalFee', { checkId: check.id, fee: { name: 'Service', amountMinor: 320 } });
      const { check: full } = await h.mutate('setGratuity', { checkId: check.id, gratuity: { rateBps: 1000 } });
      expect(full!.total).toBe(5000 + 400 + 320 + 500);
      await reserve(full!, full!.total);
      return full!;
    };

    it('refuses every edit that would lower the total below what is paid with CHECK_TOTAL_BELOW_PAID, changing nothing', async () => {
      const check = await paidInFull();
      const version = await versionOf(check.id);
      for (const [name, args] of [
        ['removeCheckItem', { checkId: check.id, itemId: check.items[1].id }],
        ['removeCheckTax', { checkId: check.id, name: 'Sales' }],
        ['applyCheckTax', { checkId: check.id, tax: { name: 'Sales', kind: 'STANDARD', rateBps: 700 } }],
        ['applyCheckTax', { checkId: check.id, tax: { name: 'Sales', kind: 'HIDDEN', rateBps: 800 } }],
        ['setSupplementalFee', { checkId: check.id, fee: null }],
        ['setSupplementalFee', { checkId: check.id, fee: { name: 'Service', amountMinor: 319 } }],
        ['setGratuity', { checkId: check.id, gratuity: null }],
        ['setGratuity', { checkId: check.id, gratuity: { amountMinor: 1 } }],
      ] as const) {
        const refused = await h.mutate(name, args);
        expect([name, refused.check, refusalOf(refused)]).toEqual([
          name,
          null,
          {
            codes: ['CHECK_TOTAL_BELOW_PAID'],
            details: [
              'The check’s total cannot go below what is paid or being paid on it',
              expect.stringMatching(/^total: would be \d+; paid or being paid: 6220$/),
            ],
          },
        ]);
      }
      expect(await versionOf(check.id)).toBe(version);
      const [row] = await h.sql<{ n: number }>('select count(*)::int as n from checks.check_item where check_id = ?', [
        check.id,
      ]);
      expect(row.n).toBe(2);
    });

    it('allows adding to a paid check, and lowering it down to exactly what is paid', async () => {
      const check = await checkWith(4000, 1000);
      await reserve(check, 4500);
      const added = await h.mutate('addCheckItem', { checkId: check.id, item: { ...ITEM, priceMinor: 250 } });
      expect(added.check!.total).toBe(5250);
      // 5250 → 4250 would be below 4500; the fee keeps it at 4500 exactly.
      await h.mutate('setSupplementalFee', { checkId: check.id, fee: { name: 'Service', amountMinor: 250 } });
      const removed = await h.mutate('removeCheckItem', { checkId: check.id, itemId: check.items[1].id });
      expect([removed.body.errors, removed.userErrors]).toEqual([undefined, []]);
      expect(removed.check!.total).toBe(4500);
      const below = await h.mutate('setSupplementalFee', { checkId: check.id, fee: null });
      expect(refusalOf(below).codes).toEqual(['CHECK_TOTAL_BELOW_PAID']);
      // Raising the gratuity of a check held at its limit is fine: the total goes up.
      expect((await h.mutate('setGratuity', { checkId: check.id, gratuity: { amountMinor: 1 } })).check!.total).toBe(
        4501,
      );
    });

    it('allows the edit again once the payment gave the money back (its reservation released)', async () => {
      const check = await checkWith(4000, 1000);
      const paymentId = randomUUID();
      await reserve(check, 5000, paymentId);
      const refused = await h.mutate('removeCheckItem', { checkId: check.id, itemId: check.items[1].id });
      expect(refusalOf(refused).codes).toEqual(['CHECK_TOTAL_BELOW_PAID']);
      await release(paymentId, 4000);
      const removed = await h.mutate('removeCheckItem', { checkId: check.id, itemId: check.items[1].id });
      expect(removed.check!.total).toBe(4000);
    });
  });

  describe('closing', () => {
    it('closes a check paid in full, and one paid in part (the rest settled at the POS, e.g. in cash)', async () => {
      const full = await checkWith(1000);
      await reserve(full, 1000);
      expect((await h.mutate('closeCheck', { checkId: full.id })).check!.status).toBe('CLOSED');
      const part = await checkWith(1000);
      await reserve(part, 400);
      expect((await h.mutate('closeCheck', { checkId: part.id })).check!.status).toBe('CLOSED');
    });

    it('refuses to close a check paid more than its total with CHECK_TOTAL_BELOW_PAID, so the overpayment shows', async () => {
      // Only a race before reservations existed could leave this; written directly, as that race would have.
      const check = await checkWith(1000);
      await reserve(check, 1000);
      await h.sql('update checks.check_reservation set amount_cents = 1200 where check_id = ?', [check.id]);
      const refused = await h.mutate('closeCheck', { checkId: check.id });
      expect(refused.userErrors).toEqual([
        {
          code: 'CHECK_TOTAL_BELOW_PAID',
          field: null,
          message: 'The check holds more payments than its total; correct it before closing it',
        },
        { code: 'CHECK_TOTAL_BELOW_PAID', field: null, message: 'total: 1000; paid or being paid: 1200' },
      ]);
      const [row] = await h.sql<{ status: string }>('select status from checks.check where id = ?', [check.id]);
      expect(row.status).toBe('OPEN');
    });
  });
});
