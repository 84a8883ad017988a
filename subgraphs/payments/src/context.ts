import type { RequestContext, SubgraphRuntime } from '@pos/kit';
import type { PaymentEventHub } from './modules/payment-event/payment-event.hub';
import { createPaymentLoaders } from './modules/payment/payment.loader';
import { PaymentService } from './modules/payment/payment.service';

export interface PaymentsRuntime extends SubgraphRuntime {
  events: PaymentEventHub;
}

export function buildContext(base: RequestContext, runtime: PaymentsRuntime) {
  const services = { payments: new PaymentService(base.em) };
  return { ...base, runtime, services, loaders: createPaymentLoaders(services.payments, base.principal) };
}

export type PaymentsContext = ReturnType<typeof buildContext>;
