import type { RequestContext } from '@pos/kit';
import { createLocationLoader } from './modules/location/location.loader';
import { LocationService } from './modules/location/location.service';
import { createOrderLoader, createOrdersByLocationLoader } from './modules/order/order.loader';
import { OrderService } from './modules/order/order.service';

export function buildContext(base: RequestContext) {
  const services = { locations: new LocationService(base.em), orders: new OrderService(base.em) };
  const { principal } = base;
  return {
    ...base,
    services,
    loaders: {
      location: createLocationLoader(services.locations, principal),
      order: createOrderLoader(services.orders, principal),
      ordersByLocation: createOrdersByLocationLoader(services.orders, principal),
    },
  };
}

export type OrdersContext = ReturnType<typeof buildContext>;
