import { randomUUID } from 'node:crypto';
import { type Principal, SCOPES, freePort } from '@pos/kit';
import { partnerPrincipal, startTestSubgraph } from '@pos/testing';
import { orders } from '../src/app';
import { type PaymentsHarness, demo, errorOf, other, startPayments } from '@pos/payments/test/support';

/** Who the gateway's hosted checkout acts as: the order's partner, taking payments at the order's location. */
const checkoutPrincipal = (checkoutId: string, partner: 'demo' | 'other' = 'demo', locationId = 1): Principal => ({
  ...partnerPrincipal(partner, [SCOPES.posPayments]),
  subject: `hosted-checkout:${checkoutId}`,
  clientId: null,
  locationIds: [locationId],
});

const CREATE_ORDER = `mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { order { id hostedCheckout { id status } } }
}`;
const COMPLETE = `mutation($orderId: ID!, $checkoutId: ID!, $paymentId: ID!) {
  completeHostedCheckout(orderId: $orderId, checkoutId: $checkoutId, paymentId: $paymentId) {
    id hostedCheckout { status paymentId }
  }
}`;
const CHECKOUT = `query($id: ID!) { order(id: $id) { hostedCheckout { status paidAt paymentId } } }`;

/**
 * Completing a hosted checkout (the single use of its link) is the orders subgraph's rule, so it is checked here, at
 * the owner, with the payments subgraph it reads the payment from: only an approved payment of that order, for
 * its whole total, marks the checkout paid. Anything else is refused and leaves the link open.
 */
