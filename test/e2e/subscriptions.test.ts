import { type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { PaymentsRuntime } from '@pos/payments/src/context';
import { payOrder } from '../support/payments';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';
import { until } from '@pos/testing';

/** Every client a test opened, disposed after the file. */
const opened: Client[] = [];

function wsClient(stack: Stack, token: string): Client {
  const client = gatewayWsClient(stack.gatewayUrl, token);
  opened.push(client);
  return client;
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

const PAYLOAD_FIELDS =
  'paymentId status amountCents refundedCents tipCents currency orderId checkId processor processorReference';
const ENVELOPE_LITE = `subscription { paymentEvents { partnerId payload { paymentId } } }`;

/**
 * A graphql-transport-ws client written out by hand over `ws`, so that a test can stop reading its TCP socket
 * (a client that cannot keep up) and look at the close code it finally gets.
 */
async function rawSubscriber(stack: Stack, token: string, query: string, copies = 1) {
  const socket = new WebSocket(stack.gatewayUrl.replace('http', 'ws'), 'graphql-transport-ws');
  const events: Array<{ cursor: string }> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const acked = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { id?: string; type: string; payload?: any };
      if (message.type === 'connection_ack') resolve();
      if (message.type === 'next' && message.id === '1') events.push(message.payload.data.paymentEvents);
    });
    socket.once('close', () => reject(new Error('closed before the ack')));
  });
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
  await acked;
  for (let id = 1; id <= copies; id++) {
    socket.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query } }));
  }
  // The TCP socket under the WebSocket: pausing it stops reading, so the kernel buffers fill, then the gateway's.
  const tcp = (socket as unknown as { _socket: import('node:net').Socket })._socket;
  return { events, closed, pause: () => tcp.pause(), resume: () => tcp.resume() };
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
  let otherToken: string;
  beforeAll(async () => {
    // A small per-socket send limit, so that the slow-client test fills it with a few dozen events.
    stack = await startStack({ gatewayEnv: { WS_MAX_BUFFERED_BYTES: String(64 * 1024) } });
    demoToken = await stack.token();
    otherToken = await stack.token('other-partner', 'other-secret');
  });
  afterAll(async () => {
    await Promise.all([...clients, ...opened].map(async (c) => c.dispose()));
    await stack?.close();
  });

  const openSubscriptions = () => stack.gateway.subscriptions.upstreamCount;
  /** Nothing left open by an earlier test: counts asserted below are this test's alone. */
  const settled = () =>
    until(
      () =>
        stack.gateway.subscriptions.upstreamCount === 0 &&
        stack.gateway.subscriptions.subscriberCount === 0 &&
        subgraphSubscriptions(stack) === 0,
      'earlier subscriptions to close',
    );

  const pay = (locationId: string, amountCents: number, token = demoToken) =>
    payOrder(stack, token, { locationId, amountCents });

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
          type: 'PAYMENT_APPROVED',
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

  it('sends each result as a text frame: the id escaped, non-ASCII text intact in UTF-8', async () => {
    // A location name outside ASCII, in this file's own database (restored below).
    const orders = stack.subgraphs.orders.orm.em.fork().getConnection();
    const [{ name: before }] = await orders.execute<{ name: string }[]>(
      'select name from orders.location where id = 1',
    );
    await orders.execute("update orders.location set name = 'Crêperie Zürich — 東京' where id = 1");
    try {
      const socket = new WebSocket(stack.gatewayUrl.replace('http', 'ws'), 'graphql-transport-ws');
      const frames: Array<{ binary: boolean; text: string }> = [];
      socket.on('message', (data: Buffer, isBinary: boolean) =>
        frames.push({ binary: isBinary, text: data.toString() }),
      );
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${demoToken}` } }));
      await until(() => frames.length === 1, 'the ack');
      // Two subscribers of one shared stream, with ids a client may choose: quotes, a backslash, non-ASCII.
      const ids = ['a "quoted" \\ id', 'überweisung-7'];
      for (const id of ids) socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: EVENTS } }));
      await until(() => subgraphSubscriptions(stack) >= 1, 'the payments subgraph subscription');
      const { paymentId } = await pay('1', 777);
      await until(() => frames.length === 3, 'a result for each subscription');
      socket.close();
      expect(frames.map((f) => f.binary)).toEqual([false, false, false]);
      const nexts = frames.slice(1).map((f) => JSON.parse(f.text) as { id: string; type: string; payload: any });
      expect(nexts.map((m) => m.id).sort()).toEqual([...ids].sort());
      for (const message of nexts) {
        expect(message.type).toBe('next');
        expect(message.payload.data.paymentEvents.payment).toMatchObject({
          id: paymentId,
          order: { location: { name: 'Crêperie Zürich — 東京' } },
        });
      }
    } finally {
      await orders.execute('update orders.location set name = ? where id = 1', [before]);
    }
  });

  it('keeps partners apart, shares identical upstreams, and resumes from a cursor', async () => {
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
      type: 'PAYMENT_APPROVED',
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
        processor: 'VALOR',
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

  it('keeps two partners subscribed at once to their own events while both pay concurrently', async () => {
    await settled();
    const demo = collect(wsClient(stack, demoToken), ENVELOPE_LITE);
    const other = collect(wsClient(stack, otherToken), ENVELOPE_LITE);
    await until(() => subgraphSubscriptions(stack) === 2, 'both partners subscribed');
    const paid = await Promise.all(
      [0, 1, 2, 3].flatMap((i) => [pay('1', 100 + i), pay('3', 200 + i, otherToken), pay('2', 300 + i)]),
    );
    const demoIds = paid.filter((_, i) => i % 3 !== 1).map((p) => p.paymentId);
    const otherIds = paid.filter((_, i) => i % 3 === 1).map((p) => p.paymentId);
    await until(() => demo.events.length >= 8 && other.events.length >= 4, 'the events of both partners');
    const seen = (c: Collected) => c.events.map((e) => e.data.paymentEvents);
    expect(
      seen(demo)
        .map((e) => e.payload.paymentId)
        .sort(),
    ).toEqual([...demoIds].sort());
    expect(
      seen(other)
        .map((e) => e.payload.paymentId)
        .sort(),
    ).toEqual([...otherIds].sort());
    expect(seen(demo).every((e) => e.partnerId === 'demo')).toBe(true);
    expect(seen(other).every((e) => e.partnerId === 'other')).toBe(true);
    for (const c of [demo, other]) c.stop();
  });

  it('resumes from any cursor with no gap and no duplicate while payments commit during the switch', async () => {
    await settled();
    const reference = collect(wsClient(stack, demoToken), EVENTS);
    await until(() => subgraphSubscriptions(stack) === 1, 'the reference subscription');
    // Two writers commit without pause while clients resume, some after an older cursor (replayed from the outbox,
    // then live), some after the newest one (joining the shared live stream at that point).
    const written: string[] = [];
    const writers = [0, 1].map(async (w) => {
      for (let i = 0; i < 12; i++) written.push((await pay(w ? '2' : '1', 100 + i)).paymentId);
    });
    const resumers: Array<{ after: string; collected: Collected }> = [];
    const resuming = wsClient(stack, demoToken);
    for (let i = 0; i < 10; i++) {
      await until(() => reference.events.length > 2 * i, 'the next reference event');
      const received = reference.events.length;
      const from = i % 2 ? received - 1 : Math.floor(Math.random() * received);
      const after = reference.events[from].data.paymentEvents.cursor as string;
      resumers.push({ after, collected: collect(resuming, EVENTS, { after }) });
    }
    await Promise.all(writers);
    await until(() => reference.events.length === written.length, 'every event on the reference');
    const cursors = (c: Collected) => c.events.map((e) => e.data.paymentEvents.cursor as string);
    const all = cursors(reference);
    expect(reference.events.map((e) => e.data.paymentEvents.payment.id).sort()).toEqual([...written].sort());
    const last = all[all.length - 1];
    await until(() => resumers.every((r) => cursors(r.collected).at(-1) === last), 'every resumed stream to catch up');
    for (const { after, collected } of resumers) {
      expect(collected.errors).toEqual([]);
      expect(cursors(collected)).toEqual(all.slice(all.indexOf(after) + 1));
    }
    reference.stop();
    for (const { collected } of resumers) collected.stop();
  });

  it('shares one upstream stream and one resolution per event among identical subscriptions', async () => {
    await settled();
    const subs = stack.gateway.subscriptions;
    const identical = Array.from({ length: 50 }, () => collect(wsClient(stack, demoToken), EVENTS));
    // Distinct: another partner; a filter the subgraph applies; other fields of the orders subgraph only (the
    // same upstream operation, so the same upstream stream, but a resolution of its own).
    const otherPartner = collect(wsClient(stack, otherToken), EVENTS);
    const refundsOnly = collect(
      wsClient(stack, demoToken),
      `subscription { paymentEvents(types: [PAYMENT_REFUNDED]) { type cursor payment { id } } }`,
    );
    const otherFields = collect(
      wsClient(stack, demoToken),
      `subscription Watch($after: String) {
        paymentEvents(after: $after) { type cursor payment { id amountCents order { number total { amountMinor } } } }
      }`,
    );
    await until(() => subs.subscriberCount === 53, 'every subscription');
    await until(() => subgraphSubscriptions(stack) === 3, 'the payments subgraph subscriptions');
    expect(subs.upstreamCount).toBe(3);
    expect(subs.streamCount).toBe(4);
    // One graphql-ws connection to the payments subgraph per caller scope (demo, other), not per subscriber.
    expect(subs.upstreamConnectionCount).toBe(2);

    const resolvedBefore = subs.resolutionCount;
    const { paymentId } = await pay('1', 4321);
    await until(
      () => identical.every((c) => c.events.length === 1) && otherFields.events.length === 1,
      'the event on every subscription',
    );
    expect(new Set(identical.map((c) => c.events[0].data.paymentEvents.payment.id))).toEqual(new Set([paymentId]));
    expect(otherFields.events[0].data.paymentEvents.payment.order.total.amountMinor).toBe(4321);
    // 51 subscribers received it; it was resolved twice: once for the 50 identical ones, once for the other fields.
    expect(subs.resolutionCount - resolvedBefore).toBe(2);
    expect(otherPartner.events).toEqual([]);
    expect(refundsOnly.events).toEqual([]);

    for (const c of [...identical, otherPartner, refundsOnly, otherFields]) c.stop();
    await settled();
    expect(subs.streamCount).toBe(0);
    expect(subs.upstreamConnectionCount).toBe(0);
  });

  it('closes a client that stops reading with 4008, frees what it held, and lets it resume from its cursor', async () => {
    await settled();
    const subs = stack.gateway.subscriptions;
    // Loopback TCP buffers take about 4 MB before anything stays in the gateway: big events (the payload repeated
    // under aliases), ten subscriptions of them on the slow socket, so that a few dozen payments get there.
    const aliases = Array.from({ length: 100 }, (_, i) => `p${i}: payload { ${PAYLOAD_FIELDS} }`).join(' ');
    const BIG = `subscription Big($after: String) { paymentEvents(after: $after) { cursor ${aliases} } }`;
    const slow = await rawSubscriber(stack, demoToken, BIG, 10);
    // A client that reads, on the very same shared stream: it must not be held back by the slow one.
    const reader = collect(wsClient(stack, demoToken), BIG);
    await until(() => subs.subscriberCount === 11 && subgraphSubscriptions(stack) === 1, 'the subscriptions');
    expect(subs.streamCount).toBe(1);

    slow.pause();
    const paid: string[] = [];
    while (subs.subscriberCount > 1) {
      if (paid.length >= 200) throw new Error('the slow client was never closed');
      paid.push((await pay('1', 100 + paid.length)).paymentId);
    }
    // The slow client's subscriptions are gone from the gateway at once, without waiting for its socket to close;
    // what comes next reaches the reader only.
    expect(subs.subscriberCount).toBe(1);
    for (let i = 0; i < 2; i++) paid.push((await pay('1', 900 + i)).paymentId);
    await until(() => reader.events.length === paid.length, 'the reader to get every event');
    expect(reader.errors).toEqual([]);
    reader.stop();
    await settled();

    // Reading again, the client finds what was sent before the close, then the close with its code.
    slow.resume();
    const { code, reason } = await slow.closed;
    expect(code).toBe(4008);
    expect(reason).toMatch(/too slow/i);
    expect(slow.events.length).toBeGreaterThan(0);
    expect(slow.events.length).toBeLessThan(paid.length);

    // Its last cursor resumes the stream: the rest arrives, nothing twice.
    const lastCursor = slow.events[slow.events.length - 1].cursor;
    const resumed = collect(wsClient(stack, demoToken), BIG, { after: lastCursor });
    const rest = paid.length - slow.events.length;
    await until(() => resumed.events.length === rest, 'the events the slow client missed');
    const cursors = [...slow.events.map((e) => e.cursor), ...resumed.events.map((e) => e.data.paymentEvents.cursor)];
    expect(cursors).toEqual(reader.events.map((e) => e.data.paymentEvents.cursor));
    resumed.stop();
  });

  it('refuses a cursor that is not one, with the subgraph’s code and message', async () => {
    const client = wsClient(stack, demoToken);
    clients.push(client);
    const bad = collect(client, EVENTS, { after: 'not-a-cursor' });
    await until(() => bad.events.length > 0, 'the refusal');
    expect(bad.events[0].errors).toEqual([
      expect.objectContaining({
        message: 'after must be a cursor from a PaymentEvent',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
  });

  it('also answers queries sent over graphql-ws, through the same gateway pipeline', async () => {
    const client = wsClient(stack, demoToken);
    clients.push(client);
    const result = collect(client, '{ locations { nodes { id name } } }');
    await until(() => result.events.length >= 1, 'the query result');
    expect(result.events[0]).toEqual({
      extensions: { cost: expect.objectContaining({ requestedQueryCost: 42 }) },
      data: {
        locations: {
          nodes: [
            { id: '1', name: 'Demo Bistro Downtown' },
            { id: '2', name: 'Demo Bistro Airport' },
          ],
        },
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
