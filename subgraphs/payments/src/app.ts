import { createPubSub } from '@graphql-yoga/subscription';
import type { SubgraphDefinition } from '@pos/kit';
import { buildFederatedSchema } from '@pos/kit';
import { type PaymentsContext, type PaymentsRuntime, buildContext } from './context';
import { migrations } from './migrations';
import { PaymentEvent } from './modules/payment-event/payment-event.entity';
import { PaymentEventHub } from './modules/payment-event/payment-event.hub';
import { PaymentEventResolver } from './modules/payment-event/payment-event.resolver';
import { Payment } from './modules/payment/payment.entity';
import { paymentReference } from './modules/payment/payment.reference';
import { CheckPaymentsResolver, OrderPaymentsResolver, PaymentResolver } from './modules/payment/payment.resolver';

/** The payments subgraph: payments, their outbox of events, and Subscription.paymentEvents. */
export const payments: SubgraphDefinition<PaymentsContext, PaymentsRuntime> = {
  name: 'payments',
  pgSchema: 'payments',
  defaultPort: 4003,
  entities: [Payment, PaymentEvent],
  migrations,
  subscriptions: true,
  buildSchema: () =>
    buildFederatedSchema(
      {
        resolvers: [PaymentResolver, OrderPaymentsResolver, CheckPaymentsResolver, PaymentEventResolver],
        // type-graphql requires a pubSub whenever a schema has subscriptions; ours are fed by the outbox hub
        // through `subscribe`, so this one never carries an event.
        pubSub: createPubSub(),
      },
      paymentReference,
    ),
  async createRuntime({ orm, logger, config }) {
    const events = new PaymentEventHub(orm, config.DATABASE_URL, logger);
    await events.start();
    return { events, close: () => events.close() };
  },
  buildContext,
};
