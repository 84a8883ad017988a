import { type Principal, manyByKey, oneByKey } from '@pos/kit';
import type { Refund } from '../refund/refund.entity';
import type { Payment } from './payment.entity';
import type { PaymentService } from './payment.service';

const none = () => Promise.resolve([] as Payment[]);

export const createPaymentLoaders = (service: PaymentService, principal: Principal | null) => ({
  payment: oneByKey<string, Payment>(
    (ids) => (principal ? service.byIds(principal, ids) : none()),
    (p) => p.id,
  ),
  paymentsByOrder: manyByKey<string, Payment>(
    (ids) => (principal ? service.byOrders(principal, ids) : none()),
    (p) => p.orderId!,
  ),
  paymentsByCheck: manyByKey<string, Payment>(
    (ids) => (principal ? service.byChecks(principal, ids) : none()),
    (p) => p.checkId!,
  ),
  // Only ever asked for payments that were themselves read within the caller's scope.
  refundsByPayment: manyByKey<string, Refund>(
    (ids) => service.refundsOf(ids),
    (r) => r.paymentId,
  ),
});
