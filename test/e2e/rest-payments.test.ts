import { randomUUID } from 'node:crypto';
import { partnerApi } from '../support/rest';
import { type Stack, startStack } from '../support/stack';

describe('REST facade: partner API v1 payments', () => {
  let stack: Stack;
  let demo: string;
  let other: string;
  beforeAll(async () => {
    stack = await startStack();
    [demo, other] = await Promise.all([stack.token(), stack.token('other-partner', 'other-secret')]);
  });
  afterAll(() => stack?.close());

  const { call, count, createOrder, pay, errorBody } = partnerApi(
    () => stack,
    () => demo,
  );

  it("answers 404 for another partner's order and payment, and writes nothing", async () => {
    const order = await createOrder();
    const payment = (await pay(order.id, { amount_cents: 100 })).body;
    const before = await count('payments.payment');
    expect((await call('GET', `/pos/v1/orders/${order.id}`, { token: other })).status).toBe(404);
    const theirPay = await pay(order.id, { amount_cents: 100 }, {}, other);
    expect(theirPay.status).toBe(404);
    expect(theirPay.body).toEqual(errorBody(404, 'not_found'));
    for (const action of ['void', 'refunds']) {
      const response = await call('POST', `/pos/v1/orders/${order.id}/payments/${payment.id}/${action}`, {
        token: other,
        ...(action === 'refunds' ? { body: {} } : {}),
      });
      expect(response.status).toBe(404);
    }
    expect(await count('payments.payment')).toBe(before);
  });

  it('takes, declines, voids and refunds payments through the state machine', async () => {
    const order = await createOrder({ total_cents: 3000 });
    const approved = await pay(order.id, { amount_cents: 1000 });
    expect(approved.status).toBe(201);
    expect(approved.body).toEqual({
      id: expect.any(String),
      order_id: order.id,
      status: 'approved',
      amount_cents: 1000,
      refunded_cents: 0,
      refundable_cents: 1000,
      currency: 'USD',
      entry_mode: 'card_present',
      processor: 'valor',
      processor_reference: expect.stringMatching(/^valor_sbx_/),
      authorization_code: expect.stringMatching(/^[0-9A-F]{6}$/),
      failure_code: null,
      settled_at: null,
      version: 2,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const declined = await pay(order.id, { amount_cents: 500, card_token: 'tok_insufficient_funds' });
    expect(declined.status).toBe(201);
    expect(declined.body).toMatchObject({
      status: 'declined',
      failure_code: 'insufficient_funds',
      refundable_cents: 0,
    });

    const voided = await call('POST', `/pos/v1/orders/${order.id}/payments/${approved.body.id}/void`);
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ id: approved.body.id, status: 'voided', refundable_cents: 0 });
    const voidAgain = await call('POST', `/pos/v1/orders/${order.id}/payments/${approved.body.id}/void`);
    expect(voidAgain.status).toBe(409);
    expect(voidAgain.body.code).toBe('invalid_state_transition');

    const second = (await pay(order.id, { amount_cents: 2000 })).body;
    const refundPath = `/pos/v1/orders/${order.id}/payments/${second.id}/refunds`;
    const partial = await call('POST', refundPath, { body: { amount_cents: 500, reason: 'cold soup' } });
    expect(partial.status).toBe(201);
    expect(partial.body).toEqual({
      id: expect.any(String),
      payment_id: second.id,
      status: 'succeeded',
      amount_cents: 500,
      currency: 'USD',
      reason: 'cold soup',
      processor_reference: expect.any(String),
      failure_code: null,
      created_at: expect.any(String),
      payment: expect.objectContaining({ status: 'partially_refunded', refunded_cents: 500, refundable_cents: 1500 }),
    });
    const tooMuch = await call('POST', refundPath, { body: { amount_cents: 1501 } });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toEqual({ ...errorBody(422, 'amount_exceeds_refundable'), details: ['refundable: 1500'] });
    const cannotVoid = await call('POST', `/pos/v1/orders/${order.id}/payments/${second.id}/void`);
    expect(cannotVoid.status).toBe(409);
    expect(cannotVoid.body.code).toBe('payment_has_refunds');
    const rest = await call('POST', refundPath); // no body: everything still refundable
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ amount_cents: 1500, payment: { status: 'refunded', refundable_cents: 0 } });

    // A payment of another order is not found under this order's path.
    const otherOrder = await createOrder();
    expect((await call('POST', `/pos/v1/orders/${otherOrder.id}/payments/${second.id}/void`)).status).toBe(404);
  });

  it('refuses to void a settled payment (refund it instead), and to pay beyond the amount due', async () => {
    const order = await createOrder({ location_id: 2, total_cents: 1000 });
    const payment = (await pay(order.id, { amount_cents: 600 })).body;
    const beyond = await pay(order.id, { amount_cents: 401 });
    expect(beyond.status).toBe(422);
    expect(beyond.body).toEqual({ ...errorBody(422, 'amount_exceeds_due'), details: ['amount due: 400'] });
    const wrongCurrency = await pay(order.id, { amount_cents: 100, currency: 'EUR' });
    expect(wrongCurrency.status).toBe(422);
    expect(wrongCurrency.body.code).toBe('currency_mismatch');

    const closed = await stack.graphql(
      'mutation { closeBatch(input: { locationId: "2" }) { settledCount } }',
      {},
      demo,
    );
    expect(closed.body.data!.closeBatch.settledCount).toBeGreaterThanOrEqual(1);
    const voided = await call('POST', `/pos/v1/orders/${order.id}/payments/${payment.id}/void`);
    expect(voided.status).toBe(409);
    expect(voided.body.code).toBe('payment_settled');
    const refunded = await call('POST', `/pos/v1/orders/${order.id}/payments/${payment.id}/refunds`, {
      body: { amount_cents: 600 },
    });
    expect(refunded.status).toBe(201);
    expect(refunded.body.payment).toMatchObject({ status: 'refunded', settled_at: expect.any(String) });
  });

  it('answers 503 with Retry-After when the processor does not answer, and charges nothing', async () => {
    const order = await createOrder();
    const response = await pay(order.id, { amount_cents: 100, card_token: 'tok_processor_unavailable' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.body).toEqual(errorBody(503, 'processor_unavailable'));
    const read = await stack.graphql(
      'query($id: ID!) { order(id: $id) { payments { nodes { status failureCode } } } }',
      { id: order.id },
      demo,
    );
    expect(read.body.data!.order.payments.nodes).toEqual([
      { status: 'CANCELLED', failureCode: 'processor_unavailable' },
    ]);
  });

  describe('idempotency', () => {
    it('50 concurrent identical payment POSTs with one key create exactly one payment', async () => {
      const order = await createOrder({ total_cents: 100_000 });
      const before = await count('payments.payment');
      const key = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => pay(order.id, { amount_cents: 2500 }, { 'idempotency-key': key })),
      );
      expect(await count('payments.payment')).toBe(before + 1);
      const created = responses.filter((r) => r.status === 201);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      expect(responses.every((r) => r.status === 201 || r.body.code === 'idempotency_key_in_use')).toBe(true);
      const replay = await pay(order.id, { amount_cents: 2500 }, { 'idempotency-key': key });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(created.find((r) => !r.headers.get('idempotent-replayed'))!.body);
    });
  });

  describe('money under concurrency', () => {
    it('concurrent payments on one order never exceed its amount due', async () => {
      const order = await createOrder({ total_cents: 1000 });
      const responses = await Promise.all(Array.from({ length: 10 }, () => pay(order.id, { amount_cents: 300 })));
      const approved = responses.filter((r) => r.status === 201 && r.body.status === 'approved');
      expect(approved).toHaveLength(3);
      for (const r of responses.filter((r) => r.status !== 201)) expect(r.body.code).toBe('amount_exceeds_due');
    });

    it('concurrent refunds on one payment never exceed what is refundable', async () => {
      const order = await createOrder({ total_cents: 1000 });
      const payment = (await pay(order.id, { amount_cents: 1000 })).body;
      const path = `/pos/v1/orders/${order.id}/payments/${payment.id}/refunds`;
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => call('POST', path, { body: { amount_cents: 300 } })),
      );
      const succeeded = responses.filter((r) => r.status === 201);
      expect(succeeded).toHaveLength(3);
      for (const r of responses.filter((r) => r.status !== 201)) {
        expect([409, 422]).toContain(r.status);
      }
      const read = await stack.graphql(
        'query($id: ID!) { payment(id: $id) { refundedCents status refunds { nodes { amountCents status } } } }',
        { id: payment.id },
        demo,
      );
      expect(read.body.data!.payment.refundedCents).toBe(900);
      expect(read.body.data!.payment.status).toBe('PARTIALLY_REFUNDED');
    });
  });

  describe('bad input changes nothing and gets the documented body', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['zero amount', { amount_cents: 0 }, 'amount_cents: must be at least 1'],
      ['negative amount', { amount_cents: -5 }, 'amount_cents: must be at least 1'],
      ['fractional amount', { amount_cents: 1.5 }, 'body.amount_cents'],
      ['huge amount', { amount_cents: 2_000_000_001 }, 'amount_cents: must be at most'],
      ['missing card token', { amount_cents: 100, card_token: undefined }, 'body.card_token'],
      ['oversize card token', { amount_cents: 100, card_token: 't'.repeat(129) }, 'card_token: at most 128'],
      ['bad entry mode', { amount_cents: 100, entry_mode: 'swipe' }, 'body.entry_mode'],
    ])('payment with %s', async (_name, body, detail) => {
      const order = await createOrder();
      const before = await count('payments.payment');
      const response = await pay(order.id, body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(errorBody(400, 'validation_error'));
      expect(response.body.details.join('\n')).toContain(detail);
      expect(await count('payments.payment')).toBe(before);
    });

    it('a payment path with a malformed id is a 400; a refund of a negative amount is a 400', async () => {
      expect((await pay('not-a-uuid', { amount_cents: 100 })).status).toBe(400);
      const order = await createOrder();
      const payment = (await pay(order.id, { amount_cents: 100 })).body;
      const before = await count('payments.refund');
      const refund = await call('POST', `/pos/v1/orders/${order.id}/payments/${payment.id}/refunds`, {
        body: { amount_cents: -1 },
      });
      expect(refund.status).toBe(400);
      expect(await count('payments.refund')).toBe(before);
    });
  });
});
