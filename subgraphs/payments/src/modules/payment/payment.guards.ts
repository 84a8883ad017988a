import { EXTERNAL_PROCESSOR, type Payment } from './payment.entity';
import { paymentErrors } from './payment.errors';

/*
 * What must hold before money moves back from a payment (a void, a reversal, a refund), besides what the state
 * machine allows: it went through our processor, and no void or reversal of it is still waiting for an answer.
 */

/** A void left unfinished this long ago (a crash between the processor call and its outcome) may be retried. */
const VOID_STALE_MS = 60_000;

/** A sale a mobile provider ran with its own processor is voided or refunded there, never through ours. */
export function assertOurs(payment: Payment): void {
  if (payment.processor === EXTERNAL_PROCESSOR) throw paymentErrors.external();
}

/** A void marked recently enough that its outcome may still come; an older mark is a crashed attempt. */
export const voidInProgress = (payment: Payment) =>
  payment.voidRequestedAt !== null && Date.now() - payment.voidRequestedAt.getTime() < VOID_STALE_MS;

/** Refuses to move money while a void or a reversal of the payment has not finished. */
export function assertNotBusy(payment: Payment): void {
  // A pending reversal never goes stale: only the processor's outcome ends it, since it may already be under way.
  if (payment.reversalRequestedAt) throw paymentErrors.reversalPending();
  if (voidInProgress(payment)) throw paymentErrors.voidInProgress();
}
