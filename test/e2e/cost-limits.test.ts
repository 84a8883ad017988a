import type { Client } from 'graphql-ws';
import { memoryLogger } from '@pos/testing';
import { postBody as post } from '../support/graphql';
import { type Stack, startStack } from '../support/stack';
import { firstOf, gatewayWsClient } from '../support/ws';

/**
 * Rate limits by calculated cost (docs/api/limits.md): every operation spends its cost, computed from the
 * document and its variables with a mutation's fields weighing 10, from its caller's bucket, on every transport;
 * every /graphql answer says where the bucket stands, every REST answer carries the RateLimit headers.
 */

/** One mutation that the loyalty service refuses at once (a value of 0): its cost is 10 + 1 selected field. */
const redeem = (alias: string) =>
  `${alias}: redeemLoyalty(input: { customerCode: "482193", externalId: "${alias}", value: 0 }) { points }`;
const aliased = (count: number) => `mutation { ${Array.from({ length: count }, (_, i) => redeem(`r${i}`)).join(' ')} }`;

describe('with the default limits (on in every mode)', () => {
  let stack: Stack;
  let token: string;
  const log = memoryLogger('gateway');
  beforeAll(async () => {
    stack = await startStack({ loggers: { gateway: log.logger } });
    token = await stack.token();
  });
  afterAll(() => stack?.close());

  it('every /graphql answer carries extensions.cost: a query, a mutation, and a document that ran nothing', async () => {
    const query = await post(stack, { query: '{ locations { nodes { id } } }' }, token);
    expect(query.status).toBe(200);
    // Paid 22 before it ran (a page of 20 assumed); its answer holds 2 locations: 1 + 1 + 2 × 1 = 4, the rest is
    // refunded.
    expect(query.body.extensions.cost).toEqual({
      requestedQueryCost: 22,
      actualQueryCost: 4,
      throttleStatus: { maximumAvailable: 20_000, currentlyAvailable: expect.any(Number), restoreRate: 2_000 },
    });
    expect(query.body.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(20_000 - 22);

    // A mutation keeps what it paid, whatever its answer shows (here a refusal).
    const mutation = await post(stack, { query: aliased(1) }, token);
    expect(mutation.body.extensions.cost).toMatchObject({ requestedQueryCost: 11, actualQueryCost: 11 });

    const invalid = await post(stack, { query: '{ locations { nodes { nope } } }' }, token);
    expect(invalid.status).toBe(400);
    expect(invalid.body.extensions.cost).toMatchObject({
      requestedQueryCost: 0,
      throttleStatus: { restoreRate: 2_000 },
    });
  });

  it('counts a list argument given as a variable by its value', async () => {
    const query = 'query ($n: Int) { webhookDeliveries(first: $n) { nodes { id } } }';
    const five = await post(stack, { query, variables: { n: 5 } }, token);
    const fifty = await post(stack, { query, variables: { n: 50 } }, token);
    expect(five.body.extensions.cost.requestedQueryCost).toBe(1 + 1 + 5);
    expect(fifty.body.extensions.cost.requestedQueryCost).toBe(1 + 1 + 50);
  });

  it('refuses an operation whose variables take it over the largest cost, as the validation limit does', async () => {
    const nested =
      'query ($n: Int!) { loyaltyCustomer(code: "482193") { transactions(first: $n) { nodes { order { id } } } } }';
    const within = await post(stack, { query: nested, variables: { n: 1000 } }, token);
    // A connection's nodes count once per row of its `first`: 1 + 1 + (1 + 1,000 × (1 + 1)).
    expect(within.body.extensions.cost.requestedQueryCost).toBe(1 + 1 + 1 + 1000 * (1 + 1));
    // A few thousand for the locations and their orders' first page, and 1 + 1 + 1,000 × (1 + 10 attempts × 2):
    // within the limit with a connection's 20 rows (when the document was validated), over it with the 1,000 the
    // variable asks for.
    const wide =
      'query ($n: Int) { locations { nodes { orders { nodes { payments { nodes { id } } } } } } a: webhookDeliveries(first: $n) { nodes { attemptLog { attempt statusCode } } } }';
    const tooWide = await post(stack, { query: wide, variables: { n: 1000 } }, token);
    expect(tooWide.status).toBe(400);
    expect(tooWide.body.errors[0].extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      limit: 'cost',
      maximum: 20_000,
    });
    expect(tooWide.body.errors[0].extensions.actual).toBeGreaterThan(20_000);
  });

  it('answers a subscription sent as a plain HTTP request with 400 naming the transports, and logs no error', async () => {
    const answer = await post(stack, { query: 'subscription { paymentEvents { id } }' }, token);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      {
        message: expect.stringContaining('graphql-transport-ws'),
        extensions: {
          code: 'BAD_REQUEST',
          supportedTransports: ['graphql-transport-ws', 'multipart-subscription', 'graphql-sse'],
        },
      },
    ]);
    expect(log.lines().filter((line) => (line.level as number) >= 50)).toEqual([]);
  });
});

