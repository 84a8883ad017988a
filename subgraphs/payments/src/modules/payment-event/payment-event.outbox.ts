import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@pos/kit';
import { lowerCheckHold } from '../check/check-reservation';
import type { Payment } from '../payment/payment.entity';
import { WebhookDeliveryStatus, WebhookEndpointStatus } from '../webhook/webhook.entity';
import { PaymentEvent, paymentEventPayload } from './payment-event.entity';

/** The channel that tells readers a partner has new events; the payload is the partner's id. */
export const PAYMENT_EVENTS_CHANNEL = 'payment_events';

/**
 * Appends an event to the outbox inside the caller's transaction.
 *
 * Events are ordered per partner, never across partners. Before the event is numbered, the transaction takes its
 * partner's lock and holds it until it commits: the partner's next writer takes its seq only once this one's commit
 * is visible, so a reader that resumes a partner from "seq > last seen" never skips one. Writers of different
 * partners take different locks and never wait on each other (one lock for the whole outbox made every approve,
 * refund and void of every partner queue behind one another's commit). The lock is an advisory lock on the
 * partner's own number (`partner_event_head.lock_key`, unique, so no two partners share one): PostgreSQL queues its
 * waiters in order, where a row lock wakes them all at each commit to fight for the row again (measured: a third
 * fewer events a second for one busy partner, and five times the p99).
 *
 * Listeners are told after the commit ({@link OutboxNotifier}), not from here: PostgreSQL serialises every
 * committing transaction that queued a NOTIFY on one cluster-wide lock, which would queue the partners up again.
 *
 * The webhook deliveries of the event are written in the same transaction, one per enabled endpoint of the tenant
 * that wants this type: they exist exactly when the event does. So is, for a payment on a check that now holds less
 * (voided, refunded, expired), the lowering of what the check holds for it: every such change reaches the check.
 */
export async function recordPaymentEvent(
  tx: EntityManager,
  payment: Payment,
  type: string,
  refund?: { id: string; amountCents: number },
): Promise<PaymentEvent> {
  await lockPartnerEvents(tx, payment.tenantId);
  const event = new PaymentEvent();
  Object.assign(event, {
    tenantId: payment.tenantId,
    type,
    paymentId: payment.id,
    paymentVersion: payment.version,
    locationId: payment.locationId,
    payload: paymentEventPayload(payment, refund),
  });
  tx.persist(event);
  await tx.flush();
  await enqueueWebhookDeliveries(tx, event);
  await lowerCheckHold(tx, payment);
  notifyAfterCommit(tx, payment.tenantId);
  return event;
}

/** Takes the partner's event lock for the rest of the transaction, giving the partner its number on its first event. */
async function lockPartnerEvents(tx: EntityManager, tenantId: string): Promise<void> {
  const lock = () =>
    tx.execute<{ locked: string }[]>(
      `select pg_advisory_xact_lock(hashtext('payments.partner_event'), h.lock_key)::text as locked
       from payments.partner_event_head h where h.tenant_id = ?`,
      [tenantId],
    );
  if ((await lock()).length) return;
  // A partner's first event: its number, then the lock in a statement that sees it (a concurrent first writer's
  // insert makes this one wait for that commit, after which the next statement sees the row).
  await tx.execute(
    `insert into payments.partner_event_head (tenant_id) values (?) on conflict (tenant_id) do nothing`,
    [tenantId],
  );
  if (!(await lock()).length) throw new Error(`no event lock for partner ${tenantId}`);
}

/** The partners whose events a transaction wrote, by its outermost transaction, until it commits or is dropped. */
const partnersToNotify = new WeakMap<object, Set<string>>();

/**
 * The outermost transaction of a (possibly nested) one: a savepoint's commit is not the commit that makes its
 * events visible. MikroORM links a savepoint to its parent under a symbol it does not export.
 */
