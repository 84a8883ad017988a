import type { EntityManager } from '@mikro-orm/postgresql';
import { callerScope, type Principal, mayActAtLocation } from '@pos/kit';
import { Location } from './location.entity';

/** Reads of locations, always within the caller's tenant. */
export class LocationService {
  constructor(private readonly em: EntityManager) {}

  list(principal: Principal): Promise<Location[]> {
    return this.em.find(Location, callerScope(principal, 'id'), { orderBy: { id: 'asc' } });
  }

  /** Locations by id for the caller; ids of other tenants (or outside a POS user's roles) are simply absent. */
  byIds(principal: Principal, ids: readonly number[]): Promise<Location[]> {
    const allowed = ids.filter((id) => mayActAtLocation(principal, id));
    return allowed.length
      ? this.em.find(Location, { id: { $in: allowed }, tenantId: principal.tenantId })
      : Promise.resolve([]);
  }
}
