import { randomUUID } from 'node:crypto';
import { SCOPES, createLogger } from '@pos/kit';
import { type GraphQLBody, partnerPrincipal } from '@pos/testing';
import type { PaymentsRuntime } from '../src/context';
import { CheckPaymentService } from '../src/modules/check/check-payment.service';
import { syncCheckReservations } from '../src/modules/check/check-reservation';
import { type PaymentsHarness, demo, detailsOf, errorOf, refused, startPayments } from './support';

const mobile = partnerPrincipal('demo', [SCOPES.posRead, SCOPES.posOrders, SCOPES.mobilePayments]);

const PAY_CHECK = `mutation($input: PayCheckInput!) {
  payCheck(input: $input) {
    userErrors { code field message } remainingAmountCents payment { id status order { id } check { id } }
  }
}`;
const CARD = { type: 'VS', last4Digits: '4242', expirationDate: '1240', token: 'tok_card' };
const REMOVE_ITEM = `mutation($input: RemoveCheckItemInput!) {
  removeCheckItem(input: $input) { userErrors { code field message } check { total { amountMinor } } }
}`;
const OUTCOME = `mutation($id: ID!) {
  sandboxProcessorOutcome(input: { paymentId: $id, outcome: AUTHORIZATION_EXPIRED }) { payment { status } }
}`;

/**
 * A check and its payments are kept apart (checks owns the items, payments the money) and still agree: payments
 * reserves what it is about to record on the check, and the check refuses edits below what is reserved.
 */
