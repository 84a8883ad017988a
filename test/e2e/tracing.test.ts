import { randomUUID } from 'node:crypto';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  POS_SERVICE_ATTRIBUTE,
  type ReadableSpan,
  INTERNAL_CONTEXT_HEADER,
  SpanKind,
  type TestTracing,
  createLogger,
  installTestTracing,
  posTracer,
  signInternalContext,
  startTracing,
  tracingEnabled,
  withSpan,
} from '@pos/kit';
import { TEST_ENV, memoryLogger, partnerPrincipal, postGraphQL } from '@pos/testing';
import { payOrder } from '../support/payments';
import { startServiceProcess } from '../support/processes';
import { restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';

/** Polls until `find` returns something (spans end as responses finish, a moment after the client has read them). */
async function waitFor<T>(find: () => T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const serviceOf = (span: ReadableSpan) => span.attributes[POS_SERVICE_ATTRIBUTE];

/** The spans as an indented tree, for a failure message. */
function treeText(spans: ReadableSpan[]): string {
  const children = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map(idOf));
  for (const span of spans) {
    const parent = parentOf(span) && ids.has(parentOf(span)!) ? parentOf(span) : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const list = (children.get(parent) ?? []).sort(
      (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
    );
    for (const span of list) {
      const orphan = depth === 0 && parentOf(span) ? ' (ORPHAN)' : '';
      lines.push(`${'  '.repeat(depth)}${span.name} [${serviceOf(span)}]${orphan}`);
      walk(idOf(span), depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

describe('tracing', () => {
  let stack: Stack;
  let token: string;
  /** The traceparent header of every request each subgraph received. */
  const received: Record<string, Array<string | undefined>> = {};
  const gatewayLog = memoryLogger('gateway');
  const paymentsLog = memoryLogger('payments');
  beforeAll(async () => {
    stack = await startStack({ loggers: { gateway: gatewayLog.logger, payments: paymentsLog.logger } });
    token = await stack.token();
    for (const [name, subgraph] of Object.entries(stack.subgraphs)) {
      received[name] = [];
      subgraph.httpServer.on('request', (req: IncomingMessage) => {
        received[name].push(req.headers.traceparent as string | undefined);
      });
    }
  });
  afterAll(() => stack?.close());

  const call = restClient(
    () => stack,
    () => token,
  );
  const newOrder = async (): Promise<string> => {
    const created = await call('POST', '/pos/v1/orders', {
      body: { location_id: 1, currency: 'USD', total_cents: 2500 },
    });
    expect(created.status).toBe(201);
    return created.body.id;
  };
  const pay = (orderId: string, key: string) =>
    call('POST', `/pos/v1/orders/${orderId}/payments`, {
      headers: { 'idempotency-key': key },
      body: { amount_cents: 2500, currency: 'USD', card_token: 'tok_visa' },
    });
  const clearReceived = () => Object.values(received).forEach((list) => list.splice(0));

  it('is off by default: no provider, no spans, and no traceparent on any subgraph fetch', async () => {
    expect(tracingEnabled()).toBe(false);
    expect(posTracer().startSpan('probe').isRecording()).toBe(false);
    clearReceived();
    // Over GraphQL, so the traced REST call below is the first of its document and is planned (gateway.plan).
    await payOrder(stack, token);
    // The gateway fetched from orders and payments, and payments read the order from orders: none carried one.
    expect(received.orders.length).toBeGreaterThan(0);
    expect(received.payments.length).toBeGreaterThan(0);
    expect(
      Object.values(received)
        .flat()
        .filter((traceparent) => traceparent !== undefined),
    ).toEqual([]);
  });

  describe('on, with an in-memory exporter', () => {
    let tracing: TestTracing;
    beforeAll(async () => {
      tracing = await installTestTracing();
    });
    afterAll(() => tracing?.shutdown());

    /** Waits for the trace whose root is named `rootName` to be complete: every span's parent exported too. */
    async function traceOf(rootName: string): Promise<ReadableSpan[]> {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const spans = tracing.spans();
        const root = spans.find((s) => s.name === rootName && !parentOf(s));
        if (root) {
          const trace = spans.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
          const ids = new Set(trace.map(idOf));
          if (trace.every((s) => s === root || ids.has(parentOf(s)!)) || Date.now() > deadline) return trace;
        } else if (Date.now() > deadline) {
          throw new Error(`no root span ${rootName}; spans:\n${treeText(spans)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    it('makes one REST call one trace: facade, operation, plan, a fetch per subgraph, their resolvers and SQL', async () => {
      const orderId = await newOrder();
      // That call's own trace is complete (its root ends last) before this one starts.
      await waitFor(() => tracing.spans().find((s) => s.name === 'POST /pos/v1/orders' && !parentOf(s)));
      tracing.reset();
      clearReceived();
      const key = randomUUID();
      const paid = await pay(orderId, key);
      expect(paid.status).toBe(201);
      const spans = await traceOf('POST /pos/v1/orders/{id}/payments');
      const tree = treeText(spans);
      if (process.env.TRACE_DUMP) console.log(tree);

      // Everything this call caused is in this one trace, and nothing else was exported.
      expect(new Set(tracing.spans().map((s) => s.spanContext().traceId)).size).toBe(1);
      const byId = new Map(spans.map((s) => [idOf(s), s]));
      const parent = (span: ReadableSpan) => byId.get(parentOf(span) ?? '');
      const ancestors = (span: ReadableSpan) => {
        const chain: ReadableSpan[] = [];
        for (let p = parent(span); p; p = parent(p)) chain.push(p);
        return chain;
      };
      const named = (name: string, service?: string) =>
        spans.filter((s) => s.name === name && (service === undefined || serviceOf(s) === service));
      const one = (name: string, service?: string) => {
        const found = named(name, service);
        if (found.length !== 1) throw new Error(`expected one ${name} [${service}], found ${found.length}:\n${tree}`);
        return found[0];
      };

      // The facade's span is the root; no span is an orphan.
      const root = one('POST /pos/v1/orders/{id}/payments', 'gateway');
      expect(root.kind).toBe(SpanKind.SERVER);
      expect(root.attributes).toMatchObject({
        'http.route': '/pos/v1/orders/{id}/payments',
        'http.request.method': 'POST',
        'http.response.status_code': 201,
        'pos.rest.operation_id': 'createPayment',
      });
      expect(spans.filter((s) => s !== root && !parent(s)).map((s) => s.name)).toEqual([]);
      expect(spans.every((s) => s === root || ancestors(s).at(-1) === root)).toBe(true);

      // The gateway's operation, and @apollo/gateway's own plan and execution below it.
      const operation = one('mutation RestCreatePayment', 'gateway');
      expect(parent(operation)).toBe(root);
      expect(operation.attributes).toMatchObject({
        'graphql.operation.name': 'RestCreatePayment',
        'graphql.operation.type': 'mutation',
      });
      const request = one('gateway.request', 'gateway');
      expect(parent(request)).toBe(operation);
      expect(ancestors(one('gateway.plan', 'gateway'))).toContain(request);

      // A fetch per subgraph the plan involves: gateway.fetch, our client span with the traceparent, and the
      // subgraph's server span continuing exactly that span.
      const fetches = named('gateway.fetch', 'gateway');
      const subgraphs = new Set(fetches.map((f) => String(f.attributes.service)));
      expect(subgraphs).toContain('payments');
      for (const fetch of fetches) {
        const name = String(fetch.attributes.service);
        const client = spans.find((s) => s.name === `POST ${name}` && parent(s) === fetch)!;
        expect(client).toBeDefined();
        expect(client.kind).toBe(SpanKind.CLIENT);
        const server = spans.find((s) => parent(s) === client)!;
        expect(server).toMatchObject({ name: 'POST /graphql', kind: SpanKind.SERVER });
        expect(serviceOf(server)).toBe(name);
      }

      // In payments: the mutation's resolver, its SQL, and its read of the order from orders (a client span that
      // the orders subgraph's server span continues, with _entities and its SQL below).
      const mutation = one('Mutation.createPayment', 'payments');
      expect(serviceOf(parent(mutation)!)).toBe('payments');
      expect(parent(mutation)!.kind).toBe(SpanKind.SERVER);
      const paymentsSql = spans.filter(
        (s) => serviceOf(s) === 'payments' && s.attributes['db.system'] === 'postgresql',
      );
      expect(paymentsSql.map((s) => s.attributes['db.operation.name'])).toEqual(
        expect.arrayContaining(['select', 'insert']),
      );
      for (const sql of paymentsSql) expect(ancestors(sql)).toContain(mutation);
      const insert = paymentsSql.find((s) =>
        /^insert into "payments"\."payment"/.test(String(s.attributes['db.statement'])),
      )!;
      expect(insert).toBeDefined();
      expect(insert.kind).toBe(SpanKind.CLIENT);
      expect(insert.attributes['db.statement']).toMatch(/values \(\?, \?/);

      const orderRead = one('_entities Order', 'payments');
      expect(orderRead.kind).toBe(SpanKind.CLIENT);
      expect(ancestors(orderRead)).toContain(mutation);
      const ordersServer = spans.find((s) => parent(s) === orderRead)!;
      expect(ordersServer).toMatchObject({ name: 'POST /graphql', kind: SpanKind.SERVER });
      expect(serviceOf(ordersServer)).toBe('orders');
      const entities = spans.find((s) => s.name === 'Query._entities' && parent(s) === ordersServer)!;
      expect(entities).toBeDefined();
      const ordersSql = spans.filter(
        (s) => s.attributes['db.namespace'] === 'orders' && ancestors(s).includes(entities),
      );
      expect(ordersSql.length).toBeGreaterThan(0);
      expect(ordersSql.every((s) => serviceOf(s) === 'orders')).toBe(true);

      // Every subgraph request of this call carried a traceparent of this trace.
      const traceId = root.spanContext().traceId;
      const sent = Object.values(received).flat();
      // The gateway's fetch from payments, and payments' read of the order from orders.
      expect(received.payments.length).toBeGreaterThan(0);
      expect(received.orders.length).toBeGreaterThan(0);
      for (const traceparent of sent) expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

      // The request log lines of the facade and of payments name the trace; so does a line logged inside a span.
      const requestLine = (log: typeof gatewayLog, path: string) =>
        log.lines().find((l) => l.msg === 'request' && l.path === path && l.trace_id === traceId);
      expect(requestLine(gatewayLog, `/pos/v1/orders/${orderId}/payments`)).toMatchObject({ status: 201 });
      expect(requestLine(paymentsLog, '/graphql')).toBeDefined();
      const lines: string[] = [];
      const logger = createLogger('probe', 'info', { write: (line: string) => lines.push(line) });
      const probeIds = withSpan('probe', {}, (span) => {
        logger.info('inside');
        return span.spanContext();
      });
      logger.info('outside');
      expect(lines.map((line) => JSON.parse(line))).toMatchObject([
        { msg: 'inside', trace_id: probeIds.traceId, span_id: probeIds.spanId },
        { msg: 'outside' },
      ]);
      expect(JSON.parse(lines[1]).trace_id).toBeUndefined();

      // No span carries a card token, a credential, a secret, or a SQL parameter value (the order id is one, and
      // a path value too).
      const text = JSON.stringify(
        spans.map((s) => ({
          name: s.name,
          attributes: s.attributes,
          events: s.events,
          status: s.status,
          links: s.links,
        })),
      );
      for (const secret of ['tok_visa', token, 'demo-secret', TEST_ENV.INTERNAL_JWT_SECRET, key, orderId]) {
        expect(text).not.toContain(secret);
      }
      const statements = spans.map((s) => s.attributes['db.statement']).filter(Boolean) as string[];
      expect(statements.length).toBeGreaterThan(3);
      expect(statements.some((s) => s.includes('?'))).toBe(true);
    });

    it('makes one /graphql request across the four subgraphs one trace, with a fetch span per subgraph', async () => {
      tracing.reset();
      const { body } = await stack.graphql(
        `query Everything { locations { nodes { name checks { nodes { posRef } } orders { nodes { number payments { nodes { amountCents } } } } } }
          loyaltyCustomer(code: "482193") { points } }`,
        {},
        token,
      );
      expect(body.errors).toBeUndefined();
      const spans = await traceOf('POST /graphql');
      const root = spans.find((s) => !parentOf(s))!;
      expect(root).toMatchObject({
        kind: SpanKind.SERVER,
        attributes: expect.objectContaining({ 'graphql.operation.name': 'Everything', 'pos.service': 'gateway' }),
      });
      const byId = new Map(spans.map((s) => [idOf(s), s]));
      const fetched = new Set<string>();
      for (const server of spans.filter((s) => s.kind === SpanKind.SERVER && s !== root)) {
        const client = byId.get(parentOf(server)!)!;
        expect(client).toMatchObject({ name: `POST ${serviceOf(server)}`, kind: SpanKind.CLIENT });
        expect(byId.get(parentOf(client)!)?.name).toBe('gateway.fetch');
        fetched.add(String(serviceOf(server)));
      }
      expect([...fetched].sort()).toEqual(['checks', 'loyalty', 'orders', 'payments']);
      expect(spans.every((s) => s === root || byId.has(parentOf(s)!))).toBe(true);
    });

    it('makes a query over graphql-ws one trace, and starting a subscription a span of its own', async () => {
      tracing.reset();
      const client = gatewayWsClient(stack.gatewayUrl, token);
      try {
        const result = await new Promise<unknown>((resolve, reject) => {
          let value: unknown;
          client.subscribe(
            {
              query:
                'query OverSocket { locations { nodes { name orders { nodes { payments { nodes { amountCents } } } } } } }',
            },
            { next: (v) => (value = v), error: reject, complete: () => resolve(value) },
          );
        });
        expect(result).toMatchObject({ data: { locations: { nodes: expect.any(Array) } } });
        const spans = await traceOf('graphql-ws query OverSocket');
        const root = spans.find((s) => !parentOf(s))!;
        expect(root).toMatchObject({
          kind: SpanKind.SERVER,
          attributes: expect.objectContaining({ 'graphql.operation.name': 'OverSocket', 'pos.service': 'gateway' }),
        });
        const servers = spans.filter((s) => s.kind === SpanKind.SERVER && s !== root).map(serviceOf);
        expect([...new Set(servers)].sort()).toEqual(['orders', 'payments']);

        const stop = client.subscribe(
          { query: 'subscription Watch { paymentEvents { id type } }' },
          { next: () => undefined, error: () => undefined, complete: () => undefined },
        );
        const started = await waitFor(() => tracing.spans().find((s) => s.name === 'graphql-ws subscription Watch'));
        expect(started).toMatchObject({
          kind: SpanKind.SERVER,
          attributes: expect.objectContaining({ 'graphql.operation.type': 'subscription' }),
        });
        stop();
      } finally {
        await client.dispose();
      }
    });

    it('continues a caller’s traceparent', async () => {
      tracing.reset();
      const traceId = randomUUID().replace(/-/g, '');
      const answer = await call('GET', '/pos/v1/locations', {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      expect(answer.status).toBe(200);
      const root = await waitFor(() => tracing.spans().find((s) => s.name === 'GET /pos/v1/locations'));
      expect(root.spanContext().traceId).toBe(traceId);
      expect(root.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    });
  });

  it('exports over OTLP/HTTP from a service process when OTEL_EXPORTER_OTLP_ENDPOINT is set, and only then', async () => {
    // Without an endpoint (or an exporter) nothing is registered, so nothing can be exported.
    expect(tracingEnabled()).toBe(false);
    expect(await startTracing({ serviceName: 'orders', env: {} })).toBeNull();

    // The exporter loads node:http with import(), which jest's VM refuses: the export is proven from the orders
    // subgraph's own entry point in its own process, as the launcher and a container run it.
    const posts: Array<{ path?: string; contentType?: string; body: string }> = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        posts.push({ path: req.url, contentType: req.headers['content-type'], body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const orders = await startServiceProcess('subgraphs/orders/src/index.ts', {
      ...TEST_ENV,
      DATABASE_URL: stack.databaseUrl,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    });
    try {
      const traceId = randomUUID().replace(/-/g, '');
      const answer = await postGraphQL(
        orders.url,
        '{ locations { nodes { name } } }',
        {},
        {
          [INTERNAL_CONTEXT_HEADER]: await signInternalContext(
            TEST_ENV.INTERNAL_JWT_SECRET,
            partnerPrincipal('demo', ['tilt/pos:read']),
          ),
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
      );
      expect(answer.body.data?.locations.nodes).toHaveLength(2);
      // SIGTERM: the graceful shutdown flushes the batch.
      await orders.stop();
      const post = posts.find((p) => p.body.includes(traceId));
      expect(post).toMatchObject({ path: '/v1/traces', contentType: 'application/json' });
      const body = JSON.parse(post!.body) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
          scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; parentSpanId?: string }> }>;
        }>;
      };
      const [resourceSpans] = body.resourceSpans;
      expect(resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue).toBe('orders');
      const spans = resourceSpans.scopeSpans.flatMap((scope) => scope.spans).filter((s) => s.traceId === traceId);
      expect(spans.map((s) => s.name)).toEqual(
        expect.arrayContaining(['POST /graphql', 'Query.locations', 'select orders']),
      );
      expect(spans.find((s) => s.name === 'POST /graphql')?.parentSpanId).toBe('00f067aa0ba902b7');
    } finally {
      await orders.kill();
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
