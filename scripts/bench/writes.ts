/**
 * The "writes" part of `pnpm bench`: paying a check over REST (POST /pos/v2/1/checks/{posRef}/pay with a new
 * Idempotency-Key each time: gateway, payments subgraph, the amount reserved on the check by the checks subgraph,
 * idempotency claim, the check's ledger lock, the payment, its card and its outbox event in one transaction) against
 * a plain pg loop in Node sending the same SQL statements for the same work (writes-sql.ts), in the same run,
 * interleaved.
 *
 * Worker i of each side pays its own check. After the run the bench counts, per side, the payments, cards, events
 * and completed idempotency keys each wrote: every request must have written one of each.
 */
import { randomUUID } from 'node:crypto';
import { DEMO } from '@pos/kit';
import pg from 'pg';
import type { Pool as UndiciPool } from 'undici';
import { PAY_AMOUNT, openBenchCheck, payBody } from './demo-data';
import { fixed } from './format';
import { call } from './http';
import { restRoute, routePath } from './rest-pairs';
import { type GatewaySide, type SideResult, runGatewaySides } from './sides';
import { CONNECTIONS, WRITE_SECONDS, WRITE_WARMUP_SECONDS } from './settings';
import type { System } from './system';
import { SQL, payWithSql } from './writes-sql';
import {
  NOTIFY_PARTNERS_SQL,
  PartnerNotifications,
} from '@pos/payments/src/modules/payment-event/payment-event.outbox';

/** Covers every payment a run can make at far more than the ~100 a second seen here. */
const PRICE = 5_000_000;

interface OpenedCheck {
  id: string;
  posRef: string;
}

async function openChecks(pool: UndiciPool, token: string, tag: string, count: number): Promise<OpenedCheck[]> {
  const checks: OpenedCheck[] = [];
  for (let i = 0; i < count; i++) {
    const posRef = `${tag}-${i + 1}`;
    const id = await openBenchCheck(pool, token, { locationId: '1', posRef, orderNumber: `W${i + 1}` }, PRICE);
    checks.push({ id, posRef });
  }
  return checks;
}

