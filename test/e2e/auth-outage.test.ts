import { setTimeout as sleep } from 'node:timers/promises';
import { type Client } from 'graphql-ws';
import { type RestCallOptions, restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';
import { type CuttableProxy, cuttableProxy } from '../support/tcp-proxy';
import { gatewayWsClient } from '../support/ws';

/**
 * Authentication while the gateway cannot reach its database, for callers whose lookups (client → tenant, user,
 * session, API key) it has not cached: a valid credential could not be checked, so the caller is told to retry
 * (503, graphql-ws 1013), never that its credential is invalid (401, 4403: clients drop their token). The gateway
 * reaches the real PostgreSQL through a proxy the test cuts, so its pooled connections die and new ones are reset
 * (as a PostgreSQL restart looks to it) while the subgraphs keep theirs; test/slow/faults.slow.ts restarts
 * PostgreSQL itself.
 */
const UNAVAILABLE_MESSAGE = 'A database this service needs is not available; retry later';
const LOCATIONS = '{ locations { nodes { id } } }';
const LOYALTY_KEY = 'demo-loyalty-standard';

describe('authentication while the gateway cannot reach its database', () => {
  let stack: Stack;
  let proxy: CuttableProxy;
  // Minted before the outage (the token endpoint needs the database too) and used for the first time during it.
  let fresh: string;
  let freshUser: string;
  const clients: Client[] = [];
  const call = restClient(
    () => stack,
    () => fresh,
  );
  const loyalty = (key: string, options: RestCallOptions = {}) =>
    call('POST', '/webhook/pos', { token: null, body: {}, headers: { 'x-api-key': key }, ...options });

  beforeAll(async () => {
    const admin = new URL(process.env.POS_TEST_ADMIN_URL!);
    proxy = await cuttableProxy({ host: admin.hostname, port: Number(admin.port) });
    stack = await startStack({
      gatewayDatabaseUrl: (databaseUrl) => {
        const url = new URL(databaseUrl);
        url.hostname = '127.0.0.1';
        url.port = String(proxy.port);
        return url.toString();
      },
    });
    fresh = await stack.token();
    freshUser = await stack.userToken('cashier@demo.example');
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    proxy?.restore();
    await stack?.close();
    await proxy?.close();
  });

  /** A graphql-ws client as an application would use it: it retries what it is told to retry. */
  function wsClient(token: string, retryAttempts: number, closes: number[] = []): Client {
    const client = gatewayWsClient(stack.gatewayUrl, token, {
      retryAttempts,
      retryWait: () => sleep(100),
      on: { closed: (event) => closes.push((event as { code: number }).code) },
    });
    clients.push(client);
    return client;
  }

  // One client for the whole file: refused during the outage, it retries until the database is back.
  const retryingCloses: number[] = [];
  const retryingResults: unknown[] = [];
  const retryingErrors: unknown[] = [];

  describe('during the outage', () => {
    beforeAll(() => proxy.cut());
    afterAll(() => proxy.restore());

    it('answers a valid credential it could not check with 503 dependency_unavailable, over GraphQL and REST', async () => {
      const expected = {
        errors: [
          {
            message: UNAVAILABLE_MESSAGE,
            extensions: { code: 'UNAVAILABLE', reason: 'dependency_unavailable', details: [] },
          },
        ],
      };
      for (const graphql of [
        await stack.graphql(LOCATIONS, {}, fresh),
        await stack.graphql(LOCATIONS, {}, freshUser),
        await stack.graphql('{ __typename }', {}, null, { 'x-api-key': LOYALTY_KEY }),
      ]) {
        expect(graphql.status).toBe(503);
        expect(graphql.body).toEqual(expected);
      }

      const v1Body = {
        status: 503,
        code: 'dependency_unavailable',
        timestamp: expect.any(String),
        message: UNAVAILABLE_MESSAGE,
        details: [],
      };
      const locations = await call('GET', '/pos/v1/locations');
      expect(locations.status).toBe(503);
      expect(locations.body).toEqual(v1Body);
      expect(locations.headers.get('retry-after')).toBe('5');
      // The launch routes authenticate through the same callerOf.
      const launch = await call('POST', '/pos/v1/launch-tokens', { body: {} });
      expect(launch.status).toBe(503);
      expect(launch.body).toEqual(v1Body);
      const earn = await loyalty(LOYALTY_KEY);
      expect(earn.status).toBe(503);
      expect(earn.body).toEqual({ error: 'dependency_unavailable', message: UNAVAILABLE_MESSAGE });
    });

    it('still answers 401 to a credential it can refuse without the database', async () => {
      const graphql = await stack.graphql(LOCATIONS, {}, 'not-a-token');
      expect(graphql.status).toBe(401);
      expect(graphql.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const rest = await call('GET', '/pos/v1/locations', { token: 'not-a-token' });
      expect(rest.status).toBe(401);
      expect(rest.body).toMatchObject({ status: 401, code: 'unauthorized' });
      // Shorter than any key the gateway issues: refused without a lookup.
      const earn = await loyalty('short');
      expect(earn.status).toBe(401);
      expect(earn.body).toMatchObject({ error: 'unauthorized' });
    });

    it('closes graphql-ws with 1013 (try again later), which the client retries, and an invalid token with 4403', async () => {
      wsClient(fresh, 1_000, retryingCloses).subscribe(
        { query: LOCATIONS },
        {
          next: (value) => retryingResults.push(value),
          error: (error) => retryingErrors.push(error),
          complete: () => undefined,
        },
      );
      const refused: unknown[] = [];
      wsClient('not-a-token', 0).subscribe(
        { query: LOCATIONS },
        { next: () => undefined, error: (error) => refused.push(error), complete: () => undefined },
      );
      const deadline = Date.now() + 10_000;
      while ((retryingCloses.length < 2 || !refused.length) && Date.now() < deadline) await sleep(20);
      expect(retryingCloses.length).toBeGreaterThanOrEqual(2);
      expect(new Set(retryingCloses)).toEqual(new Set([1013]));
      expect(retryingErrors).toEqual([]);
      expect((refused[0] as { code?: number }).code).toBe(4403);
    });
  });

  it('takes the same credentials once the database is back', async () => {
    const graphql = await stack.graphql(LOCATIONS, {}, fresh);
    expect(graphql.status).toBe(200);
    expect(graphql.body.data).toEqual({ locations: { nodes: [{ id: '1' }, { id: '2' }] } });
    expect((await stack.graphql(LOCATIONS, {}, freshUser)).status).toBe(200);
    expect((await stack.graphql('{ __typename }', {}, null, { 'x-api-key': LOYALTY_KEY })).status).toBe(200);
    const locations = await call('GET', '/pos/v1/locations');
    expect(locations.status).toBe(200);
    // The graphql-ws client refused during the outage got its answer on a retry, without being told to.
    const deadline = Date.now() + 10_000;
    while (!retryingResults.length && Date.now() < deadline) await sleep(20);
    expect(retryingResults).toEqual([
      { data: { locations: { nodes: [{ id: '1' }, { id: '2' }] } }, extensions: { cost: expect.any(Object) } },
    ]);
    expect(retryingErrors).toEqual([]);
  });
});
