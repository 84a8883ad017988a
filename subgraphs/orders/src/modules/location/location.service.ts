import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConnectionArgs,
  type ConnectionPage,
  SortDirection,
  callerScope,
  type Principal,
  mayActAtLocation,
  paginate,
} from '@pos/kit';
import { Location } from './location.entity';

/** Reads of locations, always within the caller's tenant. */
export class LocationService {
  constructor(private readonly em: EntityManager) {}

  /** A page of the caller's locations (a POS user's: those of its roles), oldest first. */
  list(principal: Principal, page: ConnectionArgs): Promise<ConnectionPage<Location>> {
    return paginate(this.em, Location, callerScope(principal, 'id'), page, { direction: SortDirection.ASC });
  }

  /** Locations by id for the caller; ids of other tenants (or outside a POS user's roles) are simply absent. */
  byIds(principal: Principal, ids: readonly number[]): Promise<Location[]> {
    const allowed = ids.filter((id) => mayActAtLocation(principal, id));
    return allowed.length
      ? this.em.find(Location, { id: { $in: allowed }, tenantId: principal.tenantId })
      : Promise.resolve([]);
  }
}
