import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Client } from 'graphql-ws';
import { API_KEY_HEADER } from '@pos/gateway/src/auth/api-keys';
import { type Stack, startStack } from '../support/stack';
import { firstOf, gatewayWsClient } from '../support/ws';

/**
 * The gateway’s hardening (docs/api/limits.md): depth and cost limits over HTTP and graphql-ws, no batched
 * operations, CSRF prevention, the body size limit, introspection and the landing page by environment, and the
 * per-client rate limits with 429 and Retry-After on every surface.
 */

// Five levels of list in a cycle: 13 levels deep (the limit is 12), and far over the cost limit.
const DEEP =
  '{ payment(id: "1") { order { location { orders(first: 100) { nodes { payments { nodes { order { location { orders ' +
  '{ nodes { payments { totalCount } } } } } } } } } } } } }';
// Ten levels, within the depth limit, but locations × orders × payments × (refunds, checks × items) rows.
const WIDE =
  'query Wide { locations { nodes { orders { nodes { payments { nodes { refunds { nodes { id amountCents } } order { checks { items { name } } } } } } } } } }';
// The docs' query across the four subgraphs: documented, so it must pass.
const DOCUMENTED =
  '{ locations { nodes { name checks { nodes { posRef total { amountMinor } items { name price { amountMinor } } } } orders(first: 10) { nodes { number payments(first: 5) { nodes { amountCents } } } } } } ' +
  'loyaltyCustomer(code: "482193") { points stamps } }';

const opened: Client[] = [];
function wsClient(stack: Stack, token: string): Client {
  const client = gatewayWsClient(stack.gatewayUrl, token);
  opened.push(client);
  return client;
}

