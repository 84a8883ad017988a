/**
 * The "outbox" part of `pnpm bench`: N concurrent writers of payment events across M partners, each event in its own
 * transaction, on a PostgreSQL of its own that flushes its WAL at every commit (the bench's shared cluster skips
 * fsync, which would hide what a lock held across a commit costs). Three sides, interleaved, in the same run:
 *
 * - service: the payments subgraph's own `recordPaymentEvent` through MikroORM, committed, with the notification
 *   sent after the commit (OutboxNotifier), as a payment change writes its event;
 * - pg per-partner: a plain pg loop sending the same SQL (the partner's head row, the event, its webhook
 *   deliveries; pg_notify after the commit, coalesced as the service does);
 * - pg global lock: the same loop as events were written before they were ordered per partner: one advisory lock for
 *   every writer, and pg_notify inside the transaction.
 *
 * Each side reports events/s, commit latency, and the lock waits sampled from pg_stat_activity every 10 ms: how many
 * writers were waiting on a lock on average, by wait event.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOrm, migrate, startEmbeddedPostgres } from '@pos/kit';
import { payments } from '@pos/payments/src/app';
import { Payment } from '@pos/payments/src/modules/payment/payment.entity';
import {
  NOTIFY_PARTNERS_SQL,
  OutboxNotifier,
  PartnerNotifications,
  recordPaymentEvent,
} from '@pos/payments/src/modules/payment-event/payment-event.outbox';
import pg from 'pg';
import { fixed, printTable } from './format';
import { closedLoop } from './load';
import { positiveList, positiveNumber } from './settings';
import { SQL as WRITE_SQL, inTransaction } from './writes-sql';

const WRITERS = Math.round(positiveNumber('BENCH_OUTBOX_WRITERS', 16));
const PARTNER_COUNTS = positiveList('BENCH_OUTBOX_PARTNERS', [1, 16]);
const SECONDS = positiveNumber('BENCH_OUTBOX_SECONDS', 4);
const WARMUP_SECONDS = positiveNumber('BENCH_OUTBOX_WARMUP_SECONDS', 1);

/** The write bench's statements (the partner's lock and number, the event, its deliveries), and this part's own. */
const SQL = {
  partnerLock: WRITE_SQL.partnerLock,
  partnerNumber: WRITE_SQL.partnerNumber,
  event: WRITE_SQL.event,
  deliveries: WRITE_SQL.deliveries,
  globalLock: `select pg_advisory_xact_lock(hashtext('payments.payment_event'))`,
  notifyOne: `select pg_notify('payment_events', $1)`,
  waits: `select wait_event, count(*)::int as waiting from pg_stat_activity
     where datname = current_database() and wait_event_type = 'Lock' group by wait_event`,
};

type Side = 'service' | 'pg per-partner' | 'pg global lock';
const SIDES: Side[] = ['service', 'pg per-partner', 'pg global lock'];

interface SideResult {
  side: Side;
  partners: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Writers waiting on a lock, on average over the samples. */
  lockWaiters: number;
  /** The same, by wait event (advisory, transactionid, tuple, ...). */
  lockWaitersByEvent: Record<string, number>;
}

const payload = (paymentId: string) =>
  JSON.stringify({ paymentId, status: 'APPROVED', amountCents: 500, currency: 'USD', orderId: null, checkId: null });

/** The event's SQL inside a writer's transaction, after its lock: the row, then its webhook deliveries. */
async function insertEvent(client: pg.PoolClient, tenantId: string): Promise<string> {
  const eventId = randomUUID();
  const paymentId = randomUUID();
  const { rows } = await client.query<{ seq: string }>(SQL.event, [
    eventId,
    tenantId,
    paymentId,
    1,
    payload(paymentId),
  ]);
  await client.query(SQL.deliveries, [eventId, rows[0].seq, tenantId]);
  return rows[0].seq;
}

/** Samples the lock waits of the database every 10 ms until stopped. */
function sampleLockWaits(db: pg.Pool) {
  let samples = 0;
  const byEvent: Record<string, number> = {};
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const { rows } = await db.query<{ wait_event: string; waiting: number }>(SQL.waits);
      samples++;
      for (const row of rows) byEvent[row.wait_event] = (byEvent[row.wait_event] ?? 0) + row.waiting;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return async () => {
    stopped = true;
    await running;
    const mean = Object.fromEntries(Object.entries(byEvent).map(([event, n]) => [event, n / Math.max(1, samples)]));
    return { total: Object.values(mean).reduce((a, b) => a + b, 0), byEvent: mean };
  };
}

