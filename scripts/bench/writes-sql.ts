/**
 * The writes part's plain pg loop: the SQL statements the payments and checks subgraphs send for one check payment
 * (from their code: the idempotency claim; the repeat lookup by invoice; the hold's outbox row; in one checks
 * transaction the check locked, its items and taxes, what is held on it, the reservation; then in one payments
 * transaction the payable row's insert and lock, the repeat lookup again, the hold locked, the amount held, the
 * payment, its card, the hold's delete, the partner's outbox lock, the event, the webhook deliveries and the
 * idempotency completion; pg_notify after the commit), sent by Node over a pg Pool with values of the same kind.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { PartnerNotifications } from '@pos/payments/src/modules/payment-event/payment-event.outbox';

/** The SQL of one check payment, as the subgraphs send it (see the header). */
export const SQL = {
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
  partnerLock: `select pg_advisory_xact_lock(hashtext('payments.partner_event'), h.lock_key)::text as locked
     from payments.partner_event_head h where h.tenant_id = $1`,
  partnerNumber: `insert into payments.partner_event_head (tenant_id) values ($1) on conflict (tenant_id) do nothing`,
  event: `insert into payments.payment_event (event_id, tenant_id, type, payment_id, payment_version, location_id, payload_version, payload, occurred_at)
     values ($1, $2, 'payment.approved', $3, 2, $4, 1, $5::jsonb, now()) returning seq`,
  deliveries: `insert into payments.webhook_delivery
       (id, tenant_id, endpoint_id, event_id, event_seq, event_type, status, attempts, next_attempt_at, replays, created_at)
     select gen_random_uuid(), e.tenant_id, e.id, $1, $2, 'payment.approved', 'PENDING', 0, now(), 0, now()
     from payments.webhook_endpoint e
     where e.tenant_id = $3 and e.status = 'ENABLED'
       and (e.event_types = '[]'::jsonb or e.event_types @> jsonb_build_array('payment.approved'::text))`,
  complete: `update payments.idempotency_key set state = 'completed', resource_id = $1, response = $2::jsonb, completed_at = now()
     where tenant_id = $3 and caller = $4 and key = $5`,
};

/** Runs `work` in one transaction on a client of the pool, as each subgraph's transaction does. */
export async function inTransaction(db: pg.Pool, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
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

/** Who pays, and with what: the demo tenant's partner, a check's price and the amount of each payment. */
export interface SqlPayer {
  db: pg.Pool;
  /** pg_notify after the commit, as the service sends it (payment-event.outbox.ts). */
  notifications: PartnerNotifications;
  tenantId: string;
  caller: string;
  /** A sealed card token like the service's, made once: sealing is not SQL. */
  sealed: string;
  price: number;
  amount: number;
}

/** One check payment at location 1 by the SQL above: `invoice` is the payment's processor reference. */
export async function payWithSql(payer: SqlPayer, check: { id: string; posRef: string }, invoice: string) {
  const { db, tenantId, caller, sealed, price, amount } = payer;
  const key = randomUUID();
  const claimed = await db.query(SQL.claim, [tenantId, caller, key, 'payCheck', randomUUID().replace(/-/g, '')]);
  if (!claimed.rowCount) throw new Error('idempotency claim not fresh');
  if ((await db.query(SQL.registered, [tenantId, invoice])).rowCount) throw new Error('invoice already registered');
  const paymentId = randomUUID();
  await db.query(SQL.hold, [paymentId, tenantId, amount]);
  await inTransaction(db, async (client) => {
    const checkRows = await client.query<{ id: string; status: string }>(SQL.check, [tenantId, 1, check.posRef]);
    const ids = checkRows.rows.map((row) => row.id);
    await client.query(SQL.items, [ids]);
    await client.query(SQL.taxes, [ids]);
    if (checkRows.rows[0]?.id !== check.id) throw new Error(`check ${check.posRef} not found`);
    const reserved = await client.query<{ held: number }>(SQL.reserved, [paymentId, check.id]);
    if (price - reserved.rows[0].held < amount) throw new Error('check paid off');
    await client.query(SQL.reservation, [paymentId, check.id, amount]);
  });
  await inTransaction(db, async (client) => {
    await client.query(SQL.payable, [check.id, tenantId]);
    await client.query(SQL.lock, [check.id]);
    const registered = await client.query(SQL.registered, [tenantId, invoice]);
    if (registered.rowCount) throw new Error('invoice already registered');
    if (!(await client.query(SQL.claimHold, [paymentId])).rowCount) throw new Error('hold gone');
    const held = await client.query<{ held: string }>(SQL.held, [check.id]);
    if (price - Number(held.rows[0]?.held ?? 0) < amount) throw new Error('check paid off');
    await client.query(SQL.payment, [paymentId, tenantId, check.id, amount, 1, invoice, 'A1']);
    await client.query(SQL.dropHold, [paymentId]);
    await client.query(SQL.card, [paymentId, sealed]);
    await client.query(SQL.partnerLock, [tenantId]);
    const payload = JSON.stringify({
      paymentId,
      status: 'APPROVED',
      amountCents: amount,
      currency: 'USD',
      checkId: check.id,
    });
    const eventId = randomUUID();
    const event = await client.query<{ seq: string }>(SQL.event, [eventId, tenantId, paymentId, 1, payload]);
    const seq = event.rows[0].seq;
    await client.query(SQL.deliveries, [eventId, seq, tenantId]);
    await client.query(SQL.complete, [
      paymentId,
      JSON.stringify({ payment: { id: paymentId }, remainingAmountCents: 0 }),
      tenantId,
      caller,
      key,
    ]);
  });
  payer.notifications.notify([tenantId]);
}
