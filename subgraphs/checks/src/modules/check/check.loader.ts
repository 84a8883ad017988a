import { type Principal, manyByKey, oneByKey } from '@pos/kit';
import type { Check } from './check.entity';
import type { CheckService } from './check.service';

const none = () => Promise.resolve([] as Check[]);

export const createCheckLoaders = (service: CheckService, principal: Principal | null) => ({
  check: oneByKey<string, Check>(
    (ids) => (principal ? service.byIds(principal, ids) : none()),
    (c) => c.id,
  ),
  openChecksByLocation: manyByKey<number, Check>(
    (ids) => (principal ? service.openByLocations(principal, ids) : none()),
    (c) => c.locationId,
  ),
  checksByOrder: manyByKey<string, Check>(
    (ids) => (principal ? service.byOrders(principal, ids) : none()),
    (c) => c.orderId!,
  ),
});
