import { type Principal, manyByKey, oneByKey } from '@pos/kit';
import type { Order } from './order.entity';
import type { OrderService } from './order.service';

export const createOrderLoader = (service: OrderService, principal: Principal | null) =>
  oneByKey<string, Order>(
    (ids) => (principal ? service.byIds(principal, ids) : Promise.resolve([])),
    (o) => o.id,
  );

export const createOrdersByLocationLoader = (service: OrderService, principal: Principal | null) =>
  manyByKey<number, Order>(
    (ids) => (principal ? service.byLocations(principal, ids) : Promise.resolve([])),
    (o) => o.locationId,
  );
