import type { EntityClient, RequestContext, SubgraphRuntime } from '@pos/kit';
import { CheckPaymentService } from './modules/check/check-payment.service';
import { PaymentActivityService } from './modules/payment-event/payment-activity.service';
import type { PaymentEventRelay } from './modules/payment-event/payment-event.broker';
import type { PaymentEventHub } from './modules/payment-event/payment-event.hub';
import { OrderPaymentService } from './modules/order/order-payment.service';
import { createPaymentLoaders } from './modules/payment/payment.loader';
import { PaymentService } from './modules/payment/payment.service';
import type { PaymentProcessor } from './modules/processor/processor';
import { RefundService } from './modules/refund/refund.service';
import { SettlementService } from './modules/settlement/settlement.service';
import type { WebhookDispatcher } from './modules/webhook/webhook.dispatcher';
import { createWebhookLoaders } from './modules/webhook/webhook.loader';
import { WebhookService } from './modules/webhook/webhook.service';

export interface PaymentsRuntime extends SubgraphRuntime {
  events: PaymentEventHub;
  /** This replica's NATS relay of outbox events (EVENTS_BROKER=nats), leading or standing by; null otherwise. */
  relay: PaymentEventRelay | null;
  processor: PaymentProcessor;
  orders: EntityClient;
  checks: EntityClient;
  /** Seals card tokens at rest; derived from KEY_ENCRYPTION_KEY. */
  cardKey: Buffer;
  /** Seals webhook endpoint secrets at rest; derived from KEY_ENCRYPTION_KEY. */
  webhookKey: Buffer;
  /** Whether webhook URLs may point at loopback or private addresses (never in production). */
  allowPrivateWebhookUrls: boolean;
  /** This process's webhook delivery worker; null when WEBHOOK_WORKER=off. */
  webhookDispatcher: WebhookDispatcher | null;
}

export function buildContext(base: RequestContext, runtime: PaymentsRuntime) {
  const processing = { processor: runtime.processor, logger: base.logger, requestId: base.requestId };
  const services = {
    payments: new PaymentService(base.em, { ...processing, orders: runtime.orders, checks: runtime.checks }),
    refunds: new RefundService(base.em, processing),
    settlement: new SettlementService(base.em, { ...processing, orders: runtime.orders }),
    checkPayments: new CheckPaymentService(base.em, {
      checks: runtime.checks,
      orders: runtime.orders,
      cardKey: runtime.cardKey,
      logger: base.logger,
      requestId: base.requestId,
    }),
    orderPayments: new OrderPaymentService(base.em),
    activity: new PaymentActivityService(base.em),
    webhooks: new WebhookService(base.em, {
      secretKey: runtime.webhookKey,
      allowPrivateUrls: runtime.allowPrivateWebhookUrls,
    }),
  };
  return {
    ...base,
    runtime,
    services,
    loaders: {
      ...createPaymentLoaders(services, base.principal),
      ...createWebhookLoaders(services.webhooks),
    },
  };
}

export type PaymentsContext = ReturnType<typeof buildContext>;
