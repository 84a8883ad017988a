import { TEST_ENV, until } from '@pos/testing';
import { type ServiceProcess, startServiceProcess } from '../support/processes';
import { eventIdOf, paymentsSql, payOrder } from '../support/payments';
import { Receiver, signedBy } from '../support/receiver';
import { type Stack, startStack } from '../support/stack';

/**
 * The delivery worker as it runs in production: in payments processes of its own, several at once on one database,
 * and killed without warning. The in-process stack serves the API with its worker off, so only these deliver.
 */
describe('webhook delivery workers (separate processes)', () => {
  let stack: Stack;
  let token: string;
  const workers: ServiceProcess[] = [];
  const receiver = new Receiver();
  let url: string;
  let secret: string;

  beforeAll(async () => {
    stack = await startStack({ subgraphEnv: { WEBHOOK_WORKER: 'off' } });
    token = await stack.token();
    url = await receiver.listen();
    const created = await stack.graphql(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret } }`,
      { url },
      token,
    );
    secret = created.body.data!.createWebhookEndpoint.secret;
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await receiver.close();
    await stack?.close();
  });

  const startWorker = async (env: Record<string, string> = {}) => {
    const worker = await startServiceProcess('subgraphs/payments/src/index.ts', {
      ...TEST_ENV,
      DATABASE_URL: stack.databaseUrl,
      ORDERS_URL: stack.subgraphs.orders.url,
      CHECKS_URL: stack.subgraphs.checks.url,
      WEBHOOK_WORKER: 'on',
      WEBHOOK_POLL_MS: '20',
      WEBHOOK_RETRY_BASE_MS: '20',
      ...env,
    });
    workers.push(worker);
    return worker;
  };

  async function pay(count: number): Promise<string[]> {
    const events: string[] = [];
    for (let i = 0; i < count; i++) {
      events.push(await eventIdOf(stack, (await payOrder(stack, token, { amountCents: 700 })).paymentId));
    }
    return events;
  }

  const sql = <T>(query: string, params: unknown[] = []) => paymentsSql<T>(stack, query, params);
  const undelivered = async () =>
    (
      await sql<{ n: string }>(`select count(*)::text as n from payments.webhook_delivery where status <> 'DELIVERED'`)
    )[0].n;

  it('two workers on one database never make the same attempt twice', async () => {
    // Requests are held until more are open at once than one worker allows (2), or 5 s: at once when both workers
    // deliver, however far apart the two processes start (one alone could otherwise deliver all 24 on a busy
    // machine before the other is up); with one worker only, the release comes from the timer and the
    // maxConcurrent check below fails.
    let release!: () => void;
    const bothDelivering = new Promise<void>((resolve) => (release = resolve));
    const fallback = setTimeout(release, 5_000);
    receiver.answer = () => {
      if (receiver.maxConcurrent > 2) release();
      return { status: 200, delayMs: 60, after: bothDelivering };
    };
    // The deliveries wait in the table first, so both workers find work at once.
    const events = await pay(24);
    const [a, b] = await Promise.all([
      startWorker({ WEBHOOK_CONCURRENCY: '2' }),
      startWorker({ WEBHOOK_CONCURRENCY: '2' }),
    ]);
    try {
      await until(async () => (await undelivered()) === '0', 'every delivery', 30_000);
    } finally {
      clearTimeout(fallback);
      // Stopped whatever happens: left running, they would deliver the next test's events too.
      await Promise.all([a.stop(), b.stop()]);
    }

    // Each event arrived exactly once, correctly signed, and each delivery took exactly one attempt.
    const ids = receiver.received.map((r) => r.headers['x-tilt-event-id']);
    expect(ids.sort()).toEqual([...events].sort());
    for (const r of receiver.received) {
      expect(signedBy(secret, r)).toBe(true);
    }
    expect(await sql(`select attempts, count(*)::int as n from payments.webhook_delivery group by attempts`)).toEqual([
      { attempts: 1, n: 24 },
    ]);
    // More requests were open at once than one worker allows (2): both workers were delivering.
    expect(receiver.maxConcurrent).toBeGreaterThan(2);
  });

  it('a worker killed mid-delivery loses nothing; its replacement redelivers, and a deduplicating receiver sees each event once', async () => {
    receiver.received.length = 0;
    // The first worker's requests never get an answer: it is killed while they are in flight.
    let crashed = false;
    receiver.answer = () => (crashed ? { status: 200 } : 'hang');
    // The six deliveries are queued before it starts, so it claims them together, well within its time-out.
    const events = await pay(6);
    const first = await startWorker({ WEBHOOK_TIMEOUT_MS: '3000' });
    await until(() => receiver.received.length === 6, 'six deliveries in flight');
    await first.kill();
    crashed = true;

    // The replacement picks the deliveries up when the dead worker's lease (time-out + 5 s) runs out.
    await startWorker({ WEBHOOK_TIMEOUT_MS: '3000' });
    await until(async () => (await undelivered()) === '0', 'the redeliveries', 30_000);

    const processed = new Set<string>();
    let duplicates = 0;
    for (const r of receiver.received) {
      const id = r.headers['x-tilt-event-id'] as string;
      if (processed.has(id)) duplicates++;
      processed.add(id);
    }
    // Every event reached the receiver; the ones in flight at the crash arrived twice, with the same event id.
    expect([...processed].sort()).toEqual([...events].sort());
    expect(duplicates).toBe(6);
    const deliveries = await sql<{ attempts: number; logged: number }>(
      `select d.attempts, (select count(*)::int from payments.webhook_attempt a where a.delivery_id = d.id) as logged
       from payments.webhook_delivery d where d.event_id in (${events.map(() => '?').join(', ')})`,
      events,
    );
    // The killed attempt counted (attempt 1) but its outcome was never recorded; attempt 2 delivered.
    expect(deliveries).toEqual(Array(6).fill({ attempts: 2, logged: 1 }));
  });
});
