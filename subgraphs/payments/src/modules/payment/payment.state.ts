import { type PaymentEventType, conflict } from '@pos/kit';
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
export const EVENT_OF_STATUS: Readonly<Partial<Record<PaymentStatus, PaymentEventType>>> = {
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

const statusName = (s: PaymentStatus) => s.toLowerCase().replace('_', ' ');
const invalidTransition = (message: string) => conflict('invalid_state_transition', message);

/** Throws CONFLICT `invalid_state_transition` unless a payment in `from` may become `to`. */
export function assertCanTransition(from: PaymentStatus, to: PaymentStatus): void {
  if (!canTransition(from, to)) {
    throw invalidTransition(`A ${statusName(from)} payment cannot become ${statusName(to)}`);
  }
}

/** Moves a payment to `to`, or throws CONFLICT `invalid_state_transition`. Returns the event type to record. */
export function transition(
  payment: { status: PaymentStatus; version: number; updatedAt: Date },
  to: PaymentStatus,
): PaymentEventType | null {
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

/**
 * What a processor tells us later, on its own time, about a payment: an authorisation lapsed uncaptured, or a
 * reversal we asked for settled or was refused. Values equal their names (GraphQL enum).
 */
export enum ProcessorOutcome {
  AUTHORIZATION_EXPIRED = 'AUTHORIZATION_EXPIRED',
  REVERSAL_SETTLED = 'REVERSAL_SETTLED',
  REVERSAL_FAILED = 'REVERSAL_FAILED',
}

/** The part of a payment a processor outcome reads and changes. */
export interface OutcomeTarget {
  status: PaymentStatus;
  version: number;
  updatedAt: Date;
  settledAt: Date | null;
  refundedCents: number;
  failureCode: string | null;
  reversalRequestedAt: Date | null;
}

/** What the caller knows besides the payment row: its refunds still with the processor, a void under way. */
export interface OutcomeFacts {
  pendingRefundCents: number;
  voidInProgress: boolean;
  /** The processor's code for a failed reversal, kept as the payment's failureCode. */
  reason?: string | null;
}

/** {@link transition} to a status that always emits an event. */
function eventedTransition(payment: OutcomeTarget, to: PaymentStatus): PaymentEventType {
  const event = EVENT_OF_STATUS[to];
  if (!event) throw new Error(`status ${to} emits no event`);
  transition(payment, to);
  return event;
}

/**
 * Applies a processor outcome through the state machine and returns the one event it emits, or throws CONFLICT
 * `invalid_state_transition` having changed nothing.
 *
 * A failed reversal is the one outcome that is not a status change, yet partners must hear of it (the merchant
 * asked for money back and it did not happen): it is decided here, beside {@link transition}, so this file stays
 * the only place that says which change emits which event.
 */
export function applyOutcome(payment: OutcomeTarget, outcome: ProcessorOutcome, facts: OutcomeFacts): PaymentEventType {
  switch (outcome) {
    case ProcessorOutcome.AUTHORIZATION_EXPIRED: {
      // Only an authorisation nobody has acted on yet can lapse: once its batch settled (captured) or money went
      // back, it no longer exists at the processor as an authorisation. A void or reversal under way answers first.
      if (payment.status === PaymentStatus.APPROVED) {
        if (payment.settledAt)
          throw invalidTransition('A settled payment was captured; its authorisation cannot expire');
        if (payment.refundedCents > 0 || facts.pendingRefundCents > 0)
          throw invalidTransition('A payment with refunds cannot expire');
      }
      if (payment.reversalRequestedAt || facts.voidInProgress)
        throw invalidTransition('A payment being voided or reversed cannot expire before that outcome arrives');
      const event = eventedTransition(payment, PaymentStatus.EXPIRED);
      payment.failureCode = 'authorization_expired';
      return event;
    }
    case ProcessorOutcome.REVERSAL_SETTLED: {
      if (!payment.reversalRequestedAt) throw invalidTransition('No reversal of this payment is pending');
      const event = eventedTransition(payment, PaymentStatus.REVERSED);
      payment.reversalRequestedAt = null;
      return event;
    }
    case ProcessorOutcome.REVERSAL_FAILED: {
      if (!payment.reversalRequestedAt || !isRefundable(payment.status))
        throw invalidTransition('No reversal of this payment is pending');
      // The status stays; the version still moves, so consumers holding the "reversal pending" copy see a newer one.
      payment.reversalRequestedAt = null;
      payment.failureCode = facts.reason ?? 'reversal_failed';
      payment.version += 1;
      payment.updatedAt = new Date();
      return 'payment.reversal_failed';
    }
    default:
      throw invalidTransition(`Unknown processor outcome ${String(outcome)}`);
  }
}
