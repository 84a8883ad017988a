/**
 * Faults, on real processes: the four subgraphs and the gateway each in its own process, on a PostgreSQL
 * of this suite's own (system.ts). Run by `pnpm test:reliability`, not `pnpm test`.
 *
 * 1. A subgraph killed with SIGKILL: GraphQL answers 200 with the other subgraphs' fields and a clear UNAVAILABLE
 *    error naming the subgraph; REST answers 503 with the documented body of its API; once the subgraph is started
 *    again on its port, everything works again without touching the gateway (same process throughout).
 * 2. PostgreSQL stopped (fast shutdown: every session terminated) and started again while workers keep paying over
 *    REST: no request outlives its client timeout, every failure is a 503 with the documented body, the services
 *    recover on their own, every 201 has its payment and its outbox event, retries with the same Idempotency-Key
 *    complete or replay (one order and one payment per key: no double charge), and a subscriber that stayed
 *    connected receives every event, those after the restart included, exactly once.
 */
import { randomUUID } from 'node:crypto';
import {
  type Answer,
  EVENT_FIELDS,
  type EventSubscriber,
  type SlowSystem,
  call,
  openSubscriber,
  restApi,
  startSlowSystem,
} from './system';
import { until } from '@pos/testing';

/** What a client waits at most for any answer; nothing may come close (the pool gives up after 5 s). */
const CLIENT_TIMEOUT_MS = 15_000;
/** How long PostgreSQL stays down (FAULTS_PG_DOWN_SECONDS). */
const PG_DOWN_MS = Number(process.env.FAULTS_PG_DOWN_SECONDS ?? 5) * 1000;
/** Concurrent paying workers during the restart (FAULTS_WORKERS). */
const WORKERS = Number(process.env.FAULTS_WORKERS ?? 4);
/** Recovery must come within this after PostgreSQL accepts connections again. */
const RECOVERY_BOUND_MS = 20_000;

/** The v1 (partner API) body of a 503: a documented code, no internals. */
const v1Unavailable = (codes = ['service_unavailable', 'dependency_unavailable']) => ({
  status: 503,
  code: expect.stringMatching(new RegExp(`^(${codes.join('|')})$`)),
  timestamp: expect.any(String),
  message: expect.stringMatching(/not available; retry later/),
  details: [],
});

