import { type StartedGateway, startGateway } from '@pos/gateway';
import { gatewayEnvSchema } from '@pos/gateway/src/config';
import { type Logger, createLogger, parseConfig } from '@pos/kit';
import { TEST_ENV, type TestRedis, memoryLogger, startRedisServer, until } from '@pos/testing';
import { metricSample } from '../support/metrics';
import { type Stack, TEST_ISSUER, startStack } from '../support/stack';
import { firstOf, gatewayWsClient } from '../support/ws';

/**
 * RATE_LIMIT_STORE=redis on the whole system: the stack's gateway and a second one on the same database and
 * subgraphs (two replicas behind a load balancer), sharing one redis-server of this test's own. A client going from
 * one to the other is held to one limit, not two: the per-client request limit, the token endpoint's limit per
 * address, the wrong API keys per address and the cost budget. Then Redis is taken away and brought back: failing
 * open, each replica limits on its own and serves; failing closed, limited requests are refused 503 with a clear
 * reason; /readyz, /metrics and the log say so, and both recover when Redis is back.
 *
 * Small limits that barely refill (one token in 100 s), so that only what the test sends counts; TRUST_PROXY lets
 * each case be its own client address (X-Forwarded-For) for the limits kept by address.
 */
const LIMITS = {
  TRUST_PROXY: 'loopback',
  RATE_LIMIT_PER_SECOND: '0.01',
  RATE_LIMIT_BURST: '8',
  TOKEN_RATE_LIMIT_PER_SECOND: '0.01',
  TOKEN_RATE_LIMIT_BURST: '6',
  API_KEY_FAILURES_PER_ADDRESS: '4',
  API_KEY_FAILURE_WINDOW_SECONDS: '600',
  MAX_QUERY_COST: '10',
  COST_LIMIT_MAXIMUM: '10',
  COST_LIMIT_RESTORE_PER_SECOND: '0.01',
};
const CUSTOMER_KEY = 'demo-customer-582193';
/** Costs nothing (introspection's fields are free): only the request limit counts it. */
const FREE = '{ __typename }';
/** Four fields of one point each, all in the answer (nothing refunded): 4 points of the budget. */
const FOUR_POINTS = '{ a: paymentEventsCursor b: paymentEventsCursor c: paymentEventsCursor d: paymentEventsCursor }';