describe('payments on checks: reservations and the one bill', () => {
  let h: PaymentsHarness;
  const quiet = createLogger('reservations-test', 'silent');

  beforeAll(async () => {
    h = await startPayments();
  });
  afterAll(() => h?.close());
  afterEach(() => jest.restoreAllMocks());

  const payCheck = (posRef: string, amountMinor: number) =>
    h.call(
      PAY_CHECK,
      {
        input: {
          locationId: '1',
          posRef,
          amountMinor,
          card: CARD,
          transaction: { authorizationCode: 'A1', invoice: `INV-${randomUUID()}` },
        },
      },
      mobile,
    );
  /** A check at location 1 with an item of each price (optionally of an order); returns its posRef, id and items. */
  const openCheck = async (prices: number[], orderId: string | null = null) => {
    const posRef = `R-${randomUUID().slice(0, 8)}`;
    const opened = await h.checks.call(
      `mutation($input: OpenCheckInput!) { openCheck(input: $input) { check { id } } }`,
      {
        input: { locationId: '1', posRef, orderNumber: posRef, ownedByEmployeeRef: 'E', ownedByEmployee: 'E', orderId },
      },
      mobile,
    );
    expect(opened.body.errors).toBeUndefined();
    const id = opened.body.data!.openCheck.check.id as string;
    const items: string[] = [];
    for (const [n, price] of prices.entries()) {
      const added = await h.checks.call(
        `mutation($input: AddCheckItemInput!) { addCheckItem(input: $input) { check { items { id } } } }`,
        { input: { checkId: id, item: { posRef: `I-${n}`, name: 'Dish', quantity: 1, priceMinor: price } } },
        mobile,
      );
      items.push(added.body.data!.addCheckItem.check.items[n].id);
    }
    return { posRef, id, items };
  };
  const removeItem = (checkId: string, itemId: string) =>
    h.checks.call(REMOVE_ITEM, { input: { checkId, itemId } }, mobile);
  /** The code of the user error that refused a removeCheckItem; undefined when it went through. */
  const refusalOf = (body: GraphQLBody): string | undefined => body.data?.removeCheckItem?.userErrors[0]?.code;
  /** The check's total (checks subgraph) and what the payments ledger holds on it. */
  const money = async (checkId: string) => {
    const [check] = await h.checks.sql<{ total: number }>(
      `select (select coalesce(sum(price), 0) from checks.check_item where check_id = c.id)::int as total
       from checks.check c where c.id = ?`,
      [checkId],
    );
    const [paid] = await h.sql<{ paid: number }>(
      `select coalesce(sum(amount_cents - refunded_cents), 0)::int as paid from payments.payment
       where check_id = ? and status in ('PENDING', 'APPROVED', 'PARTIALLY_REFUNDED')`,
      [checkId],
    );
    return { total: check.total, paid: paid.paid };
  };
  const reservationsOf = async (checkId: string) =>
    (
      await h.checks.sql<{ amount_cents: number }>(
        'select amount_cents from checks.check_reservation where check_id = ? order by amount_cents',
        [checkId],
      )
    ).map((r) => r.amount_cents);
  const sync = () =>
    syncCheckReservations({
      orm: h.payments.started.orm,
      checks: (h.payments.started.runtime as PaymentsRuntime).checks,
      logger: quiet,
      graceMs: 0,
    });

  it('refuses to remove an item of a check paid in full, and leaves total and paid as they were', async () => {
    const { posRef, id, items } = await openCheck([4000, 1000]);
    expect(refused((await payCheck(posRef, 5000)).body)).toBe(false);
    const { body } = await removeItem(id, items[1]);
    expect(body.errors).toBeUndefined();
    expect(body.data!.removeCheckItem).toEqual({
      userErrors: [
        {
          code: 'CHECK_TOTAL_BELOW_PAID',
          field: null,
          message: 'The check’s total cannot go below what is paid or being paid on it',
        },
        { code: 'CHECK_TOTAL_BELOW_PAID', field: null, message: 'total: would be 4000; paid or being paid: 5000' },
      ],
      check: null,
    });
    expect(await money(id)).toEqual({ total: 5000, paid: 5000 });
    // Closing the check paid in full is what comes next, and works.
    const closed = await h.checks.call(
      `mutation($id: ID!) { closeCheck(input: { checkId: $id }) { check { status } } }`,
      { id },
      mobile,
    );
    expect(closed.body.data!.closeCheck.check.status).toBe('CLOSED');
  });

  it('never lets paid exceed the total when paying the whole total races removing an item (20 rounds)', async () => {
    for (let round = 0; round < 20; round++) {
      const { posRef, id, items } = await openCheck([4000, 1000]);
      // The removal starts 0 to 38 ms after the payment, so it lands before, during and after the payment's steps.
      const [paid, removed] = await Promise.all([
        payCheck(posRef, 5000),
        new Promise((resolve) => setTimeout(resolve, 2 * round)).then(() => removeItem(id, items[1])),
      ]);
      const { total, paid: held } = await money(id);
      expect({ round, total, held, overpaid: held > total }).toEqual({ round, total, held, overpaid: false });
      // Exactly one of the two wins; the other is refused for the right reason.
      if (!refused(paid.body)) {
        expect(refusalOf(removed.body)).toBe('CHECK_TOTAL_BELOW_PAID');
      } else {
        expect(errorOf(paid.body).reason).toBe('amount_exceeds_due');
        expect([removed.body.errors, refusalOf(removed.body)]).toEqual([undefined, undefined]);
      }
      // What the check holds for its payments is exactly what the ledger holds.
      expect(await reservationsOf(id)).toEqual(held ? [held] : []);
    }
  });

  it('keeps no reservation, here or on the check, of a payment the check refused', async () => {
    const { posRef, id } = await openCheck([1000]);
    expect(errorOf((await payCheck(posRef, 1001)).body).reason).toBe('amount_exceeds_due');
    expect(await reservationsOf(id)).toEqual([]);
    // Its hold here was told to the checks subgraph and forgotten.
    expect(await h.sql('select 1 from payments.check_hold')).toEqual([]);
  });

  it('releases what a payment held once its authorisation expires, so the check can be edited down again', async () => {
    const { posRef, id, items } = await openCheck([4000, 1000]);
    const paid = await payCheck(posRef, 5000);
    const paymentId = paid.body.data!.payCheck.payment.id;
    expect(refusalOf((await removeItem(id, items[1])).body)).toBe('CHECK_TOTAL_BELOW_PAID');

    const outcome = await h.call(OUTCOME, { id: paymentId }, demo);
    expect(outcome.body.data!.sandboxProcessorOutcome.payment.status).toBe('EXPIRED');
    expect(await reservationsOf(id)).toEqual([]);
    expect((await removeItem(id, items[1])).body.data!.removeCheckItem.check.total.amountMinor).toBe(4000);
  });

  it('releases, in the sweep, the reservation of a payment whose process died before recording it', async () => {
    const { posRef, id, items } = await openCheck([4000, 1000]);
    // The process dies after checks reserved: the payment is never recorded, and nothing is cleaned up.
    const record = jest
      .spyOn(CheckPaymentService.prototype as any, 'record')
      .mockRejectedValue(new Error('process died'));
    jest.spyOn(CheckPaymentService.prototype as any, 'abandon').mockRejectedValue(new Error('process died'));
    expect(errorOf((await payCheck(posRef, 5000)).body).code).toBe('INTERNAL_SERVER_ERROR');
    expect(record).toHaveBeenCalledTimes(1);
    jest.restoreAllMocks();

    // Until the sweep, the check holds the 5000: no edit below it, no second payment of it (never counted twice).
    expect(await reservationsOf(id)).toEqual([5000]);
    expect(refusalOf((await removeItem(id, items[1])).body)).toBe('CHECK_TOTAL_BELOW_PAID');
    expect(errorOf((await payCheck(posRef, 5000)).body).reason).toBe('amount_exceeds_due');

    expect(await sync()).toEqual({ abandoned: 1, synced: 1 });
    expect(await reservationsOf(id)).toEqual([]);
    expect(await h.sql('select 1 from payments.check_hold')).toEqual([]);
    expect((await removeItem(id, items[1])).body.data!.removeCheckItem.check.total.amountMinor).toBe(4000);
    expect((await payCheck(posRef, 4000)).body.data!.payCheck.remainingAmountCents).toBe(0);
    expect(await money(id)).toEqual({ total: 4000, paid: 4000 });
  });

  it('refuses to record a payment whose reservation the sweep released meanwhile (a request slower than the grace)', async () => {
    const { posRef, id } = await openCheck([1000]);
    const original = (CheckPaymentService.prototype as any).record;
    let swept: Promise<unknown> = Promise.resolve();
    jest.spyOn(CheckPaymentService.prototype as any, 'record').mockImplementation(function (
      this: unknown,
      ...args: unknown[]
    ) {
      swept = sync();
      return swept.then(() => original.apply(this, args));
    });
    const late = await payCheck(posRef, 1000);
    await swept;
    expect(errorOf(late.body)).toEqual({ code: 'UNAVAILABLE', reason: 'reservation_expired' });
    jest.restoreAllMocks();
    expect(await money(id)).toEqual({ total: 1000, paid: 0 });
    expect(await reservationsOf(id)).toEqual([]);
    expect(refused((await payCheck(posRef, 1000)).body)).toBe(false);
  });

  describe('one bill: a check that belongs to an order', () => {
    it('draws on the order’s amount due, whichever API paid the order', async () => {
      const orderId = await h.createOrder({ totalMinor: 1000 });
      const { posRef, id } = await openCheck([1000], orderId);
      await h.payOk({ orderId, amountMinor: 600 });
      const over = await payCheck(posRef, 1000);
      expect(errorOf(over.body)).toEqual({ code: 'UNPROCESSABLE', reason: 'amount_exceeds_due' });
      expect(detailsOf(over.body)).toEqual(['amount due: 400']);
      expect(await reservationsOf(id)).toEqual([]);

      const rest = await payCheck(posRef, 400);
      expect(rest.body.data!.payCheck).toEqual({
        userErrors: [],
        remainingAmountCents: 0,
        payment: { id: expect.any(String), status: 'APPROVED', order: { id: orderId }, check: { id } },
      });
      // The order's ledger counts the check's payment: nothing more is due on it over v1.
      const more = await h.pay({ orderId, amountMinor: 1 });
      expect(errorOf(more.body)).toEqual({ code: 'UNPROCESSABLE', reason: 'amount_exceeds_due' });
      const payments = await h.call(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { payments { nodes { amountCents } } } } }`,
        { r: [{ __typename: 'Order', id: orderId }] },
        demo,
      );
      expect(payments.body.data!._entities[0].payments.nodes).toEqual([{ amountCents: 600 }, { amountCents: 400 }]);
    });

    it('collects the total once when the order (v1) and its check (v2) are paid at the same moment (10 rounds)', async () => {
      for (let round = 0; round < 10; round++) {
        const orderId = await h.createOrder({ totalMinor: 1000 });
        const { posRef } = await openCheck([1000], orderId);
        const answers = await Promise.all([h.pay({ orderId, amountMinor: 1000 }), payCheck(posRef, 1000)]);
        // The loser is refused either way, with the AMOUNT_EXCEEDS_DUE user error of createPayment or payCheck.
        expect([round, answers.filter((a) => !refused(a.body)).length]).toEqual([round, 1]);
        for (const loser of answers.filter((a) => refused(a.body))) {
          expect(errorOf(loser.body).reason).toBe('amount_exceeds_due');
        }
        const [row] = await h.sql<{ paid: number }>(
          `select coalesce(sum(amount_cents), 0)::int as paid from payments.payment
           where order_id = ? and status in ('PENDING', 'APPROVED')`,
          [orderId],
        );
        expect([round, row.paid]).toEqual([round, 1000]);
      }
    });
  });
});
