import { randomUUID } from 'node:crypto';
import { type Principal, INTERNAL_CONTEXT_HEADER, type StartedSubgraph, signInternalContext } from '@pos/kit';
import {
  memoryLogger,
  postGraphQL,
  type TestSubgraph,
  startTestSubgraph,
  partnerPrincipal,
} from '@pos/kit/src/testing';
import { payments } from '../src/app';
import { PaymentService } from '../src/modules/payment/payment.service';

const demo = partnerPrincipal('demo', ['tilt/pos:read', 'tilt/pos:payments']);
const other = partnerPrincipal('other', demo.scopes);

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Payment { id amountCents currency status order { id } check { id } }
    ... on Order { id payments { id amountCents } }
    ... on Check { id payments { id amountCents } }
  }
}`;

const CREATE_PAYMENT = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { id amountCents currency status order { id } }
}`;

describe('payments subgraph', () => {
  let subgraph: TestSubgraph;
  let started: StartedSubgraph<unknown>;
  const logs = memoryLogger('payments');
  const sql: TestSubgraph['sql'] = (...args) => subgraph.sql(...args);
  const counts = async () => {
    const [row] = await sql<{ payments: number; events: number }>(
      `select (select count(*)::int from payments.payment) as payments,
              (select count(*)::int from payments.payment_event) as events`,
    );
    return row;
  };
  const call: TestSubgraph['call'] = (...args) => subgraph.call(...args);
  const pay = async (orderId: string, amountCents: number, principal: Principal = demo): Promise<string> => {
    const { body } = await call(CREATE_PAYMENT, { input: { orderId, amountCents, currency: 'USD' } }, principal);
    expect(body.errors).toBeUndefined();
    return body.data!.createPayment.id;
  };

  beforeAll(async () => {
    subgraph = await startTestSubgraph(payments, demo, logs.logger);
    started = subgraph.started;
  });
  afterAll(() => subgraph?.close());
  afterEach(() => jest.restoreAllMocks());

  it('resolves Payment references of the caller only, as the gateway sends them', async () => {
    const orderId = randomUUID();
    const mine = await pay(orderId, 1500);
    const theirs = await pay(randomUUID(), 700, other);
    const { status, body } = await call(ENTITIES, {
      representations: [
        { __typename: 'Payment', id: mine },
        { __typename: 'Payment', id: theirs },
        { __typename: 'Payment', id: 'not-a-uuid' },
      ],
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([
      { id: mine, amountCents: 1500, currency: 'USD', status: 'APPROVED', order: { id: orderId }, check: null },
      null,
      null,
    ]);
  });

  it('adds payments to Order references, scoped to the caller', async () => {
    const shared = randomUUID();
    const first = await pay(shared, 100);
    const second = await pay(shared, 200);
    await pay(shared, 999, other); // another tenant's payment naming the same order id
    const theirs = randomUUID();
    await pay(theirs, 300, other);

    const { body } = await call(ENTITIES, {
      representations: [
        { __typename: 'Order', id: shared },
        { __typename: 'Order', id: theirs },
        { __typename: 'Order', id: 'not-a-uuid' },
        { __typename: 'Order', id: shared.toUpperCase() },
      ],
    });
    expect(body.errors).toBeUndefined();
    const expected = [
      { id: first, amountCents: 100 },
      { id: second, amountCents: 200 },
    ];
    expect(body.data!._entities).toEqual([
      { id: shared, payments: expected },
      { id: theirs, payments: [] },
      { id: 'not-a-uuid', payments: [] },
      { id: shared.toUpperCase(), payments: expected },
    ]);
  });

  it('adds payments to Check references, scoped to the caller', async () => {
    const checkId = randomUUID();
    const mine = await pay(randomUUID(), 450);
    const theirs = await pay(randomUUID(), 550, other);
    // createPayment takes only an order for now: link the payments to a check directly.
    await sql('update payments.payment set check_id = ? where id in (?, ?)', [checkId, mine, theirs]);

    const { body } = await call(ENTITIES, {
      representations: [
        { __typename: 'Check', id: checkId },
        { __typename: 'Check', id: randomUUID() },
        { __typename: 'Check', id: 'not-a-uuid' },
        { __typename: 'Payment', id: mine },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([
      { id: checkId, payments: [{ id: mine, amountCents: 450 }] },
      expect.objectContaining({ payments: [] }),
      { id: 'not-a-uuid', payments: [] },
      expect.objectContaining({ id: mine, check: { id: checkId } }),
    ]);
  });

  it('publishes its @key entities in _service.sdl', async () => {
    const { body } = await call(`{ _service { sdl } }`);
    expect(body.errors).toBeUndefined();
    const sdl: string = body.data!._service.sdl;
    expect(sdl).toMatch(/type Payment\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Order\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Check\s+@key\(fields: "id"\)/);
  });

  it('answers a call without an internal context with UNAUTHENTICATED, no data and no write', async () => {
    const id = await pay(randomUUID(), 100);
    const before = await counts();

    const read = await call(`query($id: ID!) { payment(id: $id) { id } }`, { id }, null);
    expect(read.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(read.body.data?.payment ?? null).toBeNull();

    const write = await call(
      CREATE_PAYMENT,
      { input: { orderId: randomUUID(), amountCents: 100, currency: 'USD' } },
      null,
    );
    expect(write.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(write.body.data ?? null).toBeNull();
    expect(await counts()).toEqual(before);

    const entities = await call(ENTITIES, { representations: [{ __typename: 'Payment', id }] }, null);
    expect(entities.body.data?._entities ?? [null]).toEqual([null]);
  });

  it('answers a context signed with another secret with UNAUTHENTICATED and no data', async () => {
    const id = await pay(randomUUID(), 100);
    const headers = {
      [INTERNAL_CONTEXT_HEADER]: await signInternalContext('a-different-secret-0123456789abcdef0123', demo),
    };
    const { body } = await postGraphQL(started.url, `query($id: ID!) { payment(id: $id) { id } }`, { id }, headers);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data?.payment ?? null).toBeNull();

    const entities = await postGraphQL(
      started.url,
      ENTITIES,
      { representations: [{ __typename: 'Payment', id }] },
      headers,
    );
    expect(entities.body.data?._entities ?? [null]).toEqual([null]);
  });

  it('loads the payments of all Order references of one request with one query (DataLoader)', async () => {
    const orders = [randomUUID(), randomUUID()];
    for (const orderId of orders) await pay(orderId, 10);
    const byOrders = jest.spyOn(PaymentService.prototype, 'byOrders');
    const { body } = await call(ENTITIES, { representations: orders.map((id) => ({ __typename: 'Order', id })) });
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities.map((o: { payments: unknown[] }) => o.payments.length)).toEqual([1, 1]);
    expect(byOrders).toHaveBeenCalledTimes(1);
    expect([...byOrders.mock.calls[0][1]].sort()).toEqual([...orders].sort());
  });

  it('writes the payment and exactly one payment.approved outbox event in the same transaction', async () => {
    const before = await counts();
    const orderId = randomUUID();
    const { body } = await call(CREATE_PAYMENT, { input: { orderId, amountCents: 2500, currency: 'EUR' } });
    expect(body.errors).toBeUndefined();
    const id: string = body.data!.createPayment.id;
    expect(body.data!.createPayment).toEqual({
      id,
      amountCents: 2500,
      currency: 'EUR',
      status: 'APPROVED',
      order: { id: orderId },
    });

    expect(await counts()).toEqual({ payments: before.payments + 1, events: before.events + 1 });
    const [payment] = await sql<Record<string, unknown>>(
      'select tenant_id, order_id, amount_cents, currency, status, xmin::text as xid from payments.payment where id = ?',
      [id],
    );
    expect(payment).toEqual({
      tenant_id: 'demo',
      order_id: orderId,
      amount_cents: 2500,
      currency: 'EUR',
      status: 'APPROVED',
      xid: expect.any(String),
    });
    const events = await sql<{ tenant_id: string; type: string; xid: string }>(
      'select tenant_id, type, xmin::text as xid from payments.payment_event where payment_id = ?',
      [id],
    );
    // Same inserting transaction id (xmin): the event was written in the payment's transaction.
    expect(events).toEqual([{ tenant_id: 'demo', type: 'payment.approved', xid: payment.xid }]);
  });

  it('writes neither the payment nor an event when the amount is not positive', async () => {
    const before = await counts();
    for (const amountCents of [0, -100]) {
      const { body } = await call(CREATE_PAYMENT, {
        input: { orderId: randomUUID(), amountCents, currency: 'USD' },
      });
      expect(body.errors?.[0]).toMatchObject({
        message: 'Invalid payment',
        extensions: { code: 'BAD_USER_INPUT', details: ['amountCents: must be a positive integer'] },
      });
      expect(body.data ?? null).toBeNull();
    }
    expect(await counts()).toEqual(before);
  });

  it('writes no payment when its outbox event cannot be written (one transaction)', async () => {
    const before = await counts();
    // Make the outbox insert fail inside the real database; the payment inserted before it must roll back.
    await sql(
      `alter table payments.payment_event add constraint test_reject_events check (type <> 'payment.approved') not valid`,
    );
    try {
      const { body } = await call(CREATE_PAYMENT, {
        input: { orderId: randomUUID(), amountCents: 100, currency: 'USD' },
      });
      expect(body.errors?.[0]).toMatchObject({
        message: 'Internal server error',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
      expect(JSON.stringify(body)).not.toContain('test_reject_events');
    } finally {
      await sql('alter table payments.payment_event drop constraint test_reject_events');
    }
    expect(await counts()).toEqual(before);
    expect(logs.lines().some((line) => line.msg === 'unexpected error')).toBe(true);
  });
});
