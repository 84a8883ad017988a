import { conflict } from '@pos/kit';
import { PaymentStatus } from './payment.entity';

const S = PaymentStatus;

/**
 * The one state machine of a payment: every status change goes through {@link transition}. A processor's rules
 * in short: a void cancels an approved payment before settlement; refunds follow approval; what is final stays so.
 */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  [S.PENDING]: [S.APPROVED, S.DECLINED, S.CANCELLED, S.EXPIRED],
  [S.APPROVED]: [S.VOIDED, S.PARTIALLY_REFUNDED, S.REFUNDED, S.EXPIRED, S.REVERSED],
  [S.PARTIALLY_REFUNDED]: [S.PARTIALLY_REFUNDED, S.REFUNDED, S.REVERSED],
  [S.DECLINED]: [],
  [S.VOIDED]: [],
  [S.REFUNDED]: [],
  [S.CANCELLED]: [],
  [S.EXPIRED]: [],
  [S.REVERSED]: [],
};

/** The outbox event each status change emits (declines are answered to the caller, not broadcast). */
export const EVENT_OF_STATUS: Readonly<Partial<Record<PaymentStatus, string>>> = {
  [S.APPROVED]: 'payment.approved',
  [S.VOIDED]: 'payment.voided',
  [S.PARTIALLY_REFUNDED]: 'payment.refunded',
  [S.REFUNDED]: 'payment.refunded',
  [S.CANCELLED]: 'payment.cancelled',
  [S.EXPIRED]: 'payment.expired',
  [S.REVERSED]: 'payment.reversal_settled',
};

/** Statuses whose amount counts against what an order or check still owes. */
export const HOLDS_FUNDS: ReadonlySet<PaymentStatus> = new Set([S.PENDING, S.APPROVED, S.PARTIALLY_REFUNDED]);

export const canTransition = (from: PaymentStatus, to: PaymentStatus) => PAYMENT_TRANSITIONS[from].includes(to);

/** Throws CONFLICT `invalid_state_transition` unless a payment in `from` may become `to`. */
export function assertCanTransition(from: PaymentStatus, to: PaymentStatus): void {
  if (!canTransition(from, to)) {
    const name = (s: PaymentStatus) => s.toLowerCase().replace('_', ' ');
    throw conflict('invalid_state_transition', `A ${name(from)} payment cannot become ${name(to)}`);
  }
}

/** Moves a payment to `to`, or throws CONFLICT `invalid_state_transition`. Returns the event type to record. */
export function transition(
  payment: { status: PaymentStatus; version: number; updatedAt: Date },
  to: PaymentStatus,
): string | null {
  assertCanTransition(payment.status, to);
  payment.status = to;
  payment.version += 1;
  payment.updatedAt = new Date();
  return EVENT_OF_STATUS[to] ?? null;
}

/** Statuses from which money can go back by refund: after approval, until fully refunded or reversed. */
export const isRefundable = (status: PaymentStatus) => status === S.APPROVED || status === S.PARTIALLY_REFUNDED;

/** What can still be refunded: the amount less refunds done and (when known) refunds still with the processor. */
export const refundableCents = (
  payment: { status: PaymentStatus; amountCents: number; refundedCents: number },
  pendingRefundCents = 0,
) => (isRefundable(payment.status) ? payment.amountCents - payment.refundedCents - pendingRefundCents : 0);
