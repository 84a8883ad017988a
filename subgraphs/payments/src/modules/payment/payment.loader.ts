import { type Principal, manyByKey, oneByKey } from '@pos/kit';
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
});
