import { type Principal, oneByKey } from '@pos/kit';
import type { LocationService } from './location.service';

export const createLocationLoader = (service: LocationService, principal: Principal | null) =>
  oneByKey<number, import('./location.entity').Location>(
    (ids) => (principal ? service.byIds(principal, ids) : Promise.resolve([])),
    (location) => location.id,
  );