describe('completeHostedCheckout at the orders subgraph', () => {
  let h: PaymentsHarness;

  beforeAll(async () => {
    h = await startPayments();
  });
  afterAll(() => h?.close());

  /** An order with a hosted checkout at location 1 (or `other`'s location 3), for `totalMinor`. */
  const checkoutOrder = async (totalMinor: number, as: Principal = demo, locationId = '1') => {
    const { body } = await h.orders.call(
      CREATE_ORDER,
      { input: { locationId, currency: 'USD', totalMinor, returnUrl: 'https://shop.example/done' } },
      as,
    );
    expect(body.errors).toBeUndefined();
    const order = body.data!.createOrder.order;
    expect(order.hostedCheckout.status).toBe('OPEN');
    return { orderId: order.id as string, checkoutId: order.hostedCheckout.id as string };
  };
  const complete = (orderId: string, checkoutId: string, paymentId: string, as = checkoutPrincipal(checkoutId)) =>
    h.orders.call(COMPLETE, { orderId, checkoutId, paymentId }, as);
  const checkoutOf = async (orderId: string) =>
    (await h.orders.call(CHECKOUT, { id: orderId })).body.data!.order.hostedCheckout;

  it('marks the checkout paid by an approved payment of the order for its total; the same payment again is a no-op', async () => {
    const { orderId, checkoutId } = await checkoutOrder(2500);
    const payment = await h.payOk({ orderId, amountMinor: 2500, entryMode: 'CARD_NOT_PRESENT' });

    const done = await complete(orderId, checkoutId, payment.id);
    expect(done.body.errors).toBeUndefined();
    expect(done.body.data!.completeHostedCheckout.hostedCheckout).toEqual({ status: 'PAID', paymentId: payment.id });
    const again = await complete(orderId, checkoutId, payment.id);
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data!.completeHostedCheckout.hostedCheckout).toEqual({ status: 'PAID', paymentId: payment.id });
  });

  it('refuses a payment that does not exist: NOT_FOUND, the checkout stays open', async () => {
    const { orderId, checkoutId } = await checkoutOrder(2500);
    const { body } = await complete(orderId, checkoutId, randomUUID());
    expect(body.data).toBeNull();
    expect(errorOf(body)).toEqual({ code: 'NOT_FOUND', reason: undefined });
    expect(body.errors![0].message).toBe('Payment not found');
    expect(await checkoutOf(orderId)).toEqual({ status: 'OPEN', paidAt: null, paymentId: null });
  });

  it('refuses an approved payment of another order, of the same partner or of another one: NOT_FOUND', async () => {
    const { orderId, checkoutId } = await checkoutOrder(2500);
    const elsewhere = await h.createOrder({ totalMinor: 2500 });
    const mine = await h.payOk({ orderId: elsewhere, amountMinor: 2500 });
    const theirOrder = await h.createOrder({ totalMinor: 2500, locationId: '3' }, other);
    const theirs = await h.payOk({ orderId: theirOrder, amountMinor: 2500 }, null, other);

    for (const paymentId of [mine.id, theirs.id]) {
      const { body } = await complete(orderId, checkoutId, paymentId);
      expect(body.data).toBeNull();
      expect(errorOf(body)).toEqual({ code: 'NOT_FOUND', reason: undefined });
      expect(body.errors![0].message).toBe('Payment not found');
    }
    expect(await checkoutOf(orderId)).toEqual({ status: 'OPEN', paidAt: null, paymentId: null });
  });

  it('refuses a declined payment of the order: CONFLICT payment_not_approved, the checkout stays open', async () => {
    const { orderId, checkoutId } = await checkoutOrder(2500);
    const declined = await h.payOk({ orderId, amountMinor: 2500, cardToken: 'tok_decline' });
    expect(declined.status).toBe('DECLINED');

    const { body } = await complete(orderId, checkoutId, declined.id);
    expect(body.data).toBeNull();
    expect(errorOf(body)).toEqual({ code: 'CONFLICT', reason: 'payment_not_approved' });
    expect(await checkoutOf(orderId)).toEqual({ status: 'OPEN', paidAt: null, paymentId: null });

    // A voided payment was approved once, and is not any more: refused the same way.
    const approved = await h.payOk({ orderId, amountMinor: 2500 });
    expect((await h.void(approved.id)).body.errors).toBeUndefined();
    expect(errorOf((await complete(orderId, checkoutId, approved.id)).body)).toEqual({
      code: 'CONFLICT',
      reason: 'payment_not_approved',
    });
    expect(await checkoutOf(orderId)).toEqual({ status: 'OPEN', paidAt: null, paymentId: null });
  });

  it('refuses an approved payment of part of the total: CONFLICT payment_amount_mismatch', async () => {
    const { orderId, checkoutId } = await checkoutOrder(2500);
    const part = await h.payOk({ orderId, amountMinor: 1 });

    const { body } = await complete(orderId, checkoutId, part.id);
    expect(errorOf(body)).toEqual({ code: 'CONFLICT', reason: 'payment_amount_mismatch' });
    expect(await checkoutOf(orderId)).toEqual({ status: 'OPEN', paidAt: null, paymentId: null });
  });

  it("reads the payment as the caller: another partner's checkout principal cannot use demo's payment", async () => {
    const { orderId, checkoutId } = await checkoutOrder(2500, other, '3');
    const demoOrder = await h.createOrder({ totalMinor: 2500 });
    const demoPayment = await h.payOk({ orderId: demoOrder, amountMinor: 2500 });
    const { body } = await complete(orderId, checkoutId, demoPayment.id, checkoutPrincipal(checkoutId, 'other', 3));
    expect(errorOf(body)).toEqual({ code: 'NOT_FOUND', reason: undefined });
  });
});

describe('completeHostedCheckout while the payments subgraph is down', () => {
  it('answers UNAVAILABLE dependency_unavailable with no detail, and leaves the checkout open', async () => {
    // Nothing listens on a port just freed: the payment cannot be read.
    const alone = await startTestSubgraph(orders, demo, undefined, {
      PAYMENTS_URL: `http://127.0.0.1:${await freePort()}/graphql`,
    });
    try {
      const created = await alone.call(CREATE_ORDER, {
        input: { locationId: '1', currency: 'USD', totalMinor: 900, returnUrl: 'https://shop.example/done' },
      });
      const { id: orderId, hostedCheckout } = created.body.data!.createOrder.order;
      const { body } = await alone.call(
        COMPLETE,
        { orderId, checkoutId: hostedCheckout.id, paymentId: randomUUID() },
        checkoutPrincipal(hostedCheckout.id),
      );
      expect(body.errors).toEqual([
        expect.objectContaining({
          message: 'The service that owns Payment is not available; retry later',
          extensions: { code: 'UNAVAILABLE', details: [], reason: 'dependency_unavailable' },
        }),
      ]);
      const read = await alone.call(CHECKOUT, { id: orderId });
      expect(read.body.data!.order.hostedCheckout).toEqual({ status: 'OPEN', paidAt: null, paymentId: null });
    } finally {
      await alone.close();
    }
  });
});
