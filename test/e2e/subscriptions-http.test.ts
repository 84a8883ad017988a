import http from 'node:http';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { type Client as SseClient, createClient as createSseClient } from 'graphql-sse';
import type { PaymentsRuntime } from '@pos/payments/src/context';
import { payOrder } from '../support/payments';
import { type Stack, startStack } from '../support/stack';
import { until } from '@pos/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Collected {
  /** Each result's `data` (or, for a result with errors only, the result). */
  events: any[];
  /** Errors the client reported (a refused request, a transport error). */
  errors: unknown[];
  completed: boolean;
  stop(): void;
}

type Transport = 'multipart' | 'sse-distinct' | 'sse-single';

const EVENTS = `subscription Watch($after: String) {
  paymentEvents(after: $after) {
    type cursor
    location { name }
    payment { id }
  }
}`;

function subgraphSubscriptions(stack: Stack): number {
  return (stack.subgraphs.payments.runtime as PaymentsRuntime).events.subscriberCount;
}

describe('subscriptions over multipart HTTP and GraphQL over SSE', () => {
  let stack: Stack;
  let demoToken: string;
  let otherToken: string;
  const cleanups: Array<() => void> = [];

  beforeAll(async () => {
    // A small send limit, so that the slow-client test fills it with a few dozen events; short reservations.
    stack = await startStack({
      gatewayEnv: { WS_MAX_BUFFERED_BYTES: String(64 * 1024), SSE_RESERVATION_TTL_SECONDS: '1' },
    });
    demoToken = await stack.token();
    otherToken = await stack.token('other-partner', 'other-secret');
  });
  afterAll(async () => {
    for (const cleanup of cleanups) cleanup();
    await stack?.close();
  });

  const subs = () => stack.gateway.subscriptions;
  /** Nothing left open by an earlier test: counts asserted below are this test's alone. */
  const settled = () =>
    until(
      () => subs().upstreamCount === 0 && subs().subscriberCount === 0 && subgraphSubscriptions(stack) === 0,
      'earlier subscriptions to close',
    );

  function apolloSubscribe(token: string, query: string, variables: Record<string, unknown> = {}): Collected {
    const client = new ApolloClient({
      link: new HttpLink({ uri: stack.gatewayUrl, headers: { authorization: `Bearer ${token}` } }),
      cache: new InMemoryCache(),
    });
    const collected: Collected = { events: [], errors: [], completed: false, stop: () => undefined };
    const subscription = client.subscribe({ query: gql(query), variables, fetchPolicy: 'no-cache' }).subscribe({
      next: (result) => {
        if (result.error) collected.errors.push(result.error);
        else collected.events.push(result.data);
      },
      error: (error) => collected.errors.push(error),
      complete: () => {
        collected.completed = true;
      },
    });
    collected.stop = () => {
      subscription.unsubscribe();
      client.stop();
    };
    cleanups.push(collected.stop);
    return collected;
  }

  function sseClient(token: string, singleConnection: boolean): SseClient {
    const client = createSseClient({
      url: stack.gatewayUrl,
      headers: { authorization: `Bearer ${token}` },
      singleConnection,
      retryAttempts: 0,
    });
    cleanups.push(() => client.dispose());
    return client;
  }

  function sseSubscribe(
    client: SseClient,
    query: string,
    variables: Record<string, unknown> = {},
    dispose?: () => void,
  ): Collected {
    const collected: Collected = { events: [], errors: [], completed: false, stop: () => undefined };
    const stop = client.subscribe(
      { query, variables },
      {
        next: (result: any) => collected.events.push(result.data ?? result),
        error: (error) => collected.errors.push(error),
        complete: () => {
          collected.completed = true;
        },
      },
    );
    collected.stop = () => {
      stop();
      dispose?.();
    };
    return collected;
  }

  /** Subscribes over `transport` with the real client library of that transport. */
  function subscribe(
    transport: Transport,
    token: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Collected {
    if (transport === 'multipart') return apolloSubscribe(token, query, variables);
    const client = sseClient(token, transport === 'sse-single');
    return sseSubscribe(client, query, variables, () => client.dispose());
  }

  const pay = async (locationId: string, amountCents: number, token = demoToken) =>
    (await payOrder(stack, token, { locationId, amountCents })).paymentId;

  describe.each<Transport>(['multipart', 'sse-distinct', 'sse-single'])('over %s', (transport) => {
    it('delivers a committed payment with a field of another subgraph, and closes the upstream after', async () => {
      await settled();
      const watcher = subscribe(transport, demoToken, EVENTS);
      await until(() => subs().subscriberCount === 1 && subgraphSubscriptions(stack) === 1, 'the subscription');

      const paymentId = await pay('2', 1234);
      await until(() => watcher.events.length >= 1, 'the event');
      expect(watcher.errors).toEqual([]);
      expect(watcher.events[0]).toMatchObject({
        paymentEvents: {
          type: 'PAYMENT_APPROVED',
          cursor: expect.stringMatching(/^\d+$/),
          // The location's name comes from the orders subgraph.
          location: { name: 'Demo Bistro Airport' },
          payment: { id: paymentId },
        },
      });
      watcher.stop();
      await until(() => subs().subscriberCount === 0 && subs().upstreamCount === 0, 'the upstream to close');
    });

    it('refuses a bad token before anything starts', async () => {
      await settled();
      const refused = subscribe(transport, 'not-a-token', EVENTS);
      await until(() => refused.errors.length > 0, 'the refusal');
      expect(refused.events).toEqual([]);
      expect(subs().subscriberCount).toBe(0);
      if (transport === 'multipart') {
        // Apollo Client reads the 401's GraphQL body as GraphQL errors.
        expect(refused.errors[0]).toMatchObject({ errors: [expect.objectContaining({ message: 'Unauthorized' })] });
      } else {
        // graphql-sse's client reports the response it was refused with.
        expect((refused.errors[0] as { response?: Response }).response?.status).toBe(401);
      }
      refused.stop();
    });

    it('keeps tenants apart, and resumes after a cursor', async () => {
      await settled();
      const demo = subscribe(transport, demoToken, EVENTS);
      const other = subscribe(transport, otherToken, EVENTS);
      await until(() => subs().subscriberCount === 2 && subgraphSubscriptions(stack) === 2, 'both subscriptions');
      expect(subs().upstreamCount).toBe(2);

      const first = await pay('1', 500);
      const second = await pay('1', 700);
      const othersOwn = await pay('3', 900, otherToken);
      await until(() => demo.events.length >= 2 && other.events.length >= 1, 'the events');
      await sleep(200);
      const ids = (c: Collected) => c.events.map((e) => e.paymentEvents.payment.id);
      expect(ids(demo)).toEqual([first, second]);
      // The other partner receives its own payment, and none of demo's.
      expect(ids(other)).toEqual([othersOwn]);

      // Resuming after the first event replays the second from the outbox, nothing of the other partner's.
      const resumed = subscribe(transport, demoToken, EVENTS, { after: demo.events[0].paymentEvents.cursor });
      await until(() => resumed.events.length >= 1, 'the replayed event');
      await sleep(200);
      expect(ids(resumed)).toEqual([second]);
      for (const c of [demo, other, resumed]) c.stop();
    });
  });

  /** A raw request to /graphql, read as text as it arrives. */
  function rawRequest(
    method: string,
    headers: Record<string, string>,
    body?: unknown,
    path = '',
  ): Promise<{ res: http.IncomingMessage; text: () => string; req: http.ClientRequest }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${stack.gatewayUrl}${path}`, { method, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', () => undefined);
        resolve({ res, text: () => text, req });
      });
      req.on('error', reject);
      cleanups.push(() => req.destroy());
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  it('frames multipart parts as Apollo’s protocol says, with heartbeats, and ends the upstream when the client leaves', async () => {
    await settled();
    const { res, text, req } = await rawRequest(
      'POST',
      {
        accept: 'multipart/mixed;subscriptionSpec="1.0", application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${demoToken}`,
      },
      { query: EVENTS },
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('multipart/mixed; boundary="graphql"; subscriptionSpec="1.0"');
    await until(() => subs().subscriberCount === 1 && subgraphSubscriptions(stack) === 1, 'the subscription');
    const paymentId = await pay('2', 321);
    await until(() => text().includes(paymentId), 'the event part');
    // A heartbeat part after five quiet seconds.
    await until(() => text().includes('\r\n\r\n{}\r\n--graphql'), 'a heartbeat', 8_000);
    const parts = text()
      .split('\r\n--graphql')
      .slice(1, -1)
      .map((part) => JSON.parse(part.slice(part.indexOf('\r\n\r\n') + 4)));
    expect(parts).toContainEqual({
      payload: {
        data: {
          paymentEvents: expect.objectContaining({
            payment: { id: paymentId },
            location: { name: 'Demo Bistro Airport' },
          }),
        },
      },
    });
    expect(parts).toContainEqual({});

    // The client goes away: its subscription and the upstream stream close.
    req.destroy();
    await until(() => subs().subscriberCount === 0 && subs().upstreamCount === 0, 'the upstream to close');
    await until(() => subgraphSubscriptions(stack) === 0, 'the subgraph subscription to close');
  }, 30_000);

  it('ends a multipart stream with the transport error in its final part', async () => {
    await settled();
    const { res, text } = await rawRequest(
      'POST',
      {
        accept: 'multipart/mixed;subscriptionSpec=1.0,application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${demoToken}`,
      },
      { query: EVENTS, variables: { after: 'not-a-cursor' } },
    );
    await new Promise((resolve) => res.once('end', resolve));
    expect(res.statusCode).toBe(200);
    // The subgraph refuses the cursor once the stream is open: a result with its errors, then the close delimiter.
    expect(text().endsWith('\r\n--graphql--\r\n')).toBe(true);
    const parts = text()
      .split('\r\n--graphql')
      .slice(1, -1)
      .map((part) => JSON.parse(part.slice(part.indexOf('\r\n\r\n') + 4)));
    expect(JSON.stringify(parts)).toContain('after must be a cursor from a PaymentEvent');
  });

  it('keeps CSRF prevention on: a simple request is refused, a plain JSON subscription is a 400 naming the transports', async () => {
    const simple = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: {
        accept: 'multipart/mixed;subscriptionSpec=1.0',
        'content-type': 'text/plain',
        authorization: `Bearer ${demoToken}`,
      },
      body: JSON.stringify({ query: EVENTS }),
    });
    expect(simple.status).toBe(400);
    expect(JSON.stringify(await simple.json())).toContain('Cross-Site Request Forgery');
    const sseGet = await fetch(`${stack.gatewayUrl}?query=${encodeURIComponent(EVENTS)}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${demoToken}` },
    });
    expect(sseGet.status).toBe(400);
    const plain = await stack.graphql(EVENTS, {}, demoToken);
    expect(plain.status).toBe(400);
    expect(plain.body.errors![0].extensions).toMatchObject({
      code: 'BAD_REQUEST',
      supportedTransports: ['graphql-transport-ws', 'multipart-subscription', 'graphql-sse'],
    });
    expect(subs().subscriberCount).toBe(0);
  });

  it('serves an SSE subscription sent with GET (the operation in the query string) when it forces a preflight', async () => {
    await settled();
    const query = new URLSearchParams({ query: EVENTS, variables: JSON.stringify({}) });
    const { res, text, req } = await rawRequest(
      'GET',
      { accept: 'text/event-stream', authorization: `Bearer ${demoToken}`, 'apollo-require-preflight': 'true' },
      undefined,
      `?${query}`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await until(() => subs().subscriberCount === 1 && subgraphSubscriptions(stack) === 1, 'the subscription');
    const paymentId = await pay('2', 654);
    await until(() => text().includes(paymentId), 'the event');
    const next = text()
      .split('\n\n')
      .find((message) => message.startsWith('event: next\n'))!;
    expect(JSON.parse(next.slice(next.indexOf('data: ') + 6))).toMatchObject({
      data: { paymentEvents: { payment: { id: paymentId }, location: { name: 'Demo Bistro Airport' } } },
    });
    req.destroy();
    await until(() => subs().subscriberCount === 0 && subs().upstreamCount === 0, 'the upstream to close');
  });

  it('refuses a document over the limits before streaming, with a GraphQL response Apollo Client reads', async () => {
    const loop = (inner: string, n: number): string =>
      n === 0 ? inner : `location { orders { nodes { ${loop(inner, n - 1)} } } }`;
    const deep = `subscription { paymentEvents { ${loop('id', 4)} } }`;
    const answer = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: {
        accept:
          'multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/graphql-response+json,application/json;q=0.9',
        'content-type': 'application/json',
        authorization: `Bearer ${demoToken}`,
      },
      body: JSON.stringify({ query: deep }),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    const body = (await answer.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
    expect(body.errors[0].extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      limit: expect.stringMatching(/^(depth|cost)$/),
    });
    expect(subs().subscriberCount).toBe(0);
  });

  it('runs queries over SSE too, through the same pipeline', async () => {
    const client = sseClient(demoToken, false);
    const result = await new Promise<any>((resolve, reject) => {
      client.subscribe(
        { query: '{ locations { nodes { name } } }' },
        { next: resolve, error: reject, complete: () => undefined },
      );
    });
    expect(result.data.locations.nodes).toContainEqual({ name: 'Demo Bistro Airport' });
  });

  describe('single connection reservations', () => {
    const reserve = async (token: string) => {
      const put = await fetch(stack.gatewayUrl, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
      expect(put.status).toBe(201);
      return put.text();
    };

    it('belong to the caller who made them', async () => {
      const token = await reserve(demoToken);
      const stolen = await fetch(stack.gatewayUrl, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${otherToken}`,
          'x-graphql-event-stream-token': token,
        },
      });
      expect(stolen.status).toBe(404);
      const operation = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${otherToken}`,
          'x-graphql-event-stream-token': token,
        },
        body: JSON.stringify({ query: EVENTS, extensions: { operationId: '1' } }),
      });
      expect(operation.status).toBe(404);
      const anonymous = await fetch(stack.gatewayUrl, { method: 'PUT' });
      expect(anonymous.status).toBe(401);
    });

    it('are capped per caller', async () => {
      // The earlier tests' reservations expire first (SSE_RESERVATION_TTL_SECONDS is 1 here).
      await sleep(1_500);
      const answers: number[] = [];
      for (let i = 0; i < 21; i++) {
        const put = await fetch(stack.gatewayUrl, { method: 'PUT', headers: { authorization: `Bearer ${demoToken}` } });
        answers.push(put.status);
        await put.text();
      }
      expect(answers.slice(0, 20).every((status) => status === 201)).toBe(true);
      expect(answers[20]).toBe(429);
      // Unused, they expire, and the caller may reserve again.
      await sleep(1_500);
      await reserve(demoToken);
    });

    it('expire when no stream connects in time, with the operations started on them', async () => {
      await settled();
      const token = await reserve(demoToken);
      const started = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${demoToken}`,
          'x-graphql-event-stream-token': token,
        },
        body: JSON.stringify({ query: EVENTS, extensions: { operationId: 'op' } }),
      });
      expect(started.status).toBe(202);
      expect(subs().subscriberCount).toBe(1);
      // SSE_RESERVATION_TTL_SECONDS is 1 here.
      await until(() => subs().subscriberCount === 0, 'the reservation to expire', 5_000);
      const late = await fetch(stack.gatewayUrl, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${demoToken}`,
          'x-graphql-event-stream-token': token,
        },
      });
      expect(late.status).toBe(404);
    });

    it('drop a stream that does not read, ending its subscriptions at once', async () => {
      await settled();
      const token = await reserve(demoToken);
      const headers = { authorization: `Bearer ${demoToken}`, 'x-graphql-event-stream-token': token };
      const stream = await rawRequest('GET', { ...headers, accept: 'text/event-stream' });
      expect(stream.res.statusCode).toBe(200);
      const closed = new Promise((resolve) => stream.res.once('close', resolve));
      // Events large enough to fill the 64 KiB limit quickly: the payload a hundred times over, ten operations.
      const fields = 'paymentId status amountCents refundedCents tipCents currency orderId checkId processor';
      const aliases = Array.from({ length: 100 }, (_, i) => `p${i}: payload { ${fields} }`).join(' ');
      const BIG = `subscription Big { paymentEvents { cursor ${aliases} } }`;
      for (let id = 1; id <= 10; id++) {
        const started = await fetch(stack.gatewayUrl, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ query: BIG, extensions: { operationId: String(id) } }),
        });
        expect(started.status).toBe(202);
      }
      // A client that reads, on the very same shared stream: it must not be held back by the slow one.
      const reader = sseSubscribe(sseClient(demoToken, false), BIG);
      await until(() => subs().subscriberCount === 11 && subgraphSubscriptions(stack) === 1, 'the subscriptions');

      stream.res.socket.pause();
      const paid: string[] = [];
      while (subs().subscriberCount > 1) {
        if (paid.length >= 200) throw new Error('the slow client was never dropped');
        paid.push(await pay('1', 100 + paid.length));
      }
      expect(subs().subscriberCount).toBe(1);
      paid.push(await pay('1', 999));
      await until(() => reader.events.length === paid.length, 'the reader to get every event');
      expect(reader.errors).toEqual([]);
      reader.stop();
      stream.res.socket.resume();
      await closed;
      await settled();
    }, 60_000);
  });
});
