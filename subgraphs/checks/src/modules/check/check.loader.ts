import { type Principal, manyByKey, oneByKey, pagesByParent } from '@pos/kit';
import type { Check } from './check.entity';
import type { CheckQuery, CheckService } from './check.service';

const none = () => Promise.resolve([] as Check[]);

/** A check's second key as one string; location ids are digits, so the first ':' is always the separator. */
export const posRefKey = (locationId: number, posRef: string) => `${locationId}:${posRef}`;

export const createCheckLoaders = (service: CheckService, principal: Principal | null) => ({
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
  // Location.checks: the locations of one request that ask for the same page share one query.
  checksByLocation: pagesByParent<number, Check, CheckQuery>((ids, query, page) =>
    principal ? service.pagesAtLocations(principal, ids, query, page) : Promise.resolve(new Map()),
  ),
  checksByOrder: manyByKey<string, Check>(
    (ids) => (principal ? service.byOrders(principal, ids) : none()),
    (c) => c.orderId!,
  ),
});
