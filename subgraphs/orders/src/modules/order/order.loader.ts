import { type Principal, oneByKey, pagesByParent } from '@pos/kit';
import type { Order, OrderOrder } from './order.entity';
import type { OrderListFilter } from './order.inputs';
import type { OrderService } from './order.service';

export const createOrderLoader = (service: OrderService, principal: Principal | null) =>
  oneByKey<string, Order>(
    (ids) => (principal ? service.byIds(principal, ids) : Promise.resolve([])),
    (o) => o.id,
  );

/** Location.orders: the same page of many locations' orders in one query, per filter and page. */
export const createOrderPagesByLocation = (service: OrderService, principal: Principal | null) =>
  pagesByParent<number, Order, { filter: OrderListFilter | null; orderBy: OrderOrder | null }>((ids, query, page) =>
    principal ? service.pagesAtLocations(principal, ids, query, page) : Promise.resolve(new Map()),
  );
