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
import { OrderPaymentStateResolver } from './modules/order/order.resolver';
import { EventRelayPosition, PartnerEventHead, PaymentEvent } from './modules/payment-event/payment-event.entity';
import { PaymentEventRelay } from './modules/payment-event/payment-event.broker';
import { PaymentEventHub } from './modules/payment-event/payment-event.hub';
import { OutboxNotifier } from './modules/payment-event/payment-event.outbox';
import { PaymentActivityResolver } from './modules/payment-event/payment-activity.resolver';
import { PaymentEventResolver } from './modules/payment-event/payment-event.resolver';
import { Payable } from './modules/payable/payable.entity';
import { Payment } from './modules/payment/payment.entity';
import { expireOverduePayments, startSweeper } from './modules/payment/payment.expiry';
import { paymentReference } from './modules/payment/payment.reference';
import { CheckHold } from './modules/check/check-hold.entity';
import { syncCheckReservations } from './modules/check/check-reservation';
import { CheckPaymentsResolver } from './modules/check/check.resolver';
import { PaymentCard } from './modules/payment/payment-card.entity';
import {
  LocationPaymentsResolver,
  OrderPaymentsResolver,
  PaymentResolver,
  RefundResolver,
} from './modules/payment/payment.resolver';
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
    CheckHold,
    PaymentEvent,
    PartnerEventHead,
    EventRelayPosition,
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
          LocationPaymentsResolver,
          RefundResolver,
          OrderPaymentStateResolver,
          CheckPaymentsResolver,
          PaymentEventResolver,
          PaymentActivityResolver,
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
    // A reservation waits its turn for the check's row lock behind the check's other payments, as a payment waits
    // for its ledger lock here: 15 s, not the 5 s of a read, and still well inside the gateway's 30 s.
    const checks = new EntityClient(settings.CHECKS_URL, config.INTERNAL_JWT_SECRET, 15_000);
    const cardKey = purposeKey(settings.KEY_ENCRYPTION_KEY, 'payments/card-tokens');
    const webhookKey = purposeKey(settings.KEY_ENCRYPTION_KEY, 'payments/webhook-secrets');
    const allowPrivateWebhookUrls = settings.WEBHOOK_ALLOW_PRIVATE_URLS
      ? settings.WEBHOOK_ALLOW_PRIVATE_URLS === 'true'
      : config.NODE_ENV !== 'production';
    const notifier = new OutboxNotifier(orm, logger);
    orm.em.getEventManager().registerSubscriber(notifier);
    const events = new PaymentEventHub(orm, {
      databaseUrl: config.DATABASE_URL,
      logger,
      pollMs: settings.EVENTS_POLL_MS,
      natsUrl: settings.EVENTS_BROKER === 'nats' ? settings.NATS_URL : undefined,
      natsStreamReplicas: settings.NATS_STREAM_REPLICAS,
    });
    await events.start();
    // Every replica runs a relay; the one holding its lock publishes (payment-event.broker.ts).
    const relay =
      settings.EVENTS_BROKER === 'nats'
        ? new PaymentEventRelay(orm, {
            databaseUrl: config.DATABASE_URL,
            natsUrl: settings.NATS_URL,
            streamReplicas: settings.NATS_STREAM_REPLICAS,
            logger,
            pollMs: settings.EVENTS_POLL_MS,
          })
        : null;
    relay?.start();
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
    const sweeper = startSweeper(
      {
        // Pending payments past their checkout's expiry (payment.expired); a sale may take VALOR_TIMEOUT_MS and its
        // technical void as long again, so younger payments are left to the request that is still handling them.
        expiry: () =>
          expireOverduePayments({ orm, processor, logger, inFlightGraceMs: 2 * settings.VALOR_TIMEOUT_MS + 30_000 }),
        // Reservations on checks of payments that were never recorded, or that now hold less.
        checkHolds: () => syncCheckReservations({ orm, checks, logger }),
      },
      logger,
    );
    return {
      events,
      relay,
      gauges: [
        {
          name: 'payment_events_read',
          help: 'Payment events read from the outbox (live and replayed)',
          value: () => events.eventsRead,
        },
        {
          name: 'payment_events_from_broker',
          help: 'Payment events taken from NATS JetStream',
          value: () => events.eventsFromBroker,
        },
        {
          name: 'payment_event_broker_gaps',
          help: 'Broker messages whose predecessor this replica had not delivered (read from the outbox instead)',
          value: () => events.brokerGaps,
        },
        {
          name: 'payment_event_relay_leader',
          help: "1 when this replica's relay is the one publishing to NATS JetStream",
          value: () => (relay?.isLeader ? 1 : 0),
        },
        {
          name: 'payment_event_relay_published',
          help: "Payment events this replica's relay published to NATS JetStream",
          value: () => relay?.publishedCount ?? 0,
        },
      ],
      processor,
      orders,
      checks,
      cardKey,
      webhookKey,
      allowPrivateWebhookUrls,
      webhookDispatcher,
      close: async () => {
        await sweeper.stop();
        await webhookDispatcher?.stop();
        await relay?.close();
        await events.close();
        await notifier.settled();
      },
    };
  },
  buildContext,
};
