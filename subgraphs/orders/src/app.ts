import { EntityClient, IdempotencyRecord, type SubgraphDefinition, buildFederatedSchema, settingsOf } from '@pos/kit';
import { ordersEnv } from './config';
import { type OrdersContext, type OrdersRuntime, buildContext } from './context';
import { migrations } from './migrations';
import { Location } from './modules/location/location.entity';
import { LoyaltyTransactionOrderResolver, LoyaltyTransactionRef } from './modules/loyalty/loyalty-transaction';
import { locationReference } from './modules/location/location.reference';
import { LocationResolver } from './modules/location/location.resolver';
import { Order } from './modules/order/order.entity';
import { orderReference } from './modules/order/order.reference';
import { Level3LineItemResolver, OrderResolver } from './modules/order/order.resolver';
import { seedDemo } from './seed';

/** The orders subgraph: locations and orders (partner API v1). */
export const orders: SubgraphDefinition<OrdersContext, OrdersRuntime> = {
  name: 'orders',
  pgSchema: 'orders',
  defaultPort: 4001,
  entities: [Location, Order, IdempotencyRecord],
  migrations,
  env: ordersEnv,
  buildSchema: () =>
    buildFederatedSchema(
      {
        resolvers: [LocationResolver, OrderResolver, Level3LineItemResolver, LoyaltyTransactionOrderResolver],
        // Reached from no field of this subgraph: the gateway brings it, from loyalty, for its `order`.
        orphanedTypes: [LoyaltyTransactionRef],
      },
      { ...locationReference, ...orderReference },
    ),
  createRuntime: async ({ config }) => ({
    // Hosted checkout return and cancel URLs: plain http to localhost only while developing.
    allowLoopbackHttpUrls: config.NODE_ENV !== 'production',
    payments: new EntityClient(settingsOf(ordersEnv, config).PAYMENTS_URL, config.INTERNAL_JWT_SECRET),
  }),
  buildContext,
  seedDemo,
};
