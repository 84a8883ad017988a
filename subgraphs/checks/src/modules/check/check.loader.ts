import DataLoader from 'dataloader';
import { type ConnectionPage, type PageRequest, type Principal, emptyConnection, manyByKey, oneByKey } from '@pos/kit';
import type { Check } from './check.entity';
import type { CheckQuery, CheckService } from './check.service';

const none = () => Promise.resolve([] as Check[]);

/** A check's second key as one string; location ids are digits, so the first ':' is always the separator. */
export const posRefKey = (locationId: number, posRef: string) => `${locationId}:${posRef}`;

export const createCheckLoaders = (service: CheckService, principal: Principal | null) => {
  // One loader per distinct filter and page: the Location.checks of one request that share them share one query.
  const pages = new Map<string, DataLoader<number, ConnectionPage<Check>>>();
  return {
    check: oneByKey<string, Check>(
      (ids) => (principal ? service.byIds(principal, ids) : none()),
      (c) => c.id,
    ),
    checkByPosRef: oneByKey<string, Check>(
      (keys) => {
        if (!principal) return none();
        return service.byPosRefs(
          principal,
          keys.map((key) => {
            const at = key.indexOf(':');
            return { locationId: Number(key.slice(0, at)), posRef: key.slice(at + 1) };
          }),
        );
      },
      (c) => posRefKey(c.locationId, c.posRef),
    ),
    checksByLocation(query: CheckQuery, page: PageRequest): DataLoader<number, ConnectionPage<Check>> {
      const cacheKey = JSON.stringify([[...query.status].sort(), query.orderNumber, page]);
      let loader = pages.get(cacheKey);
      if (!loader) {
        loader = new DataLoader(async (ids: readonly number[]) => {
          const found = principal ? await service.pagesAtLocations(principal, ids, query, page) : null;
          return ids.map((id) => found?.get(id) ?? emptyConnection<Check>({}));
        });
        pages.set(cacheKey, loader);
      }
      return loader;
    },
    checksByOrder: manyByKey<string, Check>(
      (ids) => (principal ? service.byOrders(principal, ids) : none()),
      (c) => c.orderId!,
    ),
  };
};