function outermost(transaction: object): object {
  for (;;) {
    const link = Object.getOwnPropertySymbols(transaction).find((s) => s.description === 'parentTransaction');
    const parent = link && (transaction as Record<symbol, unknown>)[link];
    if (!parent || typeof parent !== 'object') return transaction;
    transaction = parent;
  }
}

function notifyAfterCommit(tx: EntityManager, tenantId: string): void {
  const context = tx.getTransactionContext<object>();
  // Outside a transaction (never, for an event) there is nothing to wait for; the readers' polling finds it.
  if (!context) return;
  const transaction = outermost(context);
  const partners = partnersToNotify.get(transaction) ?? new Set<string>();
  partners.add(tenantId);
  partnersToNotify.set(transaction, partners);
}

/** The statement that tells the readers which partners have new events (`$1`: a JSON array of partner ids). */
export const NOTIFY_PARTNERS_SQL = `select pg_notify('${PAYMENT_EVENTS_CHANNEL}', partner) from json_array_elements_text($1::json) as partner`;

/**
 * Notifications of partners with new events, at most one statement in flight: partners named while one is sent go
 * out together in the next. Under load that is one NOTIFY per round trip, not one per event; a reader woken once
 * reads everything committed before it reads. Nothing waits for it: the commit is done, and a lost notification
 * costs latency, never an event (the readers also poll).
 */
export class PartnerNotifications {
  private readonly pending = new Set<string>();
  private sending: Promise<void> | null = null;

  constructor(
    /** Sends one NOTIFY_PARTNERS_SQL with the partners as its JSON parameter. */
    private readonly send: (partnersJson: string) => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  notify(partners: Iterable<string>): void {
    for (const partner of partners) this.pending.add(partner);
    // Cleared in `finally`, after the assignment, however quickly the sending ends.
    this.sending ??= this.flush().finally(() => {
      this.sending = null;
      if (this.pending.size) this.notify([]);
    });
  }

  /** Resolves once nothing is left to send (for shutdown and tests). */
  async settled(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async flush(): Promise<void> {
    while (this.pending.size) {
      const partners = [...this.pending];
      this.pending.clear();
      try {
        await this.send(JSON.stringify(partners));
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

/** Tells the readers, once a transaction that wrote events has committed, which partners it wrote for. */
export class OutboxNotifier implements EventSubscriber {
  private readonly notifications: PartnerNotifications;

  constructor(orm: MikroORM, logger: Logger) {
    // Straight on the pool: the commit hook still runs inside the transaction's async context, where the entity
    // manager would send the statement down the connection that just committed.
    const knex = orm.em.getConnection().getKnex();
    this.notifications = new PartnerNotifications(
      (partnersJson) => knex.raw(NOTIFY_PARTNERS_SQL.replace('$1', '?'), [partnersJson]),
      (error) => logger.warn({ err: error }, 'notifying payment event readers failed; they find the events by polling'),
    );
  }

  afterTransactionCommit({ transaction }: TransactionEventArgs): void {
    const partners = transaction ? partnersToNotify.get(transaction as object) : undefined;
    if (!partners) return;
    partnersToNotify.delete(transaction as object);
    this.notifications.notify(partners);
  }

  settled(): Promise<void> {
    return this.notifications.settled();
  }
}

async function enqueueWebhookDeliveries(tx: EntityManager, event: PaymentEvent): Promise<void> {
  await tx.execute(
    `insert into payments.webhook_delivery
       (id, tenant_id, endpoint_id, event_id, event_seq, event_type, status, attempts, next_attempt_at, replays, created_at)
     select gen_random_uuid(), e.tenant_id, e.id, ?, ?, ?, ?, 0, now(), 0, now()
     from payments.webhook_endpoint e
     where e.tenant_id = ? and e.status = ?
       and (e.event_types = '[]'::jsonb or e.event_types @> jsonb_build_array(?::text))`,
    [
      event.eventId,
      event.seq,
      event.type,
      WebhookDeliveryStatus.PENDING,
      event.tenantId,
      WebhookEndpointStatus.ENABLED,
      event.type,
    ],
  );
}
