import type { EntityManager } from '@mikro-orm/postgresql';
import { lowerCheckHold } from '../check/check-reservation';
import type { Payment } from '../payment/payment.entity';
import { WebhookDeliveryStatus, WebhookEndpointStatus } from '../webhook/webhook.entity';
import { PaymentEvent, paymentEventPayload } from './payment-event.entity';

export const PAYMENT_EVENTS_CHANNEL = 'payment_events';

/**
 * Appends an event to the outbox inside the caller's transaction and notifies listeners from that same
 * transaction: PostgreSQL delivers the notification only if, and when, the transaction commits.
 *
 * The transaction-scoped advisory lock serialises outbox writers until they commit, so sequence numbers become
 * visible in order. Without it a reader that resumes from "seq > last seen" could skip an event whose lower seq
 * committed after a higher one.
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
  await tx.execute(`select pg_advisory_xact_lock(hashtext('payments.payment_event'))`);
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
  await tx.execute(`select pg_notify(?, ?)`, [PAYMENT_EVENTS_CHANNEL, String(event.seq)]);
  return event;
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