describe('rate limits shared in Redis by two gateways', () => {
  let redis: TestRedis;
  let stack: Stack;
  let second: StartedGateway;
  let firstLog: ReturnType<typeof memoryLogger>;
  const extra: StartedGateway[] = [];
  let redisEnv: Record<string, string>;

  /** Another gateway replica on the stack's database and subgraphs. */
  const replica = async (env: Record<string, string>, logger: Logger = createLogger('gateway', 'warn')) => {
    const gateway = await startGateway(
      parseConfig(gatewayEnvSchema, {
        ...TEST_ENV,
        DATABASE_URL: stack.databaseUrl,
        KEY_ENCRYPTION_KEY: stack.keyEncryptionKey.toString('base64'),
        JWT_ISSUER: TEST_ISSUER,
        ORDERS_URL: stack.subgraphs.orders.url,
        CHECKS_URL: stack.subgraphs.checks.url,
        PAYMENTS_URL: stack.subgraphs.payments.url,
        LOYALTY_URL: stack.subgraphs.loyalty.url,
        ...env,
      }),
      logger,
    );
    extra.push(gateway);
    return gateway;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    redisEnv = { ...LIMITS, RATE_LIMIT_STORE: 'redis', REDIS_URL: redis.url };
    firstLog = memoryLogger('gateway');
    stack = await startStack({ gatewayEnv: redisEnv, loggers: { gateway: firstLog.logger } });
    second = await replica(redisEnv);
  });
  afterAll(async () => {
    for (const gateway of extra) await gateway.close();
    await stack?.close();
    await redis?.stop();
  });

  const origins = () => [stack.origin, `http://127.0.0.1:${second.port}`];
  const graphql = (origin: string, query: string, headers: Record<string, string>) =>
    fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
  /** Sends `send(origin)` to the gateways in turn until one refuses it: the statuses, in order. */
  const alternate = async (gateways: string[], send: (origin: string) => Promise<Response>, most = 40) => {
    const statuses: number[] = [];
    for (let i = 0; i < most; i++) {
      const response = await send(gateways[i % gateways.length]);
      await response.arrayBuffer();
      statuses.push(response.status);
      if (response.status === 429) break;
    }
    return statuses;
  };
  const ok = (count: number) => Array.from({ length: count }, () => 200);

  it('holds a client going from one gateway to the other to one request limit, not one per gateway', async () => {
    const token = await stack.token();
    const bearer = { authorization: `Bearer ${token}` };
    const statuses = await alternate(origins(), (origin) => graphql(origin, FREE, bearer));
    expect(statuses).toEqual([...ok(8), 429]);
    // Refused on both now, with the wait until the shared bucket has a token (one in 100 s).
    for (const origin of origins()) {
      const refused = await graphql(origin, FREE, bearer);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(90);
      expect(((await refused.json()) as { errors: Array<{ extensions: unknown }> }).errors[0].extensions).toEqual({
        code: 'RATE_LIMITED',
        retryAfterSeconds: expect.any(Number),
      });
    }
    // The buckets are in Redis, under the documented prefix.
    expect(await redis.command(['EXISTS', 'pos:rl:requests:m2m:demo:demo-partner'])).toBe(':1\r\n');

    // The same limits in each replica's memory (RATE_LIMIT_STORE=memory, the default): twice as many.
    const memory = [await replica(LIMITS), await replica(LIMITS)].map((g) => `http://127.0.0.1:${g.port}`);
    expect(await alternate(memory, (origin) => graphql(origin, FREE, bearer))).toEqual([...ok(16), 429]);
  });

  it('holds an address to one token endpoint limit across both', async () => {
    const address = { 'x-forwarded-for': '198.51.100.7' };
    const statuses = await alternate(origins(), (origin) =>
      fetch(`${origin}/oauth2/token`, {
        method: 'POST',
        headers: {
          ...address,
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('demo-partner:demo-secret').toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      }),
    );
    expect(statuses).toEqual([...ok(6), 429]);
  });

  it('counts wrong API keys sent to either gateway against one bound per address', async () => {
    const address = { 'x-forwarded-for': '198.51.100.8' };
    const query = '{ loyaltyDashboard { customer { code } } }';
    expect((await graphql(stack.origin, query, { ...address, 'x-api-key': CUSTOMER_KEY })).status).toBe(200);
    const guesses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const origin = origins()[i % 2];
      guesses.push((await graphql(origin, query, { ...address, 'x-api-key': `demo-customer-00000${i}` })).status);
    }
    // Two wrong keys on each: one bound of 4 reached, so the right key too is refused, on both.
    expect(guesses).toEqual([401, 401, 401, 401]);
    for (const origin of origins()) {
      const refused = await graphql(origin, query, { ...address, 'x-api-key': CUSTOMER_KEY });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { errors: Array<{ extensions: unknown }> }).errors[0].extensions).toEqual(
        expect.objectContaining({ code: 'RATE_LIMITED', reason: 'too_many_wrong_keys' }),
      );
    }
    // Another address is not concerned.
    const other = await graphql(second.url.replace('/graphql', ''), query, {
      'x-forwarded-for': '198.51.100.9',
      'x-api-key': CUSTOMER_KEY,
    });
    expect(other.status).toBe(200);
  });

  it('spends one cost budget per caller on both gateways', async () => {
    const bearer = { authorization: `Bearer ${await stack.token('other-partner', 'other-secret')}` };
    const answers: Array<{ status: number; available?: number; reason?: unknown }> = [];
    for (let i = 0; i < 3; i++) {
      const response = await graphql(origins()[i % 2], FOUR_POINTS, bearer);
      const body = (await response.json()) as {
        errors?: Array<{ extensions: { reason?: unknown } }>;
        extensions: { cost: { throttleStatus: { currentlyAvailable: number } } };
      };
      answers.push({
        status: response.status,
        available: body.extensions.cost.throttleStatus.currentlyAvailable,
        reason: body.errors?.[0].extensions.reason,
      });
    }
    // 10 points: 6 left after the first gateway, 2 after the second, and the first cannot pay 4 more. Each replica
    // with its own budget would have answered 6, 6, 2.
    expect(answers).toEqual([
      { status: 200, available: 6, reason: undefined },
      { status: 200, available: 2, reason: undefined },
      { status: 429, available: 2, reason: 'cost_limit' },
    ]);
  });

  const readyz = async (origin: string) => {
    const response = await fetch(`${origin}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const metric = async (origin: string, name: string, labels: Record<string, string>) =>
    metricSample(await (await fetch(`${origin}/metrics`)).text(), name, labels);
  const storeState = async (origin: string) =>
    ((await readyz(origin)).body.rateLimitStore as { state?: string } | undefined)?.state;
  const logged = (pattern: RegExp) => firstLog.lines().filter((line) => pattern.test(String(line.msg)));

  it('failing open (the default): each gateway limits on its own while Redis is down, says so, and recovers', async () => {
    const bearer = { authorization: `Bearer ${await stack.userToken('cashier@demo.example')}` };
    expect(await readyz(stack.origin)).toMatchObject({
      status: 200,
      body: { status: 'ready', rateLimitStore: { store: 'redis', state: 'up', failure: 'open' } },
    });
    expect(await metric(stack.origin, 'gateway_rate_limit_store_up', { store: 'redis' })).toBe(1);

    await redis.stop();
    // Requests pass on both...
    expect(await alternate(origins(), (origin) => graphql(origin, FREE, bearer), 4)).toEqual(ok(4));
    // ...each gateway holding the caller to its own bucket (a bound per replica, as with the memory store).
    expect(await alternate([stack.origin], (origin) => graphql(origin, FREE, bearer))).toEqual([...ok(6), 429]);
    for (const origin of origins()) {
      expect(await readyz(origin)).toMatchObject({
        status: 200,
        body: { status: 'ready', rateLimitStore: { store: 'redis', state: 'down', failure: 'open' } },
      });
      expect(await metric(origin, 'gateway_rate_limit_store_up', { store: 'redis' })).toBe(0);
    }
    expect(
      await metric(stack.origin, 'gateway_rate_limit_store_down_decisions_total', {
        limiter: 'requests',
        failure: 'open',
      }),
    ).toBeGreaterThanOrEqual(9);
    // Logged once for the outage, not once per request; never with the URL.
    expect(logged(/rate limit store unreachable/)).toHaveLength(1);
    expect(JSON.stringify(logged(/rate limit store/))).not.toContain(redis.url);

    await redis.restart();
    for (const origin of origins()) {
      await until(async () => (await storeState(origin)) === 'up', `Redis back for ${origin}`);
    }
    expect(logged(/rate limit store reachable again/)).toHaveLength(1);
    expect(await metric(stack.origin, 'gateway_rate_limit_store_up', { store: 'redis' })).toBe(1);
    // Shared again (Redis came back empty): one bucket of 8 for both.
    expect(await alternate(origins(), (origin) => graphql(origin, FREE, bearer))).toEqual([...ok(8), 429]);
  });

  it('failing closed: refuses limited requests 503 with a clear reason while Redis is down, is not ready, recovers', async () => {
    const token = await stack.userToken('manager@demo.example');
    const bearer = { authorization: `Bearer ${token}` };
    await redis.stop();
    // Started while nothing listens at REDIS_URL: it starts all the same, and says it is down.
    const closed = await replica({ ...redisEnv, RATE_LIMIT_REDIS_FAILURE: 'closed' });
    const origin = `http://127.0.0.1:${closed.port}`;

    const refused = await graphql(origin, FREE, bearer);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const text = await refused.text();
    expect(JSON.parse(text)).toEqual({
      errors: [
        {
          message: 'Rate limits cannot be checked right now; retry later',
          extensions: { code: 'UNAVAILABLE', reason: 'rate_limit_unavailable', retryAfterSeconds: 5 },
        },
      ],
    });
    const rest = await fetch(`${origin}/pos/v1/orders/1`, { headers: bearer });
    expect(rest.status).toBe(503);
    expect(await rest.json()).toMatchObject({
      status: 503,
      code: 'rate_limit_unavailable',
      details: ['Rate limits cannot be checked right now; retry later'],
    });
    const tokenRequest = await fetch(`${origin}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('demo-partner:demo-secret').toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(tokenRequest.status).toBe(503);
    const tokenText = await tokenRequest.text();
    expect(JSON.parse(tokenText)).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'Rate limits cannot be checked right now; retry later',
    });
    // Over graphql-ws: the operation ends with the same error; the connection stays.
    const ws = gatewayWsClient(`${origin}/graphql`, token);
    try {
      const { errors } = await firstOf(ws, FREE);
      expect(errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'UNAVAILABLE', reason: 'rate_limit_unavailable' }),
        }),
      ]);
    } finally {
      await ws.dispose();
    }
    // Nothing of the store's own error reaches a client.
    for (const body of [text, tokenText]) expect(body).not.toMatch(/ECONNREFUSED|writeable|127\.0\.0\.1|ioredis/i);

    expect(await readyz(origin)).toEqual({
      status: 503,
      body: {
        status: 'unavailable',
        subgraphs: { orders: 'ok', checks: 'ok', payments: 'ok', loyalty: 'ok' },
        rateLimitStore: { store: 'redis', state: 'down', failure: 'closed' },
      },
    });
    expect(await metric(origin, 'gateway_rate_limit_store_up', { store: 'redis' })).toBe(0);
    expect(
      await metric(origin, 'gateway_rate_limit_store_down_decisions_total', { limiter: 'requests', failure: 'closed' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      await metric(origin, 'gateway_rate_limit_store_down_decisions_total', { limiter: 'tokens', failure: 'closed' }),
    ).toBe(1);

    await redis.restart();
    await until(async () => (await readyz(origin)).status === 200, 'the closed gateway ready again');
    expect((await graphql(origin, FREE, bearer)).status).toBe(200);
    expect(await metric(origin, 'gateway_rate_limit_store_up', { store: 'redis' })).toBe(1);
  });
});
