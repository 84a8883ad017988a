import { createClient as createSseClient } from 'graphql-sse';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';

/**
 * Bounded guessing of API keys (hardening/key-failures.ts) on the whole system: a customer types their key on the
 * loyalty page, so wrong keys are counted per client address on every route and transport that takes one, and past
 * the limit the address's keys, right ones included, are refused unchecked with 429 and Retry-After until the window
 * has passed. A small limit and window here; the defaults are 20 in 15 minutes.
 */

const LIMIT = 3;
const WINDOW_SECONDS = 2;
const CUSTOMER_KEY = 'demo-customer-582193';
const DASHBOARD = '{ loyaltyDashboard { customer { code } } }';

describe('wrong API keys per address', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      gatewayEnv: {
        API_KEY_FAILURES_PER_ADDRESS: String(LIMIT),
        API_KEY_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
      },
    });
  });
  afterAll(() => stack?.close());

  const graphql = (key: string | null) =>
    fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'x-api-key': key }) },
      body: JSON.stringify({ query: DASHBOARD }),
    });
  const redeem = (key: string) =>
    fetch(`${stack.origin}/webhook/redeem`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ customer_code: 582195, value: 1, card_type: 'point', external_id: `kf-${Date.now()}` }),
    });
  /** The close code of a graphql-ws connection that presents `key` in connection_init (0: it was accepted). */
  const wsOutcome = async (key: string) => {
    let client: ReturnType<typeof gatewayWsClient> | undefined;
    const outcome = await new Promise<number>((resolve) => {
      client = gatewayWsClient(stack.gatewayUrl, 'unused', {
        connectionParams: { 'X-Api-Key': key },
        on: { connected: () => resolve(0) },
      });
      client.subscribe(
        { query: DASHBOARD },
        {
          next: () => undefined,
          error: (error) => resolve((error as { code?: number }).code ?? -1),
          complete: () => undefined,
        },
      );
    });
    await client!.dispose();
    return outcome;
  };

  it('answers wrong keys 401 up to the limit, then refuses the address’s keys unchecked until the window passed', async () => {
    // No key is no guess: not counted.
    for (let i = 0; i < LIMIT + 2; i++) expect((await graphql(null)).status).toBe(401);
    expect((await graphql(CUSTOMER_KEY)).status).toBe(200);

    // Wrong keys on every route that takes one count alike: /graphql, the loyalty POS API, graphql-ws.
    expect((await graphql('demo-customer-000001')).status).toBe(401);
    expect((await redeem('demo-loyalty-nope')).status).toBe(401);
    expect(await wsOutcome('demo-customer-000002')).toBe(4403);

    // Over the limit: the right key too is refused, on every transport, with the wait.
    const refused = await graphql(CUSTOMER_KEY);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(await refused.json()).toEqual({
      errors: [
        expect.objectContaining({
          message: `Too many wrong API keys from this address: retry after ${retryAfter} s`,
          extensions: expect.objectContaining({ code: 'RATE_LIMITED', retryAfterSeconds: retryAfter }),
        }),
      ],
    });
    const rest = await redeem('demo-loyalty-balanced');
    expect(rest.status).toBe(429);
    expect(rest.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await rest.json()).toMatchObject({ error: 'too_many_wrong_keys' });
    expect(await wsOutcome(CUSTOMER_KEY)).toBe(4403);
    const sse = createSseClient({ url: stack.gatewayUrl, headers: { 'x-api-key': CUSTOMER_KEY }, retryAttempts: 0 });
    const sseError = await new Promise<unknown>((resolve) =>
      sse.subscribe(
        { query: 'subscription { loyaltyPinChallenges { pinLockedUntil } }' },
        { next: () => undefined, error: resolve, complete: () => resolve(null) },
      ),
    );
    expect((sseError as { response?: Response }).response?.status).toBe(429);
    sse.dispose();
    // Bearer tokens are not API keys: the partner is not concerned.
    expect((await stack.graphql('{ locations { nodes { id } } }')).status).toBe(200);

    // Once the oldest wrong key has left the window, the address may try again.
    await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000 + 100));
    const again = await graphql(CUSTOMER_KEY);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ data: { loyaltyDashboard: { customer: { code: '582193' } } } });
    expect(await wsOutcome(CUSTOMER_KEY)).toBe(0);
  });
});
