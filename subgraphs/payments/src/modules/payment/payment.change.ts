import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type PaymentEventType, type Principal, callerScope, notFound } from '@pos/kit';
import { recordPaymentEvent } from '../payment-event/payment-event.outbox';
import { Payment, type PaymentStatus } from './payment.entity';
import { transition } from './payment.state';

/*
 * How a payment changes: locked in a transaction, moved through the state machine (payment.state.ts), and committed
 * with the outbox event the change emits in that same transaction, so the event exists exactly when the change does.
 */

/** A payment locked for this transaction, read afresh. */
export function lockPayment(tx: EntityManager, paymentId: string): Promise<Payment> {
  return tx.findOneOrFail(Payment, paymentId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/** A payment of the caller (tenant and locations), locked for this transaction; 404 otherwise. */
export async function lockOwnPayment(
  tx: EntityManager,
  principal: Principal,
  paymentId: string,
  orderId: string | null,
): Promise<Payment> {
  const payment = await tx.findOne(
    Payment,
    { id: paymentId, ...callerScope(principal), ...(orderId ? { orderId } : {}) },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  if (!payment) throw notFound('Payment');
  return payment;
}

/**
 * Moves a payment to `to`, with what else the caller changed on it, and commits that with its outbox event (of the
 * `refund` it records, if any). The state machine refuses before anything is written.
 */
export async function commitTransition(
  tx: EntityManager,
  payment: Payment,
  to: PaymentStatus,
  refund?: { id: string; amountCents: number },
): Promise<void> {
  await commitChange(tx, payment, transition(payment, to), refund);
}

/** Flushes what changed on a payment and records the event the change emits (none for a decline). */
export async function commitChange(
  tx: EntityManager,
  payment: Payment,
  event: PaymentEventType | null,
  refund?: { id: string; amountCents: number },
): Promise<void> {
  await tx.flush();
  if (event) await recordPaymentEvent(tx, payment, event, refund);
}
