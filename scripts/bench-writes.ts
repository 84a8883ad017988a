/**
 * The "writes" part of `pnpm bench`: paying a check over REST (POST /pos/v2/1/checks/{posRef}/pay with a new
 * Idempotency-Key each time: gateway, payments subgraph, the amount reserved on the check by the checks subgraph,
 * idempotency claim, the check's ledger lock, the payment, its card and its outbox event in one transaction) against
 * a plain pg loop in Node sending the same SQL statements for the same work, in the same run, interleaved.
 *
 * The loop's statements are those the payments and checks subgraphs send for one payment (from their code:
 * the idempotency claim; the repeat lookup by invoice; the hold's outbox row; in one checks transaction the check
 * locked, its items and taxes, what is held on it, the reservation; then in one payments transaction the payable
 * row's insert and lock, the repeat lookup again, the hold locked, the amount held, the payment, its card, the hold's
 * delete, the outbox's advisory lock, the event, the webhook deliveries, pg_notify and the idempotency completion),
 * with values of the same kind (the card token sealed once beforehand). Worker i of each side pays its own check. After the run the bench counts, per side, the
 * payments, cards, events and completed idempotency keys each wrote: every request must have written one of each.
 */
import { randomUUID } from 'node:crypto';
import { DEMO } from '@pos/kit';
import pg from 'pg';
import type { Pool as UndiciPool } from 'undici';
import { routes } from '@pos/gateway/src/rest/routes';
import { positiveNumber } from './bench-common';
import { type PeerSystem, type SideResult, runSides } from './bench-peer';

const CONNECTIONS = Math.round(positiveNumber('BENCH_CONNECTIONS', 10));
const WRITE_SECONDS = positiveNumber('BENCH_WRITE_SECONDS', 6);
const WRITE_WARMUP_SECONDS = positiveNumber('BENCH_WRITE_WARMUP_SECONDS', 3);
const AMOUNT = 100;
/** Covers every payment a run can make at far more than the ~100 a second seen here. */
const PRICE = 5_000_000;

const OPEN_CHECK =
  'mutation BenchOpenCheck($input: OpenCheckInput!) { openCheck(input: $input) { userErrors { code message } check { id } } }';
const ADD_CHECK_ITEM =
  'mutation BenchAddCheckItem($input: AddCheckItemInput!) { addCheckItem(input: $input) { userErrors { code message } check { id } } }';

