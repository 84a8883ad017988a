import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { PaymentsRuntime } from '@pos/payments/src/context';
import { type Stack, startStack } from '../support/stack';

/** Polls until `check` holds: a subscription is live only once the payments subgraph has registered it. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function wsClient(stack: Stack, token: string): Client {
  return createClient({
    url: stack.gatewayUrl.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
}

interface Collected {
  events: any[];
  errors: unknown[];
  stop(): void;
}

function collect(client: Client, query: string, variables: Record<string, unknown> = {}): Collected {
  const collected: Collected = { events: [], errors: [], stop: () => undefined };
  collected.stop = client.subscribe(
    { query, variables },
    {
      next: (value) => collected.events.push(value),
      error: (error) => collected.errors.push(error),
      complete: () => undefined,
    },
  );
  return collected;
}

const EVENTS = `subscription Watch($after: String) {
  paymentEvents(after: $after) {
    type cursor
    payment { id amountCents order { number location { name } } }
  }
}`;

describe('payment event subscriptions through the gateway', () => {
  let stack: Stack;
  let demoToken: string;
  const clients: Client[] = [];
  beforeAll(async () => {
    stack = await startStack();
    demoToken = await stack.token();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await stack?.close();
  });

  const openSubscriptions = () => stack.gateway.subscriptions.upstreamCount;

  async function pay(locationId: string, amountCents: number, token = demoToken) {
    const order = await stack.graphql(
      `mutation($loc: ID!, $total: Int!) { createOrder(input: { locationId: $loc, currency: "USD", totalCents: $total }) { order { id number } } }`,
      { loc: locationId, total: amountCents },
      token,
    );
    const payment = await stack.graphql(
      `mutation($id: ID!, $amount: Int!) { createPayment(input: { orderId: $id, amountCents: $amount, currency: "USD", cardToken: "tok_visa" }) { payment { id } } }`,
      { id: order.body.data!.createOrder.order.id, amount: amountCents },
      token,
    );
    expect(payment.body.errors).toBeUndefined();
    return {
      orderNumber: order.body.data!.createOrder.order.number as string,
      paymentId: payment.body.data!.createPayment.payment.id as string,
    };
  }

  it('delivers a committed payment with fields resolved from other subgraphs', async () => {
    const client = wsClient(stack, demoToken);
    clients.push(client);
    const watcher = collect(client, EVENTS);
    await until(() => openSubscriptions() === 1, 'the upstream subscription');
    // The upstream opens lazily: wait until the payments subgraph holds the subscription.
    await until(() => subgraphSubscriptions(stack) >= 1, 'the payments subgraph subscription');

    const { orderNumber, paymentId } = await pay('2', 1234);
    await until(() => watcher.events.length >= 1, 'the event');
    expect(watcher.errors).toEqual([]);
    expect(watcher.events[0]).toEqual({
      data: {
        paymentEvents: {
          type: 'payment.approved',
          cursor: expect.stringMatching(/^\d+$/),
          payment: {
            id: paymentId,
            amountCents: 1234,
            order: { number: orderNumber, location: { name: 'Demo Bistro Airport' } },
          },
        },
      },
    });
    watcher.stop();
    await until(() => openSubscriptions() === 0, 'the upstream to close');
  });

  it('keeps partners apart, shares identical upstreams, and resumes from a cursor', async () => {
    const otherToken = await stack.token('other-partner', 'other-secret');
    const demoA = wsClient(stack, demoToken);
    const demoB = wsClient(stack, demoToken);
    const other = wsClient(stack, otherToken);
    clients.push(demoA, demoB, other);
    const a = collect(demoA, EVENTS);
    const b = collect(demoB, EVENTS);
    const o = collect(other, EVENTS);
    // Two identical demo subscriptions share one upstream; the other partner's scope gets its own.
    await until(() => openSubscriptions() === 2, 'two upstream streams');
    await until(() => subgraphSubscriptions(stack) >= 2, 'the payments subgraph subscriptions');

    const first = await pay('1', 500);
    const second = await pay('1', 700);
    await until(() => a.events.length >= 2 && b.events.length >= 2, 'demo events');
    const otherPayment = await pay('3', 900, otherToken);
    await until(() => o.events.length >= 1, 'the other partner event');

    const ids = (c: Collected) => c.events.map((e) => e.data.paymentEvents.payment.id);
    expect(ids(a)).toEqual([first.paymentId, second.paymentId]);
    expect(ids(b)).toEqual([first.paymentId, second.paymentId]);
    expect(ids(o)).toEqual([otherPayment.paymentId]);

    // Resume after the first event: the second is replayed from the outbox, nothing of the other partner's.
    const resumer = wsClient(stack, demoToken);
    clients.push(resumer);
    const resumed = collect(resumer, EVENTS, { after: a.events[0].data.paymentEvents.cursor });
    await until(() => resumed.events.length >= 1, 'the replayed event');
    expect(ids(resumed)).toEqual([second.paymentId]);
    for (const c of [a, b, o, resumed]) c.stop();
  });

  it('carries a stable event id, the sequence, the payment version, location, partner and a versioned payload', async () => {
    const ENVELOPE = `subscription Envelope($after: String, $locations: [ID!]) {
      paymentEvents(after: $after, locationIds: $locations) {
        id sequence cursor type paymentVersion locationId partnerId payloadVersion
        payload { paymentId status amountCents refundedCents tipCents currency orderId checkId processor }
      }
    }`;
    const client = wsClient(stack, demoToken);
    clients.push(client);
    const atTwo = collect(client, ENVELOPE, { locations: ['2'] });
    await until(() => subgraphSubscriptions(stack) >= 1, 'the payments subgraph subscription');
    await pay('1', 300);
    const { paymentId } = await pay('2', 400);
    await until(() => atTwo.events.length >= 1, 'the location 2 event');
    const event = atTwo.events[0].data.paymentEvents;
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sequence: event.cursor,
      cursor: expect.stringMatching(/^\d+$/),
      type: 'payment.approved',
      paymentVersion: expect.any(Number),
      locationId: '2',
      partnerId: 'demo',
      payloadVersion: 1,
      payload: {
        paymentId,
        status: 'APPROVED',
        amountCents: 400,
        refundedCents: 0,
        tipCents: 0,
        currency: 'USD',
        orderId: expect.any(String),
        checkId: null,
        processor: 'valor',
      },
    });
    // Only location 2 was asked for: the payment at location 1 never arrives.
    expect(atTwo.events.map((e) => e.data.paymentEvents.payload.paymentId)).toEqual([paymentId]);

    // The same event replayed from the outbox has the same id: receivers deduplicate by it.
    const before = (BigInt(event.cursor) - 1n).toString();
    const again = wsClient(stack, demoToken);
    clients.push(again);
    const replayed = collect(again, ENVELOPE, { after: before, locations: ['2'] });
    await until(() => replayed.events.length >= 1, 'the replayed event');
    expect(replayed.events[0].data.paymentEvents.id).toBe(event.id);
    for (const c of [atTwo, replayed]) c.stop();
  });

  it('gives a POS user the events of the locations of their roles only, whatever locations they ask for', async () => {
    const cashier = await stack.userToken('cashier@demo.example');
    const client = wsClient(stack, cashier);
    clients.push(client);
    const mine = collect(client, `subscription { paymentEvents { payload { paymentId } locationId } }`);
    const asked = collect(client, `subscription { paymentEvents(locationIds: ["2"]) { payload { paymentId } } }`);
    await until(() => subgraphSubscriptions(stack) >= 2, 'the payments subgraph subscriptions');
    await pay('2', 510);
    const atOne = await pay('1', 520);
    await until(() => mine.events.length >= 1, 'the location 1 event');
    expect(mine.events.map((e) => e.data.paymentEvents)).toEqual([
      { payload: { paymentId: atOne.paymentId }, locationId: '1' },
    ]);
    expect(asked.events).toEqual([]);
    for (const c of [mine, asked]) c.stop();
  });

  it('also answers queries sent over graphql-ws, through the same gateway pipeline', async () => {
    const client = wsClient(stack, demoToken);
    clients.push(client);
    const result = collect(client, '{ locations { id name } }');
    await until(() => result.events.length >= 1, 'the query result');
    expect(result.events[0]).toEqual({
      data: {
        locations: [
          { id: '1', name: 'Demo Bistro Downtown' },
          { id: '2', name: 'Demo Bistro Airport' },
        ],
      },
    });
  });

  it('refuses a connection without a valid token', async () => {
    const client = wsClient(stack, 'not-a-token');
    clients.push(client);
    const watcher = collect(client, EVENTS);
    await until(() => watcher.errors.length > 0, 'the refusal');
    expect((watcher.errors[0] as { code?: number }).code).toBe(4403);
  });
});

function subgraphSubscriptions(stack: Stack): number {
  return (stack.subgraphs.payments.runtime as PaymentsRuntime).events.subscriberCount;
}
