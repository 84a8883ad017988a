import { randomUUID } from 'node:crypto';
import { DomainError, EntityClient } from '@pos/kit';
import type { GraphQLBody } from '@pos/testing';
import { Payment } from '../src/modules/payment/payment.entity';
import { PaymentResolver } from '../src/modules/payment/payment.resolver';
import {
  CLOSE_BATCH,
  type PaymentsHarness,
  demo,
  detailsOf,
  errorOf,
  posUser,
  refused,
  startPayments,
} from './support';

/** Runs `count` calls at once and returns their answers in call order. */
const all = <T>(count: number, call: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: count }, (_, i) => call(i)));

const isInUse = (body: GraphQLBody) =>
  errorOf(body).code === 'CONFLICT' && errorOf(body).reason === 'idempotency_key_in_use';

describe('payments: idempotency and concurrency', () => {
  let h: PaymentsHarness;

  beforeAll(async () => {
    h = await startPayments();
  });
  afterAll(() => h?.close());
  afterEach(() => jest.restoreAllMocks());

  const paidOrder = async (totalMinor: number) => {
    const orderId = await h.createOrder({ totalMinor });
    return { orderId, payment: await h.payOk({ orderId, amountMinor: totalMinor }) };
  };
  const paymentRow = async (id: string) => {
    const [row] = await h.sql<{ status: string; refunded_cents: number; amount_cents: number }>(
      'select status, refunded_cents, amount_cents from payments.payment where id = ?',
      [id],
    );
    return row;
  };

  describe('idempotency keys', () => {
    it('replays a payment for the same key and input, with every field as first answered', async () => {
      const orderId = await h.createOrder({ totalMinor: 700 });
      const key = randomUUID();
      const first = await h.pay({ orderId, amountMinor: 700 }, key);
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data!.createPayment.idempotentReplay).toBe(false);
      const before = await h.counts();

      // The field resolvers see what the service returned for the replay: it must be a whole Payment again.
      const roots = jest.spyOn(PaymentResolver.prototype, 'refundableCents');
      const again = await h.pay({ orderId, amountMinor: 700 }, key);
      expect(again.body.errors).toBeUndefined();
      expect(again.body.data!.createPayment).toEqual({
        userErrors: [],
        idempotentReplay: true,
        payment: first.body.data!.createPayment.payment,
      });
      expect(await h.counts()).toEqual(before);
      const [replayed] = roots.mock.calls[0];
      expect(replayed).toBeInstanceOf(Payment);
      // The GraphQL date scalar would print an ISO string as readily as a Date; code after a replay would not.
      expect(replayed.createdAt).toBeInstanceOf(Date);
      expect(replayed.updatedAt).toBeInstanceOf(Date);
      expect(replayed.createdAt.toISOString()).toBe(first.body.data!.createPayment.payment.createdAt);
      expect(replayed.settledAt).toBeNull();
    });

    it('replays a refund of a settled payment with its settlement date as a Date', async () => {
      await h.call(CLOSE_BATCH, { locationId: '1' });
      const { payment } = await paidOrder(700);
      await h.call(CLOSE_BATCH, { locationId: '1' });
      const key = randomUUID();
      const first = await h.refund({ paymentId: payment.id, amountMinor: 100 }, key);
      expect(first.body.errors).toBeUndefined();
      const roots = jest.spyOn(PaymentResolver.prototype, 'refundableCents');
      const again = await h.refund({ paymentId: payment.id, amountMinor: 100 }, key);
      expect(again.body.data!.refundPayment).toEqual({ ...first.body.data!.refundPayment, idempotentReplay: true });
      const [replayed] = roots.mock.calls[0];
      expect(replayed.settledAt).toBeInstanceOf(Date);
      expect(replayed.settledAt!.toISOString()).toBe(first.body.data!.refundPayment.payment.settledAt);
    });

    it('replays a decline too, rather than charging the card again', async () => {
      const orderId = await h.createOrder({ totalMinor: 700 });
      const key = randomUUID();
      const first = await h.payOk({ orderId, amountMinor: 700, cardToken: 'tok_decline' }, key);
      const again = await h.pay({ orderId, amountMinor: 700, cardToken: 'tok_decline' }, key);
      expect(again.body.data!.createPayment).toEqual({
        userErrors: [
          { code: 'PAYMENT_DECLINED', field: ['input', 'cardToken'], message: expect.stringMatching(/declined/) },
        ],
        idempotentReplay: true,
        payment: first,
      });
    });

    it('refuses the same key with a different input, and writes nothing', async () => {
      const orderId = await h.createOrder({ totalMinor: 700 });
      const key = randomUUID();
      await h.payOk({ orderId, amountMinor: 300 }, key);
      const before = await h.counts();
      const { body } = await h.pay({ orderId, amountMinor: 400 }, key);
      expect(errorOf(body)).toEqual({ code: 'UNPROCESSABLE', reason: 'idempotency_key_reused' });
      // A key names one request of one operation: a refund under it is refused as well.
      const { payment } = await paidOrder(100);
      expect(errorOf((await h.refund({ paymentId: payment.id }, key)).body).reason).toBe('idempotency_key_reused');
      expect((await h.counts()).refunds).toBe(before.refunds);
    });

    it('keeps keys per caller: another caller’s identical key is a request of its own', async () => {
      const orderId = await h.createOrder({ totalMinor: 700 });
      const key = randomUUID();
      const mine = await h.payOk({ orderId, amountMinor: 300 }, key);
      const theirs = await h.payOk({ orderId, amountMinor: 300 }, key, posUser([1]));
      expect(theirs.id).not.toBe(mine.id);
    });

    it('takes one payment for 50 concurrent identical requests with one key', async () => {
      const orderId = await h.createOrder({ totalMinor: 5000 });
      const key = randomUUID();
      const answers = await all(50, () => h.pay({ orderId, amountMinor: 5000 }, key));

      const rows = await h.sql<{ id: string; status: string }>(
        'select id, status from payments.payment where order_id = ?',
        [orderId],
      );
      expect(rows).toEqual([{ id: expect.any(String), status: 'APPROVED' }]);
      for (const { body } of answers) {
        if (refused(body)) expect(isInUse(body)).toBe(true);
        else expect(body.data!.createPayment.payment).toMatchObject({ id: rows[0].id, status: 'APPROVED' });
      }
      expect(answers.filter(({ body }) => !refused(body)).length).toBeGreaterThanOrEqual(1);
      expect(await h.eventsOf(rows[0].id)).toEqual(['payment.approved']);

      const later = await h.pay({ orderId, amountMinor: 5000 }, key);
      expect(later.body.data!.createPayment).toMatchObject({ idempotentReplay: true, payment: { id: rows[0].id } });
    });

    it('makes one refund for 50 concurrent identical refund requests with one key', async () => {
      const { payment } = await paidOrder(5000);
      const key = randomUUID();
      const answers = await all(50, () => h.refund({ paymentId: payment.id, amountMinor: 1200 }, key));

      const refunds = await h.sql<{ id: string; status: string; amount_cents: number }>(
        'select id, status, amount_cents from payments.refund where payment_id = ?',
        [payment.id],
      );
      expect(refunds).toEqual([{ id: expect.any(String), status: 'SUCCEEDED', amount_cents: 1200 }]);
      for (const { body } of answers) {
        if (refused(body)) expect(isInUse(body)).toBe(true);
        else expect(body.data!.refundPayment.refund.id).toBe(refunds[0].id);
      }
      expect(await paymentRow(payment.id)).toMatchObject({ status: 'PARTIALLY_REFUNDED', refunded_cents: 1200 });
      expect(await h.eventsOf(payment.id)).toEqual(['payment.approved', 'payment.refunded']);

      const later = await h.refund({ paymentId: payment.id, amountMinor: 1200 }, key);
      expect(later.body.errors).toBeUndefined();
      expect(later.body.data!.refundPayment).toMatchObject({
        idempotentReplay: true,
        refund: { id: refunds[0].id, amountCents: 1200, status: 'SUCCEEDED', createdAt: expect.any(String) },
        payment: { id: payment.id, status: 'PARTIALLY_REFUNDED', refundedCents: 1200, refundableCents: 3800 },
      });
    });

    it('voids once for 50 concurrent identical void requests with one key, and replays the voided payment', async () => {
      const { payment } = await paidOrder(5000);
      const key = randomUUID();
      const answers = await all(50, () => h.void(payment.id, key));

      for (const { body } of answers) {
        if (refused(body)) expect(isInUse(body)).toBe(true);
        else expect(body.data!.voidPayment.payment).toMatchObject({ id: payment.id, status: 'VOIDED' });
      }
      expect(await paymentRow(payment.id)).toMatchObject({ status: 'VOIDED' });
      expect(await h.eventsOf(payment.id)).toEqual(['payment.approved', 'payment.voided']);

      const later = await h.void(payment.id, key);
      expect(later.body.errors).toBeUndefined();
      expect(later.body.data!.voidPayment).toMatchObject({
        idempotentReplay: true,
        payment: { id: payment.id, status: 'VOIDED', refundableCents: 0, updatedAt: expect.any(String) },
      });
      // Without the key the same void is a new request, refused by the state machine.
      expect(errorOf((await h.void(payment.id)).body).reason).toBe('invalid_state_transition');
    });
  });

  describe('resuming a request that stopped after recording its intent', () => {
    /** Runs `work` while the outbox refuses events of `type`: the request fails after its intent committed. */
    const withEventRejected = async (type: string, work: () => Promise<void>) => {
      await h.sql(`alter table payments.payment_event add constraint test_reject check (type <> '${type}') not valid`);
      try {
        await work();
      } finally {
        await h.sql('alter table payments.payment_event drop constraint test_reject');
      }
    };
    const expireLease = (key: string) =>
      h.sql(`update payments.idempotency_key set lease_until = now() - interval '1 second' where key = ?`, [key]);

    it('finishes the pending payment with the same key once the lease runs out, instead of paying twice', async () => {
      const orderId = await h.createOrder({ totalMinor: 900 });
      const key = randomUUID();
      await withEventRejected('payment.approved', async () => {
        expect(errorOf((await h.pay({ orderId, amountMinor: 900 }, key)).body).code).toBe('INTERNAL_SERVER_ERROR');
      });
      const [pending] = await h.sql<{ id: string; status: string }>(
        'select id, status from payments.payment where order_id = ?',
        [orderId],
      );
      expect(pending.status).toBe('PENDING');
      // The first request may still be running as far as anyone can tell: hands off until its lease ends.
      expect(isInUse((await h.pay({ orderId, amountMinor: 900 }, key)).body)).toBe(true);

      await expireLease(key);
      const resumed = await h.pay({ orderId, amountMinor: 900 }, key);
      expect(resumed.body.errors).toBeUndefined();
      expect(resumed.body.data!.createPayment).toMatchObject({
        idempotentReplay: false,
        payment: { id: pending.id, status: 'APPROVED' },
      });
      expect(await h.sql('select id from payments.payment where order_id = ?', [orderId])).toEqual([
        { id: pending.id },
      ]);
      expect(await h.eventsOf(pending.id)).toEqual(['payment.approved']);
      const replay = await h.pay({ orderId, amountMinor: 900 }, key);
      expect(replay.body.data!.createPayment).toMatchObject({ idempotentReplay: true, payment: { id: pending.id } });
    });

    it('keeps the key of a resumed payment when the order cannot be read, so a later retry still finishes it', async () => {
      const orderId = await h.createOrder({ totalMinor: 900 });
      const key = randomUUID();
      await withEventRejected('payment.approved', async () => {
        expect(errorOf((await h.pay({ orderId, amountMinor: 900 }, key)).body).code).toBe('INTERNAL_SERVER_ERROR');
      });
      await expireLease(key);
      // The orders subgraph is down just when the retry comes.
      jest
        .spyOn(EntityClient.prototype, 'fetch')
        .mockRejectedValueOnce(new DomainError('UNAVAILABLE', 'orders down', [], 'dependency_unavailable'));
      expect(errorOf((await h.pay({ orderId, amountMinor: 900 }, key)).body).reason).toBe('dependency_unavailable');
      jest.restoreAllMocks();

      // Its intent was committed and may have reached the processor: the key must keep pointing at it.
      await expireLease(key);
      const resumed = await h.pay({ orderId, amountMinor: 900 }, key);
      expect(resumed.body.errors).toBeUndefined();
      const rows = await h.sql<{ id: string; status: string }>(
        'select id, status from payments.payment where order_id = ?',
        [orderId],
      );
      expect(rows).toEqual([{ id: resumed.body.data!.createPayment.payment.id, status: 'APPROVED' }]);
    });

    it('finishes an interrupted void with the same key, and keeps refunds off the payment meanwhile', async () => {
      const { payment } = await paidOrder(900);
      const key = randomUUID();
      await withEventRejected('payment.voided', async () => {
        expect(errorOf((await h.void(payment.id, key)).body).code).toBe('INTERNAL_SERVER_ERROR');
      });
      expect(await paymentRow(payment.id)).toMatchObject({ status: 'APPROVED' });
      expect(errorOf((await h.refund({ paymentId: payment.id })).body)).toEqual({
        code: 'CONFLICT',
        reason: 'payment_busy',
      });

      await expireLease(key);
      const resumed = await h.void(payment.id, key);
      expect(resumed.body.errors).toBeUndefined();
      expect(resumed.body.data!.voidPayment.payment).toMatchObject({ id: payment.id, status: 'VOIDED' });
      expect(await h.eventsOf(payment.id)).toEqual(['payment.approved', 'payment.voided']);
    });

    it('finishes an interrupted refund with the same key; its amount stays reserved meanwhile', async () => {
      const { payment } = await paidOrder(900);
      const key = randomUUID();
      await withEventRejected('payment.refunded', async () => {
        const { body } = await h.refund({ paymentId: payment.id, amountMinor: 400 }, key);
        expect(errorOf(body).code).toBe('INTERNAL_SERVER_ERROR');
      });
      const [pending] = await h.sql<{ id: string; status: string }>(
        'select id, status from payments.refund where payment_id = ?',
        [payment.id],
      );
      expect(pending.status).toBe('PENDING');
      const tooMuch = await h.refund({ paymentId: payment.id, amountMinor: 501 });
      expect(errorOf(tooMuch.body).reason).toBe('amount_exceeds_refundable');

      await expireLease(key);
      const resumed = await h.refund({ paymentId: payment.id, amountMinor: 400 }, key);
      expect(resumed.body.errors).toBeUndefined();
      expect(resumed.body.data!.refundPayment).toMatchObject({
        refund: { id: pending.id, status: 'SUCCEEDED', amountCents: 400 },
        payment: { status: 'PARTIALLY_REFUNDED', refundedCents: 400 },
      });
      expect((await h.sql('select id from payments.refund where payment_id = ?', [payment.id])).length).toBe(1);
    });

    it('keeps the key of a resumed refund that fails, so the same refund is finished and not made twice', async () => {
      const { payment } = await paidOrder(900);
      const clerk = posUser([1]);
      const key = randomUUID();
      await withEventRejected('payment.refunded', async () => {
        const { body } = await h.refund({ paymentId: payment.id, amountMinor: 400 }, key, clerk);
        expect(errorOf(body).code).toBe('INTERNAL_SERVER_ERROR');
      });
      await expireLease(key);
      // Meanwhile the clerk's roles moved to another location: the retry cannot see the payment.
      const elsewhere = await h.refund({ paymentId: payment.id, amountMinor: 400 }, key, {
        ...clerk,
        locationIds: [2],
      });
      expect(errorOf(elsewhere.body).code).toBe('NOT_FOUND');

      await expireLease(key);
      const resumed = await h.refund({ paymentId: payment.id, amountMinor: 400 }, key, clerk);
      expect(resumed.body.errors).toBeUndefined();
      expect(
        await h.sql('select amount_cents, status from payments.refund where payment_id = ?', [payment.id]),
      ).toEqual([{ amount_cents: 400, status: 'SUCCEEDED' }]);
    });
  });

  describe('races', () => {
    it('never lets 20 concurrent payments on one order exceed its total', async () => {
      const orderId = await h.createOrder({ totalMinor: 1000 });
      // Half with keys of their own, half without: the order's ledger lock must serialise both kinds.
      const answers = await all(20, (i) => h.pay({ orderId, amountMinor: 150 }, i % 2 ? randomUUID() : null));

      const approved = answers.filter(({ body }) => !refused(body));
      for (const { body } of approved) expect(body.data!.createPayment.payment.status).toBe('APPROVED');
      for (const { body } of answers.filter(({ body }) => refused(body))) {
        expect(errorOf(body)).toEqual({ code: 'UNPROCESSABLE', reason: 'amount_exceeds_due' });
      }
      // Serialised, exactly six of 150 fit in 1000.
      expect(approved).toHaveLength(6);
      const [{ sum, n }] = await h.sql<{ sum: number; n: number }>(
        `select coalesce(sum(amount_cents), 0)::int as sum, count(*)::int as n from payments.payment
         where order_id = ? and status = 'APPROVED'`,
        [orderId],
      );
      expect({ sum, n }).toEqual({ sum: 900, n: 6 });
      expect(
        await h.sql('select 1 from payments.payment where order_id = ? and status <> ?', [orderId, 'APPROVED']),
      ).toEqual([]);
    });

    it('never lets 20 concurrent refunds of one payment exceed its amount', async () => {
      const { payment } = await paidOrder(1000);
      const answers = await all(20, (i) =>
        h.refund({ paymentId: payment.id, amountMinor: 150 }, i % 2 ? randomUUID() : null),
      );

      for (const { body } of answers.filter(({ body }) => refused(body))) {
        expect(errorOf(body)).toEqual({ code: 'UNPROCESSABLE', reason: 'amount_exceeds_refundable' });
      }
      const [{ sum, n }] = await h.sql<{ sum: number; n: number }>(
        `select coalesce(sum(amount_cents), 0)::int as sum, count(*)::int as n from payments.refund
         where payment_id = ? and status = 'SUCCEEDED'`,
        [payment.id],
      );
      expect(sum).toBeLessThanOrEqual(1000);
      expect({ sum, n }).toEqual({ sum: 900, n: 6 });
      expect(answers.filter(({ body }) => !refused(body))).toHaveLength(6);
      // Every outcome was recorded on fresh values: no refund's increment was lost to another's.
      expect(await paymentRow(payment.id)).toEqual({
        status: 'PARTIALLY_REFUNDED',
        refunded_cents: 900,
        amount_cents: 1000,
      });
      expect(await h.eventsOf(payment.id)).toEqual(['payment.approved', ...Array(6).fill('payment.refunded')]);
    });

    it('locks the payment row for a refund (FOR UPDATE) and decides on the values committed meanwhile', async () => {
      const { payment } = await paidOrder(1000);
      const knex = h.payments.started.orm.em.getConnection().getKnex();
      const holder = await knex.transaction();
      let refund: Promise<{ body: GraphQLBody }> | undefined;
      try {
        await holder.raw('select id from payments.payment where id = ? for update', [payment.id]);
        let settled = false;
        refund = h.refund({ paymentId: payment.id, amountMinor: 600 });
        void refund.then(() => (settled = true));
        await new Promise((resolve) => setTimeout(resolve, 300));
        // Still waiting for our lock: the refund read the row FOR UPDATE.
        expect(settled).toBe(false);
        // Another refund committed while it waited: only 500 remain.
        await holder.raw('update payments.payment set refunded_cents = 500, status = ? where id = ?', [
          'PARTIALLY_REFUNDED',
          payment.id,
        ]);
        await holder.commit();
      } finally {
        if (!holder.isCompleted()) await holder.rollback();
      }
      const { body } = await refund;
      expect(errorOf(body)).toEqual({ code: 'UNPROCESSABLE', reason: 'amount_exceeds_refundable' });
      expect(detailsOf(body)).toEqual(['refundable: 500']);
    });

    it('settles a payment voided concurrently with its batch close exactly one way', async () => {
      const orderId = await h.createOrder({ totalMinor: 100, locationId: '2' });
      const payment = await h.payOk({ orderId, amountMinor: 100 });
      const [voided, closed] = await Promise.all([h.void(payment.id), h.call(CLOSE_BATCH, { locationId: '2' }, demo)]);
      const [row] = await h.sql<{ status: string; settled: boolean }>(
        'select status, settled_at is not null as settled from payments.payment where id = ?',
        [payment.id],
      );
      expect(closed.body.errors).toBeUndefined();
      expect(closed.body.data!.closeBatch.userErrors).toEqual([]);
      if (refused(voided.body)) {
        expect(errorOf(voided.body)).toEqual({ code: 'CONFLICT', reason: 'payment_settled' });
        expect(row).toEqual({ status: 'APPROVED', settled: true });
      } else {
        expect(row).toEqual({ status: 'VOIDED', settled: false });
      }
    });
  });
});