async function graphql(pool: UndiciPool, token: string, query: string, variables: Record<string, unknown>) {
  const response = await pool.request({
    path: '/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.body.text();
  const json = JSON.parse(text) as {
    data?: Record<string, { userErrors: unknown[]; check: { id: string } | null }>;
    errors?: unknown[];
  };
  // A refusal is a user error on the payload: as much a failure of the bench's setup as a top-level error.
  const refused = Object.values(json.data ?? {}).some((payload) => payload.userErrors.length || !payload.check);
  if (response.statusCode !== 200 || json.errors?.length || !json.data || refused)
    throw new Error(`HTTP ${response.statusCode}: ${text}`);
  return json.data;
}

/** The SQL of one check payment, as the subgraphs send it (see the header). */
const SQL = {
  claim: `insert into payments.idempotency_key as k (tenant_id, caller, key, operation, fingerprint, state, lease_until, created_at)
     values ($1, $2, $3, $4, $5, 'in_progress', now() + make_interval(secs => 60), now())
     on conflict (tenant_id, caller, key) do update
       set operation = excluded.operation, fingerprint = excluded.fingerprint, state = 'in_progress',
           lease_until = excluded.lease_until, resource_id = null, response = null, created_at = now(), completed_at = null
       where k.created_at < now() - make_interval(hours => 24)
     returning 1`,
  hold: `insert into payments.check_hold (payment_id, tenant_id, status, held_cents, created_at, updated_at)
     values ($1, $2, 'reserving', $3, now(), now())`,
  check: `select c.* from checks."check" c where c.tenant_id = $1 and c.location_id = $2 and c.pos_ref = $3 for update`,
  items: `select i.* from checks.check_item i where i.check_id = any($1::uuid[]) order by i.position`,
  taxes: `select t.* from checks.check_tax t where t.check_id = any($1::uuid[]) order by t.position`,
  reserved: `select coalesce(sum(amount_cents), 0)::int as held, coalesce(bool_or(payment_id = $1), false) as mine
     from checks.check_reservation where check_id = $2`,
  reservation: `insert into checks.check_reservation (payment_id, check_id, amount_cents, created_at, updated_at)
     values ($1, $2, $3, now(), now())`,
  claimHold: `select h.* from payments.check_hold h where h.payment_id = $1 limit 1 for update`,
  dropHold: `delete from payments.check_hold where payment_id = $1`,
  payable: `insert into payments.payable (id, tenant_id, kind, created_at) values ($1, $2, 'check', now()) on conflict (id) do nothing`,
  lock: `select id from payments.payable where id = $1 for update`,
  registered: `select p.* from payments.payment p where p.tenant_id = $1 and p.check_id is not null and p.processor = 'external'
     and p.processor_reference = $2 limit 1`,
  held: `select check_id as id, sum(amount_cents - refunded_cents)::text as held from payments.payment
     where check_id in ($1) and status in ('PENDING', 'APPROVED', 'PARTIALLY_REFUNDED') group by check_id`,
  payment: `insert into payments.payment (id, tenant_id, order_id, check_id, status, amount_cents, currency, created_at, location_id,
     refunded_cents, entry_mode, processor, processor_reference, authorization_code, failure_code, settled_at, void_requested_at,
     version, updated_at, tip_cents, expires_at, reversal_requested_at)
     values ($1, $2, null, $3, 'APPROVED', $4, 'USD', now(), $5, 0, 'CARD_NOT_PRESENT', 'external', $6, $7, null, null, null, 2, now(), 0, null, null)`,
  card: `insert into payments.payment_card (payment_id, type, last4_digits, expiration_date, holder_name, token_sealed, universal_token_sealed)
     values ($1, 'VS', '4242', '1240', null, $2, null)`,
  outboxLock: `select pg_advisory_xact_lock(hashtext('payments.payment_event'))`,
  event: `insert into payments.payment_event (event_id, tenant_id, type, payment_id, payment_version, location_id, payload_version, payload, occurred_at)
     values ($1, $2, 'payment.approved', $3, 2, $4, 1, $5::jsonb, now()) returning seq`,
  deliveries: `insert into payments.webhook_delivery
       (id, tenant_id, endpoint_id, event_id, event_seq, event_type, status, attempts, next_attempt_at, replays, created_at)
     select gen_random_uuid(), e.tenant_id, e.id, $1, $2, 'payment.approved', 'PENDING', 0, now(), 0, now()
     from payments.webhook_endpoint e
     where e.tenant_id = $3 and e.status = 'ENABLED'
       and (e.event_types = '[]'::jsonb or e.event_types @> jsonb_build_array('payment.approved'::text))`,
  notify: `select pg_notify('payment_events', $1)`,
  complete: `update payments.idempotency_key set state = 'completed', resource_id = $1, response = $2::jsonb, completed_at = now()
     where tenant_id = $3 and caller = $4 and key = $5`,
};

/** Runs `work` in one transaction on a client of the pool, as each subgraph's transaction does. */
async function inTransaction(db: pg.Pool, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await db.connect();
  try {
    await client.query('begin');
    await work(client);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

interface OpenedCheck {
  id: string;
  posRef: string;
}

async function openChecks(pool: UndiciPool, token: string, tag: string, count: number): Promise<OpenedCheck[]> {
  const checks: OpenedCheck[] = [];
  for (let i = 0; i < count; i++) {
    const posRef = `${tag}-${i + 1}`;
    const opened = await graphql(pool, token, OPEN_CHECK, {
      input: {
        locationId: '1',
        posRef,
        orderNumber: `W${i + 1}`,
        ownedByEmployeeRef: 'EMP-BENCH',
        ownedByEmployee: 'Bench',
      },
    });
    const id = opened.openCheck.check!.id;
    await graphql(pool, token, ADD_CHECK_ITEM, {
      input: { checkId: id, item: { posRef: 'ITEM-BENCH', name: 'Bench tab', quantity: 1, priceMinor: PRICE } },
    });
    checks.push({ id, posRef });
  }
  return checks;
}

export async function writeBench(
  sys: PeerSystem,
  pool: UndiciPool,
  options: { smoke?: boolean } = {},
): Promise<{ report: Record<string, unknown>; failed: boolean }> {
  const seconds = options.smoke ? 0.5 : WRITE_SECONDS;
  const warmupSeconds = options.smoke ? 0.25 : WRITE_WARMUP_SECONDS;
  const route = routes.find((r) => r.operationId === 'payCheck');
  if (!route) throw new Error('no payCheck route');
  const run = randomUUID().slice(0, 8);
  const restChecks = await openChecks(pool, sys.token, `write-${run}-rest`, CONNECTIONS);
  const pgChecks = await openChecks(pool, sys.token, `write-${run}-pg`, CONNECTIONS);
  const tenantId = DEMO.tenants.demo;
  const caller = 'm2m:demo-partner';
  const db = new pg.Pool({ connectionString: sys.databaseUrl, max: CONNECTIONS });
  // An idle client of a pool whose server stops (the bench's end) must not crash the process.
  db.on('error', () => undefined);
  // A sealed card token like the service's (AES-256-GCM, base64url parts), made once: sealing is not SQL.
  const sealed = `v1.${randomUUID().replace(/-/g, '')}.${Buffer.from('tok_visa-sealed-bench').toString('base64url')}`;

  const restPath = (check: OpenedCheck) =>
    route.path.replace('{locationId}', '1').replace('{posRef}', encodeURIComponent(check.posRef));
  const restSide = {
    target: 'rest pay check',
    gatewayPid: sys.pids.gateway,
    send: async (n: number, worker: number) => {
      const response = await pool.request({
        path: restPath(restChecks[worker % CONNECTIONS]),
        method: 'POST',
        headers: {
          authorization: `Bearer ${sys.token}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({
          amount: AMOUNT,
          card: { type: 'VS', last4Digits: '4242', expirationDate: '1240', token: 'tok_visa' },
          transaction: { authorizationCode: 'A1', invoice: `${run}-rest-${n}` },
        }),
      });
      const text = await response.body.text();
      if (response.statusCode !== route.response.status || !text.includes('"paymentRef"')) {
        throw new Error(`REST pay answered HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
      }
    },
  };
  const pgSide = {
    target: 'plain pg loop',
    gatewayPid: null,
    send: async (n: number, worker: number) => {
      const check = pgChecks[worker % CONNECTIONS];
      const key = randomUUID();
      const invoice = `${run}-pg-${n}`;
      const claimed = await db.query(SQL.claim, [tenantId, caller, key, 'payCheck', randomUUID().replace(/-/g, '')]);
      if (!claimed.rowCount) throw new Error('idempotency claim not fresh');
      if ((await db.query(SQL.registered, [tenantId, invoice])).rowCount) throw new Error('invoice already registered');
      const paymentId = randomUUID();
      await db.query(SQL.hold, [paymentId, tenantId, AMOUNT]);
      await inTransaction(db, async (client) => {
        const checkRows = await client.query<{ id: string; status: string }>(SQL.check, [tenantId, 1, check.posRef]);
        const ids = checkRows.rows.map((row) => row.id);
        await client.query(SQL.items, [ids]);
        await client.query(SQL.taxes, [ids]);
        if (checkRows.rows[0]?.id !== check.id) throw new Error(`check ${check.posRef} not found`);
        const reserved = await client.query<{ held: number }>(SQL.reserved, [paymentId, check.id]);
        if (PRICE - reserved.rows[0].held < AMOUNT) throw new Error('check paid off');
        await client.query(SQL.reservation, [paymentId, check.id, AMOUNT]);
      });
      await inTransaction(db, async (client) => {
        await client.query(SQL.payable, [check.id, tenantId]);
        await client.query(SQL.lock, [check.id]);
        const registered = await client.query(SQL.registered, [tenantId, invoice]);
        if (registered.rowCount) throw new Error('invoice already registered');
        if (!(await client.query(SQL.claimHold, [paymentId])).rowCount) throw new Error('hold gone');
        const held = await client.query<{ held: string }>(SQL.held, [check.id]);
        if (PRICE - Number(held.rows[0]?.held ?? 0) < AMOUNT) throw new Error('check paid off');
        await client.query(SQL.payment, [paymentId, tenantId, check.id, AMOUNT, 1, invoice, 'A1']);
        await client.query(SQL.dropHold, [paymentId]);
        await client.query(SQL.card, [paymentId, sealed]);
        await client.query(SQL.outboxLock);
        const payload = JSON.stringify({
          paymentId,
          status: 'APPROVED',
          amountCents: AMOUNT,
          currency: 'USD',
          checkId: check.id,
        });
        const eventId = randomUUID();
        const event = await client.query<{ seq: string }>(SQL.event, [eventId, tenantId, paymentId, 1, payload]);
        const seq = event.rows[0].seq;
        await client.query(SQL.deliveries, [eventId, seq, tenantId]);
        await client.query(SQL.notify, [String(seq)]);
        await client.query(SQL.complete, [
          paymentId,
          JSON.stringify({ payment: { id: paymentId }, remainingAmountCents: 0 }),
          tenantId,
          caller,
          key,
        ]);
      });
    },
  };

  // Both must pay before anything is measured.
  await restSide.send(-1, 0);
  await pgSide.send(-1, 0);
  console.log(
    `\nwrites: ${restSide.target} (POST ${route.path}, a new Idempotency-Key each) vs ${pgSide.target} (the same SQL); ` +
      `${warmupSeconds} s warm-up and ${seconds} s measured each, interleaved, ${CONNECTIONS} workers, worker i on its own check...`,
  );
  const [rest, plain] = await runSides(sys, [sys.pids.gateway], [restSide, pgSide], seconds, warmupSeconds);

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
  const f = (n: number | null) => (n === null || Number.isNaN(n) ? '-' : n.toFixed(2));
  for (const r of [rest, plain]) {
    console.log(
      `  ${r.target}: ${r.requestsPerSecond.toFixed(1)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ` +
        `CPU ms/req gateway ${f(r.cpuMsPerRequest.gateway)}, subgraphs ${f(r.cpuMsPerRequest.subgraphs)}, PostgreSQL ` +
        `${f(r.cpuMsPerRequest.postgres)}, client ${f(r.cpuMsPerRequest.client)}; others ${f(r.othersPercent)} %; ` +
        `errors ${r.errors + r.warmupErrors}${r.firstError ? ` (first: ${r.firstError})` : ''}`,
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
