import { DomainError, ErrorCode, conflict, unprocessable } from '@pos/kit';
import { type Payment, PaymentStatus } from './payment.entity';

/**
 * The payments API's refusals to move money (take, void, reverse, refund, settle), each with its stable reason: the
 * REST facade sends the reason as the body's `error`, GraphQL as `extensions.reason`.
 */
export const paymentErrors = {
  /** The processor did not answer, so the outcome of the call is unknown: `what` says what became of the request. */
  processorUnavailable: (what: string) =>
    new DomainError(
      ErrorCode.UNAVAILABLE,
      `The payment processor is not available; ${what}. Retry later.`,
      [],
      'processor_unavailable',
    ),
  sandboxOnly: () =>
    new DomainError(
      ErrorCode.FORBIDDEN,
      'Processor outcomes can be simulated only with the built-in sandbox processor',
      [],
      'sandbox_only',
    ),
  currencyMismatch: (orderCurrency: string) =>
    unprocessable('currency_mismatch', `The order is in ${orderCurrency}`, [`currency: must be ${orderCurrency}`]),
  amountExceedsDue: (due: number) =>
    unprocessable('amount_exceeds_due', 'The amount is more than the order still owes', [
      `amount due: ${Math.max(due, 0)}`,
    ]),
  settled: () => conflict('payment_settled', 'A settled payment cannot be voided; refund it instead'),
  hasRefunds: () => conflict('payment_has_refunds', 'A payment with refunds cannot be voided'),
  /** A sale a mobile provider ran with its own processor is voided or refunded there, never through ours. */
  external: () =>
    conflict(
      'payment_external',
      'This payment was registered by a mobile payment provider; void or refund it with that provider',
    ),
  reversalPending: () =>
    conflict(
      'reversal_pending',
      'A reversal of this payment is waiting for the processor; retry once it has settled or failed',
    ),
  voidInProgress: () => conflict('payment_busy', 'A void of this payment is in progress; retry shortly'),
  refundInProgress: () =>
    conflict('payment_busy', 'A refund of this payment is still with the processor; retry shortly'),
  notRefundable: (status: PaymentStatus) =>
    conflict(
      'payment_not_refundable',
      `A ${status.toLowerCase()} payment cannot be refunded; only approved payments can`,
    ),
  amountExceedsRefundable: (refundable: number) =>
    unprocessable('amount_exceeds_refundable', 'The amount is more than what is left to refund', [
      `refundable: ${Math.max(refundable, 0)}`,
    ]),
};

/**
 * The refusal a declined payment stands for. A decline is still an answer with a record: the payment exists (with
 * its id and `failureCode`), so the graph reports this beside it and the REST facade answers the payment itself.
 */
export const declineOf = (payment: Payment): DomainError | null =>
  payment.status === PaymentStatus.DECLINED
    ? unprocessable(
        'payment_declined',
        `The card was declined${payment.failureCode ? ` (${payment.failureCode})` : ''}; nothing was charged`,
      )
    : null;
