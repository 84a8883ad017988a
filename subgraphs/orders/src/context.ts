import type { EntityClient, RequestContext, SubgraphRuntime } from '@pos/kit';
import { createLocationLoader } from './modules/location/location.loader';
import { LocationService } from './modules/location/location.service';
import { createOrderLoader, createOrderPagesByLocation } from './modules/order/order.loader';
import { OrderService } from './modules/order/order.service';

/** What the orders subgraph decides once at start-up, from its settings. */
export interface OrdersRuntime extends SubgraphRuntime {
  /** Hosted checkout URLs may be http on a loopback host (never in production). */
  allowLoopbackHttpUrls: boolean;
  /** The payments subgraph, read through the graph for the payment that completes a hosted checkout. */
  payments: EntityClient;
}

export function buildContext(base: RequestContext, runtime: OrdersRuntime) {
  const services = {
    locations: new LocationService(base.em),
    orders: new OrderService(base.em, {
      allowLoopbackHttpUrls: runtime.allowLoopbackHttpUrls,
      payments: runtime.payments,
      requestId: base.requestId,
    }),
  };
  const { principal } = base;
  return {
    ...base,
    services,
    loaders: {
      location: createLocationLoader(services.locations, principal),
      order: createOrderLoader(services.orders, principal),
      orderPagesByLocation: createOrderPagesByLocation(services.orders, principal),
    },
  };
}

export type OrdersContext = ReturnType<typeof buildContext>;
