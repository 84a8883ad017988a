import type { EntityManager } from '@mikro-orm/postgresql';
import type { Payment } from '../payment/payment.entity';
import { PaymentEvent, paymentEventPayload } from './payment-event.entity';

export const PAYMENT_EVENTS_CHANNEL = 'payment_events';

/**
 * Appends an event to the outbox inside the caller's transaction and notifies listeners from that same
 * transaction: PostgreSQL delivers the notification only if, and when, the transaction commits.
 *
 * The transaction-scoped advisory lock serialises outbox writers until they commit, so sequence numbers become
 * visible in order. Without it a reader that resumes from "seq > last seen" could skip an event whose lower seq
 * committed after a higher one.
 */
export async function recordPaymentEvent(tx: EntityManager, payment: Payment, type: string): Promise<PaymentEvent> {
  await tx.execute(`select pg_advisory_xact_lock(hashtext('payments.payment_event'))`);
  const event = new PaymentEvent();
  Object.assign(event, {
    tenantId: payment.tenantId,
    type,
    paymentId: payment.id,
    paymentVersion: payment.version,
    locationId: payment.locationId,
    payload: paymentEventPayload(payment),
  });
  tx.persist(event);
  await tx.flush();
  await tx.execute(`select pg_notify(?, ?)`, [PAYMENT_EVENTS_CHANNEL, String(event.seq)]);
  return event;
}
