import { type Principal, manyByKey, oneByKey, pagesByParent } from '@pos/kit';
import DataLoader from 'dataloader';
import type { CheckPaymentService } from '../check/check-payment.service';
import { EMPTY_LEDGER, type OrderLedger, type OrderPaymentService } from '../order/order-payment.service';
import type { Refund } from '../refund/refund.entity';
import type { RefundService } from '../refund/refund.service';
import type { PaymentCard } from './payment-card.entity';
import type { Payment } from './payment.entity';
import type { PaymentListQuery, PaymentService } from './payment.service';

const none = () => Promise.resolve([] as Payment[]);

/** The services the loaders batch their reads through. */
interface PaymentReads {
  payments: PaymentService;
  refunds: RefundService;
  checkPayments: CheckPaymentService;
  orderPayments: OrderPaymentService;
}

export const createPaymentLoaders = (
  { payments: service, refunds, checkPayments, orderPayments }: PaymentReads,
  principal: Principal | null,
) => ({
  payment: oneByKey<string, Payment>(
    (ids) => (principal ? service.byIds(principal, ids) : none()),
    (p) => p.id,
  ),
  // Order.payments, Check.payments, Location.payments and Payment.refunds: a request's parents that ask for the same
  // page share one query.
  paymentPagesByOrder: pagesByParent<string, Payment, PaymentListQuery>((ids, query, page) =>
    principal ? service.pagesOf(principal, 'orderId', ids, query, page) : Promise.resolve(new Map()),
  ),
  paymentPagesByCheck: pagesByParent<string, Payment, PaymentListQuery>((ids, query, page) =>
    principal ? service.pagesOf(principal, 'checkId', ids, query, page) : Promise.resolve(new Map()),
  ),
  paymentPagesByLocation: pagesByParent<number, Payment, PaymentListQuery>((ids, query, page) =>
    principal ? service.pagesOf(principal, 'locationId', ids, query, page) : Promise.resolve(new Map()),
  ),
  refundPages: pagesByParent<string, Refund, null>((ids, _query, page) =>
    principal ? refunds.refundPages(principal, ids, page) : Promise.resolve(new Map()),
  ),
  paidByCheck: new DataLoader<string, number>(async (ids) => {
    const paid = principal ? await checkPayments.paidOnChecks(principal, ids) : new Map<string, number>();
    return ids.map((id) => paid.get(id) ?? 0);
  }),
  ledgerByOrder: new DataLoader<string, OrderLedger>(async (ids) => {
    const ledgers = principal ? await orderPayments.ledgers(principal, ids) : new Map<string, OrderLedger>();
    return ids.map((id) => ledgers.get(id) ?? EMPTY_LEDGER);
  }),
  // Only ever asked for payments that were themselves read within the caller's scope.
  cardByPayment: oneByKey<string, PaymentCard>(
    (ids) => service.cardsOf(ids),
    (c) => c.paymentId,
  ),
  // Only ever asked for payments that were themselves read within the caller's scope.
  refundsByPayment: manyByKey<string, Refund>(
    (ids) => refunds.refundsOf(ids),
    (r) => r.paymentId,
  ),
});
