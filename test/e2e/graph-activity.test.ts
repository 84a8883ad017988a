import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { payOrder, paymentsSql } from '../support/payments';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';
import { until } from '@pos/testing';

const ACTIVITY = `query($from: DateTimeISO!, $to: DateTimeISO, $locations: [ID!]) {
  paymentActivity(from: $from, to: $to, locationIds: $locations) {
    asOfCursor
    totals { location { id name } currency type count amount { amountMinor currency } }
  }
}`;

const EVENTS = `subscription($after: String) {
  paymentEvents(after: $after) { cursor type payment { id } refund { id } }
}`;

interface Total {
  location: { id: string; name: string };
  currency: string;
  type: string;
  count: number;
  amount: { amountMinor: string; currency: string };
}

/**
 * The dashboard snapshot: paymentActivity's totals, read in one consistent snapshot with the cursor a
 * paymentEvents subscription continues from, through the real gateway and subgraphs, over graphql-ws.
 */
describe('paymentActivity: a snapshot a dashboard continues with paymentEvents(after:)', () => {
  let stack: Stack;
  let demo: string;
  let other: string;
  const clients: Client[] = [];
  beforeAll(async () => {
    stack = await startStack();
    [demo, other] = await Promise.all([stack.token(), stack.token('other-partner', 'other-secret')]);
  });
  afterAll(async () => {
    await Promise.all(clients.map(async (c) => c.dispose()));
    await stack?.close();
  });

  const activity = async (variables: Record<string, unknown>, token = demo) => {
    const { body } = await stack.graphql(ACTIVITY, variables, token);
    expect(body.errors).toBeUndefined();
    return body.data!.paymentActivity as { asOfCursor: string; totals: Total[] };
  };
  const refund = async (paymentId: string, amountCents: number) => {
    const { body } = await stack.graphql(
      `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id } } }`,
      { input: { paymentId, amountMinor: amountCents } },
      demo,
    );
    expect(body.errors).toBeUndefined();
    return body.data!.refundPayment.refund.id as string;
  };
  const totalOf = (totals: Total[], location: string, type: string) =>
    totals.find((t) => t.location.id === location && t.type === type);

  it('totals the events up to asOfCursor, and the subscription after it delivers exactly the later ones', async () => {
    const from = new Date().toISOString();
    const a = await payOrder(stack, demo, { amountCents: 1000, locationId: '1' });
    const b = await payOrder(stack, demo, { amountCents: 2500, locationId: '1' });
    const c = await payOrder(stack, demo, { amountCents: 700, locationId: '2' });
    const partial = await refund(b.paymentId, 300);

    const snapshot = await activity({ from });
    expect(snapshot.asOfCursor).toMatch(/^\d+$/);
    expect(snapshot.totals).toHaveLength(3);
    expect(totalOf(snapshot.totals, '1', 'PAYMENT_APPROVED')).toEqual({
      location: { id: '1', name: 'Demo Bistro Downtown' },
      currency: 'USD',
      type: 'PAYMENT_APPROVED',
      count: 2,
      amount: { amountMinor: '3500', currency: 'USD' },
    });
    // The refund's own amount, not the payment's.
    expect(totalOf(snapshot.totals, '1', 'PAYMENT_REFUNDED')).toMatchObject({
      count: 1,
      amount: { amountMinor: '300', currency: 'USD' },
    });
    expect(totalOf(snapshot.totals, '2', 'PAYMENT_APPROVED')).toMatchObject({
      count: 1,
      amount: { amountMinor: '700' },
    });
    // The totals are those of the outbox rows up to the cursor.
    const [rows] = await paymentsSql<{ n: number }>(
      stack,
      `select count(*)::int as n from payments.payment_event where tenant_id = 'demo' and seq <= ? and payment_id in (?, ?, ?)`,
      [snapshot.asOfCursor, a.paymentId, b.paymentId, c.paymentId],
    );
    expect(rows.n).toBe(4);

    // Events after the snapshot: two before the subscription opens (replayed), one while it is open (live).
    const d = await payOrder(stack, demo, { amountCents: 400, locationId: '1' });
    const secondRefund = await refund(a.paymentId, 150);
    const client = gatewayWsClient(stack.gatewayUrl, demo);
    clients.push(client);
    const events: any[] = [];
    const errors: unknown[] = [];
    client.subscribe(
      { query: EVENTS, variables: { after: snapshot.asOfCursor } },
      { next: (value) => events.push(value), error: (e) => errors.push(e), complete: () => undefined },
    );
    await until(() => events.length >= 2, 'the replayed events');
    const e = await payOrder(stack, demo, { amountCents: 900, locationId: '2' });
    await until(() => events.length >= 3, 'the live event');
    // Nothing else arrives: no event of the snapshot comes twice.
    await new Promise((r) => setTimeout(r, 300));
    expect(errors).toEqual([]);
    expect(events.map((x) => x.data.paymentEvents)).toEqual([
      { cursor: expect.any(String), type: 'PAYMENT_APPROVED', payment: { id: d.paymentId }, refund: null },
      {
        cursor: expect.any(String),
        type: 'PAYMENT_REFUNDED',
        payment: { id: a.paymentId },
        refund: { id: secondRefund },
      },
      { cursor: expect.any(String), type: 'PAYMENT_APPROVED', payment: { id: e.paymentId }, refund: null },
    ]);
    expect(BigInt(events[0].data.paymentEvents.cursor)).toBeGreaterThan(BigInt(snapshot.asOfCursor));
    expect(partial).not.toBe(secondRefund);

    // A later snapshot is the earlier one plus exactly what the stream delivered.
    const later = await activity({ from });
    expect(later.asOfCursor).toBe(events[2].data.paymentEvents.cursor);
    expect(totalOf(later.totals, '1', 'PAYMENT_APPROVED')).toMatchObject({ count: 3, amount: { amountMinor: '3900' } });
    expect(totalOf(later.totals, '1', 'PAYMENT_REFUNDED')).toMatchObject({ count: 2, amount: { amountMinor: '450' } });
    expect(totalOf(later.totals, '2', 'PAYMENT_APPROVED')).toMatchObject({ count: 2, amount: { amountMinor: '1600' } });

    // A window and a location filter.
    const onlyTwo = await activity({ from, locations: ['2'] });
    expect(onlyTwo.totals.map((t) => [t.location.id, t.type, t.count])).toEqual([['2', 'PAYMENT_APPROVED', 2]]);
    const before = await activity({ from, to: from });
    expect(before.totals).toEqual([]);
  });

  it('is the caller’s own: another partner’s locations yield nothing, and its cursor is its own', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    await payOrder(stack, demo, { amountCents: 321, locationId: '1' });
    const theirs = await activity({ from, locations: ['1', '2'] }, other);
    expect(theirs.totals).toEqual([]);
    const mine = await activity({ from }, other);
    expect(mine.totals.every((t) => t.location.id === '3')).toBe(true);
    // Each partner's cursor is the head of its own events, as paymentEventsCursor answers it.
    for (const [token, snapshot] of [
      [other, mine],
      [demo, await activity({ from })],
    ] as const) {
      const { body } = await stack.graphql(`{ paymentEventsCursor }`, {}, token);
      expect(snapshot.asOfCursor).toBe(body.data!.paymentEventsCursor);
    }
    const ours = await activity({ from });
    expect(ours.totals.some((t) => t.location.id === '3')).toBe(false);
    // A POS user sees only the locations of their roles (the cashier: location 1), whatever it asks for.
    await payOrder(stack, demo, { amountCents: 222, locationId: '2' });
    const cashier = await stack.userToken('cashier@demo.example');
    for (const locations of [null, ['1', '2']]) {
      const seen = await activity({ from, locations }, cashier);
      expect(new Set(seen.totals.map((t) => t.location.id))).toEqual(new Set(['1']));
    }
    expect((await activity({ from, locations: ['2'] }, cashier)).totals).toEqual([]);
  });

  it('sums past 2^31−1 minor units exactly, as a string of digits', async () => {
    const from = new Date(Date.now() + 3_600_000);
    // Outbox rows as recordPaymentEvent writes them, with amounts no single payment here could take.
    for (let i = 0; i < 3; i++) {
      await paymentsSql(
        stack,
        `insert into payments.payment_event (event_id, tenant_id, type, payment_id, payment_version, location_id,
           payload_version, payload, occurred_at)
         values (?, 'demo', 'payment.approved', ?, 1, 2, 1, ?::jsonb, ?)`,
        [
          randomUUID(),
          randomUUID(),
          JSON.stringify({ amountCents: 2_000_000_000, refundedCents: 0, tipCents: 0, currency: 'USD' }),
          new Date(from.getTime() + i),
        ],
      );
    }
    const big = await activity({ from: from.toISOString(), locations: ['2'] });
    expect(big.totals).toEqual([
      expect.objectContaining({
        type: 'PAYMENT_APPROVED',
        count: 3,
        amount: { amountMinor: '6000000000', currency: 'USD' },
      }),
    ]);
  });

  it('refuses a window that ends before it starts', async () => {
    const { body } = await stack.graphql(
      ACTIVITY,
      { from: new Date().toISOString(), to: new Date(Date.now() - 1000).toISOString() },
      demo,
    );
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
