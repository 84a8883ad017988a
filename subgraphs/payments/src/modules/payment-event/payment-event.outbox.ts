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
 * Events are ordered per partner, never across partners. The first statement counts the event on its partner's
 * `partner_event_head` row, whose lock the transaction holds until it commits: the partner's next writer takes its
 * seq only once this one's commit is visible, so a reader that resumes a partner from "seq > last seen" never skips
 * one. Writers of different partners lock different rows and never wait on each other (a lock on the whole outbox
 * made every approve, refund and void of every partner queue behind one another's commit).
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
  await tx.execute(
    `insert into payments.partner_event_head as h (tenant_id, events) values (?, 1)
     on conflict (tenant_id) do update set events = h.events + 1`,
    [payment.tenantId],
  );
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

/**
 * Sends, once a transaction that wrote events has committed, one notification per partner it wrote for. A lost
 * notification (this process dies between the commit and the NOTIFY, or the statement fails) costs latency, never
 * an event: the readers also poll (PaymentEventHub).
 */
export class OutboxNotifier implements EventSubscriber {
  constructor(
    private readonly orm: MikroORM,
    private readonly logger: Logger,
  ) {}

  async afterTransactionCommit({ transaction }: TransactionEventArgs): Promise<void> {
    const partners = transaction ? partnersToNotify.get(transaction as object) : undefined;
    if (!partners) return;
    partnersToNotify.delete(transaction as object);
    try {
      // Straight on the pool: this still runs inside the transaction's async context, where the entity manager
      // would send the statement down the connection that just committed.
      await this.orm.em
        .getConnection()
        .getKnex()
        .raw(`select pg_notify(?, partner) from json_array_elements_text(?::json) as partner`, [
          PAYMENT_EVENTS_CHANNEL,
          JSON.stringify([...partners]),
        ]);
    } catch (error) {
      this.logger.warn({ err: error }, 'notifying payment event readers failed; they find the events by polling');
    }
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
