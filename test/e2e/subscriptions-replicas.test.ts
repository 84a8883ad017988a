/**
 * Subscriptions across real processes: two gateways and two payments subgraphs on one database (the documented
 * scale-out), each started as the launcher and the containers start them (`node -r ./scripts/register.js
 * <entry>`). Orders, checks and loyalty run in this process: they take no part in the subscription path beyond
 * answering the gateway's entity fetches.
 *
 *   client A ── G1 ──ws── P1 ─┐
 *                             ├── one PostgreSQL: the outbox, LISTEN/NOTIFY
 *   client B ── G2 ──ws── P2 ─┘
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type StartedSubgraph, createLogger, parseConfig, startSubgraph, subgraphEnvSchema } from '@pos/kit';
import { createTestDatabase, postGraphQL, TEST_ENV, until } from '@pos/testing';
import { type Client } from 'graphql-ws';
import { freePortBlock, waitUntilReady } from '../../scripts/launcher';
import { subgraphDefinitions } from '../../scripts/services';
import { TEST_ISSUER } from '../support/stack';
import { stopChild } from '../support/processes';
import { gatewayWsClient } from '../support/ws';

const root = path.resolve(__dirname, '../..');

interface Service {
  name: string;
  port: number;
  env: Record<string, string>;
  entry: string;
  child: ChildProcess | null;
  output: string;
}

function start(service: Service): ChildProcess {
  const child = spawn(process.execPath, ['-r', './scripts/register.js', service.entry], {
    cwd: root,
    env: { ...process.env, ...service.env, PORT: String(service.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (service.output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (service.output += chunk.toString()));
  service.child = child;
  return child;
}

async function ready(service: Service): Promise<void> {
  const child = service.child!;
  try {
    await waitUntilReady(`http://127.0.0.1:${service.port}/readyz`, 60_000, () => child.exitCode === null);
  } catch (error) {
    throw new Error(`${service.name} did not start: ${(error as Error).message}\n${service.output}`);
  }
}

async function stop(service: Service, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = service.child;
  service.child = null;
  await stopChild(child, signal);
}

/** A value of a Prometheus gauge on a service's /metrics (0 when absent). */
async function metric(service: Service, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

const EVENTS = `subscription Watch($after: String) {
  paymentEvents(after: $after) { cursor partnerId payment { id order { number } } }
}`;

interface Collected {
  events: Array<{ cursor: string; partnerId: string; payment: { id: string; order: { number: string } } }>;
  errors: unknown[];
  completed: boolean;
  stop(): void;
}

function collect(client: Client, query = EVENTS, variables: Record<string, unknown> = {}): Collected {
  const collected: Collected = { events: [], errors: [], completed: false, stop: () => undefined };
  collected.stop = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) collected.errors.push(value.errors);
        else collected.events.push((value.data as { paymentEvents: Collected['events'][number] }).paymentEvents);
      },
      error: (error) => collected.errors.push(error),
      complete: () => (collected.completed = true),
    },
  );
  return collected;
}

const paymentIds = (c: Collected) => c.events.map((e) => e.payment.id);

