import type { EntityClient, RequestContext, SubgraphRuntime } from '@pos/kit';
import type { PaymentEventHub } from './modules/payment-event/payment-event.hub';
import { createPaymentLoaders } from './modules/payment/payment.loader';
import { PaymentService } from './modules/payment/payment.service';
import type { PaymentProcessor } from './modules/processor/processor';

export interface PaymentsRuntime extends SubgraphRuntime {
  events: PaymentEventHub;
  processor: PaymentProcessor;
  orders: EntityClient;
}

export function buildContext(base: RequestContext, runtime: PaymentsRuntime) {
  const services = {
    payments: new PaymentService(base.em, {
      processor: runtime.processor,
      orders: runtime.orders,
      logger: base.logger,
      requestId: base.requestId,
    }),
  };
  return { ...base, runtime, services, loaders: createPaymentLoaders(services.payments, base.principal) };
}

export type PaymentsContext = ReturnType<typeof buildContext>;