describe('faults: subgraphs killed, PostgreSQL restarted (real processes)', () => {
  let sys: SlowSystem;
  let token: string;
  let api: ReturnType<typeof restApi>;
  let gatewayPid: number;

  beforeAll(async () => {
    sys = await startSlowSystem({ NODE_ENV: 'production' });
    token = await sys.token();
    api = restApi(sys.origin, token, CLIENT_TIMEOUT_MS);
    gatewayPid = sys.services.gateway.child!.pid!;
  }, 120_000);

  afterAll(async () => {
    await sys?.close();
  }, 60_000);

  afterEach(() => {
    // The gateway was never restarted: recovery is its own doing.
    expect(sys.services.gateway.child?.pid).toBe(gatewayPid);
  });

  it('a killed loyalty subgraph: partial data with a clear error, 503 on its REST route, recovery in place', async () => {
    const order = await api.createOrder(randomUUID(), 1200);
    expect(order.status).toBe(201);
    const query = `query($id: ID!) { order(id: $id) { id number total { amountMinor } } loyaltyCustomer(code: "482193") { points } }`;
    const earn = () =>
      call(`${sys.origin}/webhook/pos`, {
        headers: { 'x-api-key': 'demo-loyalty-standard' },
        body: { customer_code: 482193, amount: 12, external_id: randomUUID() },
        timeoutMs: CLIENT_TIMEOUT_MS,
      });
    expect((await api.graphql(query, { id: order.body.id })).body.errors).toBeUndefined();

    await sys.kill('loyalty');
    const partial = await api.graphql(query, { id: order.body.id });
    // GraphQL: 200, the orders subgraph's fields, null where loyalty answers, and one error that says which.
    expect(partial.status).toBe(200);
    expect(partial.body.data).toEqual({
      order: { id: order.body.id, number: order.body.number, total: { amountMinor: 1200 } },
      loyaltyCustomer: null,
    });
    expect(partial.body.errors).toEqual([
      {
        message: 'The loyalty service is not available; retry later',
        extensions: { code: 'UNAVAILABLE', reason: 'service_unavailable', serviceName: 'loyalty' },
      },
    ]);
    // Loyalty API: its own error body, and Retry-After.
    const refused = await call(`${sys.origin}/webhook/pos`, {
      headers: { 'x-api-key': 'demo-loyalty-standard' },
      body: { customer_code: 482193, amount: 12, external_id: randomUUID() },
    });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({
      error: 'service_unavailable',
      message: 'The loyalty service is not available; retry later',
    });
    expect(refused.ms).toBeLessThan(2_000);

    await sys.start('loyalty');
    // Nothing is remembered about the failure: the next requests reach the new process.
    const recovered = await until(
      async () => !(await api.graphql(query, { id: order.body.id })).body.errors,
      'GraphQL',
    );
    expect(recovered).toBeLessThan(5_000);
    const earned = await earn();
    expect(earned.status).toBe(200);
    expect(earned.body.data.points).toBeGreaterThan(500);
  });

  it('a killed orders subgraph: 503 with the v1 body on reads and payments, which then succeed with the same key', async () => {
    const order = await api.createOrder(randomUUID(), 1500);
    expect(order.status).toBe(201);
    await sys.kill('orders');

    const read = await api.getOrder(order.body.id);
    expect(read.status).toBe(503);
    expect(read.body).toEqual(v1Unavailable(['service_unavailable']));
    expect(read.body.message).toBe('The orders service is not available; retry later');
    // Paying needs the order (its total, currency, location), which the payments subgraph reads from orders.
    const key = randomUUID();
    const refused = await api.pay(order.body.id, key, 1500);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual(v1Unavailable(['dependency_unavailable']));
    expect(await sys.sql('select 1 from payments.payment where order_id = $1', [order.body.id])).toEqual([]);

    await sys.start('orders');
    await until(async () => (await api.getOrder(order.body.id)).status === 200, 'the order read', 5_000);
    // The failed request released its key: the same key now pays, once.
    const paid = await api.pay(order.body.id, key, 1500);
    expect(paid.status).toBe(201);
    expect(paid.body.status).toBe('approved');
    const again = await api.pay(order.body.id, key, 1500);
    expect(again).toMatchObject({ status: 201, body: { id: paid.body.id } });
  });

  it('PostgreSQL restarted under load: no hang, 503s only, recovery on its own, no payment lost or doubled, every event delivered once', async () => {
    const wsUrl = `ws://127.0.0.1:${sys.base}/graphql`;
    const subscriber: EventSubscriber = await openSubscriber(wsUrl, token, {
      query: `subscription { paymentEvents { ${EVENT_FIELDS} } }`,
    });
    let stopWorkersOnFailure: () => Promise<unknown> = async () => undefined;
    try {
      // The stream is live once a payment made now reaches it; the outbox from that event on is what it must see.
      const anchor = await payNewOrder(api);
      await until(() => subscriber.events.some((e) => e.paymentId === anchor), 'the anchor event', 15_000);
      const fromSeq = subscriber.events.find((e) => e.paymentId === anchor)!.seq;

      interface Attempt extends Answer {
        kind: 'order' | 'pay';
        key: string;
        at: number;
      }
      const attempts: Attempt[] = [];
      /** Requests that did not succeed, to be retried with the same key after the restart. */
      const failed: Array<{ kind: 'order' | 'pay'; key: string; orderKey: string; orderId?: string }> = [];
      const orderKeys: string[] = [];
      let stopAt = Number.POSITIVE_INFINITY;
      const worker = async () => {
        while (Date.now() < stopAt) {
          const orderKey = randomUUID();
          orderKeys.push(orderKey);
          const order = {
            ...(await api.createOrder(orderKey, 1000)),
            kind: 'order' as const,
            key: orderKey,
            at: Date.now(),
          };
          attempts.push(order);
          if (order.status !== 201) {
            failed.push({ kind: 'order', key: orderKey, orderKey });
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          const payKey = randomUUID();
          const pay = {
            ...(await api.pay(order.body.id, payKey, 1000)),
            kind: 'pay' as const,
            key: payKey,
            at: Date.now(),
          };
          attempts.push(pay);
          if (pay.status !== 201) {
            failed.push({ kind: 'pay', key: payKey, orderKey, orderId: order.body.id });
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      };
      const workers = Array.from({ length: WORKERS }, () => worker());
      // Whatever fails below, the workers stop (a test that fails must not leave them calling a stopped system).
      const stopWorkers = () => {
        stopAt = 0;
        return Promise.all(workers);
      };
      stopWorkersOnFailure = stopWorkers;

      await new Promise((r) => setTimeout(r, 3_000));
      const stoppedAt = Date.now();
      await sys.pg.stop();
      await new Promise((r) => setTimeout(r, PG_DOWN_MS));
      await sys.pg.start();
      const restartedAt = Date.now();
      // Recovery: a payment answered 201 after the restart, and every service ready again, each on its own.
      const firstPaidAfter = await until(
        () => attempts.some((a) => a.kind === 'pay' && a.status === 201 && a.at > restartedAt),
        'a payment after the restart',
        RECOVERY_BOUND_MS,
      );
      const readyAfter = await until(
        async () =>
          (
            await Promise.all(
              Object.values(sys.services).map(async (s) => (await call(`http://127.0.0.1:${s.port}/readyz`)).status),
            )
          ).every((status) => status === 200),
        'every service ready',
        RECOVERY_BOUND_MS,
      );
      // A little more load on the recovered system, then stop.
      await new Promise((r) => setTimeout(r, 3_000));
      await stopWorkers();

      const during = attempts.filter((a) => a.status !== 201);
      const summary = {
        attempts: attempts.length,
        ok: attempts.length - during.length,
        failed: during.length,
        failedByStatus: countBy(during, (a) => `${a.status} ${a.body?.code ?? a.failure ?? ''}`),
        maxMs: Math.max(...attempts.map((a) => a.ms)),
        maxFailedMs: Math.max(0, ...during.map((a) => a.ms)),
        pgDownMs: restartedAt - stoppedAt,
        firstPaymentAfterRestartMs: firstPaidAfter,
        everyServiceReadyAfterRestartMs: readyAfter,
      };
      console.log(`PostgreSQL restart under load: ${JSON.stringify(summary, null, 2)}`);

      // No request hangs: every one was answered, well within the client's timeout.
      expect(attempts.filter((a) => a.failure)).toEqual([]);
      expect(summary.maxMs).toBeLessThan(CLIENT_TIMEOUT_MS);
      // The outage was seen, and every failure is a documented 503, without internals.
      expect(during.length).toBeGreaterThan(0);
      for (const a of during) {
        // An internal error's log lines, by its request id, to say what it was.
        const requestId = /request id (\S+)/.exec(JSON.stringify(a.body))?.[1];
        const logs = requestId
          ? Object.values(sys.services).flatMap((s) => s.errorLines.filter((line) => line.includes(requestId)))
          : [];
        expect({ status: a.status, body: a.body, logs }).toEqual({ status: 503, body: v1Unavailable(), logs: [] });
      }
      // Once every service is ready again, every request succeeds.
      expect(attempts.filter((a) => a.at - a.ms > restartedAt + readyAfter && a.status !== 201)).toEqual([]);

      // Retried with the same key: each completes (201) or answers its stored result; 409 idempotency_key_in_use
      // while a request that died after recording its intent holds the key (its 30 s lease), then completes.
      const retries = { orders: 0, payments: 0, replayed: 0, waitedOnLease: 0 };
      const note = (answer: Answer & { waitedOnLease: boolean; replayed: boolean }) => {
        if (answer.waitedOnLease) retries.waitedOnLease++;
        if (answer.replayed) retries.replayed++;
        return answer;
      };
      for (const f of failed) {
        if (f.kind === 'order') {
          retries.orders++;
          const order = note(await retry(() => api.createOrder(f.key, 1000)));
          expect((await retry(() => api.pay(order.body.id, randomUUID(), 1000))).body.status).toBe('approved');
        } else {
          retries.payments++;
          expect(note(await retry(() => api.pay(f.orderId!, f.key, 1000))).body.status).toBe('approved');
        }
      }
      console.log(`Retried with the same Idempotency-Key: ${JSON.stringify(retries)}`);

      // No accepted payment lost, none doubled: one order per order key, one payment per order, approved, and
      // exactly one payment.approved event in the outbox for it.
      const rows = await sys.sql<{ key: string; orders: number; payments: number; approved: number; events: number }>(
        `select o.external_id as key, count(distinct o.id)::int as orders, count(distinct p.id)::int as payments,
                count(distinct p.id) filter (where lower(p.status) = 'approved')::int as approved,
                count(distinct e.seq) filter (where e.type = 'payment.approved')::int as events
           from orders."order" o
           left join payments.payment p on p.order_id = o.id
           left join payments.payment_event e on e.payment_id = p.id
          where o.external_id = any($1)
          group by o.external_id`,
        [orderKeys],
      );
      const byKey = new Map(rows.map((r) => [r.key, r]));
      const accepted = attempts.filter((a) => a.kind === 'order' && a.status === 201).map((a) => a.key);
      const retried = failed.filter((f) => f.kind === 'order').map((f) => f.key);
      for (const key of [...accepted, ...retried]) {
        expect({ key, ...byKey.get(key) }).toEqual({ key, orders: 1, payments: 1, approved: 1, events: 1 });
      }

      // The subscriber stayed connected through the restart and saw every event of the outbox from the anchor on,
      // in order, once each: the payments hub's LISTEN reconnected and read what committed meanwhile.
      const outbox = await sys.sql<{ s: string }>(
        `select seq::text as s from payments.payment_event where tenant_id = 'demo' and seq >= $1 order by seq`,
        [fromSeq],
      );
      const expected = outbox.map((r) => Number(r.s));
      await until(() => subscriber.lastSeq >= expected[expected.length - 1], 'the subscriber to drain', 30_000);
      expect(subscriber.errors).toEqual([]);
      expect(subscriber.outOfOrder).toBe(0);
      expect(subscriber.events.filter((e) => e.seq >= fromSeq).map((e) => e.seq)).toEqual(expected);
      expect(
        subscriber.events.some((e) => e.seq > fromSeq && attemptsAfter(attempts, restartedAt).has(e.paymentId)),
      ).toBe(true);
    } finally {
      await stopWorkersOnFailure();
      await subscriber.close();
    }
  }, 240_000);
});

/** Payment ids answered 201 after `t`. */
function attemptsAfter(attempts: Array<Answer & { kind: string; at: number }>, t: number): Set<string> {
  return new Set(attempts.filter((a) => a.kind === 'pay' && a.status === 201 && a.at > t).map((a) => a.body.id));
}

async function payNewOrder(api: ReturnType<typeof restApi>): Promise<string> {
  const order = await api.createOrder(randomUUID(), 700);
  const paid = await api.pay(order.body.id, randomUUID(), 700);
  if (paid.status !== 201) throw new Error(`payment failed: ${paid.status} ${JSON.stringify(paid.body)}`);
  return paid.body.id;
}

/**
 * Repeats a request with the same key until 201; 409 idempotency_key_in_use (the key's 30 s lease still held by a
 * request that died after recording its intent) and 503 wait and retry.
 */
async function retry(
  request: () => Promise<Answer>,
  deadlineMs = 60_000,
): Promise<Answer & { waitedOnLease: boolean; replayed: boolean }> {
  const deadline = Date.now() + deadlineMs;
  let waitedOnLease = false;
  for (;;) {
    const answer = await request();
    if (answer.status === 201) return { ...answer, waitedOnLease, replayed: answer.replayed === true };
    if (answer.status === 409) waitedOnLease = true;
    const retryable =
      answer.status === 503 || (answer.status === 409 && answer.body?.code === 'idempotency_key_in_use');
    if (!retryable || Date.now() > deadline) {
      throw new Error(`retry ended with ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