describe('with a small bucket (10,000 points, restoring 0.01 a second)', () => {
  let stack: Stack;
  let token: string;
  const opened: Client[] = [];
  beforeAll(async () => {
    stack = await startStack({
      gatewayEnv: { COST_LIMIT_MAXIMUM: '10000', MAX_QUERY_COST: '10000', COST_LIMIT_RESTORE_PER_SECOND: '0.01' },
    });
    token = await stack.token();
  });
  afterAll(async () => {
    await Promise.all(opened.map(async (client) => client.dispose()));
    await stack?.close();
  });
  const available = (answer: { body: any }) => answer.body.extensions.cost.throttleStatus.currentlyAvailable as number;

  it('a document of 500 aliased mutations costs 500 times one; the bucket pays for it once, then refuses it', async () => {
    const one = await post(stack, { query: aliased(1) }, token);
    expect(one.body.extensions.cost.requestedQueryCost).toBe(11);
    expect(available(one)).toBe(10_000 - 11);

    const first = await post(stack, { query: aliased(500) }, token);
    expect(first.status).not.toBe(429);
    expect(first.body.extensions.cost.requestedQueryCost).toBe(500 * 11);
    expect(available(first)).toBe(10_000 - 11 - 5_500);

    const second = await post(stack, { query: aliased(500) }, token);
    expect(second.status).toBe(429);
    expect(second.body.data).toBeUndefined();
    const wait = Number(second.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(second.body.errors).toEqual([
      {
        message: expect.stringMatching(/^Too many requests: the operation costs 5500 points and 4489 of 10000 are/),
        extensions: { code: 'RATE_LIMITED', reason: 'cost_limit', retryAfterSeconds: wait },
      },
    ]);
    // Nothing was spent on the refusal.
    expect(second.body.extensions.cost).toEqual({
      requestedQueryCost: 5_500,
      actualQueryCost: 0,
      throttleStatus: { maximumAvailable: 10_000, currentlyAvailable: 4_489, restoreRate: 0.01 },
    });
  });

  it('spends from the same bucket over graphql-ws: a mutation in a subscribe message, and a subscription', async () => {
    const client = gatewayWsClient(stack.gatewayUrl, token);
    opened.push(client);
    const refused = await firstOf(client, aliased(409));
    // A query or mutation refused over the socket is a result with the error, as an execution's would be.
    expect(refused.result).toEqual({
      errors: [
        {
          message: expect.stringMatching(/^Too many requests: the operation costs 4499 points and 4489 of 10000/),
          extensions: { code: 'RATE_LIMITED', reason: 'cost_limit', retryAfterSeconds: expect.any(Number) },
        },
      ],
      extensions: {
        cost: {
          requestedQueryCost: 4_499,
          actualQueryCost: 0,
          throttleStatus: expect.objectContaining({ currentlyAvailable: 4_489 }),
        },
      },
    });
    // 408 of them are paid for, and the answer over the socket says so too.
    const paid = await firstOf(client, aliased(408));
    expect(paid.result.extensions.cost).toEqual({
      requestedQueryCost: 4_488,
      actualQueryCost: 4_488,
      throttleStatus: { maximumAvailable: 10_000, currentlyAvailable: 1, restoreRate: 0.01 },
    });
    // 1 point is left: a subscription costing more is refused when it is subscribed, not per event.
    const subscription = await firstOf(client, 'subscription { paymentEvents { id payment { id amountCents } } }');
    expect(subscription.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'cost_limit' });
  });

  it('REST routes spend their operation’s cost, carry RateLimit-Policy and RateLimit, and answer 429 when it cannot be paid', async () => {
    const other = await stack.token('other-partner', 'other-secret');
    const paid = await fetch(`${stack.origin}/pos/v1/locations`, { headers: { authorization: `Bearer ${other}` } });
    expect(paid.status).toBe(200);
    expect(paid.headers.get('ratelimit-policy')).toBe('"cost";q=10000;w=1000000');
    expect(paid.headers.get('ratelimit')).toMatch(/^"cost";r=(\d+);t=(\d+)$/);
    const [, left, full] = /r=(\d+);t=(\d+)/.exec(paid.headers.get('ratelimit')!)!;
    expect(Number(left)).toBeLessThan(10_000);
    expect(Number(full)).toBe(Math.ceil((10_000 - Number(left)) / 0.01));

    // The demo partner has 1 point left (the tests above): its routes are refused.
    const refused = await fetch(`${stack.origin}/pos/v1/locations`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit')).toMatch(/^"cost";r=1;t=\d+$/);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'cost_limit' });
  });
});
