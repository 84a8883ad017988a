import { createPubSub } from '@graphql-yoga/subscription';
import {
  EntityClient,
  IdempotencyRecord,
  type SubgraphDefinition,
  buildFederatedSchema,
  purposeKey,
  settingsOf,
} from '@pos/kit';
import { paymentsEnv } from './config';
import { type PaymentsContext, type PaymentsRuntime, buildContext } from './context';
import { migrations } from './migrations';
import { PaymentEvent } from './modules/payment-event/payment-event.entity';
import { PaymentEventHub } from './modules/payment-event/payment-event.hub';
import { PaymentEventResolver } from './modules/payment-event/payment-event.resolver';
import { Payable } from './modules/payable/payable.entity';
import { Payment } from './modules/payment/payment.entity';
import { startExpirySweeper } from './modules/payment/payment.expiry';
import { paymentReference } from './modules/payment/payment.reference';
import { CheckPaymentsResolver } from './modules/check/check.resolver';
import { PaymentCard } from './modules/payment/payment-card.entity';
import { OrderPaymentsResolver, PaymentResolver } from './modules/payment/payment.resolver';
import { ValorHttpClient } from './modules/processor/valor.http';
import { ValorSandbox } from './modules/processor/valor.sandbox';
import { Refund } from './modules/refund/refund.entity';
import { WebhookDispatcher } from './modules/webhook/webhook.dispatcher';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './modules/webhook/webhook.entity';
import { WebhookDeliveryResolver, WebhookEndpointResolver } from './modules/webhook/webhook.resolver';

/** The payments subgraph: payments, their outbox of events, and Subscription.paymentEvents. */
export const payments: SubgraphDefinition<PaymentsContext, PaymentsRuntime> = {
  name: 'payments',
  pgSchema: 'payments',
  defaultPort: 4003,
  entities: [
    Payment,
    PaymentCard,
    Refund,
    Payable,
    PaymentEvent,
    WebhookEndpoint,
    WebhookDelivery,
    WebhookAttempt,
    IdempotencyRecord,
  ],
  migrations,
  env: paymentsEnv,
  subscriptions: true,
  buildSchema: () =>
    buildFederatedSchema(
      {
        resolvers: [
          PaymentResolver,
          OrderPaymentsResolver,
          CheckPaymentsResolver,
          PaymentEventResolver,
          WebhookEndpointResolver,
          WebhookDeliveryResolver,
        ],
        // type-graphql requires a pubSub whenever a schema has subscriptions; ours are fed by the outbox hub
        // through `subscribe`, so this one never carries an event.
        pubSub: createPubSub(),
      },
      paymentReference,
    ),
  async createRuntime({ orm, logger, config }) {
    const settings = settingsOf(paymentsEnv, config);
    const processor = settings.VALOR_API_URL
      ? new ValorHttpClient({
          url: settings.VALOR_API_URL,
          apiKey: settings.VALOR_API_KEY,
          timeoutMs: settings.VALOR_TIMEOUT_MS,
        })
      : new ValorSandbox();
    const orders = new EntityClient(settings.ORDERS_URL, config.INTERNAL_JWT_SECRET);
    const checks = new EntityClient(settings.CHECKS_URL, config.INTERNAL_JWT_SECRET);
    const cardKey = purposeKey(settings.KEY_ENCRYPTION_KEY, 'payments/card-tokens');
    const webhookKey = purposeKey(settings.KEY_ENCRYPTION_KEY, 'payments/webhook-secrets');
    const allowPrivateWebhookUrls = settings.WEBHOOK_ALLOW_PRIVATE_URLS
      ? settings.WEBHOOK_ALLOW_PRIVATE_URLS === 'true'
      : config.NODE_ENV !== 'production';
    const events = new PaymentEventHub(orm, config.DATABASE_URL, logger);
    await events.start();
    const webhookDispatcher = settings.WEBHOOK_WORKER
      ? new WebhookDispatcher(orm, logger, {
          concurrency: settings.WEBHOOK_CONCURRENCY,
          pollMs: settings.WEBHOOK_POLL_MS,
          timeoutMs: settings.WEBHOOK_TIMEOUT_MS,
          retryBaseMs: settings.WEBHOOK_RETRY_BASE_MS,
          allowPrivateUrls: allowPrivateWebhookUrls,
          secretKey: webhookKey,
        })
      : null;
    webhookDispatcher?.start();
    // Pending payments past their checkout's expiry (payment.expired); a sale may take VALOR_TIMEOUT_MS and its
    // technical void as long again, so younger payments are left to the request that is still handling them.
    const expiry = startExpirySweeper({
      orm,
      processor,
      logger,
      inFlightGraceMs: 2 * settings.VALOR_TIMEOUT_MS + 30_000,
    });
    return {
      events,
      processor,
      orders,
      checks,
      cardKey,
      webhookKey,
      allowPrivateWebhookUrls,
      webhookDispatcher,
      close: async () => {
        await expiry.stop();
        await webhookDispatcher?.stop();
        await events.close();
      },
    };
  },
  buildContext,
};
