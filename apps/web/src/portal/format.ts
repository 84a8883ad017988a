import type { PaymentEventType } from '@pos/client';

/** How the portal writes what it shows: times in the reader's locale, event types dotted as webhooks spell them. */

export const EVENT_TYPES: ReadonlyArray<[PaymentEventType, string]> = [
  ['PAYMENT_APPROVED', 'payment.approved'],
  ['PAYMENT_REFUNDED', 'payment.refunded'],
  ['PAYMENT_VOIDED', 'payment.voided'],
  ['PAYMENT_CANCELLED', 'payment.cancelled'],
  ['PAYMENT_EXPIRED', 'payment.expired'],
  ['PAYMENT_REVERSAL_SETTLED', 'payment.reversal_settled'],
  ['PAYMENT_REVERSAL_FAILED', 'payment.reversal_failed'],
];
export const EVENT_NAMES = new Map(EVENT_TYPES);

export const when = (iso: string) => new Date(iso).toLocaleString();
