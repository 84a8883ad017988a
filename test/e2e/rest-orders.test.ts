import { randomUUID } from 'node:crypto';
import { LEVEL3, LEVEL3_TOTAL_CENTS } from '../support/fixtures';
import { partnerApi } from '../support/rest';
import { type Stack, startStack } from '../support/stack';

describe('REST facade: partner API v1 orders', () => {
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

  it('creates an order with every v1.1/v1.2 field, and reads it back the same over REST and GraphQL', async () => {
    const created = await call('POST', '/pos/v1/orders', {
      body: {
        location_id: 1,
        currency: 'USD',
        total_cents: LEVEL3_TOTAL_CENTS,
        external_reference: 'PO-4471',
        external_source: 'acme-erp',
        external_id: `SO-${randomUUID()}`,
        level3: LEVEL3,
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('idempotent-replayed')).toBeNull();
    const order = created.body;
    expect(order).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      number: expect.stringMatching(/^\d+$/),
      location_id: 1,
      status: 'open',
      currency: 'USD',
      total_cents: LEVEL3_TOTAL_CENTS,
      payment_status: 'unpaid',
      amount_paid_cents: 0,
      amount_due_cents: LEVEL3_TOTAL_CENTS,
      external_reference: 'PO-4471',
      external_source: 'acme-erp',
      external_id: expect.stringMatching(/^SO-/),
      level3: {
        customer_reference: 'CUST-9',
        line_items: [
          { ...LEVEL3.line_items[0], discount_cents: 0 },
          { ...LEVEL3.line_items[1], tax_cents: 0 },
        ],
      },
      return_url: null,
      cancel_url: null,
      hosted_checkout_url: null,
      hosted_checkout_expires_at: null,
      opened_by_m2m_client_id: 'demo-partner',
      opened_by_user_id: null,
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const read = await call('GET', `/pos/v1/orders/${order.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(order);

    // The same order through the graph, by id and by the partner's own reference.
    const { body } = await stack.graphql(
      `query($id: ID!, $source: String!, $ext: String!) {
        order(id: $id) { id number total { amountMinor } currency externalReference externalSource externalId
          openedByM2mClientId level3 { customerReference lineItems { productCode unitCost { amountMinor } tax { amountMinor } } } }
        orderByExternalId(externalSource: $source, externalId: $ext) { id }
      }`,
      { id: order.id, source: 'acme-erp', ext: order.external_id },
      demo,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.order).toEqual({
      id: order.id,
      number: order.number,
      total: { amountMinor: order.total_cents },
      currency: order.currency,
      externalReference: order.external_reference,
      externalSource: order.external_source,
      externalId: order.external_id,
      openedByM2mClientId: order.opened_by_m2m_client_id,
      level3: {
        customerReference: 'CUST-9',
        lineItems: order.level3.line_items.map((l: any) => ({
          productCode: l.product_code,
          unitCost: { amountMinor: l.unit_cost_cents },
          tax: { amountMinor: l.tax_cents },
        })),
      },
    });
    expect(body.data!.orderByExternalId).toEqual({ id: order.id });
  });

  it('refuses a second order with the same external source and id (409), and keeps partners apart', async () => {
    const ids = { external_source: 'acme-erp', external_id: `dup-${randomUUID()}` };
    await createOrder(ids);
    const again = await call('POST', '/pos/v1/orders', {
      body: { location_id: 2, currency: 'USD', total_cents: 10, ...ids },
    });
    expect(again.status).toBe(409);
    expect(again.body).toEqual(errorBody(409, 'duplicate_external_id'));
    // Another partner may use the same reference for its own order.
    await createOrder({ ...ids, location_id: 3 }, other);
  });

  it('lets POS users create orders only at the locations of their roles', async () => {
    const cashier = await stack.userToken('cashier@demo.example');
    const mine = await createOrder({}, cashier);
    expect(mine).toMatchObject({
      location_id: 1,
      opened_by_m2m_client_id: null,
      opened_by_user_id: expect.any(String),
    });
    const elsewhere = await call('POST', '/pos/v1/orders', {
      token: cashier,
      body: { location_id: 2, currency: 'USD', total_cents: 100 },
    });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.message).toBe('Location not found');
    const atTwo = await createOrder({ location_id: 2 });
    expect((await call('GET', `/pos/v1/orders/${atTwo.id}`, { token: cashier })).status).toBe(404);
    const manager = await stack.userToken('manager@demo.example');
    expect((await call('GET', `/pos/v1/orders/${atTwo.id}`, { token: manager })).status).toBe(200);
    // A cashier takes payments but cannot refund them (tilt/pos:refunds is a manager's).
    const payment = await pay(mine.id, { amount_cents: 100 }, {}, cashier);
    expect(payment.status).toBe(201);
    const refund = await call('POST', `/pos/v1/orders/${mine.id}/payments/${payment.body.id}/refunds`, {
      token: cashier,
      body: {},
    });
    expect(refund.status).toBe(403);
    expect(refund.body).toEqual(errorBody(403, 'insufficient_scope'));
  });

  it("states the order's payment state: paid, due, refunded", async () => {
    const order = await createOrder({ total_cents: 3000 });
    const state = async () => {
      const read = await call('GET', `/pos/v1/orders/${order.id}`);
      expect(read.status).toBe(200);
      const { payment_status, amount_paid_cents, amount_due_cents } = read.body;
      return { payment_status, amount_paid_cents, amount_due_cents };
    };
    const first = (await pay(order.id, { amount_cents: 1000 })).body;
    expect(await state()).toEqual({
      payment_status: 'partially_paid',
      amount_paid_cents: 1000,
      amount_due_cents: 2000,
    });
    await pay(order.id, { amount_cents: 500, card_token: 'tok_insufficient_funds' });
    expect(await state()).toEqual({
      payment_status: 'partially_paid',
      amount_paid_cents: 1000,
      amount_due_cents: 2000,
    });
    await pay(order.id, { amount_cents: 2000 });
    expect(await state()).toEqual({ payment_status: 'paid', amount_paid_cents: 3000, amount_due_cents: 0 });
    const refundPath = `/pos/v1/orders/${order.id}/payments/${first.id}/refunds`;
    expect((await call('POST', refundPath, { body: { amount_cents: 400 } })).status).toBe(201);
    expect(await state()).toEqual({
      payment_status: 'partially_refunded',
      amount_paid_cents: 2600,
      amount_due_cents: 400,
    });
  });

  describe('idempotency', () => {
    it('50 concurrent identical order POSTs with one key create exactly one order', async () => {
      const before = await count('orders.order');
      const key = randomUUID();
      const body = { location_id: 1, currency: 'USD', total_cents: 777 };
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => call('POST', '/pos/v1/orders', { body, headers: { 'idempotency-key': key } })),
      );
      expect(await count('orders.order')).toBe(before + 1);
      const created = responses.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      expect(created.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
      for (const r of responses.filter((r) => r.status !== 201)) {
        expect(r.status).toBe(409);
        expect(r.body.code).toBe('idempotency_key_in_use');
      }
      // Afterwards the key replays the original status and body, and says so.
      const replay = await call('POST', '/pos/v1/orders', { body, headers: { 'idempotency-key': key } });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(created[0].body);
    });

    it('refuses a key reused with a different body (422), and a malformed key (400)', async () => {
      const key = randomUUID();
      await createOrder({}, demo).then(() => undefined);
      const first = await call('POST', '/pos/v1/orders', {
        body: { location_id: 1, currency: 'USD', total_cents: 100 },
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(201);
      const before = await count('orders.order');
      const different = await call('POST', '/pos/v1/orders', {
        body: { location_id: 1, currency: 'USD', total_cents: 101 },
        headers: { 'idempotency-key': key },
      });
      expect(different.status).toBe(422);
      expect(different.body).toEqual(errorBody(422, 'idempotency_key_reused'));
      const malformed = await call('POST', '/pos/v1/orders', {
        body: { location_id: 1, currency: 'USD', total_cents: 100 },
        headers: { 'idempotency-key': 'x'.repeat(256) },
      });
      expect(malformed.status).toBe(400);
      expect(await count('orders.order')).toBe(before);
      // Keys belong to one caller: another partner's identical key is its own.
      const theirs = await call('POST', '/pos/v1/orders', {
        token: other,
        body: { location_id: 3, currency: 'USD', total_cents: 100 },
        headers: { 'idempotency-key': key },
      });
      expect(theirs.status).toBe(201);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    });
  });

  describe('bad input changes nothing and gets the documented body', () => {
    const valid = { location_id: 1, currency: 'USD', total_cents: 100 };
    it.each<[string, { body?: unknown; raw?: string; headers?: Record<string, string> }, number, string]>([
      ['a missing field', { body: { location_id: 1, currency: 'USD' } }, 400, 'body.total_cents'],
      ['a wrong type', { body: { ...valid, total_cents: '100' } }, 400, 'body.total_cents'],
      ['negative cents', { body: { ...valid, total_cents: -1 } }, 400, 'total_cents: must be at least 0'],
      ['fractional cents', { body: { ...valid, total_cents: 10.5 } }, 400, 'body.total_cents'],
      ['an unknown currency', { body: { ...valid, currency: 'XYZ' } }, 400, 'currency: must be an ISO 4217'],
      ['an oversize string', { body: { ...valid, external_reference: 'x'.repeat(26) } }, 400, 'external_reference'],
      ['an unknown field', { body: { ...valid, tip: 5 } }, 400, 'Unrecognized key'],
      ['a lone external_id', { body: { ...valid, external_id: 'a' } }, 400, 'external_source, external_id'],
      [
        'Level 3 lines that do not add up',
        { body: { ...valid, level3: LEVEL3 } },
        400,
        'level3.line_items: the lines add up to 1234 but the order total is 100',
      ],
      [
        'a Level 3 product code that is too long',
        {
          body: {
            ...valid,
            total_cents: LEVEL3_TOTAL_CENTS,
            level3: { line_items: [{ ...LEVEL3.line_items[0], product_code: 'X'.repeat(13) }, LEVEL3.line_items[1]] },
          },
        },
        400,
        'level3.line_items.0.product_code: at most 12 characters',
      ],
      ['a location id of zero', { body: { ...valid, location_id: 0 } }, 400, 'location_id'],
      ['malformed JSON', { raw: '{"location_id": 1,' }, 400, 'body: malformed JSON'],
      ['a JSON array', { raw: '[1]' }, 400, 'body'],
      ['a non-JSON content type', { raw: 'location_id=1', headers: { 'content-type': 'text/plain' } }, 415, ''],
    ])('%s', async (_name, request, status, detail) => {
      const before = await count('orders.order');
      const response = await call('POST', '/pos/v1/orders', request);
      expect(response.status).toBe(status);
      expect(response.body).toEqual(errorBody(status, expect.any(String)));
      if (detail) expect(response.body.details.join('\n')).toContain(detail);
      expect(await count('orders.order')).toBe(before);
    });

    it('requires the order scope to create an order', async () => {
      const readOnly = await stack.token('demo-partner', 'demo-secret', 'tilt/pos:read');
      const before = await count('orders.order');
      const response = await call('POST', '/pos/v1/orders', { token: readOnly, body: valid });
      expect(response.status).toBe(403);
      expect(response.body.details).toEqual(['The access token lacks the scope tilt/pos:orders']);
      expect(await count('orders.order')).toBe(before);
    });
  });
});