async function post(stack: Stack, path: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${stack.origin}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

afterAll(async () => {
  await Promise.all(opened.map(async (client) => client.dispose()));
});

describe('outside production (limits as set, rate limits off by default)', () => {
  let stack: Stack;
  let token: string;
  const graphql = (body: unknown, headers: Record<string, string> = {}) =>
    post(stack, '/graphql', JSON.stringify(body), {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...headers,
    });

  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { MAX_BODY_BYTES: '65536' } });
    token = await stack.token();
  });
  afterAll(() => stack?.close());

  describe('depth and cost limits', () => {
    it('refuse a query nested too deep and one too wide over HTTP, naming the limit and the value', async () => {
      const deep = await graphql({ query: DEEP });
      expect(deep.status).toBe(400);
      expect(deep.body.data).toBeUndefined();
      expect(deep.body.errors[0]).toMatchObject({
        message: 'The query is 13 levels deep; the maximum depth is 12',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth', maximum: 12, actual: 13 },
      });

      const wide = await graphql({ query: WIDE });
      expect(wide.status).toBe(400);
      expect(wide.body.errors).toHaveLength(1);
      expect(wide.body.errors[0].message).toMatch(/^Operation Wide costs \d+; the maximum cost is 20000 /);
      expect(wide.body.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost' });

      const documented = await graphql({ query: DOCUMENTED });
      expect(documented.status).toBe(200);
      expect(documented.body.errors).toBeUndefined();
      expect(documented.body.data.locations.nodes.length).toBeGreaterThan(0);
    });

    it('refuse them over graphql-ws too: a subscription and a query sent on the socket', async () => {
      const client = wsClient(stack, token);
      const deepSubscription =
        'subscription { paymentEvents { payment { order ' +
        '{ location { orders { nodes { payments { nodes { order { location { orders { nodes { id } } } } } } } } } } } } }';
      const subscribed = await firstOf(client, deepSubscription);
      expect(subscribed.errors?.[0]).toMatchObject({
        message: 'The subscription is 13 levels deep; the maximum depth is 12',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth' },
      });
      const queried = await firstOf(client, WIDE);
      expect(queried.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost' } });
      // A query within the limits still runs on the socket.
      const fine = await firstOf(client, '{ locations { nodes { id } } }');
      expect(fine.result?.data?.locations.nodes.length).toBeGreaterThan(0);
    });
  });

  it('refuses a batch of operations (a JSON array) with 400', async () => {
    const batch = await graphql([
      { query: '{ locations { nodes { id } } }' },
      { query: '{ locations { nodes { name } } }' },
    ]);
    expect(batch.status).toBe(400);
    expect(batch.body.errors[0]).toMatchObject({
      message: 'Operation batching disabled.',
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('answers 400 naming the problem when operationName matches no operation of the document', async () => {
    for (const [body, message] of [
      [
        { query: 'query Events { locations { nodes { id } } }', operationName: 'Locations' },
        'Unknown operation named "Locations".',
      ],
      [
        { query: 'subscription Events { paymentEvents { type } }', operationName: 'Locations' },
        'Unknown operation named "Locations".',
      ],
      [
        { query: 'query A { locations { nodes { id } } } query B { locations { nodes { name } } }' },
        'Must provide operation name if query contains multiple operations.',
      ],
    ] as const) {
      const answer = await graphql(body);
      expect([answer.status, answer.body.errors?.[0]]).toEqual([400, { message, extensions: { code: 'BAD_REQUEST' } }]);
    }
  });

  describe('CSRF prevention', () => {
    const query = '{ locations { nodes { id } } }';

    it('refuses a GET and a text/plain or form POST without a preflight header; runs a JSON POST', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const get = await fetch(`${stack.gatewayUrl}?query=${encodeURIComponent(query)}`, {
        headers: { ...auth, accept: 'application/json' },
      });
      expect(get.status).toBe(400);
      expect(((await get.json()) as any).errors[0].message).toMatch(/Cross-Site Request Forgery/);

      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
        const simple = await post(stack, '/graphql', JSON.stringify({ query }), {
          ...auth,
          'content-type': contentType,
        });
        expect([contentType, simple.status]).toEqual([contentType, 400]);
        expect(simple.body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
      }

      // A browser must preflight these: the header, or a JSON content type.
      const preflighted = await fetch(`${stack.gatewayUrl}?query=${encodeURIComponent(query)}`, {
        headers: { ...auth, accept: 'application/json', 'apollo-require-preflight': 'true' },
      });
      expect(preflighted.status).toBe(200);
      const json = await graphql({ query });
      expect(json.status).toBe(200);
      expect(json.body.data.locations.nodes.length).toBeGreaterThan(0);
    });

    it('refuses a REST POST that is not application/json (a simple cross-site request) with 415', async () => {
      const order = JSON.stringify({ location_id: 1, currency: 'USD', total_cents: 100 });
      const form = new URLSearchParams({ location_id: '1', currency: 'USD', total_cents: '100' }).toString();
      for (const [contentType, body] of [
        ['text/plain', order],
        ['application/x-www-form-urlencoded', form],
      ]) {
        const answer = await post(stack, '/pos/v1/orders', body, {
          authorization: `Bearer ${token}`,
          'content-type': contentType,
        });
        expect([contentType, answer.status]).toEqual([contentType, 415]);
        expect(answer.body).toMatchObject({ status: 415, code: 'unsupported_media_type' });
      }
    });
  });

  describe('request body size (MAX_BODY_BYTES, here 64 KiB)', () => {
    const big = (bytes: number) => 'x'.repeat(bytes);

    it('answers a larger body with 413 in each API’s error shape, never a 500', async () => {
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const v1 = await post(stack, '/pos/v1/orders', JSON.stringify({ location_id: 1, note: big(70_000) }), auth);
      expect(v1.status).toBe(413);
      expect(v1.body).toEqual({
        status: 413,
        code: 'payload_too_large',
        timestamp: expect.any(String),
        message: 'Payload too large',
        details: ['body: larger than the limit of 65536 bytes'],
      });

      const v2 = await post(stack, '/pos/v2/1/checks/1-101/pay', JSON.stringify({ note: big(70_000) }), auth);
      expect(v2.status).toBe(413);
      expect(v2.body).toEqual({
        status: 413,
        timestamp: expect.any(String),
        message: 'Payload too large',
        details: ['body: larger than the limit of 65536 bytes'],
      });

      const loyalty = await post(stack, '/webhook/pos', JSON.stringify({ note: big(70_000) }), {
        [API_KEY_HEADER]: 'demo-loyalty-standard',
        'content-type': 'application/json',
      });
      expect(loyalty.status).toBe(413);
      expect(loyalty.body).toEqual({
        error: 'payload_too_large',
        message: 'Payload too large',
        details: ['body: larger than the limit of 65536 bytes'],
      });

      const graph = await graphql({ query: `{ locations { nodes { id } } }`, variables: { pad: big(70_000) } });
      expect(graph.status).toBe(413);
      expect(graph.body).toEqual({
        errors: [
          {
            message: 'Payload too large: body: larger than the limit of 65536 bytes',
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      });
    });

    it('takes a body under the limit, and answers malformed JSON on /graphql in GraphQL’s shape', async () => {
      const fits = await graphql({ query: `{ locations { nodes { id } } }`, variables: { pad: big(60_000) } });
      expect(fits.status).toBe(200);
      const malformed = await post(stack, '/graphql', '{"query": ', {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors[0]).toEqual({
        message: 'Validation error: body: malformed JSON',
        extensions: { code: 'BAD_REQUEST' },
      });
    });
  });

  it('serves introspection and the GraphiQL page outside production', async () => {
    const introspection = await graphql({ query: '{ __schema { queryType { name } } }' });
    expect(introspection.status).toBe(200);
    expect(introspection.body.data.__schema.queryType.name).toBe('Query');
    const page = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self';");
    const html = await page.text();
    expect(html).toContain('<div id="graphiql">');
    // Bundled and served from this origin: no Apollo Sandbox, nothing from a CDN.
    expect(html).not.toMatch(/EmbeddedSandbox|https?:\/\//);
  });

  it('rate-limits by default, generously: 120 requests at once all pass', async () => {
    const answers = await Promise.all(
      Array.from({ length: 120 }, () => graphql({ query: '{ locations { nodes { id } } }' })),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers[0].body.extensions.cost.throttleStatus).toMatchObject({ maximumAvailable: 20_000 });
  });

  it('suggests field names outside production', async () => {
    const typo = await graphql({ query: '{ paymnt(id: "1") { id } }' });
    expect(typo.body.errors[0].message).toMatch(/Did you mean "payment"( or "payments")?\?/);
  });
});

describe('in production (NODE_ENV=production, small rate limits)', () => {
  let stack: Stack;
  const tokens: Record<string, string> = {};
  // 1 request a second per caller, bursts of 3; token requests 0.2 a second per address, bursts of 5. The loopback
  // proxy is trusted, so X-Forwarded-For stands for other client addresses.
  const RATE = { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' };

  const graphqlAs = (token: string | null, query: string, headers: Record<string, string> = {}) =>
    post(stack, '/graphql', JSON.stringify({ query }), {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/json',
      ...headers,
    });

  /** Sends `count` at once; gives the answers in order. */
  const burst = <T>(count: number, send: () => Promise<T>) => Promise.all(Array.from({ length: count }, send));
  const statuses = (answers: Array<{ status: number }>) => answers.map((a) => a.status);

  beforeAll(async () => {
    stack = await startStack({
      gatewayEnv: {
        NODE_ENV: 'production',
        // Production seeds nothing unless told to; the tests need the demo clients.
        SEED_DEMO: 'true',
        ...RATE,
        TOKEN_RATE_LIMIT_PER_SECOND: '0.2',
        TOKEN_RATE_LIMIT_BURST: '5',
        TRUST_PROXY: 'loopback',
      },
    });
    tokens.demo = await stack.token();
    tokens.other = await stack.token('other-partner', 'other-secret');
    tokens.operator = await stack.token('demo-operator', 'demo-operator-secret');
    tokens.cashier = await stack.userToken('cashier@demo.example');
    tokens.manager = await stack.userToken('manager@demo.example');
  });
  afterAll(() => stack?.close());

  it('refuses introspection and serves no landing page', async () => {
    const schema = await graphqlAs(tokens.operator, '{ __schema { queryType { name } } }');
    expect(schema.status).toBe(400);
    expect(schema.body.errors[0].message).toMatch(/introspection is not allowed/);
    expect(schema.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const type = await graphqlAs(tokens.operator, '{ __type(name: "Order") { name } }');
    expect(type.status).toBe(400);

    const page = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html', 'x-forwarded-for': '198.51.100.1' } });
    expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
    expect((await page.text()).toLowerCase()).not.toMatch(/sandbox|graphiql/);
    // The IDE's script, which a development gateway serves (the tests' global setup built it): not here.
    const script = readFileSync(path.resolve(__dirname, '../../apps/web/dist/index.html'), 'utf8').match(
      /\/web\/assets\/[^"]+\.js/,
    )![0];
    const asset = await fetch(`${stack.origin}${script}`, {
      headers: { 'x-forwarded-for': '198.51.100.1' },
    });
    expect(asset.status).toBe(404);
    // The dashboard's script is served: production shows the live dashboard.
    const dashboardScript = readFileSync(path.resolve(__dirname, '../../apps/web/dist/dashboard.html'), 'utf8').match(
      /\/web\/assets\/[^"]+\.js/,
    )![0];
    const served = await fetch(`${stack.origin}${dashboardScript}`, {
      headers: { 'x-forwarded-for': '198.51.100.1' },
    });
    expect(served.status).toBe(200);
  });

  it('names no field of the schema in an error: no "Did you mean" over HTTP or graphql-ws', async () => {
    const typo = await graphqlAs(tokens.operator, '{ paymnt(id: "1") { id } }');
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].message).toBe('Cannot query field "paymnt" on type "Query".');
    const client = wsClient(stack, await stack.userToken('manager@demo.example'));
    const overWs = await firstOf(client, '{ paymnt(id: "1") { id } }');
    expect(overWs.errors?.[0].message).toBe('Cannot query field "paymnt" on type "Query".');
  });

  it('GraphQL: a burst beyond the limit gets 429 RATE_LIMITED with Retry-After; another client is unaffected; after the wait it works again', async () => {
    const answers = await burst(6, () => graphqlAs(tokens.demo, '{ locations { nodes { id } } }'));
    const refused = answers.filter((a) => a.status === 429);
    expect(statuses(answers).filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused[0].headers.get('retry-after')).toBe('1');
    expect(refused[0].body).toEqual({
      errors: [
        {
          message: 'Too many requests: over the rate limit (1 a second, bursts of 3); retry after 1 s',
          extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 },
        },
      ],
    });

    const other = await graphqlAs(tokens.other, '{ locations { nodes { id } } }');
    expect(other.status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await graphqlAs(tokens.demo, '{ locations { nodes { id } } }');
    expect(again.status).toBe(200);
    expect(again.body.data.locations.nodes.length).toBeGreaterThan(0);
  });

  it('REST: 429 in each API’s error body with Retry-After (a POS user, a loyalty API key)', async () => {
    const v1 = await burst(6, async () => {
      const response = await fetch(`${stack.origin}/pos/v1/locations`, {
        headers: { authorization: `Bearer ${tokens.cashier}` },
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as any };
    });
    const refused = v1.find((a) => a.status === 429)!;
    expect(refused).toBeDefined();
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toEqual({
      status: 429,
      code: 'rate_limited',
      timestamp: expect.any(String),
      message: 'Too many requests',
      details: ['Requests over the rate limit (1 a second, bursts of 3); retry after 1 s'],
    });
    // The manager is another caller: unaffected.
    const manager = await fetch(`${stack.origin}/pos/v1/locations`, {
      headers: { authorization: `Bearer ${tokens.manager}` },
    });
    expect(manager.status).toBe(200);

    const loyalty = await burst(6, () =>
      post(stack, '/webhook/pos', '{}', {
        [API_KEY_HEADER]: 'demo-loyalty-balanced',
        'content-type': 'application/json',
      }),
    );
    const loyaltyRefused = loyalty.find((a) => a.status === 429)!;
    expect(loyaltyRefused.headers.get('retry-after')).toBe('1');
    expect(loyaltyRefused.body).toEqual({
      error: 'rate_limited',
      message: 'Too many requests',
      details: ['Requests over the rate limit (1 a second, bursts of 3); retry after 1 s'],
    });
  });

  it('public paths and anonymous callers are limited by address; another address is unaffected', async () => {
    const exchange = (address: string) =>
      post(stack, '/pos/v1/public/launch-exchange', '{}', {
        'content-type': 'application/json',
        'x-forwarded-for': address,
      });
    const answers = await burst(6, () => exchange('203.0.113.7'));
    expect(statuses(answers)).toContain(400); // the empty body, while the bucket lasts
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((await exchange('203.0.113.8')).status).toBe(400);

    // A flood of bad tokens costs its sender's address, not the client it names.
    const forged = await burst(6, () =>
      graphqlAs('not-a-token', '{ locations { nodes { id } } }', { 'x-forwarded-for': '203.0.113.9' }),
    );
    expect(statuses(forged)).toContain(401);
    expect(statuses(forged)).toContain(429);
  });

  it('the token endpoint is limited by address (it checks secrets with scrypt), in OAuth’s error shape', async () => {
    const request = (address: string) =>
      fetch(`${stack.origin}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('demo-partner:wrong-secret').toString('base64')}`,
          'x-forwarded-for': address,
        },
        body: 'grant_type=client_credentials',
      });
    const answers = await burst(7, () => request('192.0.2.10'));
    expect(statuses(answers).filter((s) => s === 401)).toHaveLength(5);
    const refused = answers.find((a) => a.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(5);
    expect(await refused.json()).toEqual({
      error: 'rate_limited',
      error_description: expect.stringMatching(
        /^Too many token requests: over the rate limit \(0.2 a second, bursts of 5\); retry after [1-5] s$/,
      ),
    });
    // The right secret from another address still gets its token.
    const elsewhere = await fetch(`${stack.origin}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('demo-partner:demo-secret').toString('base64')}`,
        'x-forwarded-for': '192.0.2.11',
      },
      body: 'grant_type=client_credentials',
    });
    expect(elsewhere.status).toBe(200);
  });

  it('graphql-ws: subscribe messages beyond the limit get an error RATE_LIMITED with retryAfterSeconds', async () => {
    const client = wsClient(stack, await stack.userToken('cashier@other.example'));
    const results = await Promise.all(
      Array.from({ length: 5 }, () => firstOf(client, '{ locations { nodes { id } } }')),
    );
    const refused = results.filter((r) => r.errors);
    expect(results.filter((r) => r.result?.data).length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0].errors![0]).toEqual({
      message: 'Too many requests: retry after 1 s',
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 },
    });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await firstOf(client, '{ locations { nodes { id } } }')).result?.data?.locations.nodes).toBeDefined();
  });
});