export async function outboxBench(options: { smoke?: boolean } = {}): Promise<{
  report: Record<string, unknown>;
  failed: boolean;
}> {
  const seconds = options.smoke ? 0.5 : SECONDS;
  const warmup = options.smoke ? 0.2 : WARMUP_SECONDS;
  console.log(
    `\n== Outbox: ${WRITERS} concurrent event writers across ${PARTNER_COUNTS.join(' / ')} partners, ` +
      `${seconds} s a side, on a PostgreSQL that flushes its WAL at every commit ==`,
  );
  // A data directory makes the cluster durable (fsync on), as a production one is.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-bench-outbox-'));
  const cluster = await startEmbeddedPostgres({ dataDir });
  let failed = false;
  try {
    await cluster.createDatabase('outbox');
    const url = cluster.url('outbox');
    const orm = await createOrm({
      databaseUrl: url,
      schema: payments.pgSchema,
      entities: payments.entities,
      migrations: payments.migrations,
      poolMax: WRITERS + 2,
    });
    await migrate(orm);
    const notifier = new OutboxNotifier(orm, silentLogger);
    orm.em.getEventManager().registerSubscriber(notifier);
    const db = new pg.Pool({ connectionString: url, max: WRITERS + 2 });
    db.on('error', () => undefined);
    const monitor = new pg.Pool({ connectionString: url, max: 1 });
    const notifications = new PartnerNotifications(
      (partnersJson) => db.query(NOTIFY_PARTNERS_SQL, [partnersJson]),
      () => undefined,
    );
    try {
      const results: SideResult[] = [];
      for (const partners of PARTNER_COUNTS) {
        const partnerOf = (worker: number) => `bench-outbox-${worker % partners}`;
        for (let i = 0; i < partners; i++) await db.query(SQL.partnerNumber, [partnerOf(i)]);
        const write: Record<Side, (worker: number) => Promise<void>> = {
          service: (worker) =>
            orm.em.fork().transactional(async (tx) => {
              // The event of a payment written earlier in the transaction; the payment row itself is not the point.
              const payment = Object.assign(new Payment(), {
                tenantId: partnerOf(worker),
                locationId: 1,
                amountCents: 500,
                currency: 'USD',
                version: 2,
              });
              await recordPaymentEvent(tx, payment, 'payment.approved');
            }),
          'pg per-partner': async (worker) => {
            const tenantId = partnerOf(worker);
            await inTransaction(db, async (client) => {
              await client.query(SQL.partnerLock, [tenantId]);
              await insertEvent(client, tenantId);
            });
            notifications.notify([tenantId]);
          },
          'pg global lock': async (worker) => {
            const tenantId = partnerOf(worker);
            await inTransaction(db, async (client) => {
              await client.query(SQL.globalLock);
              const seq = await insertEvent(client, tenantId);
              await client.query(SQL.notifyOne, [seq]);
            });
          },
        };
        for (const side of SIDES) {
          let firstError: unknown = null;
          const onError = (error: unknown) => (firstError ??= error);
          await closedLoop(WRITERS, warmup, write[side], onError);
          const stop = sampleLockWaits(monitor);
          const run = await closedLoop(WRITERS, seconds, write[side], onError);
          const waits = await stop();
          if (run.errors) {
            failed = true;
            console.error(`outbox ${side}: ${run.errors} errors, first: ${String(firstError)}`);
          }
          results.push({
            side,
            partners,
            eventsPerSecond: run.requests / seconds,
            p50Ms: run.latenciesMs.p50,
            p99Ms: run.latenciesMs.p99,
            errors: run.errors,
            lockWaiters: waits.total,
            lockWaitersByEvent: waits.byEvent,
          });
        }
      }
      printTable(
        ['side', 'partners', 'events/s', 'p50 ms', 'p99 ms', 'errors', 'writers waiting on a lock', 'by wait event'],
        results.map((r) => [
          r.side,
          String(r.partners),
          fixed(r.eventsPerSecond, 0),
          fixed(r.p50Ms, 1),
          fixed(r.p99Ms, 1),
          String(r.errors),
          fixed(r.lockWaiters, 1),
          Object.entries(r.lockWaitersByEvent)
            .map(([event, n]) => `${event} ${fixed(n, 1)}`)
            .join(', ') || '-',
        ]),
        [0],
      );
      const of = (side: Side, partners: number) =>
        results.find((r) => r.side === side && r.partners === partners)?.eventsPerSecond ?? NaN;
      const ratios = PARTNER_COUNTS.map((partners) => ({
        partners,
        perPartnerOverGlobalLock: of('pg per-partner', partners) / of('pg global lock', partners),
        serviceOverPg: of('service', partners) / of('pg per-partner', partners),
      }));
      for (const r of ratios) {
        console.log(
          `${r.partners} partner(s): per-partner / global lock (plain SQL) ${fixed(r.perPartnerOverGlobalLock)}, ` +
            `service / plain SQL ${fixed(r.serviceOverPg)}`,
        );
      }
      return {
        report: { writers: WRITERS, seconds, partners: PARTNER_COUNTS, results, ratios },
        failed,
      };
    } finally {
      await notifier.settled();
      await notifications.settled();
      await db.end();
      await monitor.end();
      await orm.close();
    }
  } finally {
    await cluster.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const silentLogger = {
  warn: () => undefined,
} as unknown as ConstructorParameters<typeof OutboxNotifier>[1];