describe('payment event subscriptions across gateway and payments replicas (real processes)', () => {
  const inProcess: StartedSubgraph<unknown>[] = [];
  const clients: Client[] = [];
  let g1: Service;
  let g2: Service;
  let p1: Service;
  let p2: Service;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    const env: Record<string, string> = { ...TEST_ENV, DATABASE_URL: databaseUrl };
    const urls: Record<string, string> = {};
    for (const definition of subgraphDefinitions.filter((d) => d.name !== 'payments')) {
      const config = parseConfig(subgraphEnvSchema(0, definition.env), env);
      const started = (await startSubgraph(
        definition,
        config,
        createLogger(definition.name, 'warn'),
      )) as StartedSubgraph<unknown>;
      inProcess.push(started);
      urls[`${definition.name.toUpperCase()}_URL`] = started.url;
    }
    const base = await freePortBlock();
    const payments = (name: string, port: number): Service => ({
      name,
      port,
      entry: 'subgraphs/payments/src/index.ts',
      env: { ...env, ...urls },
      child: null,
      output: '',
    });
    p1 = payments('payments-1', base + 2);
    p2 = payments('payments-2', base + 3);
    const gatewayEnv = {
      ...env,
      ...urls,
      JWT_ISSUER: TEST_ISSUER,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    g1 = {
      name: 'gateway-1',
      port: base,
      entry: 'gateway/src/index.ts',
      env: { ...gatewayEnv, PAYMENTS_URL: `http://127.0.0.1:${p1.port}/graphql` },
      child: null,
      output: '',
    };
    // A short retry window on G2, so that the give-up test below does not wait the default 30 s.
    g2 = {
      name: 'gateway-2',
      port: base + 1,
      entry: 'gateway/src/index.ts',
      env: {
        ...gatewayEnv,
        PAYMENTS_URL: `http://127.0.0.1:${p2.port}/graphql`,
        SUBSCRIPTION_UPSTREAM_RETRY_SECONDS: '2',
      },
      child: null,
      output: '',
    };
    // Each schema is migrated (and seeded) by the first of its replicas; the second starts on the result.
    start(p1);
    start(g1);
    await Promise.all([ready(p1), ready(g1)]);
    start(p2);
    start(g2);
    await Promise.all([ready(p2), ready(g2)]);

    for (const [partner, secret] of [
      ['demo', 'demo-secret'],
      ['other', 'other-secret'],
    ]) {
      const response = await fetch(`http://127.0.0.1:${g1.port}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${partner}-partner:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      tokens[partner] = ((await response.json()) as { access_token: string }).access_token;
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map(async (c) => c.dispose()));
    await Promise.all([g1, g2, p1, p2].filter(Boolean).map((s) => stop(s)));
    for (const subgraph of inProcess.reverse()) await subgraph.close();
  });

  function wsClient(gateway: Service, partner = 'demo'): Client {
    const client = gatewayWsClient(`http://127.0.0.1:${gateway.port}/graphql`, tokens[partner]);
    clients.push(client);
    return client;
  }

  /** A payment written through `gateway`, hence through the payments replica behind it. */
  async function pay(gateway: Service, partner = 'demo', location = partner === 'demo' ? '1' : '3'): Promise<string> {
    const url = `http://127.0.0.1:${gateway.port}/graphql`;
    const headers = { authorization: `Bearer ${tokens[partner]}` };
    const order = await postGraphQL(
      url,
      `mutation($loc: ID!) { createOrder(input: { locationId: $loc, currency: "USD", totalMinor: 1000 }) { order { id } } }`,
      { loc: location },
      headers,
    );
    const payment = await postGraphQL(
      url,
      `mutation($id: ID!) { createPayment(input: { orderId: $id, amountMinor: 1000, currency: "USD", cardToken: "tok_visa" }) { payment { id } } }`,
      { id: order.body.data!.createOrder.order.id },
      headers,
    );
    expect(payment.body.errors).toBeUndefined();
    return payment.body.data!.createPayment.payment.id as string;
  }

  const subscriptionsOn = (payments: Service) => metric(payments, 'graphql_open_subscriptions');

  it('delivers every event once to a subscriber on each gateway, whichever replica wrote it, tenants apart', async () => {
    const a = collect(wsClient(g1));
    const b = collect(wsClient(g2));
    const other = collect(wsClient(g2, 'other'));
    await until(async () => (await subscriptionsOn(p1)) === 1 && (await subscriptionsOn(p2)) === 2, 'upstreams');

    // Through both replicas, two at a time: events of either reach both hubs through the one outbox.
    const written: string[] = [];
    for (let i = 0; i < 3; i++) written.push(...(await Promise.all([pay(g1), pay(g2)])));
    const otherPayment = await pay(g1, 'other');
    await until(() => a.events.length >= 6 && b.events.length >= 6 && other.events.length >= 1, 'all events');

    for (const c of [a, b]) {
      expect(c.errors).toEqual([]);
      expect([...paymentIds(c)].sort()).toEqual([...written].sort());
      expect(new Set(paymentIds(c)).size).toBe(6);
      expect(c.events.every((e) => e.partnerId === 'demo')).toBe(true);
      const cursors = c.events.map((e) => BigInt(e.cursor));
      expect(cursors).toEqual([...cursors].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    }
    // One outbox, one order: both gateways deliver the same sequence.
    expect(paymentIds(a)).toEqual(paymentIds(b));
    expect(paymentIds(other)).toEqual([otherPayment]);
    for (const c of [a, b, other]) c.stop();
    await until(async () => (await subscriptionsOn(p1)) === 0 && (await subscriptionsOn(p2)) === 0, 'cleanup');
  });

  it('resumes the upstream after a payments restart: the client stays connected and misses nothing', async () => {
    const client = wsClient(g1);
    const a = collect(client);
    // A stream that has had no event yet when the upstream drops: it resumes from where it was anchored.
    const atTwo = collect(
      client,
      `subscription { paymentEvents(locationIds: ["2"]) { cursor partnerId payment { id order { number } } } }`,
    );
    await until(async () => (await subscriptionsOn(p1)) === 2, 'the upstreams on payments-1');
    const before = await pay(g1);
    await until(() => a.events.length === 1, 'the first event');

    await stop(p1, 'SIGKILL');
    // Written while payments-1 is down, through the other replica: G1 must replay them from the outbox.
    const whileDown = [await pay(g2), await pay(g2, 'demo', '2'), await pay(g2)];
    start(p1);
    await ready(p1);
    await until(async () => (await subscriptionsOn(p1)) === 2, 'the resumed upstreams on payments-1');
    const afterRestart = [await pay(g1, 'demo', '2'), await pay(g2)];

    await until(() => a.events.length >= 6 && atTwo.events.length >= 2, 'every event');
    for (const c of [a, atTwo]) {
      expect(c.errors).toEqual([]);
      expect(c.completed).toBe(false);
    }
    expect(paymentIds(a)).toEqual([before, ...whileDown, ...afterRestart]);
    expect(paymentIds(atTwo)).toEqual([whileDown[1], afterRestart[0]]);
    expect(await metric(g1, 'gateway_upstream_subscriptions')).toBe(2);
    for (const c of [a, atTwo]) c.stop();
    await until(async () => (await metric(g1, 'gateway_upstream_subscriptions')) === 0, 'the upstreams to close');
  });

  it('gives up after its retry window with a clear UNAVAILABLE error, rather than hang', async () => {
    const b = collect(wsClient(g2));
    await until(async () => (await subscriptionsOn(p2)) === 1, 'the upstream on payments-2');
    await stop(p2);
    await until(() => b.errors.length > 0, 'the error', 15_000);
    expect(b.errors).toEqual([
      [
        expect.objectContaining({
          message: expect.stringContaining('subscribe again (with after set to the last cursor received'),
          extensions: { code: 'UNAVAILABLE', reason: 'upstream_unavailable' },
        }),
      ],
    ]);
    expect(await metric(g2, 'gateway_upstream_subscriptions')).toBe(0);
  });
});
