import { conflict, notFound } from '@pos/kit';

/**
 * Refusals of a hosted checkout's completion, each with its stable reason. Only the gateway's own hosted checkout
 * calls it, right after a payment through the link was approved, so a refusal there means a bug or a forged call.
 */
export const checkoutErrors = {
  /** No such hosted checkout on an order the caller may see. */
  checkoutNotFound: () => notFound('Hosted checkout'),
  /** No such payment, or one of another order (of any partner): the same answer, so nothing is learnt of others. */
  paymentNotFound: () => notFound('Payment'),
  alreadyPaid: (paymentId: string | null) =>
    conflict('checkout_already_paid', 'This hosted checkout was already paid', [`paymentId: ${paymentId}`]),
  paymentNotApproved: (status: string) =>
    conflict('payment_not_approved', 'Only an approved payment completes a hosted checkout', [`status: ${status}`]),
  /** The link pays the whole order; a payment of part of it (or in another currency) leaves it owing. */
  amountMismatch: (payment: string, order: string) =>
    conflict('payment_amount_mismatch', 'The payment is not for the order’s total', [
      `payment: ${payment}`,
      `order total: ${order}`,
    ]),
};
