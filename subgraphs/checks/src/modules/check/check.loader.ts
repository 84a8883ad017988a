import { type Principal, manyByKey, oneByKey } from '@pos/kit';
import type DataLoader from 'dataloader';
import type { Check } from './check.entity';
import type { CheckQuery, CheckService } from './check.service';

const none = () => Promise.resolve([] as Check[]);

/** A check's second key as one string; location ids are digits, so the first ':' is always the separator. */
export const posRefKey = (locationId: number, posRef: string) => `${locationId}:${posRef}`;

export const createCheckLoaders = (service: CheckService, principal: Principal | null) => {
  // One loader per distinct filter: the Location.checks of one request that share a filter share one query.
  const byLocation = new Map<string, DataLoader<number, Check[]>>();
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
    checksByLocation(query: CheckQuery): DataLoader<number, Check[]> {
      const cacheKey = JSON.stringify([[...query.status].sort(), query.orderNumber]);
      let loader = byLocation.get(cacheKey);
      if (!loader) {
        loader = manyByKey<number, Check>(
          (ids) => (principal ? service.byLocations(principal, ids, query) : none()),
          (c) => c.locationId,
        );
        byLocation.set(cacheKey, loader);
      }
      return loader;
    },
    openChecksByLocation: manyByKey<number, Check>(
      (ids) => (principal ? service.openByLocations(principal, ids) : none()),
      (c) => c.locationId,
    ),
    checksByOrder: manyByKey<string, Check>(
      (ids) => (principal ? service.byOrders(principal, ids) : none()),
      (c) => c.orderId!,
    ),
  };
};
