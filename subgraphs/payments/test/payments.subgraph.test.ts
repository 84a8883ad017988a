import { randomUUID } from 'node:crypto';
import { INTERNAL_CONTEXT_HEADER, SCOPES, signInternalContext } from '@pos/kit';
import { memoryLogger, partnerPrincipal, postGraphQL } from '@pos/testing';
import { PaymentService } from '../src/modules/payment/payment.service';
import {
  CLOSE_BATCH,
  CREATE_PAYMENT,
  PAYMENT,
  type PaymentsHarness,
  demo,
  errorOf,
  detailsOf,
  other,
  posUser,
  startPayments,
} from './support';

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Payment { id amountCents currency status order { id } check { id } }
    ... on Order { id payments { nodes { id amountCents } } }
    ... on Check { id payments { nodes { id amountCents } } }
  }
}`;

/** An entity of ENTITIES with its payments connection as its list of nodes. */
const listed = (entity: Record<string, any> | null) =>
  entity?.payments ? { ...entity, payments: entity.payments.nodes } : entity;

describe('payments subgraph', () => {
  let h: PaymentsHarness;
  const logs = memoryLogger('payments');

  beforeAll(async () => {
    h = await startPayments({ logger: logs.logger });
  });
  afterAll(() => h?.close());
  afterEach(() => jest.restoreAllMocks());

  /** A new order of `totalMinor` at a demo location, paid in full with the default (approving) token. */
  const paidOrder = async (totalMinor: number, locationId = '1') => {
    const orderId = await h.createOrder({ totalMinor, locationId });
    const payment = await h.payOk({ orderId, amountMinor: totalMinor });
    return { orderId, payment };
  };

  describe('federation and authentication', () => {
    it('resolves Payment references of the caller only, as the gateway sends them', async () => {
      const { orderId, payment } = await paidOrder(1500);
      const theirOrder = await h.createOrder({ totalMinor: 700, locationId: '3' }, other);
      const theirs = await h.payOk({ orderId: theirOrder, amountMinor: 700 }, null, other);

      const { status, body } = await h.call(ENTITIES, {
        representations: [
          { __typename: 'Payment', id: payment.id },
          { __typename: 'Payment', id: theirs.id },
          { __typename: 'Payment', id: 'not-a-uuid' },
        ],
      });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data!._entities).toEqual([
        { id: payment.id, amountCents: 1500, currency: 'USD', status: 'APPROVED', order: { id: orderId }, check: null },
        null,
        null,
      ]);
    });

    it('adds payments to Order references, scoped to the caller', async () => {
      const shared = await h.createOrder({ totalMinor: 300 });
      const first = await h.payOk({ orderId: shared, amountMinor: 100 });
      const second = await h.payOk({ orderId: shared, amountMinor: 200 });
      // No API lets another tenant pay our order; a row of theirs naming its id must still stay invisible to us.
      await h.sql(
        `insert into payments.payment (id, tenant_id, order_id, status, amount_cents, currency, created_at)
         values (?, 'other', ?, 'APPROVED', 999, 'USD', now())`,
        [randomUUID(), shared],
      );
      const theirs = await h.createOrder({ totalMinor: 300, locationId: '3' }, other);
      await h.payOk({ orderId: theirs, amountMinor: 300 }, null, other);

      const { body } = await h.call(ENTITIES, {
        representations: [
          { __typename: 'Order', id: shared },
          { __typename: 'Order', id: theirs },
          { __typename: 'Order', id: 'not-a-uuid' },
          { __typename: 'Order', id: shared.toUpperCase() },
        ],
      });
      expect(body.errors).toBeUndefined();
      const expected = [
        { id: first.id, amountCents: 100 },
        { id: second.id, amountCents: 200 },
      ];
      expect(body.data!._entities.map(listed)).toEqual([
        { id: shared, payments: expected },
        { id: theirs, payments: [] },
        { id: 'not-a-uuid', payments: [] },
        { id: shared.toUpperCase(), payments: expected },
      ]);
    });

    it('adds payments to Check references, scoped to the caller', async () => {
      const checkId = randomUUID();
      const { payment: mine } = await paidOrder(450);
      const theirOrder = await h.createOrder({ totalMinor: 550, locationId: '3' }, other);
      const theirs = await h.payOk({ orderId: theirOrder, amountMinor: 550 }, null, other);
      // createPayment takes only an order for now: link the payments to a check directly.
      await h.sql('update payments.payment set check_id = ? where id in (?, ?)', [checkId, mine.id, theirs.id]);

      const { body } = await h.call(ENTITIES, {
        representations: [
          { __typename: 'Check', id: checkId },
          { __typename: 'Check', id: randomUUID() },
          { __typename: 'Check', id: 'not-a-uuid' },
          { __typename: 'Payment', id: mine.id },
        ],
      });
      expect(body.errors).toBeUndefined();
      expect(body.data!._entities.map(listed)).toEqual([
        { id: checkId, payments: [{ id: mine.id, amountCents: 450 }] },
        expect.objectContaining({ payments: [] }),
        { id: 'not-a-uuid', payments: [] },
        expect.objectContaining({ id: mine.id, check: { id: checkId } }),
      ]);
    });

    it('loads the payments of all Order references of one request with one query (DataLoader)', async () => {
      const orderIds = [(await paidOrder(10)).orderId, (await paidOrder(20)).orderId];
      const byOrders = jest.spyOn(PaymentService.prototype, 'pagesOf');
      const { body } = await h.call(ENTITIES, {
        representations: orderIds.map((id) => ({ __typename: 'Order', id })),
      });
      expect(body.errors).toBeUndefined();
      expect(body.data!._entities.map((o: { payments: { nodes: unknown[] } }) => o.payments.nodes.length)).toEqual([
        1, 1,
      ]);
      expect(byOrders).toHaveBeenCalledTimes(1);
      expect([...byOrders.mock.calls[0][2]].sort()).toEqual([...orderIds].sort());
    });

    it('publishes its @key entities in _service.sdl', async () => {
      const { body } = await h.call(`{ _service { sdl } }`);
      expect(body.errors).toBeUndefined();
      const sdl: string = body.data!._service.sdl;
      expect(sdl).toMatch(/type Payment\s+@key\(fields: "id"\)/);
      expect(sdl).toMatch(/type Order\s+@key\(fields: "id"\)/);
      expect(sdl).toMatch(/type Check\s+@key\(fields: "id"\)/);
    });

    it('answers a call without an internal context with UNAUTHENTICATED, no data and no write', async () => {
      const { orderId, payment } = await paidOrder(100);
      const before = await h.counts();

      const read = await h.call(`query($id: ID!) { payment(id: $id) { id } }`, { id: payment.id }, null);
      expect(errorOf(read.body).code).toBe('UNAUTHENTICATED');
      expect(read.body.data?.payment ?? null).toBeNull();

      const input = { orderId, amountMinor: 100, currency: 'USD', cardToken: 'tok_visa' };
      const write = await h.call(CREATE_PAYMENT, { input }, null);
      expect(errorOf(write.body).code).toBe('UNAUTHENTICATED');
      expect(write.body.data?.createPayment ?? null).toBeNull();
      const refund = await h.refund({ paymentId: payment.id }, null, null);
      expect(errorOf(refund.body).code).toBe('UNAUTHENTICATED');
      expect(await h.counts()).toEqual(before);

      const entities = await h.call(ENTITIES, { representations: [{ __typename: 'Payment', id: payment.id }] }, null);
      expect(entities.body.data?._entities ?? [null]).toEqual([null]);
    });

    it('answers a context signed with another secret with UNAUTHENTICATED, no data and no write', async () => {
      const { orderId, payment } = await paidOrder(100);
      const before = await h.counts();
      const headers = {
        [INTERNAL_CONTEXT_HEADER]: await signInternalContext('a-different-secret-0123456789abcdef0123', demo),
      };
      const url = h.payments.started.url;
      const { body } = await postGraphQL(
        url,
        `query($id: ID!) { payment(id: $id) { id } }`,
        { id: payment.id },
        headers,
      );
      expect(errorOf(body).code).toBe('UNAUTHENTICATED');
      expect(body.data?.payment ?? null).toBeNull();

      const entities = await postGraphQL(
        url,
        ENTITIES,
        { representations: [{ __typename: 'Payment', id: payment.id }] },
        headers,
      );
      expect(entities.body.data?._entities ?? [null]).toEqual([null]);

      const input = { orderId, amountMinor: 100, currency: 'USD', cardToken: 'tok_visa' };
      const write = await postGraphQL(url, CREATE_PAYMENT, { input }, headers);
      expect(errorOf(write.body).code).toBe('UNAUTHENTICATED');
      expect(await h.counts()).toEqual(before);
    });

    it('requires tilt/pos:payments to pay and tilt/pos:refunds to void or refund', async () => {
      const { orderId, payment } = await paidOrder(500);
      const before = await h.counts();
      const payer = partnerPrincipal('demo', [SCOPES.posPayments]);
      const refunder = partnerPrincipal('demo', [SCOPES.posRefunds]);

      expect(errorOf((await h.pay({ orderId, amountMinor: 1 }, null, refunder)).body).code).toBe('FORBIDDEN');
      expect(errorOf((await h.void(payment.id, null, payer)).body).code).toBe('FORBIDDEN');
      expect(errorOf((await h.refund({ paymentId: payment.id }, null, payer)).body).code).toBe('FORBIDDEN');
      const batch = await h.call(CLOSE_BATCH, { locationId: '1' }, refunder);
      expect(errorOf(batch.body).code).toBe('FORBIDDEN');
      expect(await h.counts()).toEqual(before);
    });
  });

  describe('paying an order', () => {
    it('writes the approval and exactly one payment.approved event in the same transaction', async () => {
      const orderId = await h.createOrder({ totalMinor: 2500 });
      const before = await h.counts();
      const payment = await h.payOk({ orderId, amountMinor: 2500, entryMode: 'CARD_NOT_PRESENT' });
      expect(payment).toEqual({
        id: expect.any(String),
        status: 'APPROVED',
        amountCents: 2500,
        refundedCents: 0,
        refundableCents: 2500,
        currency: 'USD',
        entryMode: 'CARD_NOT_PRESENT',
        processorReference: expect.stringMatching(/^valor_sbx_/),
        authorizationCode: expect.stringMatching(/^[0-9A-F]{6}$/),
        failureCode: null,
        settledAt: null,
        // Recorded pending (version 1), then approved.
        version: 2,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        order: { id: orderId },
      });

      expect(await h.counts()).toEqual({ ...before, payments: before.payments + 1, events: before.events + 1 });
      const [row] = await h.sql<Record<string, unknown>>(
        `select tenant_id, location_id, order_id, amount_cents, status, xmin::text as xid
         from payments.payment where id = ?`,
        [payment.id],
      );
      expect(row).toEqual({
        tenant_id: 'demo',
        location_id: 1,
        order_id: orderId,
        amount_cents: 2500,
        status: 'APPROVED',
        xid: expect.any(String),
      });
      const events = await h.sql<{ tenant_id: string; type: string; xid: string }>(
        'select tenant_id, type, xmin::text as xid from payments.payment_event where payment_id = ?',
        [payment.id],
      );
      // Same inserting transaction id (xmin): the event was written by the transaction that approved the payment.
      expect(events).toEqual([{ tenant_id: 'demo', type: 'payment.approved', xid: row.xid }]);
    });

    it('records a decline with its code, broadcasts nothing, and leaves the order owing', async () => {
      const orderId = await h.createOrder({ totalMinor: 800 });
      const declined = await h.payOk({ orderId, amountMinor: 800, cardToken: 'tok_decline' });
      expect(declined).toMatchObject({
        status: 'DECLINED',
        failureCode: 'card_declined',
        authorizationCode: null,
        refundableCents: 0,
      });
      expect(await h.eventsOf(declined.id)).toEqual([]);

      const funds = await h.payOk({ orderId, amountMinor: 800, cardToken: 'tok_insufficient_funds' });
      expect(funds).toMatchObject({ status: 'DECLINED', failureCode: 'insufficient_funds' });

      // Declines hold nothing: the full amount can still be paid.
      expect((await h.payOk({ orderId, amountMinor: 800 })).status).toBe('APPROVED');

      const refund = await h.refund({ paymentId: declined.id });
      expect(errorOf(refund.body)).toEqual({ code: 'CONFLICT', reason: 'payment_not_refundable' });
      const voided = await h.void(declined.id);
      expect(errorOf(voided.body)).toEqual({ code: 'CONFLICT', reason: 'invalid_state_transition' });
    });

    it('refuses more than the order still owes, and writes nothing', async () => {
      const orderId = await h.createOrder({ totalMinor: 1000 });
      await h.payOk({ orderId, amountMinor: 600 });
      const before = await h.counts();
      const { body } = await h.pay({ orderId, amountMinor: 401 });
      expect(errorOf(body)).toEqual({ code: 'UNPROCESSABLE', reason: 'amount_exceeds_due' });
      expect(detailsOf(body)).toEqual(['amount due: 400']);
      expect(body.data!.createPayment.userErrors[0].field).toEqual(['input', 'amountMinor']);
      expect(body.data!.createPayment.payment).toBeNull();
      expect(await h.counts()).toEqual(before);
      expect((await h.payOk({ orderId, amountMinor: 400 })).status).toBe('APPROVED');
      expect(errorOf((await h.pay({ orderId, amountMinor: 1 })).body).reason).toBe('amount_exceeds_due');
    });

    it('refuses a currency other than the order’s, and writes nothing', async () => {
      const orderId = await h.createOrder({ totalMinor: 1000 });
      const before = await h.counts();
      const { body } = await h.pay({ orderId, amountMinor: 1000, currency: 'EUR' });
      expect(errorOf(body)).toEqual({ code: 'UNPROCESSABLE', reason: 'currency_mismatch' });
      expect(await h.counts()).toEqual(before);
    });

    it('refuses an amount that is not positive, and writes nothing', async () => {
      const orderId = await h.createOrder({ totalMinor: 1000 });
      const before = await h.counts();
      for (const amountCents of [0, -100]) {
        const { body } = await h.pay({ orderId, amountMinor: amountCents });
        expect(body.errors).toBeUndefined();
        expect(body.data!.createPayment).toMatchObject({
          userErrors: [{ code: 'VALIDATION', field: ['input', 'amountMinor'], message: 'must be at least 1' }],
          payment: null,
        });
      }
      expect(await h.counts()).toEqual(before);
    });

    it('answers NOT_FOUND for another tenant’s order, and writes nothing', async () => {
      const theirs = await h.createOrder({ totalMinor: 1000, locationId: '3' }, other);
      const before = await h.counts();
      const { body } = await h.pay({ orderId: theirs, amountMinor: 1000 });
      expect(errorOf(body).code).toBe('NOT_FOUND');
      expect(errorOf((await h.pay({ orderId: randomUUID(), amountMinor: 1000 })).body).code).toBe('NOT_FOUND');
      expect(await h.counts()).toEqual(before);
      expect(await h.sql('select id from payments.payable where id = ?', [theirs])).toEqual([]);
    });

    it('lets a POS user pay and see orders of their locations only', async () => {
      const user = posUser([1]);
      const elsewhere = await h.createOrder({ totalMinor: 1000, locationId: '2' });
      const before = await h.counts();
      expect(errorOf((await h.pay({ orderId: elsewhere, amountMinor: 1000 }, null, user)).body).code).toBe('NOT_FOUND');
      expect(await h.counts()).toEqual(before);

      const here = await h.createOrder({ totalMinor: 1000, locationId: '1' });
      expect((await h.payOk({ orderId: here, amountMinor: 1000 }, null, user)).status).toBe('APPROVED');

      // Payments at a location outside the user's roles are as unknown to them as another tenant's.
      const { payment } = await paidOrder(300, '2');
      const read = await h.call(`query($id: ID!) { payment(id: $id) { id } }`, { id: payment.id }, user);
      expect(read.body.data!.payment).toBeNull();
      expect(errorOf((await h.void(payment.id, null, user)).body).code).toBe('NOT_FOUND');
      expect(errorOf((await h.refund({ paymentId: payment.id }, null, user)).body).code).toBe('NOT_FOUND');
      expect(errorOf((await h.call(CLOSE_BATCH, { locationId: '2' }, user)).body).code).toBe('NOT_FOUND');
    });
  });

  describe('voids, settlement and refunds', () => {
    it('voids an approved payment before settlement, with a payment.voided event, and frees the order', async () => {
      const { orderId, payment } = await paidOrder(1200);
      const { body } = await h.void(payment.id);
      expect(body.errors).toBeUndefined();
      expect(body.data!.voidPayment).toMatchObject({
        idempotentReplay: false,
        payment: { id: payment.id, status: 'VOIDED', refundableCents: 0, version: 3 },
      });
      expect(await h.eventsOf(payment.id)).toEqual(['payment.approved', 'payment.voided']);
      expect(errorOf((await h.void(payment.id)).body)).toEqual({
        code: 'CONFLICT',
        reason: 'invalid_state_transition',
      });
      expect(errorOf((await h.refund({ paymentId: payment.id })).body).reason).toBe('payment_not_refundable');
      expect((await h.payOk({ orderId, amountMinor: 1200 })).status).toBe('APPROVED');
    });

    it('checks the order a void names', async () => {
      const { payment } = await paidOrder(100);
      const { orderId: another } = await paidOrder(100);
      const { body } = await h.call(
        `mutation($input: VoidPaymentInput!) { voidPayment(input: $input) { payment { status } } }`,
        { input: { paymentId: payment.id, orderId: another } },
      );
      expect(errorOf(body).code).toBe('NOT_FOUND');
      expect(await h.eventsOf(payment.id)).toEqual(['payment.approved']);
    });

    it('closes the batch of the caller’s location only; settled payments can be refunded, not voided', async () => {
      // Start from a closed batch, whatever earlier tests left open at location 2, so the count below is exact.
      await h.call(CLOSE_BATCH, { locationId: '2' });
      const { payment: first } = await paidOrder(100, '2');
      const { payment: second } = await paidOrder(200, '2');
      const declinedOrder = await h.createOrder({ totalMinor: 50, locationId: '2' });
      await h.payOk({ orderId: declinedOrder, amountMinor: 50, cardToken: 'tok_decline' });
      const { payment: elsewhere } = await paidOrder(300, '1');
      const theirOrder = await h.createOrder({ totalMinor: 400, locationId: '3' }, other);
      const theirs = await h.payOk({ orderId: theirOrder, amountMinor: 400 }, null, other);

      const closed = await h.call(CLOSE_BATCH, { locationId: '2' });
      expect(closed.body).toEqual({
        data: { closeBatch: { userErrors: [], idempotentReplay: false, settledCount: 2 } },
      });
      // Another tenant's location, or none, is not found: not ours to close.
      expect(errorOf((await h.call(CLOSE_BATCH, { locationId: '3' })).body)).toEqual({
        code: 'NOT_FOUND',
        reason: undefined,
      });
      expect(errorOf((await h.call(CLOSE_BATCH, { locationId: '99' })).body)).toEqual({
        code: 'NOT_FOUND',
        reason: undefined,
      });
      expect((await h.call(CLOSE_BATCH, { locationId: '2' })).body.data!.closeBatch.settledCount).toBe(0);

      const rows = await h.sql<{ id: string; settled: boolean }>(
        'select id, settled_at is not null as settled from payments.payment where id in (?, ?, ?, ?)',
        [first.id, second.id, elsewhere.id, theirs.id],
      );
      expect(Object.fromEntries(rows.map((row) => [row.id, row.settled]))).toEqual({
        [first.id]: true,
        [second.id]: true,
        [elsewhere.id]: false,
        [theirs.id]: false,
      });

      const voided = await h.void(first.id);
      expect(errorOf(voided.body)).toEqual({ code: 'CONFLICT', reason: 'payment_settled' });
      expect(await h.eventsOf(first.id)).toEqual(['payment.approved']);
      const refunded = await h.refund({ paymentId: first.id });
      expect(refunded.body.errors).toBeUndefined();
      expect(refunded.body.data!.refundPayment.payment).toMatchObject({
        status: 'REFUNDED',
        settledAt: expect.any(String),
      });
    });

    it('refunds in parts up to the amount, then refuses more, a void and a refund beyond what is left', async () => {
      const { payment } = await paidOrder(1000);

      const first = await h.refund({ paymentId: payment.id, amountMinor: 300, reason: 'cold soup' });
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data!.refundPayment).toMatchObject({
        idempotentReplay: false,
        refund: {
          paymentId: payment.id,
          status: 'SUCCEEDED',
          amountCents: 300,
          currency: 'USD',
          reason: 'cold soup',
          processorReference: expect.stringMatching(/^valor_sbx_rf_/),
          failureCode: null,
        },
        payment: { status: 'PARTIALLY_REFUNDED', refundedCents: 300, refundableCents: 700 },
      });

      const second = await h.refund({ paymentId: payment.id, amountMinor: 200 });
      expect(second.body.data!.refundPayment.payment).toMatchObject({
        status: 'PARTIALLY_REFUNDED',
        refundedCents: 500,
        refundableCents: 500,
      });

      const beyond = await h.refund({ paymentId: payment.id, amountMinor: 501 });
      expect(errorOf(beyond.body)).toEqual({ code: 'UNPROCESSABLE', reason: 'amount_exceeds_refundable' });
      expect(detailsOf(beyond.body)).toEqual(['refundable: 500']);

      const voided = await h.void(payment.id);
      expect(errorOf(voided.body)).toEqual({ code: 'CONFLICT', reason: 'payment_has_refunds' });

      // No amount: everything still refundable.
      const rest = await h.refund({ paymentId: payment.id });
      expect(rest.body.data!.refundPayment).toMatchObject({
        refund: { amountCents: 500, status: 'SUCCEEDED' },
        payment: { status: 'REFUNDED', refundedCents: 1000, refundableCents: 0 },
      });
      expect(await h.eventsOf(payment.id)).toEqual([
        'payment.approved',
        'payment.refunded',
        'payment.refunded',
        'payment.refunded',
      ]);

      expect(errorOf((await h.refund({ paymentId: payment.id, amountMinor: 1 })).body)).toEqual({
        code: 'CONFLICT',
        reason: 'payment_not_refundable',
      });
      expect(errorOf((await h.void(payment.id)).body)).toEqual({ code: 'CONFLICT', reason: 'payment_has_refunds' });

      const { body } = await h.call(
        `query($id: ID!) { payment(id: $id) { status refunds { nodes { amountCents status } } } }`,
        {
          id: payment.id,
        },
      );
      expect(body.data!.payment).toEqual({
        status: 'REFUNDED',
        refunds: {
          nodes: [
            { amountCents: 300, status: 'SUCCEEDED' },
            { amountCents: 200, status: 'SUCCEEDED' },
            { amountCents: 500, status: 'SUCCEEDED' },
          ],
        },
      });
      const [row] = await h.sql<{ refunded_cents: number; status: string }>(
        'select refunded_cents, status from payments.payment where id = ?',
        [payment.id],
      );
      expect(row).toEqual({ refunded_cents: 1000, status: 'REFUNDED' });
    });
  });

  describe('failures', () => {
    it('cancels the payment when the processor is unavailable, and releases the idempotency key', async () => {
      const orderId = await h.createOrder({ totalMinor: 900 });
      const key = randomUUID();
      const input = { orderId, amountMinor: 900, cardToken: 'tok_processor_unavailable' };
      const before = await h.counts();

      const { body } = await h.pay(input, key);
      expect(errorOf(body)).toEqual({ code: 'UNAVAILABLE', reason: 'processor_unavailable' });
      expect(body.data?.createPayment ?? null).toBeNull();
      const rows = await h.sql<{ id: string; status: string; failure_code: string }>(
        'select id, status, failure_code from payments.payment where order_id = ?',
        [orderId],
      );
      expect(rows).toEqual([{ id: expect.any(String), status: 'CANCELLED', failure_code: 'processor_unavailable' }]);
      expect(await h.eventsOf(rows[0].id)).toEqual(['payment.cancelled']);

      // The key was released: the same request runs again (it is neither replayed nor "in use").
      const retry = await h.pay(input, key);
      expect(errorOf(retry.body)).toEqual({ code: 'UNAVAILABLE', reason: 'processor_unavailable' });
      expect(await h.counts()).toEqual({ ...before, payments: before.payments + 2, events: before.events + 2 });
      expect(await h.sql('select 1 from payments.idempotency_key where key = ?', [key])).toEqual([]);

      // Cancelled payments hold nothing: the whole order can still be paid.
      expect((await h.payOk({ ...input, cardToken: 'tok_visa' })).status).toBe('APPROVED');
    });

    it('leaves the payment PENDING, never APPROVED, and writes no event when its outbox event cannot be written', async () => {
      const orderId = await h.createOrder({ totalMinor: 100 });
      const before = await h.counts();
      // Make the outbox insert fail inside the real database; the approval written before it must roll back.
      await h.sql(
        `alter table payments.payment_event add constraint test_reject_events check (type <> 'payment.approved') not valid`,
      );
      try {
        const { body } = await h.pay({ orderId, amountMinor: 100 });
        expect(body.errors?.[0]).toMatchObject({
          message: 'Internal server error',
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
        expect(JSON.stringify(body)).not.toContain('test_reject_events');
      } finally {
        await h.sql('alter table payments.payment_event drop constraint test_reject_events');
      }
      // The intent was committed before the processor call, so the row exists; its outcome did not commit.
      const rows = await h.sql<Record<string, unknown>>(
        'select status, processor_reference, authorization_code, version from payments.payment where order_id = ?',
        [orderId],
      );
      expect(rows).toEqual([{ status: 'PENDING', processor_reference: null, authorization_code: null, version: 1 }]);
      expect(await h.counts()).toEqual({ ...before, payments: before.payments + 1 });
      expect(logs.lines().some((line) => line.msg === 'unexpected error')).toBe(true);
      // A pending payment still holds its amount until it is reconciled: the order cannot be paid twice meanwhile.
      expect(errorOf((await h.pay({ orderId, amountMinor: 100 })).body).reason).toBe('amount_exceeds_due');
    });
  });

  it('serves every payment field it declares', async () => {
    const { payment } = await paidOrder(100);
    const { body } = await h.call(`query($id: ID!) { payment(id: $id) { ${PAYMENT} } }`, { id: payment.id });
    expect(body.errors).toBeUndefined();
    expect(body.data!.payment).toEqual(payment);
  });
});