export async function writeBench(
  sys: System,
  pool: UndiciPool,
  options: { smoke?: boolean } = {},
): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const seconds = options.smoke ? 0.5 : WRITE_SECONDS;
  const warmupSeconds = options.smoke ? 0.25 : WRITE_WARMUP_SECONDS;
  const route = restRoute('payCheck');
  const run = randomUUID().slice(0, 8);
  const restChecks = await openChecks(pool, sys.token, `write-${run}-rest`, CONNECTIONS);
  const pgChecks = await openChecks(pool, sys.token, `write-${run}-pg`, CONNECTIONS);
  const db = new pg.Pool({ connectionString: sys.databaseUrl, max: CONNECTIONS });
  // An idle client of a pool whose server stops (the bench's end) must not crash the process.
  db.on('error', () => undefined);
  // The partner's event lock key, as the service makes it on the partner's first event.
  await db.query(SQL.partnerNumber, [DEMO.tenants.demo]);
  const payer = {
    db,
    notifications: new PartnerNotifications(
      (partnersJson) => db.query(NOTIFY_PARTNERS_SQL, [partnersJson]),
      () => undefined,
    ),
    tenantId: DEMO.tenants.demo,
    caller: 'm2m:demo-partner',
    // A sealed card token like the service's (AES-256-GCM, base64url parts).
    sealed: `v1.${randomUUID().replace(/-/g, '')}.${Buffer.from('tok_visa-sealed-bench').toString('base64url')}`,
    price: PRICE,
    amount: PAY_AMOUNT,
  };

  const restSide: GatewaySide = {
    target: 'rest pay check',
    gatewayPid: sys.pids.gateway,
    send: async (n, worker) => {
      const check = restChecks[worker % CONNECTIONS];
      const answer = await call(
        pool,
        'POST',
        routePath(route, { locationId: '1', posRef: check.posRef }),
        sys.token,
        JSON.stringify(payBody(`${run}-rest-${n}`)),
        { 'idempotency-key': randomUUID() },
      );
      if (answer.status !== route.response.status || !answer.text.includes('"paymentRef"')) {
        throw new Error(`REST pay answered HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
      }
    },
  };
  const pgSide: GatewaySide = {
    target: 'plain pg loop',
    gatewayPid: null,
    send: (n, worker) => payWithSql(payer, pgChecks[worker % CONNECTIONS], `${run}-pg-${n}`),
  };

  // Both must pay before anything is measured.
  await restSide.send(-1, 0);
  await pgSide.send(-1, 0);
  console.log(
    `\nwrites: ${restSide.target} (POST ${route.path}, a new Idempotency-Key each) vs ${pgSide.target} (the same SQL); ` +
      `${warmupSeconds} s warm-up and ${seconds} s measured each, interleaved, ${CONNECTIONS} workers, worker i on its own check...`,
  );
  const [rest, plain] = await runGatewaySides(sys, [sys.pids.gateway], [restSide, pgSide], seconds, warmupSeconds);

  // What each side wrote: one payment, card, event and completed key per request.
  const counts = async (side: 'rest' | 'pg') => {
    const { rows } = await db.query<{ payments: string; cards: string; events: string; keys: string }>(
      `select count(*)::text as payments,
              count(c.payment_id)::text as cards,
              (select count(*) from payments.payment_event e where e.payment_id = any(array_agg(p.id)))::text as events,
              (select count(*) from payments.idempotency_key k where k.state = 'completed' and k.resource_id = any(array_agg(p.id::text)))::text as keys
         from payments.payment p left join payments.payment_card c on c.payment_id = p.id
        where p.processor_reference like $1`,
      [`${run}-${side}-%`],
    );
    return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
  };
  const written = { rest: await counts('rest'), pg: await counts('pg') };
  const consistent = (w: Record<string, number>) =>
    w.payments > 0 && w.cards === w.payments && w.events === w.payments && w.keys === w.payments;
  const ratio = rest.requestsPerSecond / plain.requestsPerSecond;
  for (const r of [rest, plain]) {
    console.log(
      `  ${r.target}: ${r.requestsPerSecond.toFixed(1)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ` +
        `CPU ms/req gateway ${fixed(r.cpuMsPerRequest.gateway)}, subgraphs ${fixed(r.cpuMsPerRequest.subgraphs)}, ` +
        `PostgreSQL ${fixed(r.cpuMsPerRequest.postgres)}, client ${fixed(r.cpuMsPerRequest.client)}; others ` +
        `${fixed(r.othersPercent)} %; errors ${r.errors + r.warmupErrors}${r.firstError ? ` (first: ${r.firstError})` : ''}`,
    );
  }
  console.log(`  rows written: rest ${JSON.stringify(written.rest)}, pg ${JSON.stringify(written.pg)}`);
  console.log('');
  console.log(
    `bench: write pay check rest ${rest.requestsPerSecond.toFixed(1)} req/s, p99 ${rest.p99Ms.toFixed(1)} ms; plain pg loop ` +
      `${plain.requestsPerSecond.toFixed(1)} req/s, p99 ${plain.p99Ms.toFixed(1)} ms; rest/pg ${ratio.toFixed(2)}`,
  );
  const failed =
    rest.errors + rest.warmupErrors + plain.errors + plain.warmupErrors > 0 ||
    !consistent(written.rest) ||
    !consistent(written.pg);
  if (failed) console.log(`bench: write pay check FAILED (errors, or rows not one of each per payment)`);
  await db.end();
  const results: SideResult[] = [rest, plain];
  return {
    failed,
    report: {
      measurement:
        'REST pay (new Idempotency-Key and invoice per request) vs a plain pg Pool loop sending the same statements ' +
        '(listed in sql), worker i on its own check, interleaved as the peer part; PostgreSQL runs with fsync=off',
      route: `POST ${route.path}`,
      sql: SQL,
      seconds,
      warmupSeconds,
      connections: CONNECTIONS,
      results,
      rowsWritten: written,
      ratioRestToPg: ratio,
    },
  };
}
