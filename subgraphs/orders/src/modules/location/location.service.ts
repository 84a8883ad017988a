import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '@pos/kit';
import { Location } from './location.entity';

/** Reads of locations, always within the caller's tenant. */
export class LocationService {
  constructor(private readonly em: EntityManager) {}

  list(principal: Principal): Promise<Location[]> {
    return this.em.find(Location, { tenantId: principal.tenantId }, { orderBy: { id: 'asc' } });
  }

  /** Locations by id for the caller's tenant; ids of other tenants are simply absent. */
  byIds(principal: Principal, ids: readonly number[]): Promise<Location[]> {
    return this.em.find(Location, { id: { $in: [...ids] }, tenantId: principal.tenantId });
  }
}
