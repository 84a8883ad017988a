import { memoryLogger } from '@pos/testing';
import { metricSample } from '../support/metrics';
import { type Stack, startStack } from '../support/stack';

describe('health, readiness, metrics and request ids', () => {
  let stack: Stack;
  const ordersLog = memoryLogger('orders');
  const gatewayLog = memoryLogger('gateway');
  beforeAll(async () => {
    stack = await startStack({ loggers: { orders: ordersLog.logger, gateway: gatewayLog.logger } });
  });
  afterAll(() => stack?.close());

  it('forwards the request id to the subgraphs and logs it as JSON on both sides', async () => {
    const requestId = 'req-test-4711';
    const { headers } = await stack.graphql('query Names { locations { nodes { name } } }', {}, undefined, {
      'x-request-id': requestId,
    });
    expect(headers.get('x-request-id')).toBe(requestId);
    const gatewayLine = gatewayLog.lines().find((l) => l.requestId === requestId);
    expect(gatewayLine).toMatchObject({ service: 'gateway', method: 'POST', path: '/graphql', status: 200 });
    expect(ordersLog.lines().find((l) => l.requestId === requestId)).toMatchObject({
      service: 'orders',
      path: '/graphql',
    });
  });

  it('serves the GraphiQL page, bundled by the gateway, to a browser in development', async () => {
    const page = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<title>GraphiQL/);
    expect(html).toMatch(/src="\/web\/assets\/[^"]+\.js"/);
    expect(html).not.toMatch(/embeddable-sandbox|https?:\/\//);
  });

  it('reports liveness and readiness', async () => {
    const health = await fetch(`${stack.origin}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', service: 'gateway' });
    const ready = await fetch(`${stack.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      subgraphs: { orders: 'ok', checks: 'ok', payments: 'ok', loyalty: 'ok' },
    });
    const subgraphReady = await fetch(stack.subgraphs.checks.url.replace('/graphql', '/readyz'));
    expect(await subgraphReady.json()).toEqual({ status: 'ready', service: 'checks' });
  });

  it('exposes Prometheus metrics on the gateway and on every subgraph', async () => {
    await stack.graphql('query Names { locations { nodes { name checks { nodes { posRef } } } } }');
    const text = await (await fetch(`${stack.origin}/metrics`)).text();
    expect(metricSample(text, 'graphql_requests_total', { operation: 'Names', outcome: 'ok' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(metricSample(text, 'graphql_request_duration_seconds_count', { operation: 'Names' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      metricSample(text, 'subgraph_fetch_duration_seconds_count', { subgraph: 'checks', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('graphql_open_subscriptions{service="gateway"}');
    expect(text).toContain('db_pool_connections_used{service="gateway"}');
    for (const subgraph of Object.values(stack.subgraphs)) {
      const own = await (await fetch(subgraph.url.replace('/graphql', '/metrics'))).text();
      expect(own).toContain('graphql_requests_total');
      expect(own).toContain('db_pool_connections_free');
      expect(own).toContain('graphql_open_subscriptions');
    }
  });

  it('reports not ready, without failing, when a subgraph is down', async () => {
    await stack.subgraphs.loyalty.close();
    const ready = await fetch(`${stack.origin}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'unavailable',
      subgraphs: { loyalty: 'unreachable', orders: 'ok' },
    });
    // The failure reaches the client as UNAVAILABLE naming the subgraph, without internal text.
    const { body } = await stack.graphql('{ loyaltyCustomer(code: "482193") { points } }', {}, undefined, {
      'x-request-id': 'req-down-1',
    });
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    expect(body.errors).toEqual([
      {
        message: 'The loyalty service is not available; retry later',
        extensions: { code: 'UNAVAILABLE', reason: 'service_unavailable', serviceName: 'loyalty' },
      },
    ]);
    // ...and the gateway logged the real cause under that id.
    expect(gatewayLog.lines().find((l) => l.msg === 'subgraph unavailable' && l.requestId === 'req-down-1')).toEqual(
      expect.objectContaining({ serviceName: 'loyalty', cause: expect.stringMatching(/ECONNREFUSED/) }),
    );
  });
});
