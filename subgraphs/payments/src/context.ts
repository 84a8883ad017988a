import type { EntityClient, RequestContext, SubgraphRuntime } from '@pos/kit';
import { CheckPaymentService } from './modules/check/check-payment.service';
import type { PaymentEventHub } from './modules/payment-event/payment-event.hub';
import { createPaymentLoaders } from './modules/payment/payment.loader';
import { PaymentService } from './modules/payment/payment.service';
import type { PaymentProcessor } from './modules/processor/processor';

export interface PaymentsRuntime extends SubgraphRuntime {
  events: PaymentEventHub;
  processor: PaymentProcessor;
  orders: EntityClient;
  checks: EntityClient;
  /** Seals card tokens at rest; derived from KEY_ENCRYPTION_KEY. */
  cardKey: Buffer;
}

export function buildContext(base: RequestContext, runtime: PaymentsRuntime) {
  const services = {
    payments: new PaymentService(base.em, {
      processor: runtime.processor,
      orders: runtime.orders,
      logger: base.logger,
      requestId: base.requestId,
    }),
    checkPayments: new CheckPaymentService(base.em, {
      checks: runtime.checks,
      cardKey: runtime.cardKey,
      requestId: base.requestId,
    }),
  };
  return {
    ...base,
    runtime,
    services,
    loaders: createPaymentLoaders(services.payments, services.checkPayments, base.principal),
  };
}

export type PaymentsContext = ReturnType<typeof buildContext>;
